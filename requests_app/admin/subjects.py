"""The people requests are about, in the admin: who they are, and whether their data key lives.

A subject's name and preferred language may be corrected; the email and phone may not,
since the hashes that match later requests to the person were computed from them, and
subjects are neither added nor deleted here. Their data keys show only when each was
made and whether the contact purge destroyed it, never the key.
"""

from django.contrib import admin

from orgs.admin.shared import IdentifierSearchMixin, ViewOnlyMixin
from orgs.admin.times import zoned_times
from orgs.identifiers import IdentifierKind
from requests_app.models import DataSubject, SubjectKey


@admin.register(SubjectKey)
@zoned_times("created_at", "destroyed_at", model=SubjectKey)
class SubjectKeyAdmin(ViewOnlyMixin, admin.ModelAdmin):
    # Whether a person's data key exists or was destroyed by the purge; never the key itself.
    list_display = ("subject", "created_at", "destroyed_at")
    list_filter = (("destroyed_at", admin.EmptyFieldListFilter),)
    list_select_related = ("subject",)
    fields = readonly_fields = ("subject", "created_at", "destroyed_at")


@admin.register(DataSubject)
class DataSubjectAdmin(IdentifierSearchMixin, admin.ModelAdmin):
    list_display = ("__str__", "preferred_language", "created_at", "contact_purged_at")
    list_filter = ("preferred_language", ("contact_purged_at", admin.EmptyFieldListFilter))
    search_fields = ("requests__reference",)
    # Only email and phone hashes are indexed on subjects.
    identifier_kinds = (IdentifierKind.EMAIL, IdentifierKind.PHONE)
    date_hierarchy = "created_at"
    fields = (
        "masked_identifiers", "full_name", "email", "phone", "preferred_language", "created_at", "contact_purged_at"
    )
    # Email and phone are what the matching hashes were computed from: editing them here
    # would leave the hashes pointing at the old values.
    readonly_fields = ("masked_identifiers", "email", "phone", "created_at", "contact_purged_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

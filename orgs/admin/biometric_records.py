"""Biometric records, view only.

A biometric template never reaches the admin: the record's queryset defers the
ciphertext, no form, list, read-only field or search names it, and records cannot be
added here (templates arrive encrypted through the vault).
"""

from django.contrib import admin
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.translation import gettext_lazy as _

from orgs.admin.shared import IdentifierSearchMixin, ViewOnlyMixin
from orgs.models import BiometricRecord


@admin.register(BiometricRecord)
class BiometricRecordAdmin(ViewOnlyMixin, IdentifierSearchMixin, admin.ModelAdmin):
    # Explicit, so a field added to the model later does not appear here by default.
    FIELDS = (
        "organisation", "system", "activity", "modality", "masked_identifiers", "has_template",
        "collected_at", "retain_until", "state", "tombstoned_at", "tombstone_reason",
    )
    fields = readonly_fields = FIELDS
    list_display = (
        "__str__", "organisation", "system", "activity", "modality", "state", "has_template",
        "collected_at", "retain_until", "tombstoned_at",
    )
    list_filter = ("state", "modality", "organisation")
    search_fields = ("masked_identifiers", "organisation__name", "system__name")
    list_select_related = ("organisation", "system", "activity")
    date_hierarchy = "collected_at"

    def get_queryset(self, request):
        # The ciphertext is never even loaded; whether one exists is asked of the database.
        return (
            super().get_queryset(request)
            .defer("template_ciphertext")
            .annotate(
                stored_template=ExpressionWrapper(
                    Q(template_ciphertext__isnull=False), output_field=BooleanField()
                )
            )
        )

    @admin.display(description=_("template stored (encrypted)"), boolean=True, ordering="stored_template")
    def has_template(self, obj):
        return obj.stored_template

    # View only: templates come in through the vault, encrypted; deletion and restriction
    # go through fulfilment, which keeps the tombstone and the request's audit trail.

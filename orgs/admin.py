"""Admin for organisations, their people, systems, activities and biometric records.

A biometric template never reaches the admin: the record's queryset defers the
ciphertext, no form, list, read-only field or search names it, and records cannot be
added here (templates arrive encrypted through the vault).
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.translation import gettext_lazy as _

from orgs.identifiers import IdentifierKind, identifier_hash, normalise
from orgs.models import BiometricRecord, DataSystem, Membership, Organisation, ProcessingActivity


def identifier_hashes_for(term: str, kinds=tuple(IdentifierKind)) -> dict[str, str]:
    """{kind: hash} for every identifier kind the search term is a valid value of."""
    hashes = {}
    for kind in kinds:
        try:
            hashes[kind.value] = identifier_hash(kind, normalise(kind, term))
        except ValidationError:
            continue
    return hashes


class IdentifierSearchMixin:
    """Find a person's rows by typing their email, phone or number.

    The term is normalised and hashed as intake does, then matched against the
    `*_hash` columns; those columns are never in search_fields, where a substring of a
    hash means nothing. Only indexed hash columns are listed, so a search stays cheap.
    """

    identifier_kinds = tuple(IdentifierKind)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        condition = Q()
        for kind, value in identifier_hashes_for(search_term.strip(), self.identifier_kinds).items():
            condition |= Q(**{f"{kind}_hash": value})
        if search_term.strip() and condition:
            results |= queryset.filter(condition)
        return results, may_have_duplicates


# A webhook URL typed without a scheme is meant as https (and Django 6 will assume it).
WEBHOOK_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)

    def get_queryset(self, request):
        # Each row's label is str(membership): user and organisation.
        return super().get_queryset(request).select_related("user", "organisation")


class DataSystemInline(admin.TabularInline):
    model = DataSystem
    extra = 0
    fields = ("name", "connector", "owner", "webhook_url", "holds_personal_data")
    raw_id_fields = ("owner",)
    show_change_link = True
    formfield_overrides = WEBHOOK_HTTPS


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "city", "jurisdiction", "accepts_public_requests", "created_at")
    list_filter = ("jurisdiction", "kind", "accepts_public_requests")
    search_fields = ("name", "slug", "city")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "created_at"
    readonly_fields = ("created_at",)
    inlines = (MembershipInline, DataSystemInline)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role", "organisation")
    search_fields = ("user__username", "user__email", "organisation__name")
    list_select_related = ("user", "organisation")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(DataSystem)
class DataSystemAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "connector", "owner", "holds_personal_data")
    list_filter = ("connector", "holds_personal_data", "organisation")
    search_fields = ("name", "organisation__name")
    list_select_related = ("organisation", "owner")
    raw_id_fields = ("owner",)
    formfield_overrides = WEBHOOK_HTTPS


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(admin.ModelAdmin):
    list_display = (
        "name", "organisation", "collection_point", "modality", "legal_basis", "consent_type",
        "retention_days", "statutory_retention",
    )
    list_filter = ("modality", "legal_basis", "consent_type", "statutory_retention", "organisation")
    search_fields = ("name", "collection_point", "organisation__name")
    list_select_related = ("organisation",)


@admin.register(BiometricRecord)
class BiometricRecordAdmin(IdentifierSearchMixin, admin.ModelAdmin):
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

    # Templates come in through the vault, encrypted; deletion and restriction go
    # through fulfilment, which keeps the tombstone and the request's audit trail.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""Organisations, with their members and data systems inline, and the memberships."""

from django.contrib import admin

from orgs.admin.shared import WEBHOOK_HTTPS
from orgs.models import DataSystem, Membership, Organisation


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
    list_display = ("name", "name_zh", "slug", "kind", "city", "jurisdiction", "accepts_public_requests",
                    "created_at")
    list_filter = ("jurisdiction", "kind", "accepts_public_requests")
    search_fields = ("name", "name_zh", "slug", "city", "city_zh")
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

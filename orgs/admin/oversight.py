"""Regulators in the admin: authorities and their regulator logins, the grants of
read-only access (made and revoked here, by an administrator, who is recorded), the record
of every view (read only) and the orders and inquiries (read only: they are sent from
/oversight/ and answered on the desk)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orgs import oversight
from orgs.admin.shared import ViewOnlyMixin
from orgs.admin.times import zoned_times
from orgs.models import (
    Authority, OversightAccess, OversightGrant, OversightOrder, OversightOrderEvent, OversightReminder, Regulator,
)


class RegulatorInline(admin.TabularInline):
    model = Regulator
    fields = ("user", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "kind", "jurisdiction", "contact_email")
    list_filter = ("kind", "jurisdiction")
    search_fields = ("name", "name_zh")
    inlines = [RegulatorInline]


@admin.register(Regulator)
class RegulatorAdmin(admin.ModelAdmin):
    """A login made a regulator of an authority (it must pass a second factor from then on)."""

    list_display = ("user", "authority", "created_at")
    list_select_related = ("user", "authority")
    list_filter = ("authority",)
    raw_id_fields = ("user",)
    search_fields = ("user__username",)


@admin.register(OversightGrant)
@zoned_times("created_at", "revoked_at", model=OversightGrant)
class OversightGrantAdmin(admin.ModelAdmin):
    list_display = ("organisation", "authority", "regulator", "starts_on", "ends_on", "revoked_at", "granted_by")
    list_select_related = ("organisation", "authority", "regulator__user", "granted_by")
    list_filter = ("authority", "organisation")
    fields = ("authority", "regulator", "organisation", "starts_on", "ends_on", "reason", "granted_by", "created_at",
              "revoked_at", "revoked_by")
    readonly_fields = ("granted_by", "created_at", "revoked_at", "revoked_by")
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # A grant's scope is what it was when made; to change it, revoke it and make another.
        if obj is not None:
            return ("authority", "regulator", "organisation", *self.readonly_fields)
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # the history of views points at it: revoke instead

    @admin.action(description=_("Revoke the selected grants now"))
    def revoke(self, request, queryset):
        done = sum(oversight.revoke(grant, by=request.user) for grant in queryset)
        self.message_user(request, ngettext("%(n)d grant revoked.", "%(n)d grants revoked.", done) % {"n": done},
                          messages.SUCCESS)


@admin.register(OversightAccess)
@zoned_times("at", model=OversightAccess)
class OversightAccessAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "organisation", "authority", "user", "kind", "object_ref")
    list_select_related = ("organisation", "authority", "user")
    list_filter = ("kind", "authority", "organisation")
    fields = ("at", "organisation", "authority", "user", "grant", "kind", "object_ref")
    actions = None


class OrderEventInline(ViewOnlyMixin, admin.TabularInline):
    model = OversightOrderEvent
    fields = ("at", "step", "from_status", "to_status", "by")
    readonly_fields = fields
    extra = 0


@admin.register(OversightOrder)
@zoned_times("created_at", "due_at", "answered_at", model=OversightOrder)
class OversightOrderAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("label", "organisation", "authority", "kind", "status", "due_on", "created_at")
    list_select_related = ("organisation", "authority")
    list_filter = ("status", "kind", "authority", "organisation")
    fields = ("organisation", "authority", "sent_by", "kind", "reference", "text", "point", "due_on", "due_at",
              "status", "erasure_order", "answer", "answer_certificate", "answered_at", "answered_by", "created_at")
    inlines = [OrderEventInline]
    actions = None


@admin.register(OversightOrderEvent)
@zoned_times("at", model=OversightOrderEvent)
class OversightOrderEventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "order", "step", "from_status", "to_status", "by")
    list_select_related = ("order__organisation", "by")
    fields = ("order", "at", "step", "from_status", "to_status", "by")
    actions = None


@admin.register(OversightReminder)
@zoned_times("sent_at", model=OversightReminder)
class OversightReminderAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("order", "stage", "sent_at")
    list_select_related = ("order__organisation",)
    list_filter = ("stage",)
    fields = ("order", "stage", "sent_at", "recipients")
    actions = None

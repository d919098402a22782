"""Data systems (with their webhook secrets, shown once), processing activities, and
the duties to keep the identifiers of deleted records.

A webhook secret never reaches the admin in clear after it is generated: it is shown
once and stored only encrypted.
"""

import secrets

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orgs import register
from orgs.admin.shared import WEBHOOK_HTTPS
from orgs.models import DataSystem, ProcessingActivity, RetentionDuty


@admin.register(DataSystem)
class DataSystemAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "connector", "owner", "holds_personal_data", "has_webhook_secret")
    list_filter = ("connector", "holds_personal_data", "organisation")
    search_fields = ("name", "organisation__name")
    list_select_related = ("organisation", "owner")
    raw_id_fields = ("owner",)
    readonly_fields = ("has_webhook_secret",)
    formfield_overrides = WEBHOOK_HTTPS
    actions = ("generate_webhook_secret",)

    def get_queryset(self, request):
        # Whether a secret is set is asked of the database; its ciphertext is never loaded.
        return (
            super().get_queryset(request)
            .defer("webhook_secret_ciphertext")
            .annotate(
                secret_set=ExpressionWrapper(Q(webhook_secret_ciphertext__isnull=False), output_field=BooleanField())
            )
        )

    @admin.display(description=_("webhook secret set"), boolean=True, ordering="secret_set")
    def has_webhook_secret(self, obj):
        return getattr(obj, "secret_set", obj.webhook_secret_ciphertext is not None) if obj.pk else False

    @admin.action(description=_("Generate a new webhook secret"), permissions=["change"])
    def generate_webhook_secret(self, request, queryset):
        """Set a fresh random secret on each selected webhook system and show it, this once.

        The page is rendered here rather than through a message after a redirect: a
        message is kept in a cookie or the session until shown, and the secret must not
        be kept anywhere in clear. Only its ciphertext is stored.
        """
        webhook = queryset.filter(connector=DataSystem.Connector.WEBHOOK).select_related("organisation")
        skipped = queryset.exclude(connector=DataSystem.Connector.WEBHOOK).count()
        if skipped:
            self.message_user(request, ngettext(
                "%(count)d selected system is not a webhook system and has no secret; it was left alone.",
                "%(count)d selected systems are not webhook systems and have no secret; they were left alone.",
                skipped,
            ) % {"count": skipped}, messages.WARNING)
        issued = []
        with transaction.atomic():
            for system in webhook.select_for_update(of=("self",)):
                secret = secrets.token_urlsafe(32)
                system.set_webhook_secret(secret)
                system.save(update_fields=["webhook_secret_ciphertext"])
                issued.append((system, secret))
        if not issued:
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("New webhook secrets"),
            "opts": self.opts,
            "issued": issued,
            "changelist_url": reverse("admin:orgs_datasystem_changelist"),
        }
        # The admin's views are never_cache: the page is not kept by the browser either.
        return TemplateResponse(request, "admin/orgs/datasystem/webhook_secrets.html", context)


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(admin.ModelAdmin):
    list_display = (
        "name", "organisation", "collection_point", "modality", "legal_basis", "consent_type",
        "retention_days", "statutory_retention",
    )
    list_filter = ("modality", "legal_basis", "consent_type", "statutory_retention", "organisation")
    search_fields = ("name", "collection_point", "organisation__name")
    list_select_related = ("organisation",)

    def save_model(self, request, obj, form, change):
        # Through the register: a changed purpose, basis, modality or retention of an activity
        # with live devices makes its impact assessment due for review (Measures art. 9).
        if register.save_activity(obj):
            self.message_user(request, _("What the impact assessment assessed has changed: it is now due for review "
                                         "(Measures art. 9)."), messages.WARNING)


@admin.register(RetentionDuty)
class RetentionDutyAdmin(admin.ModelAdmin):
    """A duty the organisation names, with its legal basis, to keep the identifiers of the
    records it deletes; certificates then say so. Without one, tombstones keep none."""

    list_display = ("name", "organisation", "activity", "legal_basis", "recorded_at", "recorded_by")
    list_filter = ("organisation",)
    list_select_related = ("organisation", "activity", "recorded_by")
    fields = ("organisation", "activity", "name", "legal_basis", "recorded_at", "recorded_by")
    readonly_fields = ("recorded_at", "recorded_by")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

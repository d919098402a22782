"""Outgoing event webhooks (requests_app/delivery/event_webhooks.py), whose signing secrets are
shown once and stored only encrypted, and the members' API tokens, view only."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from orgs.admin.shared import WEBHOOK_HTTPS, ViewOnlyMixin
from orgs.models import ApiToken, EventSubscription


class EventSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), assume_scheme="https")
    events = forms.MultipleChoiceField(choices=EventSubscription.Event.choices, widget=forms.CheckboxSelectMultiple,
                                       label=_("events"))

    class Meta:
        model = EventSubscription
        fields = ("organisation", "url", "events", "active", "legacy_signature")


def _show_new_secrets(model_admin, request, issued, rotated=False):
    """The secrets page of the data systems, for subscriptions: shown once, never stored in clear."""
    from types import SimpleNamespace

    context = {
        **model_admin.admin_site.each_context(request),
        "rotation_note": _("The previous secret signs beside the new one for %(hours)s hours, then stops.") % {
            "hours": int(EventSubscription.ROTATION_OVERLAP.total_seconds() // 3600)} if rotated else "",
        "title": _("New signing secrets"),
        "opts": model_admin.opts,
        "issued": [(SimpleNamespace(name=sub.url, organisation=sub.organisation), secret) for sub, secret in issued],
        "changelist_url": reverse("admin:orgs_eventsubscription_changelist"),
    }
    return TemplateResponse(request, "admin/orgs/datasystem/webhook_secrets.html", context)


@admin.register(EventSubscription)
class EventSubscriptionAdmin(admin.ModelAdmin):
    """A subscription's signing secret is made when it is added and shown on the next page,
    once; the action makes a new one, and the old one signs beside it for a while (rotation)."""

    form = EventSubscriptionForm
    list_display = ("url", "organisation", "events", "active", "created_at")
    list_filter = ("active", "organisation")
    list_select_related = ("organisation",)
    formfield_overrides = WEBHOOK_HTTPS
    actions = ("generate_secret",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("secret_ciphertext")

    def save_model(self, request, obj, form, change):
        if not change:
            request._new_subscription_secret = EventSubscription.new_secret()
            obj.set_secret(request._new_subscription_secret)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "_new_subscription_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return _show_new_secrets(self, request, [(obj, secret)])

    @admin.action(description=_("Generate a new signing secret"), permissions=["change"])
    def generate_secret(self, request, queryset):
        issued = []
        with transaction.atomic():
            for subscription in queryset.select_related("organisation").select_for_update(of=("self",)):
                secret = EventSubscription.new_secret()
                subscription.set_secret(secret, rotate=True)
                subscription.save(update_fields=["secret_ciphertext", "previous_secret_ciphertext",
                                                 "previous_secret_until"])
                issued.append((subscription, secret))
        return _show_new_secrets(self, request, issued, rotated=True) if issued else None


@admin.register(ApiToken)
class ApiTokenAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Who holds which API token and whether it still works; never the token or its hash.
    Members create and revoke their own on their account page."""

    list_display = ("name", "user", "organisation", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("organisation", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "user__username", "prefix")
    list_select_related = ("user", "organisation")
    fields = readonly_fields = list_display

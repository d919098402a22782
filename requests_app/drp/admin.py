"""The DRP in the admin: an administrator registers an authorised agent out of band (DRP
3.05: from the agent directory), with its verify key, its callback prefixes and the
organisations it may address. Tokens, requests and callbacks are only looked at: tokens
show never more than which pair holds one, requests change only through the workflow.
"""

import base64
import binascii

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from nacl.encoding import Base64Encoder
from nacl.signing import VerifyKey

from orgs.admin.shared import ViewOnlyMixin
from requests_app.models import DrpAgent, DrpCallback, DrpMessage, DrpRequest, DrpToken


class DrpAgentForm(forms.ModelForm):
    identity_assurance_url = forms.URLField(label=_("identity assurance document"), required=False,
                                            assume_scheme="https")

    class Meta:
        model = DrpAgent
        fields = ("agent_id", "name", "verify_key", "contact_email", "identity_assurance_url", "callback_prefixes",
                  "organisations", "active")

    def clean_verify_key(self):
        """Base64 as the DRP directory holds it since DRP 0.9.1; a key given in hex (64
        digits, as before 0.9.1) is taken and stored as base64."""
        value = self.cleaned_data["verify_key"].strip()
        if len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value):
            value = base64.b64encode(bytes.fromhex(value)).decode()
        try:
            VerifyKey(value.encode(), encoder=Base64Encoder)
        except (binascii.Error, ValueError, TypeError):
            raise forms.ValidationError(_("Give the 32-byte Ed25519 verify key, base64-encoded.")) from None
        return value

    def clean_callback_prefixes(self):
        lines = [line.strip() for line in self.cleaned_data["callback_prefixes"].splitlines() if line.strip()]
        for line in lines:
            if not line.startswith(("https://", "http://")) or line.count("/") < 3:
                raise forms.ValidationError(_("Each prefix is a URL with its host and a path, e.g. "
                                              "https://agent.example/drp/."))
        return "\n".join(lines)


@admin.register(DrpAgent)
class DrpAgentAdmin(admin.ModelAdmin):
    form = DrpAgentForm
    list_display = ("agent_id", "name", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("agent_id", "name")
    filter_horizontal = ("organisations",)

    def has_delete_permission(self, request, obj=None):
        return False  # its requests keep pointing at it; deactivate it instead


@admin.register(DrpToken)
class DrpTokenAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("agent", "organisation", "created_at")
    fields = readonly_fields = ("agent", "organisation", "created_at")


@admin.register(DrpMessage)
class DrpMessageAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """The replay store: a digest per signed message taken, kept until the message expires."""

    list_display = ("agent", "digest", "expires_at", "created_at")
    list_select_related = ("agent",)
    fields = readonly_fields = ("agent", "digest", "expires_at", "created_at")


@admin.register(DrpRequest)
class DrpRequestAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("request_id", "agent", "organisation", "exercise", "rights_request", "received_at")
    list_filter = ("agent", "exercise")
    list_select_related = ("agent", "organisation", "rights_request")
    fields = readonly_fields = ("request_id", "agent", "organisation", "rights_request", "agent_request_id",
                                "exercise", "regime", "relationships", "status_callback", "received_at")


@admin.register(DrpCallback)
class DrpCallbackAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("key", "drp_request", "created_at", "attempts", "sent_at", "last_status")
    fields = readonly_fields = ("key", "drp_request", "payload", "created_at", "attempts", "sent_at", "last_status")

"""Passkeys in the admin: administrators see every user's passkeys (read-only) and may
remove a lost one, as they remove a lost authenticator app; nobody adds or edits one
here (a passkey is made by its owner's browser, on the account page)."""

from django.contrib import admin
from django_otp_webauthn.admin import WebAuthnCredentialAdmin
from django_otp_webauthn.utils import get_credential_model

WebAuthnCredential = get_credential_model()


class PasskeyAdmin(WebAuthnCredentialAdmin):
    list_display = ["name", "user", "created_at", "last_used_at", "discoverable", "backup_eligible"]
    search_fields = ["name", "user__username"]

    def has_change_permission(self, request, obj=None):
        return False


if admin.site.is_registered(WebAuthnCredential):
    admin.site.unregister(WebAuthnCredential)
admin.site.register(WebAuthnCredential, PasskeyAdmin)

"""Passkeys (WebAuthn, django-otp-webauthn) as a second factor beside the authenticator app.

A signed-in person registers passkeys on their account page, each under a name of their
choosing; at the second step of sign-in a passkey does what the app's code does
(orgs/accounts/passkey_views.py). A passkey is a django-otp device like the app, so
`second_factor.second_factor_state` counts it; backup codes only back a device up and
never count as one on their own.

Removal follows the rule of the app: whoever must use a second factor (`otp_mandatory`)
cannot remove the last one they have. Adding and removing a passkey are written to the
person's history in the admin (LogEntry), as an administrator's unlock is.
"""

from __future__ import annotations

import logging

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_noop
from django_otp_webauthn.helpers import WebAuthnHelper

import django_otp

log = logging.getLogger("rightsdesk.signin")

NAME_MAX_LENGTH = 64  # django-otp's Device.name
# The admin's history shows "Added passkey “Laptop”." in the reader's language
# (Django translates the name of a structured change message when it shows it).
HISTORY_NAME = gettext_noop("passkey")


class RemovalRefused(Exception):
    """The passkey is the last second factor of someone whose role needs one."""


def credentials():
    from django_otp_webauthn.utils import get_credential_model

    return get_credential_model().objects


def site_origin() -> str:
    """The address passkeys work at (settings.OTP_WEBAUTHN_ALLOWED_ORIGINS, from SITE_URL)."""
    from django.conf import settings

    return settings.OTP_WEBAUTHN_ALLOWED_ORIGINS[0]


def passkeys_of(user) -> list:
    """The user's passkeys, oldest first."""
    return list(credentials().filter(user=user, confirmed=True).order_by("created_at", "pk"))


def has_passkey(user) -> bool:
    return user.is_authenticated and credentials().filter(user=user, confirmed=True).exists()


def _other_devices(user, passkey) -> list:
    """The second factors the user keeps without `passkey`: the app, then other passkeys."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    apps = list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"))
    return apps + list(credentials().filter(user=user, confirmed=True).exclude(pk=passkey.pk).order_by("pk"))


def removal_refused(user, passkey) -> bool:
    """Removing `passkey` would leave someone who must use a second factor with none."""
    from orgs.accounts.second_factor import otp_mandatory  # which imports this module

    return otp_mandatory(user) and not _other_devices(user, passkey)


def remove_passkey(request, passkey_id: int) -> str:
    """Remove one of the signed-in user's own passkeys and return its name.

    Preconditions: `request.user` is signed in with a verified session. Raises
    LookupError when the user has no such passkey (someone else's included) and
    RemovalRefused when it is the last second factor of someone who needs one.
    Side effects, in one transaction with the user's row locked (two removals at once
    cannot both pass the last-factor rule): the passkey and its attestation are
    deleted; with no second factor left, the backup codes go too (they would otherwise
    come back to life with the next device); the removal is written to the user's admin
    history. A session verified by this very passkey stays verified through a device
    that remains. Not idempotent: a second call raises LookupError.
    """
    from django_otp.plugins.otp_static.models import StaticDevice

    user = request.user
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        passkey = credentials().filter(pk=passkey_id, user=user).first()
        if passkey is None:
            raise LookupError(passkey_id)
        if removal_refused(user, passkey):
            raise RemovalRefused(passkey_id)
        remaining = _other_devices(user, passkey)
        session_device = getattr(user, "otp_device", None)
        verified_by_it = session_device is not None and session_device.persistent_id == passkey.persistent_id
        name = passkey.name
        passkey.delete()
        if not remaining:
            StaticDevice.objects.filter(user=user).delete()
        _record(user, user, {"deleted": {"name": HISTORY_NAME, "object": name}})
    if verified_by_it and remaining:
        django_otp.login(request, remaining[0])
    log.info("passkey removed user=%s passkey=%s devices_left=%s", user.pk, passkey_id, len(remaining))
    return name


def record_added(request, passkey) -> None:
    """Write a newly registered passkey to its owner's admin history and the log."""
    _record(request.user, passkey.user, {"added": {"name": HISTORY_NAME, "object": passkey.name}})
    log.info("passkey added user=%s passkey=%s", passkey.user_id, passkey.pk)


def _record(actor, user, change: dict) -> None:
    LogEntry.objects.log_actions(
        user_id=actor.pk, queryset=get_user_model().objects.filter(pk=user.pk),
        action_flag=CHANGE, change_message=[change], single_object=True,
    )


class PasskeyHelper(WebAuthnHelper):
    """django-otp-webauthn's helper (settings.OTP_WEBAUTHN_HELPER_CLASS), keeping the
    name the person gave the passkey: the begin view sets `request.passkey_name`, the
    registration state carries it to the complete step, the new device gets it."""

    def get_registration_state(self, creation_options: dict) -> dict:
        state = super().get_registration_state(creation_options)
        state["name"] = getattr(self.request, "passkey_name", "")
        return state

    def register_complete(self, user, state: dict, data: dict):
        self.passkey_name = str(state.get("name") or "")[:NAME_MAX_LENGTH]
        return super().register_complete(user=user, state=state, data=data)

    def create_credential(self, user, response, parsed_credential, original_data):
        device = super().create_credential(user, response, parsed_credential, original_data)
        device.name = getattr(self, "passkey_name", "") or gettext("Passkey")
        return device

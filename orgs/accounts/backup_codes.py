"""Backup codes for the second factor (django-otp's static device).

An owner (any member with an authenticator app) generates ten single-use codes on
the account page; they are shown once. Each code works once at the second-factor step
(django-otp deletes it as it is used); generating new ones deletes every old one.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

CODE_COUNT = 10


def _devices():
    from django_otp.plugins.otp_static.models import StaticDevice

    return StaticDevice.objects


def backup_device(user):
    """The user's backup-code device, or None."""
    return _devices().filter(user=user, confirmed=True).order_by("pk").first()


def remaining_codes(user) -> int:
    device = backup_device(user)
    return device.token_set.count() if device else 0


def issue_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with CODE_COUNT new ones and return them (the
    only time they are shown). Not idempotent: every call revokes the previous set."""
    from django_otp.plugins.otp_static.models import StaticToken

    with transaction.atomic():
        device = _devices().select_for_update().filter(user=user).order_by("pk").first()
        if device is None:
            device = _devices().create(user=user, name=_("Backup codes"), confirmed=True)
        elif not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        device.token_set.all().delete()
        codes: set[str] = set()
        while len(codes) < CODE_COUNT:
            codes.add(StaticToken.random_token())
        ordered = sorted(codes)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in ordered)
    return ordered

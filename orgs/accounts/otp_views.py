"""The pages of the second step of sign-in: the authenticator app's code (a passkey is
offered on the same page), a backup code in its place, and the set-up of an app.

Each page is for the signed-in person alone and checks the rule of
orgs/accounts/second_factor.py itself; the middleware there lets a session whose second
factor is pending reach only these pages (and the passkey's steps) and sign-out.
"""

from __future__ import annotations

import logging
from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from orgs.accounts import backup_codes, passkeys
from orgs.accounts.forms import BackupCodeForm, DeviceSetupForm, SecondFactorForm
from orgs.accounts.second_factor import (
    complete_second_factor,
    has_totp,
    is_verified,
    must_verify,
    otp_mandatory,
    second_factor_state,
    second_factor_url,
    totp_devices,
)
from orgs.accounts.sign_in import safe_next_url

log = logging.getLogger("rightsdesk.signin")


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """Step two: the 6-digit code of the user's app (django-otp's token form), or a
    passkey (offered here, used through orgs/accounts/passkey_views.py) for those who have one."""
    user, next_url = request.user, safe_next_url(request)
    if is_verified(user):
        return redirect(next_url)
    if second_factor_state(user) != "verify":
        return redirect(second_factor_url(user, next_url) if must_verify(user) else next_url)
    form = SecondFactorForm(user, request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            complete_second_factor(request, user.otp_device)
            return redirect(next_url)
        log.warning("second factor refused user=%s", user.pk)
    context = {"form": form, "next": next_url, "has_totp": has_totp(user), "has_passkey": passkeys.has_passkey(user),
               "passkey_origin": passkeys.site_origin()}
    return render(request, "registration/otp_verify.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def otp_backup(request):
    """Step two with a backup code instead of the app's code; the code is used up."""
    user, next_url = request.user, safe_next_url(request)
    if is_verified(user):
        return redirect(next_url)
    if second_factor_state(user) != "verify":
        return redirect(second_factor_url(user, next_url) if must_verify(user) else next_url)
    form = BackupCodeForm(user, request, data=request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            complete_second_factor(request, user.otp_device)
            left = backup_codes.remaining_codes(user)
            messages.warning(request, ngettext(
                "You signed in with a backup code; %(count)d code is left. Generate new ones on your account page.",
                "You signed in with a backup code; %(count)d codes are left. Generate new ones on your account page.",
                left) % {"count": left})
            return redirect(next_url)
        log.warning("backup code refused user=%s", user.pk)
    context = {"form": form, "next": next_url, "has_totp": has_totp(user), "has_passkey": passkeys.has_passkey(user)}
    return render(request, "registration/otp_backup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Enrol an authenticator app: show the secret (QR code and text), confirm a code.
    Mandatory users arrive here after the password when they have no device yet; other
    members, and anyone who has only passkeys so far, come from their account page."""
    user, next_url = request.user, safe_next_url(request)
    if second_factor_state(user) == "verify" and not is_verified(user):
        return redirect(second_factor_url(user, next_url))
    if has_totp(user):
        messages.info(request, _("You already use an authenticator app."))
        return redirect("account")
    with transaction.atomic():
        device = totp_devices().select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = totp_devices().create(user=user, name=_("Authenticator app"), confirmed=False)
        form = DeviceSetupForm(device, data=request.POST or None)
        if request.method == "POST" and form.is_valid():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            totp_devices().filter(user=user, confirmed=False).delete()
            complete_second_factor(request, device)
            messages.success(request, _("Your authenticator app is set up. Rightsdesk will ask for its code "
                                        "every time you sign in."))
            return redirect(next_url)
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=5)),  # noqa: S308 (our SVG)
        "secret": b32encode(device.bin_key).decode(),
        "mandatory": otp_mandatory(user) and not passkeys.has_passkey(user),
    }
    return render(request, "registration/otp_setup.html", context)

"""Passkey pages: the JSON steps of registering a passkey (from the account page) and of
using one at the second step of sign-in, which are django-otp-webauthn's views with this
site's rules; and the removal of a passkey, after a page that asks to confirm.

The browser side is static/js/passkeys.js (no inline script: the CSP refuses it). Every
refusal is a JSON 4xx with a message in the person's language, never a 5xx: the
library's own messages exist in English only, and it lets a malformed body through as
an exception.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods
from django_otp_webauthn import exceptions
from django_ratelimit.core import is_ratelimited
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from orgs.accounts import passkeys
from orgs.accounts.forms import PasskeyNameForm
from orgs.accounts.second_factor import complete_second_factor, is_verified
from orgs.accounts.sign_in import safe_next_url

log = logging.getLogger("rightsdesk.signin")


class InvalidName(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_code = "invalid_name"


class NoPasskey(exceptions.OTPWebAuthnApiError):
    status_code = 404
    default_code = "no_passkey"


class TooManyTries(exceptions.OTPWebAuthnApiError):
    status_code = 429
    default_code = "too_many_tries"


# Passkey answers cannot be guessed, but each try is counted like a code's: per user and
# per address, so nobody can keep a sign-in's second step busy for ever.
PASSKEY_RATES = (("user", "30/h"), ("ip", "100/h"))


def _count_try(request) -> None:
    if any(is_ratelimited(request, group="passkey.authenticate", key=key, rate=rate, method="POST", increment=True)
           for key, rate in PASSKEY_RATES):
        raise TooManyTries()


class _Refusals:
    """Every refusal as {"detail": <a message for the person>, "code": ...}."""

    ceremony = ""
    fallback = _l("Something went wrong with the passkey. Try again.")
    MESSAGES = {
        "not_authenticated": _l("Sign in with your password first."),
        "passwordless_login_disabled": _l("Sign in with your password first."),
        "user_not_verified": _l("Confirm your second factor first; then you can add a passkey."),
        "invalid_state": _l("The passkey request has expired or was used already. Try again."),
        "credential_not_found": _l("This passkey is not registered with Rightsdesk (it may have been removed). "
                                   "Use another passkey, your authenticator app or a backup code."),
        "credential_user_mismatch": _l("This passkey belongs to another account."),
        "credential_disabled": _l("This passkey cannot be used."),
        "user_disabled": _l("This account cannot sign in."),
        "no_passkey": _l("You have no passkey. Use your authenticator app or a backup code."),
        "too_many_tries": _l("Too many passkey attempts. Wait an hour, or use your authenticator app or a "
                             "backup code."),
    }

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            status, code = exc.status_code, exc.code
            detail = exc.detail if code == InvalidName.default_code else self.MESSAGES.get(code, self.fallback)
        elif isinstance(exc, (ValueError, TypeError, KeyError, AttributeError)):
            # A body the library's parser does not expect (a list, bad base64 in a field it
            # decodes before its own checks): the person's browser sent nothing usable.
            status, code, detail = 400, "malformed_request", self.fallback
        else:
            raise exc
        user = getattr(self.request, "user", None)
        log.warning("passkey %s refused user=%s code=%s cause=%r", self.ceremony,
                    getattr(user, "pk", None), code, exc.__cause__ or exc)
        return JsonResponse({"detail": str(detail), "code": code}, status=status if 400 <= status < 500 else 400)


class BeginRegistration(_Refusals, BeginCredentialRegistrationView):
    """Step one of adding a passkey: {"name": ...} in, the browser's creation options out.
    Refused unless signed in, and verified by a second factor when the user has one."""

    ceremony = "registration"
    fallback = _l("The passkey could not be added. Try again.")

    def check_can_register(self):
        data = self.request.data if hasattr(self.request.data, "get") else {}
        form = PasskeyNameForm({"name": data.get("name", "")})
        if not form.is_valid():
            raise InvalidName(detail=" ".join(form.errors["name"]))
        self.request.passkey_name = form.cleaned_data["name"]


class CompleteRegistration(_Refusals, CompleteCredentialRegistrationView):
    """Step two: the browser's new credential is checked and kept under its name; the
    account page, reloaded, lists it. A session that had no second factor yet is
    verified by the new passkey (from now on it is asked for at every sign-in)."""

    ceremony = "registration"
    fallback = _l("The passkey could not be added. Try again.")

    def post(self, *args, **kwargs):
        user, state = self.get_user(), self.get_state()
        with rewrite_exceptions():
            passkey = self.get_helper().register_complete(user=user, state=state, data=self.request.data)
        passkeys.record_added(self.request, passkey)
        if not is_verified(user):
            complete_second_factor(self.request, passkey)
        messages.success(self.request, _("Your passkey “%(name)s” is added. You can use it at the second step "
                                         "of every sign-in.") % {"name": passkey.name})
        return JsonResponse({"id": passkey.pk, "redirect_url": reverse("account") + "#passkeys"})


class BeginAuthentication(_Refusals, BeginCredentialAuthenticationView):
    """Step one of the second factor by passkey: the options naming the user's passkeys.
    Only after the password (no passwordless sign-in) and only for someone with a passkey."""

    ceremony = "authentication"
    fallback = _l("The passkey was not accepted. Try again, or use your authenticator app or a backup code.")

    def check_can_authenticate(self):
        super().check_can_authenticate()
        if not passkeys.has_passkey(self.request.user):
            raise NoPasskey()
        _count_try(self.request)


class CompleteAuthentication(_Refusals, CompleteCredentialAuthenticationView):
    """Step two: the signed answer is checked against the user's own passkey (another
    user's is refused); the session is verified as the app's code verifies it, and the
    answer names the page to go to, the one the code would have led to."""

    ceremony = "authentication"
    fallback = BeginAuthentication.fallback

    def post(self, *args, **kwargs):
        _count_try(self.request)
        return super().post(*args, **kwargs)

    def complete_auth(self, device):
        complete_second_factor(self.request, device)

    def get_success_url(self):
        return safe_next_url(self.request)


@login_required
@require_http_methods(["GET", "POST"])
def remove_passkey(request, passkey_id: int):
    """Remove one of one's own passkeys (404 for anyone else's): a GET asks to confirm."""
    if not is_verified(request.user):
        raise Http404
    passkey = get_object_or_404(passkeys.credentials(), pk=passkey_id, user=request.user, confirmed=True)
    refused = passkeys.removal_refused(request.user, passkey)
    if request.method == "POST" and not refused:
        try:
            name = passkeys.remove_passkey(request, passkey.pk)
        except LookupError:  # removed meanwhile, from another tab
            raise Http404 from None
        except passkeys.RemovalRefused:
            refused = True
        else:
            messages.success(request, _("The passkey “%(name)s” is removed; it no longer works.") % {"name": name})
            return redirect(reverse("account") + "#passkeys")
    status = 409 if request.method == "POST" else 200
    return render(request, "registration/passkey_remove.html", {"passkey": passkey, "refused": refused},
                  status=status)

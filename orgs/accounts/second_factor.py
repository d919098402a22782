"""The second factor: who must pass it, whether this session has, and the two gates
that hold a session to it until it does (`SecondFactorMiddleware` on every URL,
`member_required` on every staff view).

Who must use a second factor: superusers, staff, anyone with an owner membership and
every regulator (orgs/models/oversight.py: they read many organisations' files;
`otp_mandatory`). Other members may enrol from their account page; once they have a
confirmed device (an authenticator app, orgs/accounts/otp_views.py, or a passkey,
orgs/accounts/passkeys.py) it is asked for at every sign-in too (`must_verify`).

The flow: the password step signs the person in (orgs/accounts/sign_in.py; axes
records it); if they must verify, the session is then confined to the code page (or,
with no device yet, the set-up page) and sign-out by `SecondFactorMiddleware`, on every
URL, so a view that forgets its check is still covered. `member_required` and the
admin site (orgs/apps.py) check the same rule again rather than trust the middleware's
allow-list alone. Anyone who knows only a password can never add a device to an
account that already has one: set-up then demands the existing device's code first.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import urlencode

import django_otp
from orgs import current
from orgs.accounts import passkeys
from orgs.models import Membership, Regulator

log = logging.getLogger("rightsdesk.signin")

# --- the policy ---------------------------------------------------------------------------


def totp_devices():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects


def has_totp(user) -> bool:
    return totp_devices().filter(user=user, confirmed=True).exists()


def second_factor_state(user) -> str:
    """'verify': has a confirmed device (an app or a passkey); 'setup': must have one and
    has none; 'none'. One query."""
    if not user.is_authenticated:
        return "none"
    from django.contrib.auth import get_user_model

    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            is_owner=Exists(Membership.objects.filter(user=OuterRef("pk"), role=Membership.Role.OWNER)),
            is_regulator=Exists(Regulator.objects.filter(user=OuterRef("pk"))),
            has_app=Exists(totp_devices().filter(user=OuterRef("pk"), confirmed=True)),
            has_passkey=Exists(passkeys.credentials().filter(user=OuterRef("pk"), confirmed=True)),
        )
        .values_list("is_owner", "is_regulator", "has_app", "has_passkey")
        .first()
    )
    is_owner, is_regulator, has_app, has_passkey = row or (False, False, False, False)
    if has_app or has_passkey:
        return "verify"
    if is_owner or is_regulator or user.is_superuser or user.is_staff:
        return "setup"
    return "none"


def otp_mandatory(user) -> bool:
    """Owners, regulators, staff and superusers may not work without a second factor."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return (Membership.objects.filter(user=user, role=Membership.Role.OWNER).exists()
            or Regulator.objects.filter(user=user).exists())


def must_verify(user) -> bool:
    """This signed-in user must pass the second factor: it is mandatory for them, or
    they enrolled a device. Memoised on the user object for the request."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_rightsdesk_must_verify", None)
    if cached is None:
        cached = user._rightsdesk_must_verify = second_factor_state(user) != "none"
    return cached


def is_verified(user) -> bool:
    """The session passed the second factor (set up by django-otp's OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def second_factor_pending(user) -> bool:
    """Signed in with the password, but the second factor is still to come."""
    return user.is_authenticated and not is_verified(user) and must_verify(user)


def second_factor_url(user, next_url: str | None = None) -> str:
    """The code page (has a device) or the set-up page (none yet), keeping `next`."""
    name = "otp_verify" if second_factor_state(user) == "verify" else "otp_setup"
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def complete_second_factor(request, device) -> None:
    """Mark the session verified by `device` (the app, a backup code or a passkey)."""
    django_otp.login(request, device)
    request.session.cycle_key()  # the session gained rights: give it a new key
    log.info("second factor verified user=%s device=%s", request.user.pk, device.persistent_id)


# --- the gates ------------------------------------------------------------------------------


def member_required(view=None, *, roles: set[str] | None = None):
    """Decorator for every staff (officer desk) view. Stable contract:

    - anonymous: redirect to the sign-in page with ?next=<this path>;
    - signed in, second factor pending (owners, staff, enrolled members): redirect to
      the code page, or to the device set-up, with ?next=<this path>;
    - no membership of any organisation, or (with `roles`) the current membership's
      role not in `roles`: 404, as `orgs.current.require_membership`;
    - otherwise the view runs with `request.membership` set to the current membership
      (`orgs.current.current_membership`: the organisation chosen in the session).

    Bare (`@member_required`) or with roles (`@member_required(roles={"owner",
    "officer"})`); on class-based views `method_decorator(member_required, name="dispatch")`.
    In tests sign in with `tests.factories.sign_in(client, user)`, which passes the
    second factor where it is required.
    """

    def decorate(view_func):
        @functools.wraps(view_func)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
            if second_factor_pending(user):
                return redirect(second_factor_url(user, request.get_full_path()))
            request.membership = current.require_membership(request, roles)
            return view_func(request, *args, **kwargs)

        return wrapped

    return decorate if view is None else decorate(view)


class SecondFactorMiddleware:
    """Confines a session whose second factor is pending to the second-factor pages and
    sign-out; everything else redirects there (with ?next= for a GET)."""

    ALLOWED = frozenset({"otp_verify", "otp_backup", "otp_setup", "logout", "set_language",
                         "passkey_auth_begin", "passkey_auth_complete"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.resolver_match.view_name in self.ALLOWED:
            return None
        if not second_factor_pending(user):
            return None
        return redirect(second_factor_url(user, request.get_full_path() if request.method == "GET" else None))

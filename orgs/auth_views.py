"""Staff sign-in: password (through django-axes), second factor (django-otp: an
authenticator app's TOTP code or a passkey, orgs/accounts/passkeys.py), the account page, the
organisation switch, and the `member_required` gate.

Who must use a second factor: superusers, staff and anyone with an owner membership
(`otp_mandatory`). Other members may enrol from their account page; once they have a
confirmed device it is asked for at every sign-in too (`must_verify`).

The flow: the password step signs the person in (axes records it); if they must
verify, the session is then confined to the code page (or, with no device yet, the
set-up page) and sign-out by `SecondFactorMiddleware`, on every URL, so a view that
forgets its check is still covered. `member_required` and the admin site
(orgs/admin_site.py) check the same rule again rather than trust the middleware's
allow-list alone. Anyone who knows only a password can never add a device to an
account that already has one: set-up then demands the existing device's code first.
"""

from __future__ import annotations

import functools
import logging
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

import django_otp
from orgs import current
from orgs.accounts import backup_codes, passkeys
from orgs.accounts.forms import BackupCodeForm, DeviceSetupForm, OrganisationSwitchForm, SecondFactorForm, SignInForm
from orgs.models import Membership, Organisation

log = logging.getLogger("rightsdesk.signin")

# --- the policy ---------------------------------------------------------------------------


def _totp_devices():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects


def has_totp(user) -> bool:
    return _totp_devices().filter(user=user, confirmed=True).exists()


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
            has_app=Exists(_totp_devices().filter(user=OuterRef("pk"), confirmed=True)),
            has_passkey=Exists(passkeys.credentials().filter(user=OuterRef("pk"), confirmed=True)),
        )
        .values_list("is_owner", "has_app", "has_passkey")
        .first()
    )
    is_owner, has_app, has_passkey = row or (False, False, False)
    if has_app or has_passkey:
        return "verify"
    if is_owner or user.is_superuser or user.is_staff:
        return "setup"
    return "none"


def otp_mandatory(user) -> bool:
    """Owners, staff and superusers may not work without a second factor."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return Membership.objects.filter(user=user, role=Membership.Role.OWNER).exists()


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


# --- the gate for staff views ---------------------------------------------------------------


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


# --- sign-in ----------------------------------------------------------------------------------


def _safe_next(request, default: str | None = None) -> str:
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return default or _landing(request.user)


def _landing(user) -> str:
    """Where a sign-in without ?next= ends: the desk, or the admin for staff who are
    members of no organisation."""
    if user.is_authenticated and user.is_staff and not Membership.objects.filter(user=user).exists():
        return reverse("admin:index")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


# Axes locks one username at one address; this per-address limit stops one address
# trying a few passwords on each of many usernames. It is set for an office of officers
# behind one address.
SIGN_IN_RATE = "100/h"
RESET_RATE = "10/h"


@method_decorator(ratelimit(key="ip", rate=SIGN_IN_RATE, method="POST", block=True), name="post")
class SignInView(auth_views.LoginView):
    """Step one: username and password. Axes refuses a locked-out username+address
    before the password is checked, and its middleware renders the lock-out page."""

    form_class = SignInForm
    template_name = "registration/login.html"

    def form_valid(self, form):
        user = form.get_user()
        auth_login(self.request, user)
        if second_factor_pending(self.request.user):
            return redirect(second_factor_url(user, self.get_redirect_url() or None))
        return redirect(self.get_success_url())

    def get_default_redirect_url(self):
        return _landing(self.request.user)


def complete_second_factor(request, device) -> None:
    """Mark the session verified by `device` (the app, a backup code or a passkey)."""
    django_otp.login(request, device)
    request.session.cycle_key()  # the session gained rights: give it a new key
    log.info("second factor verified user=%s device=%s", request.user.pk, device.persistent_id)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """Step two: the 6-digit code of the user's app (django-otp's token form), or a
    passkey (offered here, used through orgs/accounts/passkey_views.py) for those who have one."""
    user, next_url = request.user, _safe_next(request)
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
    user, next_url = request.user, _safe_next(request)
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


@require_POST
@login_required
def generate_backup_codes(request):
    """Ten new backup codes, shown once on the account page; the old ones stop working.
    Only with a second factor (an app or a passkey), in a session that passed it."""
    user = request.user
    if second_factor_state(user) != "verify" or not is_verified(user):
        raise Http404
    codes = backup_codes.issue_backup_codes(user)
    log.info("backup codes generated user=%s", user.pk)
    return account(request, new_backup_codes=codes)


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Enrol an authenticator app: show the secret (QR code and text), confirm a code.
    Mandatory users arrive here after the password when they have no device yet; other
    members, and anyone who has only passkeys so far, come from their account page."""
    user, next_url = request.user, _safe_next(request)
    if second_factor_state(user) == "verify" and not is_verified(user):
        return redirect(second_factor_url(user, next_url))
    if has_totp(user):
        messages.info(request, _("You already use an authenticator app."))
        return redirect("account")
    with transaction.atomic():
        device = _totp_devices().select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = _totp_devices().create(user=user, name=_("Authenticator app"), confirmed=False)
        form = DeviceSetupForm(device, data=request.POST or None)
        if request.method == "POST" and form.is_valid():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _totp_devices().filter(user=user, confirmed=False).delete()
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


@method_decorator(ratelimit(key="ip", rate=RESET_RATE, method="POST", block=True), name="post")
class ResetPasswordView(auth_views.PasswordResetView):
    """Django's reset by email; the link is built on SITE_URL, not the request's Host."""

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL.rstrip("/")}
        return super().form_valid(form)


# --- the account and the organisation -------------------------------------------------------


@login_required
def account(request, **extra_context):
    """The account page: second factors, memberships, backup codes. Other apps add their
    own sections through the template (the API tokens: requests_app/api/token_views.py)
    and may pass `extra_context` when they render the page after a POST."""
    from orgs.accounts.passkey_views import PasskeyNameForm

    user = request.user
    context = {
        "has_totp": has_totp(user),
        "passkeys": passkeys.passkeys_of(user),
        "passkey_form": PasskeyNameForm(auto_id="passkey-%s"),
        "passkey_origin": passkeys.site_origin(),
        "memberships": current.memberships(user),
        "current": current.current_membership(request),
        "has_device": second_factor_state(user) == "verify",
        "mandatory": otp_mandatory(user),
        "backup_codes_left": backup_codes.remaining_codes(user),
        "new_backup_codes": [],  # shown this once
        "now": timezone.now(),
        **extra_context,
    }
    return render(request, "registration/account.html", context)


@require_POST
@member_required
def switch_organisation(request):
    """Work in another of one's organisations (404 for any other organisation)."""
    form = OrganisationSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404
    organisation = get_object_or_404(Organisation, slug=form.cleaned_data["organisation"])
    if not current.switch(request, organisation):
        raise Http404
    messages.success(request, _("You are now working in %(organisation)s.") % {"organisation": organisation.local_name})
    return redirect(_safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL)))


# --- the staff header -------------------------------------------------------------------------


class StaffHeader:
    """What base.html shows a signed-in person; each part is read only if it is shown."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def pending(self) -> bool:
        return second_factor_pending(self.request.user)

    @cached_property
    def memberships(self) -> list[Membership]:
        return current.memberships(self.request.user)

    @cached_property
    def current(self) -> Membership | None:
        return getattr(self.request, "membership", None) or current.current_membership(self.request)


def staff_header(request) -> dict:
    """Context processor: `staff_header` for signed-in people, nothing for the public."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"staff_header": StaffHeader(request)}

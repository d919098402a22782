"""The password step of the staff sign-in, where a sign-in lands, and the password reset.

The password goes through django-axes (the lock-out: orgs/accounts/lockout.py), behind
a per-address rate limit; whoever must pass a second factor is sent on to it
(orgs/accounts/second_factor.py).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django_ratelimit.decorators import ratelimit

from orgs.accounts.forms import SignInForm
from orgs.accounts.second_factor import second_factor_pending, second_factor_url
from orgs.models import Membership, Regulator


def safe_next_url(request, default: str | None = None) -> str:
    """The ?next= (or posted `next`) if it stays on this site, else `default`, else the landing."""
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return default or _landing(request.user)


def _landing(user) -> str:
    """Where a sign-in without ?next= ends: the desk; a regulator's desk (/oversight/) for
    a regulator; the admin for staff who are members of no organisation."""
    if user.is_authenticated and Regulator.objects.filter(user=user).exists():
        return reverse("oversight:organisations")
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


@method_decorator(ratelimit(key="ip", rate=RESET_RATE, method="POST", block=True), name="post")
class ResetPasswordView(auth_views.PasswordResetView):
    """Django's reset by email; the link is built on SITE_URL, not the request's Host."""

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL.rstrip("/")}
        return super().form_valid(form)

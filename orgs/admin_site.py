"""The admin site, with the staff sign-in in front of it.

Installed through `RightsdeskAdminConfig` (in INSTALLED_APPS instead of
"django.contrib.admin"), so every `admin.site.register` lands on it. Two differences
from Django's site: the admin has no sign-in form of its own (its login URL sends the
person to the staff sign-in at /accounts/login/, which runs the lock-out and the second
factor), and only a session verified by a second factor counts as permitted, as
django-otp's OTPAdminSite does. Imports here stay light: this module is loaded while
the app registry is being filled.
"""

from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class RightsdeskAdminSite(AdminSite):
    site_header = _("Rightsdesk administration")
    site_title = "Rightsdesk"

    def has_permission(self, request):
        user = request.user
        return super().has_permission(request) and bool(getattr(user, "is_verified", None) and user.is_verified())

    def login(self, request, extra_context=None):
        from django.contrib.auth.views import redirect_to_login
        from django.shortcuts import redirect, resolve_url

        from orgs.accounts.second_factor import second_factor_pending, second_factor_url

        next_url = request.GET.get("next") or resolve_url("admin:index")
        if not request.user.is_authenticated:
            return redirect_to_login(next_url, resolve_url("login"))
        if second_factor_pending(request.user):
            return redirect(second_factor_url(request.user, next_url))
        # Signed in and verified, but not staff (or staff without a second factor is
        # impossible: staff must verify): the admin is not for them.
        raise PermissionDenied


class RightsdeskAdminConfig(AdminConfig):
    default_site = "orgs.admin_site.RightsdeskAdminSite"

"""The app's configuration, and the admin's: Django's admin installed with the
Rightsdesk admin site, which puts the staff sign-in in front of it.

`RightsdeskAdminConfig` is in INSTALLED_APPS instead of "django.contrib.admin", so every
`admin.site.register` lands on `RightsdeskAdminSite`. Both live here, not in orgs/admin/,
because Django loads them early: the config while the app registry is being filled,
before any model exists, and the site (through `default_site`) the first time
`admin.site` is used, which is while the admin modules are being imported. The admin
package imports models and registers admins as it loads; holding the site, it would
fail at the first moment and, at the second, leave its registrations on a site object
that is then thrown away. So imports here stay light.
"""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.admin.sites import AdminSite
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("Organisations")

    def ready(self):
        # Register the Celery tasks in every process, web included: requests_app's
        # re-queue sweep names orgs.run_erasure_order rather than importing it.
        from orgs import tasks  # noqa: F401
        # Kept copies of organisations and subscriptions are dropped when either changes.
        from orgs import public_settings  # noqa: F401


class RightsdeskAdminSite(AdminSite):
    """Two differences from Django's site: the admin has no sign-in form of its own (its
    login URL sends the person to the staff sign-in at /accounts/login/, which runs the
    lock-out and the second factor), and only a session verified by a second factor
    counts as permitted, as django-otp's OTPAdminSite does."""

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


class RightsdeskAdminConfig(admin_apps.AdminConfig):
    # Not a candidate when Django looks for orgs' own config in this module (OrgsConfig
    # is); for the same reason AdminConfig is reached through its module, never imported
    # by name, which would make it a candidate too.
    default = False
    default_site = "orgs.apps.RightsdeskAdminSite"

"""The account page (second factors, passkeys, backup codes, memberships) and its
backup-code action, the switch between one's organisations, and the staff header that
shows the switch on every page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs import current, oversight
from orgs.accounts import backup_codes, passkeys
from orgs.accounts.forms import OrganisationSwitchForm, PasskeyNameForm
from orgs.accounts.second_factor import (
    has_totp,
    is_verified,
    member_required,
    otp_mandatory,
    second_factor_pending,
    second_factor_state,
)
from orgs.accounts.sign_in import safe_next_url
from orgs.models import Membership, Organisation

log = logging.getLogger("rightsdesk.signin")


@login_required
def account(request, **extra_context):
    """The account page: second factors, memberships, backup codes. Other apps add their
    own sections through the template (the API tokens: requests_app/api/token_views.py)
    and may pass `extra_context` when they render the page after a POST."""
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
    return redirect(safe_next_url(request, resolve_url(settings.LOGIN_REDIRECT_URL)))


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
        return current.memberships_of(self.request)

    @cached_property
    def current(self) -> Membership | None:
        return getattr(self.request, "membership", None) or current.current_membership(self.request)

    @cached_property
    def is_regulator(self) -> bool:
        return oversight.is_regulator(self.request.user)

    @cached_property
    def open_orders(self) -> int:
        """Regulators' orders the current organisation has still to answer (orgs/current.py)."""
        return getattr(self.current, "open_orders", 0) if self.current is not None else 0


def staff_header(request) -> dict:
    """Context processor: `staff_header` for signed-in people, nothing for the public."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"staff_header": StaffHeader(request)}

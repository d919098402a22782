"""Who acts, in which organisation, with which role: the API's side of the web's gates.

The acting organisation of an API call is the token's organisation (ApiTokenAuthentication
sets `request.auth` to the ApiToken) or, for the web UI's own calls with a session, the
organisation chosen in the session (orgs.current). Roles then gate as on the web:

- the desk (requests, dashboard): owners, officers, auditors; a system owner or a
  non-member gets 404, as `requests_app.desk.access.desk_view` answers;
- auditors read only: every POST is refused with 403 in the API's error format, but
  for the steps on a request, whose rules decide (an auditor may reveal contact details);
- the organisation's own settings (organisation, members, systems, activities,
  biometric records): owners only (403 for other members).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from orgs import current
from orgs.models import ApiToken, Membership
from requests_app.cases.selectors import DESK_ROLES

Role = Membership.Role


def acting_membership(request) -> Membership | None:
    """The membership the call acts with (memoised on the request); None if not a member."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(request, "_acting_membership"):
        token = getattr(request, "auth", None)
        if isinstance(token, ApiToken):
            membership = (
                Membership.objects.select_related("organisation")
                .filter(user=request.user, organisation_id=token.organisation_id)
                .first()
            )
        else:
            membership = current.current_membership(request)
        request._acting_membership = membership
    return request._acting_membership


class ReadOnlyForAuditors(exceptions.PermissionDenied):
    default_detail = _("Auditors may read but not change anything.")
    default_code = "not_permitted"


class _MemberWithRole(permissions.IsAuthenticated):
    """Authenticated, a member of the acting organisation with one of `roles` (else 404)."""

    roles: frozenset[str] = frozenset(Role.values)
    auditors_read_only = True

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        membership = acting_membership(request)
        if membership is None or membership.role not in self.roles:
            raise exceptions.NotFound()
        if (self.auditors_read_only and request.method not in permissions.SAFE_METHODS
                and membership.role == Role.AUDITOR):
            raise ReadOnlyForAuditors()
        return True


class DeskMember(_MemberWithRole):
    roles = DESK_ROLES


class DeskStepTaker(DeskMember):
    """The requests and their steps: every POST there is a registered step whose rule says
    who may take it (requests_app/workflow/steps.py), so the step refuses an auditor (403),
    except the one step an auditor's role has (reveal the contact details, on the record)."""

    auditors_read_only = False


class AnyMember(_MemberWithRole):
    """Fulfilment tasks: system owners too (their own systems' tasks only)."""


class Owner(_MemberWithRole):
    """The organisation's own settings: owners only; anyone else gets 404, as on the desk."""

    roles = frozenset({Role.OWNER})

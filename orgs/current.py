"""Which organisation a signed-in member is working in.

A member of several organisations switches between them; the choice is kept in the
session and always checked against the member's current memberships, so a removed
membership stops working at the next request.
"""

from django.http import Http404

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from orgs.models import Membership, Organisation, OversightOrder

SESSION_KEY = "current_organisation"


def memberships(user) -> list[Membership]:
    """The user's memberships, each with `open_orders`: the regulators' orders its organisation
    has still to answer (the desk menu's badge), read in the same query."""
    if not user.is_authenticated:
        return []
    open_orders = (OversightOrder.objects.filter(organisation=OuterRef("organisation"))
                   .exclude(status=OversightOrder.Status.ANSWERED).order_by()
                   .values("organisation").annotate(n=Count("pk")).values("n"))
    return list(Membership.objects.filter(user=user).select_related("organisation")
                .annotate(open_orders=Coalesce(Subquery(open_orders), 0)).order_by("organisation__name"))


def memberships_of(request) -> list[Membership]:
    """memberships(request.user), read once per request: the desk's gate and the page
    header's organisation switch both need them (no view changes its user's own)."""
    if getattr(request, "_memberships_user", None) != request.user.pk:
        request._memberships, request._memberships_user = memberships(request.user), request.user.pk
    return request._memberships


def current_membership(request) -> Membership | None:
    """The membership of the organisation chosen in this session (or the first), or None."""
    mine = memberships_of(request)
    chosen = request.session.get(SESSION_KEY)
    for membership in mine:
        if membership.organisation_id == chosen:
            return membership
    return mine[0] if mine else None


def require_membership(request, roles: set[str] | None = None) -> Membership:
    """The current membership, or 404 for someone who is not a member (with one of `roles`)."""
    membership = current_membership(request)
    if membership is None or (roles is not None and membership.role not in roles):
        raise Http404
    return membership


def switch(request, organisation: Organisation) -> bool:
    """Work in `organisation` from now on; False if the user is not a member of it."""
    if not Membership.objects.filter(user=request.user, organisation=organisation).exists():
        return False
    request.session[SESSION_KEY] = organisation.pk
    return True

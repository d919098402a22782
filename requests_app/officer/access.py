"""The gate of every desk view: signed in (with the second factor where required), a
member of the current organisation with a desk role, the membership handed to the view.

Someone who is not such a member gets 404, as for a reference of another organisation:
the desk does not confirm what exists. Responses are never cached (personal data).
"""

import functools

from django.http import Http404
from django.views.decorators.cache import never_cache

from orgs import current
from requests_app.selectors import DESK_ROLES

try:  # the sign-in gate (password, second factor, membership), where it exists
    from orgs.accounts.second_factor import member_required as _signed_in
except ImportError:  # pragma: no cover - before the sign-in work lands
    from django.contrib.auth.decorators import login_required as _signed_in


def desk_view(roles=None):
    """Decorate `view(request, membership, *args, **kwargs)`; `roles` defaults to the desk's
    (owner, officer, auditor): a system owner, or a non-member, gets 404."""
    allowed = DESK_ROLES if roles is None else frozenset(roles)

    def decorate(view):
        @functools.wraps(view)
        def with_membership(request, *args, **kwargs):
            # member_required sets request.membership; with plain login_required we look it up.
            membership = getattr(request, "membership", None) or current.require_membership(request)
            if membership.role not in allowed:
                raise Http404
            request.membership = membership
            return view(request, membership, *args, **kwargs)

        return never_cache(_signed_in(with_membership))

    return decorate

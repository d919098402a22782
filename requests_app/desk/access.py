"""The gate of every desk view: signed in (with the second factor where required), a
member of the current organisation with a desk role, the membership handed to the view.

Someone who is not such a member gets 404, as for a reference of another organisation:
the desk does not confirm what exists. Responses are never cached (personal data).
"""

import functools

from django.http import Http404
from django.views.decorators.cache import never_cache

from orgs.accounts.second_factor import member_required as _signed_in
from requests_app.cases.selectors import DESK_ROLES


def desk_view(roles=None):
    """Decorate `view(request, membership, *args, **kwargs)`; `roles` defaults to the desk's
    (owner, officer, auditor): a system owner, or a non-member, gets 404."""
    allowed = DESK_ROLES if roles is None else frozenset(roles)

    def decorate(view):
        @functools.wraps(view)
        def with_membership(request, *args, **kwargs):
            membership = request.membership  # set by member_required
            if membership.role not in allowed:
                raise Http404
            request.membership = membership
            return view(request, membership, *args, **kwargs)

        return never_cache(_signed_in(with_membership))

    return decorate

"""Sign-in lock-out with two limits (django-axes handler).

Axes counts failures per each entry of AXES_LOCKOUT_PARAMETERS, here one username at
one address and one username from any address, but compares them all with one
AXES_FAILURE_LIMIT. One limit for both would let anyone lock any officer out with five
wrong passwords, so the username counted across addresses has its own, higher limit
(AXES_USERNAME_FAILURE_LIMIT): a guesser spread over many addresses is stopped there,
while a colleague typing badly locks only their own address.

Unknown usernames are counted exactly like real ones, so neither the lock-out nor its
page tells whether a username exists. `unlock_username` is the administrators' unlock
(orgs/admin/users.py), which writes its audit row.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings


def username_failure_limit() -> int:
    return getattr(settings, "AXES_USERNAME_FAILURE_LIMIT", 20)


class TwoLimitHandler(AxesDatabaseHandler):
    """The pair (username, address) locks at AXES_FAILURE_LIMIT failures; the username
    alone at AXES_USERNAME_FAILURE_LIMIT. Needs AXES_LOCKOUT_PARAMETERS in that order."""

    def get_failures(self, request, credentials=None) -> int:
        pair, username = (_sum(attempts) for attempts in self.get_user_attempts(request, credentials))
        if username >= username_failure_limit():
            # Report the lock on axes' one scale; the page says it is the username's.
            request.rightsdesk_username_locked = True
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair


def _sum(attempts) -> int:
    from django.db.models import Sum

    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def unlock_username(username: str) -> int:
    """Clear every failed sign-in counted against `username`, at any address: the
    lock-out (of the pair and of the username) ends now. Returns the number of counter
    rows removed. The caller writes the audit row (orgs/admin/users.py)."""
    from axes.utils import reset

    return reset(username=username)

"""The tallies of an organisation's closed requests, kept by each process and read again
only when they can have changed: the dashboard's and the queue's counts, in milliseconds
however many requests an organisation has closed.

Closed requests are nearly all of an organisation's (tens of thousands for a busy one,
against a few hundred open), and they change only when one closes or reopens: always a
step of workflow.transitions.transition(), which bumps the organisation's
ClosedRequestsVersion in its own transaction. A page reads that number first (one row by
its key), then takes what this process computed at the same number, as long as it still
holds at `now` (and `now` is not earlier than when it was computed):

- the counts by status and kind, the late refusals, the refusal grounds: until the next change;
- what depends on the clock says until when it holds (the 365-day window of answered
  requests until its oldest one leaves it; the twelve weeks until the week ends).

The open requests are never kept: they are few, and read live from their partial index.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Case, CharField, Count, F, Q, Value, When

from requests_app.cases.tallies import ROW
from requests_app.models import ClosedRequestsVersion, RightsRequest

Status = RightsRequest.Status
KEPT_MAX = 2048  # entries per process: a few parts for each organisation looked at
_kept: OrderedDict = OrderedDict()
_lock = threading.Lock()


def version_of(organisation_id: int) -> int:
    return ClosedRequestsVersion.of(organisation_id)


def kept(organisation_id: int, version: int, part: tuple, now: datetime,
         compute: Callable[[], tuple[object, datetime | None]]):
    """The value of `part` at `version`, computed now unless kept: `compute()` returns the
    value and the instant until which it holds (None: until the next change)."""
    key = (connection.alias, connection.settings_dict["NAME"], organisation_id, version, *part)
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
    if found is not None:
        value, computed_at, holds_until = found
        if computed_at <= now and (holds_until is None or now < holds_until):
            return value
    value, holds_until = compute()
    with _lock:
        _kept[key] = (value, now, holds_until)
        while len(_kept) > KEPT_MAX:
            _kept.popitem(last=False)
    return value


@dataclass(frozen=True)
class ClosedCounts:
    by_status_kind: dict[tuple[str, str], int]
    late_refusals: int  # refusals that stand, recorded after the due instant
    grounds: list[tuple[str, int]]  # refusals that stand by legal ground, the most first

    def of_status(self, status: str) -> int:
        return sum(n for (s, _kind), n in self.by_status_kind.items() if s == status)

    def of_kind(self, kind: str) -> int:
        return sum(n for (_status, k), n in self.by_status_kind.items() if k == kind)


def closed_counts(organisation_id: int, version: int, now: datetime) -> ClosedCounts:
    return kept(organisation_id, version, ("counts",), now, lambda: (_count_closed(organisation_id), None))


def _count_closed(organisation_id: int) -> ClosedCounts:
    """One pass over the organisation's requests, from the covering index
    `request_dashboard_idx` alone, grouped by status, kind and (for a refusal) its legal
    ground; the open ones' groups are dropped here. The organisation is the one condition,
    so the plan is that index whatever the statistics say (a status list would draw the
    planner to `request_queue_idx` and the table when it has none)."""
    rows = (
        RightsRequest.objects.filter(organisation_id=organisation_id).order_by()
        .annotate(ground=Case(When(status=Status.REFUSED, then=F("refusal_legal_ground")), default=Value(None),
                              output_field=CharField()))
        .values_list("status", "kind", "ground")
        .annotate(n=Count(ROW), late=Count(ROW, filter=Q(closed_at__gt=F("due_at"))))
        .order_by("ground")  # the database's collation orders grounds of equal count, as the dashboard did
    )
    by_status_kind, grounds, late = {}, {}, 0
    for status, kind, ground, n, late_here in rows:
        if status not in RightsRequest.CLOSED_STATUSES:
            continue
        by_status_kind[status, kind] = by_status_kind.get((status, kind), 0) + n
        if status == Status.REFUSED:
            grounds[ground] = grounds.get(ground, 0) + n
            late += late_here
    most_first = sorted(grounds.items(), key=lambda item: -item[1])  # stable: ties keep the collation's order
    return ClosedCounts(by_status_kind=by_status_kind, late_refusals=late, grounds=most_first)


def status_counts(organisation_id: int, now: datetime) -> dict[str, int]:
    """How many of the organisation's requests are in each status (zeros included): the
    closed ones kept, the open ones counted live from their partial index."""
    from requests_app.cases.selectors import OPEN_STATUSES

    closed = closed_counts(organisation_id, version_of(organisation_id), now)
    open_now = dict(
        RightsRequest.objects.filter(organisation_id=organisation_id, status__in=OPEN_STATUSES).order_by()
        .values_list("status").annotate(n=Count("*")).values_list("status", "n")
    )
    return {status: open_now.get(status, 0) if status in OPEN_STATUSES else closed.of_status(status)
            for status in Status.values}

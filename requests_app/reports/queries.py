"""The transparency report's reads: a handful of aggregate queries per report, whatever
the number of requests (one row per kind and status, per kind, per ground, per
currency; never one per request).

Every read is scoped to one organisation and to the requests it *received* in the year
(`cohort`), from the dashboard's covering index `request_dashboard_idx` (organisation,
closed_at, status, kind, received_at, due_at, ...): the counts, the days and the grounds
are index-only scans. On the embedded SQLite set-up, which has no percentile_cont and no
JSON containment, the days and the kept records are read as rows of the answered and
fulfilled requests (a demo's few dozen) and worked out the same way in Python.
"""

from collections import Counter, defaultdict
from datetime import datetime

from django.db import connection
from django.db.models import Avg, Count, F, Q, QuerySet, Sum

from orgs.models import Organisation
from requests_app.cases.outcomes import RecordOutcome
from requests_app.cases.tallies import ANSWERED, ROW, EpochDays, PercentileCont, percentile, requests_of
from requests_app.models import CompensationClaim, FulfilmentTask, RightsRequest

Status = RightsRequest.Status
Kind = RightsRequest.Kind

# A deletion or withdrawal of consent is complied with *in part* when one of its records
# was kept: for storage only under a legal duty, or on another basis than consent. (For a
# restriction, storage only is what was asked: complied with in whole.)
PARTIAL_KINDS = (Kind.DELETION, Kind.WITHDRAW_CONSENT)
KEPT = (RecordOutcome.STORAGE_ONLY, RecordOutcome.KEPT)
ON_TIME = Q(closed_at__lte=F("due_at"))  # as the dashboard's weekly rate


def cohort(organisation: Organisation, start: datetime, end: datetime) -> QuerySet:
    """The requests the organisation received from `start` to before `end`."""
    return requests_of(organisation).filter(received_at__gte=start, received_at__lt=end)


def counts_by_kind_and_status(requests: QuerySet) -> dict[tuple[str, str], int]:
    rows = requests.values_list("kind", "status").annotate(n=Count(ROW)).order_by()
    return {(kind, status): n for kind, status, n in rows}


def kept_by_kind(requests: QuerySet) -> Counter:
    """Fulfilled deletions and withdrawals of consent of which a record was kept, by kind."""
    fulfilled = requests.filter(status=Status.FULFILLED, kind__in=PARTIAL_KINDS)
    tasks = FulfilmentTask.objects.filter(request__in=fulfilled).order_by()
    # A task's result names each record's outcome ({"records": [{"outcome": ...}]}: the vault,
    # a webhook's callback, one recorded by hand) or one for the system ({"outcome": ...}).
    said_once = Q(result__outcome__in=[str(o) for o in KEPT])
    if connection.vendor == "postgresql":
        per_record = Q()
        for outcome in KEPT:
            per_record |= Q(result__records__contains=[{"outcome": str(outcome)}])
        rows = tasks.filter(said_once | per_record).values_list("request__kind").annotate(
            n=Count("request", distinct=True))
        return Counter(dict(rows))
    found: dict[str, set] = defaultdict(set)
    for request_id, kind, result in tasks.values_list("request_id", "request__kind", "result"):
        if kept_something(result):
            found[kind].add(request_id)
    return Counter({kind: len(ids) for kind, ids in found.items()})


def kept_something(result) -> bool:
    if not isinstance(result, dict):
        return False
    outcomes = [result.get("outcome")] + [r.get("outcome") for r in result.get("records") or [] if isinstance(r, dict)]
    return any(outcome in KEPT for outcome in outcomes)


def days_to_respond(requests: QuerySet) -> dict[str | None, dict]:
    """Per kind, and for all (key None): answered, on time, median and mean days from
    receipt to the answer (floats, unrounded)."""
    answered = requests.filter(status__in=ANSWERED, closed_at__isnull=False)
    if connection.vendor == "postgresql":
        days = EpochDays(F("closed_at") - F("received_at"))
        figures = {"n": Count(ROW), "on_time": Count(ROW, filter=ON_TIME),
                   "median": PercentileCont(days, fraction=0.5), "mean": Avg(days)}
        result = {kind: row for kind, row in ((r.pop("kind"), r) for r in answered.values("kind").annotate(**figures))}
        result[None] = answered.aggregate(**figures)
        return result
    by_kind: dict[str | None, list] = defaultdict(list)
    for kind, received, closed, due in answered.values_list("kind", "received_at", "closed_at", "due_at"):
        row = ((closed - received).total_seconds() / 86400, due is not None and closed <= due)
        by_kind[kind].append(row)
        by_kind[None].append(row)
    result = {}
    for kind, rows in by_kind.items():
        ordered = sorted(d for d, _on_time in rows)
        result[kind] = {"n": len(rows), "on_time": sum(1 for _d, on_time in rows if on_time),
                        "median": percentile(ordered, 0.5), "mean": sum(ordered) / len(ordered)}
    result.setdefault(None, {"n": 0, "on_time": 0, "median": None, "mean": None})
    return result


def refusal_texts(requests: QuerySet) -> list[tuple[str, int]]:
    """The legal grounds of the refusals that stand, as stored (the law's label in the
    requester's language, or the provision an officer cited), with their counts."""
    return list(requests.filter(status=Status.REFUSED).values_list("refusal_legal_ground")
                .annotate(n=Count(ROW)).order_by())


def claims_by_currency(organisation: Organisation, start: datetime, end: datetime) -> list[dict]:
    """Claims made from `start` to before `end` on the organisation's requests, per currency:
    how many, how many of them paid, and the total paid (minor units)."""
    paid = Q(status=CompensationClaim.Status.PAID)
    return list(
        CompensationClaim.objects.filter(request__organisation=organisation, created_at__gte=start, created_at__lt=end)
        .values("currency").annotate(made=Count("pk"), paid=Count("pk", filter=paid),
                                     paid_minor=Sum("paid_minor", filter=paid))
        .order_by("currency")
    )

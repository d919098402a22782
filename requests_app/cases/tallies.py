"""What the desk's dashboard and the public transparency report both count, written once.

The dashboard (requests_app/desk/dashboard.py) and the transparency report
(requests_app/reports/figures.py) read an organisation's requests from the covering
index `request_dashboard_idx` with conditional aggregates; the pieces they share are
here so "answered", "days to answer", the interpolation of a median and the kinds an
organisation's law has mean the same on both pages.
"""

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Aggregate, FloatField, Func, Q, QuerySet

from orgs.models import Organisation
from requests_app.cases import deadlines
from requests_app.models import RightsRequest

Status = RightsRequest.Status

# *Answered*: the organisation gave its answer (fulfilled or refused). Withdrawn and
# expired requests were never answered: they are left out of the times and the rates.
ANSWERED = (Status.FULFILLED, Status.REFUSED)
OPEN = ~Q(status__in=RightsRequest.CLOSED_STATUSES)
# What is counted: a column of the covering index that is never null. Not the id, which
# the index does not hold (COUNT(id) would send every row to the table), and not "*",
# which Django does not combine with FILTER.
ROW = "organisation"


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the `fraction` percentile, interpolated."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        # A constant of the code, never user input: safe to put in the SQL text.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class EpochDays(Func):
    """An interval as a number of days (fractional)."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) / 86400.0)"
    output_field = FloatField()


def one_decimal(value: float | None) -> Decimal | None:
    if value is None:
        return None
    # repr() is the shortest string that reads back as the same float, so 2.25 stays 2.25.
    return Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percentile(ordered: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over sorted values: linear interpolation between the
    two values around position fraction * (n - 1)."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def local_midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def requests_of(organisation: Organisation) -> QuerySet:
    # No ordering: the model's default (due date) would only cost a sort in aggregates.
    return RightsRequest.objects.filter(organisation=organisation).order_by()


def kinds_of(organisation: Organisation) -> list[tuple[str, object]]:
    """(code, label) of the kinds of request the organisation's law has (no US opt-outs elsewhere)."""
    policy = deadlines.get_policy(organisation.jurisdiction)
    return [(code, label) for code, label in RightsRequest.Kind.choices if deadlines.offers_kind(policy, code)]

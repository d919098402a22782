"""The figures of an organisation's dashboard, computed in the database.

Pure reads: `dashboard_figures(organisation, now)` reads an organisation's requests in
a fixed number of queries, whatever their number (one row per figure family, never one
row per request):

1. the open requests alone, live, from the partial index `request_open_queue_idx`:
   open, overdue, due this week, deadlines in a year without a calendar, open by kind;
2. the closed ones (nearly all of them), kept by the process between the steps that
   close or reopen one (closed_tallies.py; one query reads the organisation's version):
   by kind and status in one pass grouped by status, kind and refusal ground, from the
   covering index `request_dashboard_idx` alone (an index-only scan, not the table);
3. what the clock moves, kept as long as it holds: the median and 90th percentile of
   days to answer (PostgreSQL's `percentile_cont`; on the embedded SQLite set-up, which
   has none, one more query reads the window's times and interpolates the same way), and
   the closed requests of the last twelve ISO weeks grouped by week (on-time rate), each
   a range of `request_dashboard_idx`.

So a page reads two queries (the version, the open requests) when nothing closed since
the last one, five when something did.

Definitions (the dashboard's template repeats them to the reader):

- *open*: any status but fulfilled, refused, withdrawn, expired.
- *overdue*: open, the clock running (not paused while waiting for the requester),
  and the due instant passed.
- *due this week*: open, the clock running, due from now until the end of the
  current ISO week (Sunday 24:00 in the organisation's time zone); overdue ones are
  not counted again.
- *by kind*: the kinds the organisation's law has (no US opt-outs elsewhere).
- *answered*: fulfilled or refused; the organisation gave its answer. Withdrawn and
  expired requests were never answered and are left out of the times and the rate.
- *days to answer*: closed_at - received_at in days, over the requests answered in the
  last 365 days; median and 90th percentile by linear interpolation
  (`percentile_cont`), rounded half up to one decimal.
- *late refusals*: refusals that stand whose closed_at is after due_at: recorded
  later than the law allowed (the refusal event says `late`).
- *on-time rate of a week*: of the requests answered in that ISO week (Monday to
  Sunday, organisation time zone), the share with closed_at <= due_at; a week with
  nothing answered has no rate (not 0 %, not 100 %).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.functions import TruncWeek

from django.utils.translation import gettext as _

from orgs.models import Organisation
from requests_app.cases.tallies import (  # shared with the transparency report (requests_app/reports)
    ANSWERED, OPEN, ROW, EpochDays, PercentileCont, kinds_of, local_midnight, one_decimal, percentile, requests_of,
)
from requests_app.cases.selectors import OPEN_STATUSES
from requests_app.desk import closed_tallies
from requests_app.models import RightsRequest

Status = RightsRequest.Status
Kind = RightsRequest.Kind

WEEKS = 12
CLOSING_WINDOW = timedelta(days=365)
CLOCK_RUNNING = Q(paused_at__isnull=True)
# The outcome buckets, in the order the dashboard shows them; "open" is every open status.
OUTCOMES = (Status.FULFILLED, Status.REFUSED, Status.WITHDRAWN, Status.EXPIRED)

__all__ = ["ANSWERED", "OPEN", "ROW", "EpochDays", "PercentileCont", "Figures", "Tally", "WeekRate",
           "dashboard_figures", "local_midnight", "one_decimal", "on_time_chart", "percentile", "requests_of"]


@dataclass(frozen=True)
class Tally:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class WeekRate:
    start: date  # the Monday, in the organisation's time zone
    answered: int
    on_time: int

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def iso_week(self) -> str:
        year, week, _day = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def rate(self) -> float | None:
        return self.on_time / self.answered if self.answered else None

    @property
    def percent(self) -> int | None:
        """The rate in whole per cent, rounded half up; None for a week with nothing answered."""
        if not self.answered:
            return None
        return int((Decimal(100 * self.on_time) / self.answered).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Figures:
    organisation: Organisation
    now: datetime
    open: int
    overdue: int
    due_this_week: int
    answered_in_window: int
    median_days: Decimal | None
    p90_days: Decimal | None
    weeks: list[WeekRate]
    by_kind: list[Tally]
    by_outcome: list[Tally]
    refusal_grounds: list[tuple[str, int]]
    # Open requests whose business-day deadline runs through a year no calendar covers.
    calendar_warnings: int = 0
    late_refusals: int = 0

    @property
    def total(self) -> int:
        return sum(c.count for c in self.by_outcome)


def local_monday(now: datetime, tz) -> date:
    today = now.astimezone(tz).date()
    return today - timedelta(days=today.weekday())


def dashboard_figures(organisation: Organisation, now: datetime) -> Figures:
    """Every figure of the dashboard of `organisation` as at `now` (aware)."""
    tz = organisation.time_zone
    this_monday = local_monday(now, tz)
    end_of_week = local_midnight(this_monday + timedelta(days=7), tz)
    first_monday = this_monday - timedelta(weeks=WEEKS - 1)
    requests = requests_of(organisation)

    version = closed_tallies.version_of(organisation.pk)
    live = _open_counts(requests, now=now, end_of_week=end_of_week)
    closed = closed_tallies.closed_counts(organisation.pk, version, now)
    answered = closed_tallies.kept(
        organisation.pk, version, ("answered", str(tz), first_monday), now,
        lambda: _answered(requests, tz=tz, first_monday=first_monday, end_of_week=end_of_week, now=now),
    )
    return Figures(
        organisation=organisation,
        now=now,
        open=live["open"],
        overdue=live["overdue"],
        due_this_week=live["due_this_week"],
        answered_in_window=answered.in_window,
        median_days=one_decimal(answered.median_days),
        p90_days=one_decimal(answered.p90_days),
        weeks=answered.weeks,
        by_kind=[Tally(code, label, live[f"kind_{code}"] + closed.of_kind(code)) for code, label in kinds_of(organisation)],
        by_outcome=[Tally(code, Status(code).label, closed.of_status(code)) for code in OUTCOMES]
        + [Tally("open", _("Open"), live["open"])],
        refusal_grounds=closed.grounds,
        calendar_warnings=live["calendar_warnings"],
        late_refusals=closed.late_refusals,
    )


def _open_counts(requests: QuerySet, *, now: datetime, end_of_week: datetime) -> dict:
    """The figures of the open requests, read live from them alone, grouped by kind: a few
    hundred rows found through the partial index `request_open_queue_idx` (its condition
    is this status list)."""
    rows = (
        requests.filter(status__in=OPEN_STATUSES).values_list("kind")
        .annotate(open=Count(ROW), overdue=Count(ROW, filter=CLOCK_RUNNING & Q(due_at__lt=now)),
                  due_this_week=Count(ROW, filter=CLOCK_RUNNING & Q(due_at__gte=now, due_at__lt=end_of_week)),
                  calendar_warnings=Count(ROW, filter=Q(calendar_uncovered_year__isnull=False)))
    )
    counts = {"open": 0, "overdue": 0, "due_this_week": 0, "calendar_warnings": 0, **{f"kind_{k}": 0 for k in Kind.values}}
    for kind, *figures in rows:
        counts[f"kind_{kind}"] = figures[0]
        for name, n in zip(("open", "overdue", "due_this_week", "calendar_warnings"), figures):
            counts[name] += n
    return counts


@dataclass(frozen=True)
class Answered:
    """What the clock moves: the requests answered in the last 365 days, the twelve weeks."""

    in_window: int
    median_days: float | None
    p90_days: float | None
    weeks: list[WeekRate]


def _answered(requests: QuerySet, *, tz, first_monday: date, end_of_week: datetime, now: datetime):
    """(Answered, the instant until which it holds): until the oldest answer of the window
    leaves it, an answer recorded after `now` comes into it, or the week ends. Two queries,
    each a range of `request_dashboard_idx` read alone (index-only)."""
    # The closed_at range is the one index condition (the statuses are filters), so the plan
    # is `request_dashboard_idx` whatever the statistics say.
    recent = requests.filter(closed_at__gt=now - CLOSING_WINDOW)
    in_window = Q(status__in=ANSWERED, closed_at__lte=now)
    days = EpochDays(F("closed_at") - F("received_at"))
    aggregates = {"in_window": Count(ROW, filter=in_window), "oldest": Min("closed_at", filter=in_window),
                  "upcoming": Min("closed_at", filter=Q(status__in=ANSWERED, closed_at__gt=now))}
    in_database = connection.vendor == "postgresql"
    if in_database:
        aggregates["median_days"] = PercentileCont(days, fraction=0.5, filter=in_window)
        aggregates["p90_days"] = PercentileCont(days, fraction=0.9, filter=in_window)
    found = recent.aggregate(**aggregates)
    if not in_database:
        # The embedded SQLite set-up has no percentile_cont: the same interpolation over
        # the window's rows (a demo's few hundred), the one extra query only there.
        window = sorted((closed - received).total_seconds() / 86400
                        for closed, received in recent.filter(in_window).values_list("closed_at", "received_at"))
        found["median_days"], found["p90_days"] = percentile(window, 0.5), percentile(window, 0.9)
    ends = [end_of_week] + [found["upcoming"]] * bool(found["upcoming"])
    if found["oldest"] is not None:
        ends.append(found["oldest"] + CLOSING_WINDOW)
    weeks = _weekly_on_time(requests, tz=tz, first_monday=first_monday, now=now)
    return Answered(found["in_window"], found["median_days"], found["p90_days"], weeks), min(ends)


def _weekly_on_time(requests: QuerySet, *, tz, first_monday: date, now: datetime) -> list[WeekRate]:
    rows = (
        requests.filter(status__in=ANSWERED, closed_at__gte=local_midnight(first_monday, tz), closed_at__lte=now)
        .annotate(week=TruncWeek("closed_at", tzinfo=tz))
        .values("week")
        .annotate(answered=Count(ROW), on_time=Count(ROW, filter=Q(closed_at__lte=F("due_at"))))
        .order_by("week")
    )
    found = {row["week"].date(): row for row in rows}
    weeks = []
    for n in range(WEEKS):
        monday = first_monday + timedelta(weeks=n)
        row = found.get(monday, {"answered": 0, "on_time": 0})
        weeks.append(WeekRate(start=monday, answered=row["answered"], on_time=row["on_time"]))
    return weeks


# --- the chart: geometry only, the template draws it --------------------------------------


@dataclass(frozen=True)
class Bar:
    week: WeekRate
    x: float
    y: float
    width: float
    height: float
    label_x: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    bars: list[Bar]
    gridlines: list[tuple[int, float]]  # (per cent, y)


def on_time_chart(weeks: list[WeekRate], *, width: int = 640, height: int = 240) -> Chart:
    """Bar positions of the weekly on-time rate: 0-100 % on the y axis, one bar per week."""
    left, right, top, bottom = 44, 8, 18, height - 36
    plot_height = bottom - top
    slot = (width - left - right) / max(len(weeks), 1)
    bars = []
    for i, week in enumerate(weeks):
        rate = week.rate or 0.0
        # A week at 0 % still gets a sliver, so it does not look like a week with nothing answered.
        bar_height = max(round(plot_height * rate, 1), 2.0) if week.answered else 0.0
        x = round(left + i * slot + slot * 0.15, 1)
        bars.append(Bar(week=week, x=x, y=round(bottom - bar_height, 1), width=round(slot * 0.7, 1),
                        height=bar_height, label_x=round(left + i * slot + slot / 2, 1)))
    gridlines = [(p, round(bottom - plot_height * p / 100, 1)) for p in (0, 25, 50, 75, 100)]
    return Chart(width=width, height=height, plot_top=top, plot_bottom=bottom, plot_left=left, bars=bars,
                 gridlines=gridlines)

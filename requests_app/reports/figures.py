"""The public transparency report of one organisation for one calendar year.

`transparency_report(organisation, year, sections=...)` builds it, whoever asks: the
public page (once `orgs.report_publication` says it is published), the owner's preview,
a regulator. Whether it is published is not this module's question.

Every figure is about the requests *received* in the year, as they stand when the report
is built (`Report.as_of`); the words defining each are in `words.py` and on the page.
The counts form a table, kinds by outcome with their totals, so every count of a kind
adds up to its "received"; the suppression rule (suppression.py) runs over that table,
the denials by ground and the claims together, so no withheld count can be worked out.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import Organisation, ReportSection
from requests_app.cases.tallies import kinds_of, local_midnight, one_decimal
from requests_app.models import RightsRequest
from requests_app.money import format_money
from requests_app.reports import grounds, queries
from requests_app.reports.suppression import Cell, Share, enough, withheld_keys

Status = RightsRequest.Status
ALL_SECTIONS = frozenset(ReportSection.values)
# The outcome columns, in the order shown; "closed_unanswered" is withdrawn or expired.
BUCKETS = (
    ("whole", gettext_lazy("Complied with in whole")),
    ("part", gettext_lazy("Complied with in part")),
    ("denied", gettext_lazy("Denied")),
    ("closed_unanswered", gettext_lazy("Withdrawn or expired")),
    ("open", gettext_lazy("Still open")),
)
STATUS_BUCKET = {Status.FULFILLED: "whole", Status.REFUSED: "denied", Status.WITHDRAWN: "closed_unanswered",
                 Status.EXPIRED: "closed_unanswered"}  # every other status: open


class NoSuchYear(LookupError):
    """A year the organisation has no report for: before it existed, or still to come."""


@dataclass(frozen=True)
class Row:
    code: str  # a RightsRequest.Kind value, or "all"
    label: str
    received: Cell
    cells: list[Cell]  # in BUCKETS order


@dataclass(frozen=True)
class Stat:
    n: int
    median: object = None  # Decimal days, one decimal; None when withheld or nothing answered
    mean: object = None


@dataclass(frozen=True)
class KindTimes:
    code: str
    label: str
    stat: Stat


@dataclass(frozen=True)
class Times:
    overall: Stat
    on_time: Share
    by_kind: list[KindTimes]


@dataclass(frozen=True)
class Ground:
    code: str
    label: str
    count: Cell


@dataclass(frozen=True)
class Claims:
    currency: str
    made: Cell
    paid: Cell
    paid_minor: int | None  # None when withheld

    @property
    def paid_display(self) -> str:
        return format_money(self.paid_minor, self.currency) if self.paid_minor is not None else _("withheld")


@dataclass(frozen=True)
class Report:
    organisation: Organisation
    year: int
    as_of: datetime
    sections: frozenset
    rows: list[Row]
    total: Row
    grounds: list[Ground] | None = None
    times: Times | None = None
    compensation: list[Claims] | None = field(default=None)

    @property
    def complete(self) -> bool:
        """Whether the year had ended when the report was built (else: the year so far)."""
        return self.as_of >= year_bounds(self.organisation, self.year)[1]

    @property
    def buckets(self) -> list[tuple[str, str]]:
        return [(code, str(label)) for code, label in BUCKETS]


def year_bounds(organisation: Organisation, year: int) -> tuple[datetime, datetime]:
    """1 January 00:00 of `year` and of the next, in the organisation's time zone."""
    tz = organisation.time_zone
    return local_midnight(date(year, 1, 1), tz), local_midnight(date(year + 1, 1, 1), tz)


def years_of(organisation: Organisation, now: datetime | None = None) -> list[int]:
    """The years with a report, newest first: from the organisation's creation to this year."""
    tz = organisation.time_zone
    last = (now or timezone.now()).astimezone(tz).year
    first = min(organisation.created_at.astimezone(tz).year, last)  # never none: this year at least
    return list(range(last, first - 1, -1))


def transparency_report(organisation: Organisation, year: int, *, sections=None, now: datetime | None = None) -> Report:
    """The report of `organisation` for calendar `year` (its time zone), as at `now`.
    `sections`: the optional ReportSection values to include (None: all). NoSuchYear for a
    year before the organisation existed or after this one."""
    now = now or timezone.now()
    if year not in years_of(organisation, now):
        raise NoSuchYear(year)
    sections = ALL_SECTIONS if sections is None else frozenset(sections)
    start, end = year_bounds(organisation, year)
    requests = queries.cohort(organisation, start, end)

    counts = queries.counts_by_kind_and_status(requests)
    kept = queries.kept_by_kind(requests)
    kinds = _kinds(organisation, counts)
    values = _table_values(kinds, counts, kept)
    lines = _table_lines(kinds)
    ground_counts = claims = None
    if ReportSection.REFUSAL_GROUNDS in sections:
        ground_counts = grounds.tally(organisation, queries.refusal_texts(requests))
        for code, n in ground_counts:
            values[("ground", code)] = n
        lines.append((("all", "denied"), [("ground", code) for code, _n in ground_counts]))
    if ReportSection.COMPENSATION in sections:
        claims = queries.claims_by_currency(organisation, start, end)
        for row in claims:
            cur = row["currency"]
            values.update({(cur, "made"): row["made"], (cur, "paid"): row["paid"],
                           (cur, "unpaid"): row["made"] - row["paid"]})
            lines.append(((cur, "made"), [(cur, "paid"), (cur, "unpaid")]))
    hidden = withheld_keys(values, lines)

    def cell(key) -> Cell:
        return Cell(values[key], withheld=key in hidden)

    def row(code, label) -> Row:
        return Row(code, str(label), cell((code, "received")), [cell((code, b)) for b, _l in BUCKETS])

    return Report(
        organisation=organisation, year=year, as_of=min(now, end).astimezone(organisation.time_zone), sections=sections,
        rows=[row(code, label) for code, label in kinds], total=row("all", _("All requests")),
        grounds=None if ground_counts is None else [
            Ground(code, grounds.label(organisation, code), cell(("ground", code))) for code, _n in ground_counts],
        times=_times(kinds, queries.days_to_respond(requests)) if ReportSection.RESPONSE_TIMES in sections else None,
        compensation=None if claims is None else [
            Claims(r["currency"], cell((r["currency"], "made")), cell((r["currency"], "paid")),
                   r["paid_minor"] if enough(r["paid"]) and (r["currency"], "paid") not in hidden else None)
            for r in claims],
    )


def _kinds(organisation: Organisation, counts: dict) -> list[tuple[str, object]]:
    """The kinds the law has, and any other kind received (a law changed since)."""
    kinds = kinds_of(organisation)
    offered = {code for code, _label in kinds}
    received = {kind for kind, _status in counts}
    return kinds + [(code, label) for code, label in RightsRequest.Kind.choices
                    if code in received and code not in offered]


def _table_values(kinds, counts: dict, kept) -> dict:
    values = {}
    for code, _label in kinds:
        row = dict.fromkeys((b for b, _l in BUCKETS), 0)
        for (kind, status), n in counts.items():
            if kind == code:
                row[STATUS_BUCKET.get(status, "open")] += n
        row["part"] = kept.get(code, 0)
        row["whole"] -= row["part"]
        values.update({(code, b): n for b, n in row.items()})
        values[(code, "received")] = sum(row.values())
    for b, _l in [*BUCKETS, ("received", None)]:
        values[("all", b)] = sum(values[(code, b)] for code, _label in kinds)
    return values


def _table_lines(kinds) -> list:
    codes = [code for code, _label in kinds] + ["all"]
    buckets = [b for b, _l in BUCKETS]
    lines = [((code, "received"), [(code, b) for b in buckets]) for code in codes]
    lines += [(("all", b), [(code, b) for code in codes[:-1]]) for b in [*buckets, "received"]]
    return lines


def _stat(figures: dict | None) -> Stat:
    if not figures or not figures["n"]:
        return Stat(0)
    if not enough(figures["n"]):
        return Stat(figures["n"])
    return Stat(figures["n"], one_decimal(figures["median"]), one_decimal(figures["mean"]))


def _times(kinds, days: dict) -> Times:
    overall = days[None]
    by_kind = [KindTimes(code, str(label), _stat(days.get(code))) for code, label in kinds]
    stat = _stat(overall)
    # One kind's mean withheld while all the others' are shown: it would follow from the
    # overall mean, so that is withheld too (the medians give nothing of the kind away).
    few = [k for k in by_kind if 0 < k.stat.n and k.stat.mean is None]
    if len(few) == 1 and stat.mean is not None:
        stat = Stat(stat.n, stat.median, None)
    return Times(overall=stat, on_time=Share(overall["on_time"], overall["n"]), by_kind=by_kind)

"""Statutory clocks for data-rights requests, kept as data (DESIGN.md "Deadlines").

Pure calendar arithmetic: no models, no database. Every deadline is the *end* of a
day in the organisation's time zone, because laws count whole days where the
organisation is, while the system stores instants in UTC.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _


class Unit(StrEnum):
    DAYS = "days"  # calendar days
    BUSINESS_DAYS = "business_days"  # the working days of the jurisdiction's calendar
    MONTHS = "months"  # calendar months, clamped at month end


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit


class ClockStart(StrEnum):
    RECEIPT = "receipt"
    VERIFICATION = "verification"


@dataclass(frozen=True)
class Policy:
    jurisdiction: str
    name: str
    response: Period
    target: Period | None
    clock_start: ClockStart
    pauses_while_awaiting_subject: bool
    extension: Period | None
    max_extensions: int
    acknowledge_within: Period | None
    appeal_window: Period
    appeal_response: Period | None
    unverified_expiry: Period
    contact_retention: Period
    holidays: frozenset[date] = frozenset()
    source: str = ""
    # Under a receipt clock an unverified request expires this long before its due day
    # (end of that local day), so it is closed, with time to spare, before the due instant.
    unverified_margin: Period | None = None
    # Why the clock may pause while the organisation waits on the person: (code, label)
    # pairs; empty: a question is still asked but the clock runs.
    pause_reasons: tuple[tuple[str, object], ...] = ()
    # A pause that runs this long brings one reminder mail to the person (end of the local day).
    pause_chase_after: Period | None = None
    # ... and this long closes the case (a SYSTEM step from awaiting_subject, with its letter).
    pause_close_after: Period | None = None
    # An extension must be notified within this period, counted from receipt whatever
    # pauses ran; None where the law allows no extension.
    extension_notice_within: Period | None = None
    # Appeals. `max_appeals`: how many times a refused subject may appeal one request
    # (None: the law sets no number, and every refusal opens the appeal window again).
    # `appeal_decision_final`: the decision on an appeal closes the internal route, and
    # its letter gives the external route instead (US-VA, Va. Code §59.1-577(C)). CN, EU,
    # BR and US-CA laws provide no internal appeal: Rightsdesk offers a review after every
    # refusal while the window runs, and every letter names the regulator and the court.
    max_appeals: int | None = None
    appeal_decision_final: bool = False
    # Request kinds with a response period of their own, (kind, period) pairs, e.g. the
    # CCPA opt-outs: 15 business days (regs §7026(f), §7027(g)); such a period has no
    # extension. Other kinds take `response`.
    kind_responses: tuple[tuple[str, Period], ...] = ()
    # The kinds only some laws give (opt-outs, limiting sensitive data) that this law has;
    # the common kinds are offered everywhere.
    extra_kinds: frozenset[str] = frozenset()
    # Kinds filed without identity verification: they do not wait for a code
    # (CCPA regs §7026(d), §7027(e)).
    unverified_kinds: frozenset[str] = frozenset()
    # The kind an unverified deletion's expiry letter offers instead (US-CA: an opt-out of
    # sale or sharing, CCPA regs §7022(a), (f)(3)); "" where the law says nothing of it.
    unverified_deletion_offer: str = ""


# The kinds only some laws give (RightsRequest.Kind values).
OPT_OUT_SALE = "opt_out_sale"  # of sale or sharing (CCPA §1798.120; VCDPA §59.1-577(A)(5)(ii))
LIMIT_SENSITIVE = "limit_sensitive"  # of the use of sensitive personal information (CCPA §1798.121)
OPT_OUT_TARGETED = "opt_out_targeted"  # of targeted advertising (VCDPA §59.1-577(A)(5)(i))
OPT_OUT_PROFILING = "opt_out_profiling"  # of profiling (VCDPA §59.1-577(A)(5)(iii))
OPT_OUT_KINDS = frozenset({OPT_OUT_SALE, LIMIT_SENSITIVE, OPT_OUT_TARGETED, OPT_OUT_PROFILING})
# Another way in than a face scan: China's face-recognition Measures art. 10 and the Supreme
# People's Court's provisions (Fa Shi [2021] No. 15) art. 10; no other law here has it.
ALTERNATIVE = "alternative"
EXTRA_KINDS = OPT_OUT_KINDS | {ALTERNATIVE}


def _days(n: int) -> Period:
    return Period(n, Unit.DAYS)


def _months(n: int) -> Period:
    return Period(n, Unit.MONTHS)


_IDENTITY_DOUBT = ("identity", _("Reasonable doubt about the requester's identity"))
_CLARIFY = ("clarification", _("The request needs clarifying"))

POLICIES: dict[str, Policy] = {
    p.jurisdiction: p
    for p in [
        # PIPL sets no number; GB/T 35273 suggests 30 days, other CN rules use 15 working days.
        # CN holidays and make-up working days change yearly: business days come from the
        # calendar the caller passes (orgs/calendars.py), not from `holidays`.
        Policy("CN", _("China (PIPL)"), _days(30), Period(15, Unit.BUSINESS_DAYS),
               ClockStart.VERIFICATION, True, None, 0, None, _days(15), None,
               _days(14), _days(365), source="PIPL art. 50; GB/T 35273-2020 s8.7",
               # PIPL names no pause; today's pausing, by name.
               pause_reasons=(_CLARIFY, _IDENTITY_DOUBT),
               pause_chase_after=_days(15),
               pause_close_after=_days(30),
               extra_kinds=frozenset({ALTERNATIVE})),
        Policy("EU", _("European Union (GDPR)"), _months(1), None,
               ClockStart.RECEIPT, True, _months(2), 1, None, _months(1), None,
               _months(1), _days(365), source="GDPR art. 12(3), 12(6)",
               unverified_margin=_days(5),
               pause_reasons=(_IDENTITY_DOUBT, _CLARIFY),  # art. 12(6); clarification of the request
               pause_chase_after=_days(14),
               pause_close_after=_months(1),
               extension_notice_within=_months(1)),  # art. 12(3): within one month of receipt
        # The 45 days run from receipt however long verification takes (regs 7021).
        Policy("US-CA", _("California (CCPA/CPRA)"), _days(45), None,
               ClockStart.RECEIPT, False, _days(45), 1, Period(10, Unit.BUSINESS_DAYS),
               _days(45), None, _days(45), _days(730),
               source="Cal. Civ. Code 1798.130; CCPA regs 7021, 7101",
               unverified_margin=_days(5),
               extension_notice_within=_days(45),  # regs 7021(b): within the first 45 days
               kind_responses=((OPT_OUT_SALE, Period(15, Unit.BUSINESS_DAYS)),
                               (LIMIT_SENSITIVE, Period(15, Unit.BUSINESS_DAYS))),
               extra_kinds=frozenset({OPT_OUT_SALE, LIMIT_SENSITIVE}),
               unverified_kinds=frozenset({OPT_OUT_SALE, LIMIT_SENSITIVE}),
               unverified_deletion_offer=OPT_OUT_SALE),
        Policy("BR", _("Brazil (LGPD)"), _days(15), None,
               ClockStart.RECEIPT, False, None, 0, None, _days(15), None,
               _days(15), _days(365), source="LGPD art. 19",
               unverified_margin=_days(3)),
        Policy("US-VA", _("Virginia (VCDPA)"), _days(45), None,
               ClockStart.RECEIPT, False, _days(45), 1, None, _days(45), _days(60),
               _days(45), _days(365), source="Va. Code 59.1-577",
               unverified_margin=_days(5),
               extension_notice_within=_days(45),  # 59.1-577(B)(1): within the initial 45 days
               # One appeal, decided within 60 days, and final (59.1-577(C)).
               max_appeals=1,
               appeal_decision_final=True,
               # Opt-outs are "authenticated consumer requests" like the others
               # (59.1-577(A), (B)(4)) and share the 45 days of (B)(1).
               extra_kinds=frozenset({OPT_OUT_SALE, OPT_OUT_TARGETED, OPT_OUT_PROFILING})),
    ]
}

JURISDICTION_CHOICES: list[tuple[str, str]] = [(code, p.name) for code, p in POLICIES.items()]


class UnknownJurisdiction(ValueError):
    pass


def get_policy(jurisdiction: str) -> Policy:
    try:
        return POLICIES[jurisdiction]
    except KeyError:
        known = ", ".join(POLICIES)
        raise UnknownJurisdiction(
            f"No deadline policy for jurisdiction {jurisdiction!r}; known: {known}"
        ) from None


def response_period(policy: Policy, kind: str = "") -> Period:
    """The response period for a request of `kind`: its own where the policy gives one."""
    return dict(policy.kind_responses).get(kind, policy.response)


def offers_kind(policy: Policy, kind: str) -> bool:
    """Whether the law of `policy` has this kind of request (the common kinds: always)."""
    return kind not in EXTRA_KINDS or kind in policy.extra_kinds


def needs_verification(policy: Policy, kind: str) -> bool:
    return kind not in policy.unverified_kinds


def may_appeal_again(policy: Policy, *, appeals_so_far: int) -> bool:
    """Whether a refusal after `appeals_so_far` appeals opens a new appeal window."""
    if appeals_so_far and policy.appeal_decision_final:
        return False
    return policy.max_appeals is None or appeals_so_far < policy.max_appeals


def add_months(start: date, months: int) -> date:
    """Calendar months; relativedelta clamps 31 Jan + 1 month to the last day of February."""
    return start + relativedelta(months=months)


class WorkingCalendar(Protocol):
    """Which days are working days in a jurisdiction (orgs/calendars.py builds the real ones)."""

    def is_working_day(self, day: date) -> bool: ...

    def covers(self, year: int) -> bool: ...


@dataclass(frozen=True)
class WeekendCalendar:
    """Mon-Fri minus the given holidays; it knows no year, so it covers none."""

    holidays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def covers(self, year: int) -> bool:
        return False


def add_business_days(start: date, days: int, holidays: frozenset[date] = frozenset(),
                      calendar: WorkingCalendar | None = None) -> date:
    """Count forward over the calendar's working days (without one: Mon-Fri minus `holidays`).

    The start day is day 0 whatever it is, so a request arriving on a Saturday has
    Monday as its first business day (in China a make-up Saturday counts as one).
    """
    if days < 0:
        raise ValueError("business days cannot be counted backwards")
    calendar = calendar or WeekendCalendar(holidays)
    current = start
    while days:
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            days -= 1
    return current


def uncovered_years(start: date, end: date, calendar: WorkingCalendar) -> list[int]:
    """The years of the days counted after `start` up to `end` that `calendar` does not cover."""
    first = (start + timedelta(days=1)).year
    return [year for year in range(first, end.year + 1) if not calendar.covers(year)]


def add_period(start: date, period: Period, holidays: frozenset[date] = frozenset(),
               calendar: WorkingCalendar | None = None) -> date:
    if period.unit == Unit.DAYS:
        return start + timedelta(days=period.amount)
    if period.unit == Unit.BUSINESS_DAYS:
        return add_business_days(start, period.amount, holidays, calendar)
    if period.unit == Unit.MONTHS:
        return add_months(start, period.amount)
    raise ValueError(f"unknown unit {period.unit!r}")


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The last microsecond of `day` in `tz`, in UTC: a deadline day is usable to its end."""
    return datetime.combine(day, time.max, tzinfo=tz).astimezone(UTC)


def _local_date(moment: datetime, tz: ZoneInfo) -> date:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("deadlines need aware datetimes")
    return moment.astimezone(tz).date()


def _paused(policy: Policy, paused: timedelta) -> timedelta:
    """The time the due and target instants move for waiting on the subject: exactly the
    time paused (not rounded to days), and nothing where the policy's clock never pauses."""
    if paused < timedelta(0):
        raise ValueError("a pause cannot be negative")
    if not policy.pauses_while_awaiting_subject:
        return timedelta(0)
    return paused


def _deadline(policy: Policy, start: datetime, period: Period, tz: ZoneInfo,
              paused: timedelta = timedelta(0), calendar: WorkingCalendar | None = None) -> datetime:
    day = add_period(_local_date(start, tz), period, policy.holidays, calendar)
    return end_of_day(day, tz) + paused


def due_at(policy: Policy, *, clock_started_at: datetime, tz: ZoneInfo,
           paused: timedelta = timedelta(0), extensions: int = 0, kind: str = "",
           calendar: WorkingCalendar | None = None) -> datetime:
    """The hard due instant (for a request of `kind`, whose period may be its own);
    business days are the working days of `calendar`.

    Extensions are counted in one step from the start date, not chained from the first
    due date, so month-end clamping cannot eat days (EU: 31 Jan + 3 months = 30 Apr).
    """
    response = response_period(policy, kind)
    if response != policy.response:  # a kind's own period: no extension
        day = add_period(_local_date(clock_started_at, tz), response, policy.holidays, calendar)
        return end_of_day(day, tz) + _paused(policy, paused)
    if not 0 <= extensions <= policy.max_extensions:
        raise ValueError(
            f"{policy.jurisdiction} allows at most {policy.max_extensions} extension(s), "
            f"got {extensions}"
        )
    start = _local_date(clock_started_at, tz)
    ext = policy.extension
    if extensions and ext is not None and ext.unit == policy.response.unit:
        total = Period(policy.response.amount + extensions * ext.amount, ext.unit)
        day = add_period(start, total, policy.holidays, calendar)
    else:  # mixed units (no current policy): chain each extension onto the last due day
        day = add_period(start, policy.response, policy.holidays, calendar)
        for _n in range(extensions if ext is not None else 0):
            day = add_period(day, ext, policy.holidays, calendar)
    return end_of_day(day, tz) + _paused(policy, paused)


def target_at(policy: Policy, *, clock_started_at: datetime, tz: ZoneInfo,
              paused: timedelta = timedelta(0), calendar: WorkingCalendar | None = None) -> datetime | None:
    """The internal target (CN: 15 working days); pauses move it as they move the due date."""
    if policy.target is None:
        return None
    return _deadline(policy, clock_started_at, policy.target, tz, _paused(policy, paused), calendar)


def acknowledge_by(policy: Policy, *, received_at: datetime, tz: ZoneInfo, kind: str = "",
                   calendar: WorkingCalendar | None = None) -> datetime | None:
    """When receipt must be confirmed (US-CA only); runs from receipt, before verification.
    A kind with its own period (the CCPA opt-outs) has none: regs §7021 covers requests to
    delete, correct and know."""
    if policy.acknowledge_within is None or kind in dict(policy.kind_responses):
        return None
    return _deadline(policy, received_at, policy.acknowledge_within, tz, calendar=calendar)


def appeal_closes_at(policy: Policy, *, refused_at: datetime, tz: ZoneInfo) -> datetime:
    return _deadline(policy, refused_at, policy.appeal_window, tz)


def appeal_due_at(policy: Policy, *, appealed_at: datetime, tz: ZoneInfo) -> datetime | None:
    """When an appeal must be answered, where the law sets a period (US-VA: 60 days)."""
    if policy.appeal_response is None:
        return None
    return _deadline(policy, appealed_at, policy.appeal_response, tz)


def unverified_expires_at(policy: Policy, *, received_at: datetime, tz: ZoneInfo) -> datetime:
    """Unverified requests are dropped so unproven identities do not linger as personal data.

    Under a receipt clock with an `unverified_margin` the request expires at the end of
    the local day that many days before its due day, so it is closed (and the person
    told why) strictly before the statutory due instant; otherwise after
    `unverified_expiry` from receipt (CN: its clock starts only at verification)."""
    if policy.clock_start == ClockStart.RECEIPT and policy.unverified_margin is not None:
        due_day = add_period(_local_date(received_at, tz), policy.response, policy.holidays)
        day = due_day - timedelta(days=policy.unverified_margin.amount)
        return max(end_of_day(day, tz), received_at)
    return _deadline(policy, received_at, policy.unverified_expiry, tz)


def pause_reason_codes(policy: Policy) -> list[str]:
    return [code for code, _label in policy.pause_reasons]


def pause_chase_at(policy: Policy, *, paused_at: datetime, tz: ZoneInfo) -> datetime | None:
    """When a person who has not answered is reminded once (end of that local day)."""
    if policy.pause_chase_after is None:
        return None
    return _deadline(policy, paused_at, policy.pause_chase_after, tz)


def pause_close_at(policy: Policy, *, paused_at: datetime, tz: ZoneInfo) -> datetime | None:
    """When a case still waiting on the person is closed (end of that local day)."""
    if policy.pause_close_after is None:
        return None
    return _deadline(policy, paused_at, policy.pause_close_after, tz)


def extension_notice_by(policy: Policy, *, received_at: datetime, tz: ZoneInfo) -> datetime | None:
    """The last instant an extension may be notified: the end of the local day the
    notice period ends, counted from receipt; pauses do not move it (GDPR art. 12(3):
    "within one month of receipt"; CCPA regs 7021(b), Va. Code 59.1-577(B)(1): within
    the first 45 days). None where the law allows no extension."""
    if policy.extension is None or policy.extension_notice_within is None:
        return None
    return _deadline(policy, received_at, policy.extension_notice_within, tz)


def contact_purge_at(policy: Policy, *, closed_at: datetime, tz: ZoneInfo) -> datetime:
    """Closed cases keep contact data only as long as record keeping needs it."""
    return _deadline(policy, closed_at, policy.contact_retention, tz)


def can_extend(policy: Policy, *, extensions_so_far: int, kind: str = "") -> bool:
    """Whether one more extension is allowed; a kind with its own period has none."""
    if kind in dict(policy.kind_responses):
        return False
    return policy.extension is not None and extensions_so_far < policy.max_extensions


def clock_start_for(policy: Policy, *, received_at: datetime,
                    verified_at: datetime | None) -> datetime | None:
    """When the response clock starts; None while it waits for a verification not yet done."""
    if policy.clock_start == ClockStart.RECEIPT:
        return received_at
    return verified_at

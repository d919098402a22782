"""Deadline arithmetic: every expected value is a date you can check on a calendar.

Reference calendar: 1 Mar 2027 is a Monday; 6-7 Mar 2027 are Saturday and Sunday.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from requests_app.cases.deadlines import (
    JURISDICTION_CHOICES,
    POLICIES,
    ClockStart,
    Period,
    Unit,
    UnknownJurisdiction,
    acknowledge_by,
    add_business_days,
    add_months,
    add_period,
    appeal_closes_at,
    can_extend,
    clock_start_for,
    contact_purge_at,
    due_at,
    end_of_day,
    get_policy,
    target_at,
    unverified_expires_at,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
UTC_ZONE = ZoneInfo("UTC")


def noon(y: int, m: int, d: int, tz: ZoneInfo = UTC_ZONE) -> datetime:
    return datetime(y, m, d, 12, tzinfo=tz)


def eod_utc(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=UTC)


# --- the table --------------------------------------------------------------


def test_choices_follow_table_order_and_use_policy_names():
    assert [code for code, _ in JURISDICTION_CHOICES] == ["CN", "EU", "US-CA", "BR", "US-VA"]
    for code, label in JURISDICTION_CHOICES:
        assert label is POLICIES[code].name


@pytest.mark.parametrize(
    "code, response, extension, max_ext, clock, pauses",
    [
        ("CN", Period(30, Unit.DAYS), None, 0, ClockStart.VERIFICATION, True),
        ("EU", Period(1, Unit.MONTHS), Period(2, Unit.MONTHS), 1, ClockStart.RECEIPT, True),
        ("US-CA", Period(45, Unit.DAYS), Period(45, Unit.DAYS), 1, ClockStart.RECEIPT, False),
        ("BR", Period(15, Unit.DAYS), None, 0, ClockStart.RECEIPT, False),
        ("US-VA", Period(45, Unit.DAYS), Period(45, Unit.DAYS), 1, ClockStart.RECEIPT, False),
    ],
)
def test_policy_rows(code, response, extension, max_ext, clock, pauses):
    policy = get_policy(code)
    assert policy.jurisdiction == code
    assert (policy.response, policy.extension, policy.max_extensions) == (response, extension, max_ext)
    assert (policy.clock_start, policy.pauses_while_awaiting_subject) == (clock, pauses)
    assert policy.source


def test_side_periods_from_design():
    assert get_policy("CN").target == Period(15, Unit.BUSINESS_DAYS)
    assert get_policy("US-CA").acknowledge_within == Period(10, Unit.BUSINESS_DAYS)
    assert get_policy("US-CA").contact_retention == Period(730, Unit.DAYS)
    assert get_policy("US-VA").appeal_response == Period(60, Unit.DAYS)
    assert get_policy("EU").target is None
    assert get_policy("CN").holidays == frozenset()


def test_unknown_jurisdiction_names_the_code_and_is_a_value_error():
    with pytest.raises(UnknownJurisdiction, match="'XX'.*CN, EU, US-CA, BR, US-VA"):
        get_policy("XX")
    assert issubclass(UnknownJurisdiction, ValueError)


# --- calendar arithmetic ------------------------------------------------------


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2027, 3, 31), 1, date(2027, 4, 30)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2027, 12, 15), 1, date(2028, 1, 15)),  # across the year end
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    "start, days, holidays, expected",
    [
        (date(2027, 3, 1), 15, frozenset(), date(2027, 3, 22)),  # Mon + 3 weeks
        (date(2027, 3, 5), 1, frozenset(), date(2027, 3, 8)),  # Fri -> Mon
        (date(2027, 3, 6), 1, frozenset(), date(2027, 3, 8)),  # Sat: Monday is day 1
        (date(2027, 3, 7), 1, frozenset(), date(2027, 3, 8)),  # Sun: Monday is day 1
        (date(2027, 3, 6), 5, frozenset(), date(2027, 3, 12)),  # Sat + 5 -> Fri
        (date(2027, 3, 7), 0, frozenset(), date(2027, 3, 7)),  # day 0 is the start
        (date(2027, 3, 5), 1, frozenset({date(2027, 3, 8)}), date(2027, 3, 9)),
        (date(2027, 3, 1), 15, frozenset({date(2027, 3, 8), date(2027, 3, 9)}), date(2027, 3, 24)),
        # A holiday on a weekend costs nothing extra.
        (date(2027, 3, 5), 1, frozenset({date(2027, 3, 6)}), date(2027, 3, 8)),
    ],
)
def test_add_business_days(start, days, holidays, expected):
    assert add_business_days(start, days, holidays) == expected


def test_add_business_days_refuses_negative():
    with pytest.raises(ValueError):
        add_business_days(date(2027, 3, 1), -1)


@pytest.mark.parametrize(
    "period, expected",
    [
        (Period(30, Unit.DAYS), date(2027, 3, 2)),  # 28 days to 28 Feb, then 2 more
        (Period(1, Unit.MONTHS), date(2027, 2, 28)),
        # Sunday 31 Jan: the ten business days are 1-5 and 8-12 Feb.
        (Period(10, Unit.BUSINESS_DAYS), date(2027, 2, 12)),
    ],
)
def test_add_period_dispatches_on_unit(period, expected):
    assert add_period(date(2027, 1, 31), period) == expected


@pytest.mark.parametrize(
    "day, tz, expected",
    [
        (date(2027, 3, 31), SHANGHAI, datetime(2027, 3, 31, 15, 59, 59, 999999, tzinfo=UTC)),
        (date(2027, 1, 15), LOS_ANGELES, datetime(2027, 1, 16, 7, 59, 59, 999999, tzinfo=UTC)),
        # 14 Mar 2027: US summer time starts, so the day ends at 23:59 PDT (UTC-7).
        (date(2027, 3, 14), LOS_ANGELES, datetime(2027, 3, 15, 6, 59, 59, 999999, tzinfo=UTC)),
        (date(2027, 3, 31), UTC_ZONE, eod_utc(2027, 3, 31)),
    ],
)
def test_end_of_day_is_last_microsecond_in_utc(day, tz, expected):
    result = end_of_day(day, tz)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


# --- due dates per jurisdiction ---------------------------------------------------


@pytest.mark.parametrize(
    "code, started, expected",
    [
        ("CN", noon(2027, 3, 1), eod_utc(2027, 3, 31)),
        ("EU", noon(2027, 1, 31), eod_utc(2027, 2, 28)),
        ("EU", noon(2028, 1, 31), eod_utc(2028, 2, 29)),
        ("EU", noon(2027, 3, 31), eod_utc(2027, 4, 30)),
        ("US-CA", noon(2027, 1, 1), eod_utc(2027, 2, 15)),
        ("BR", noon(2027, 3, 1), eod_utc(2027, 3, 16)),
        ("US-VA", noon(2027, 3, 1), eod_utc(2027, 4, 15)),
    ],
)
def test_due_at_each_jurisdiction(code, started, expected):
    assert due_at(get_policy(code), clock_started_at=started, tz=UTC_ZONE) == expected


def test_late_evening_utc_is_next_day_in_shanghai():
    received = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)  # 07:30 on 2 March in Shanghai
    cn = get_policy("CN")
    assert due_at(cn, clock_started_at=received, tz=UTC_ZONE) == eod_utc(2027, 3, 31)
    assert due_at(cn, clock_started_at=received, tz=SHANGHAI) == datetime(
        2027, 4, 1, 15, 59, 59, 999999, tzinfo=UTC
    )


def test_input_offset_does_not_matter_only_the_instant():
    received = datetime(2027, 3, 2, 7, 30, tzinfo=SHANGHAI)  # same instant as 23:30 UTC on 1 March
    assert due_at(get_policy("BR"), clock_started_at=received, tz=UTC_ZONE) == eod_utc(2027, 3, 16)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        due_at(get_policy("EU"), clock_started_at=datetime(2027, 1, 31, 12), tz=UTC_ZONE)


# --- extensions ----------------------------------------------------------------


@pytest.mark.parametrize(
    "code, started, expected",
    [
        # Counted from receipt in one step: 31 Jan + 3 months, not 28 Feb + 2 months.
        ("EU", noon(2027, 1, 31), eod_utc(2027, 4, 30)),
        ("US-CA", noon(2027, 1, 1), eod_utc(2027, 4, 1)),  # 45 + 45 = 90 days
        ("US-VA", noon(2027, 3, 1), eod_utc(2027, 5, 30)),
    ],
)
def test_one_extension(code, started, expected):
    assert due_at(get_policy(code), clock_started_at=started, tz=UTC_ZONE, extensions=1) == expected


@pytest.mark.parametrize("code, extensions", [("CN", 1), ("BR", 1), ("EU", 2), ("US-CA", 2), ("EU", -1)])
def test_too_many_extensions_are_refused(code, extensions):
    with pytest.raises(ValueError, match="at most"):
        due_at(get_policy(code), clock_started_at=noon(2027, 1, 1), tz=UTC_ZONE, extensions=extensions)


@pytest.mark.parametrize(
    "code, so_far, allowed",
    [("CN", 0, False), ("BR", 0, False), ("EU", 0, True), ("EU", 1, False), ("US-CA", 0, True),
     ("US-CA", 1, False), ("US-VA", 0, True)],
)
def test_can_extend(code, so_far, allowed):
    assert can_extend(get_policy(code), extensions_so_far=so_far) is allowed


# --- pauses -------------------------------------------------------------------


@pytest.mark.parametrize(
    "paused, expected",
    [
        (timedelta(0), eod_utc(2027, 3, 31)),
        # exactly the time paused, not rounded to whole days
        (timedelta(hours=3), eod_utc(2027, 3, 31) + timedelta(hours=3)),
        (timedelta(days=2), eod_utc(2027, 4, 2)),
        (timedelta(days=2, seconds=1), eod_utc(2027, 4, 2) + timedelta(seconds=1)),
    ],
)
def test_cn_pause_moves_due_date(paused, expected):
    cn = get_policy("CN")
    assert due_at(cn, clock_started_at=noon(2027, 3, 1), tz=UTC_ZONE, paused=paused) == expected


def test_eu_pause_is_added_after_the_month():
    eu = get_policy("EU")
    due = due_at(eu, clock_started_at=noon(2027, 1, 31), tz=UTC_ZONE, paused=timedelta(days=1))
    assert due == eod_utc(2027, 3, 1)


@pytest.mark.parametrize("code, expected", [("US-CA", eod_utc(2027, 4, 15)), ("BR", eod_utc(2027, 3, 16))])
def test_policies_that_never_pause_ignore_pauses(code, expected):
    policy = get_policy(code)
    paused = timedelta(days=5)
    assert due_at(policy, clock_started_at=noon(2027, 3, 1), tz=UTC_ZONE, paused=paused) == expected


def test_negative_pause_is_refused():
    with pytest.raises(ValueError):
        due_at(get_policy("CN"), clock_started_at=noon(2027, 3, 1), tz=UTC_ZONE, paused=-timedelta(days=1))


# --- internal target ------------------------------------------------------------


def test_cn_target_is_fifteen_business_days():
    assert target_at(get_policy("CN"), clock_started_at=noon(2027, 3, 1), tz=UTC_ZONE) == eod_utc(2027, 3, 22)


def test_cn_target_skips_the_policys_holidays():
    cn = replace(get_policy("CN"), holidays=frozenset({date(2027, 3, 8), date(2027, 3, 9)}))
    assert target_at(cn, clock_started_at=noon(2027, 3, 1), tz=UTC_ZONE) == eod_utc(2027, 3, 24)


def test_cn_target_moves_with_pause_and_saturday_start():
    cn = get_policy("CN")
    paused = timedelta(hours=3)
    due = target_at(cn, clock_started_at=noon(2027, 3, 1), tz=UTC_ZONE, paused=paused)
    assert due == eod_utc(2027, 3, 22) + paused  # moved by exactly the time paused
    # Saturday 6 March: Monday 8 is day 1, so day 15 is Friday 26 March.
    assert target_at(cn, clock_started_at=noon(2027, 3, 6), tz=UTC_ZONE) == eod_utc(2027, 3, 26)


def test_no_target_outside_cn():
    assert target_at(get_policy("EU"), clock_started_at=noon(2027, 3, 1), tz=UTC_ZONE) is None


# --- acknowledgement, appeal, expiry, purge -----------------------------------------


def test_ca_acknowledges_within_ten_business_days_in_local_time():
    # Saturday 6 March in Los Angeles: 8-12 and 15-19 March are the ten business days.
    received = datetime(2027, 3, 6, 9, tzinfo=LOS_ANGELES)
    assert acknowledge_by(get_policy("US-CA"), received_at=received, tz=LOS_ANGELES) == datetime(
        2027, 3, 20, 6, 59, 59, 999999, tzinfo=UTC
    )


@pytest.mark.parametrize("code", ["CN", "EU", "BR", "US-VA"])
def test_no_acknowledgement_deadline_elsewhere(code):
    assert acknowledge_by(get_policy(code), received_at=noon(2027, 3, 1), tz=UTC_ZONE) is None


@pytest.mark.parametrize(
    "code, refused, expected",
    [
        ("CN", noon(2027, 3, 1), eod_utc(2027, 3, 16)),
        ("EU", noon(2027, 1, 31), eod_utc(2027, 2, 28)),
        ("US-CA", noon(2027, 1, 1), eod_utc(2027, 2, 15)),
        ("BR", noon(2027, 3, 1), eod_utc(2027, 3, 16)),
        ("US-VA", noon(2027, 3, 1), eod_utc(2027, 4, 15)),
    ],
)
def test_appeal_closes_at(code, refused, expected):
    assert appeal_closes_at(get_policy(code), refused_at=refused, tz=UTC_ZONE) == expected


@pytest.mark.parametrize(
    "code, received, expected",
    [
        ("CN", noon(2027, 3, 1), eod_utc(2027, 3, 15)),
        # A receipt clock: the policy's margin before the due day (28 Feb, 15 Feb).
        ("EU", noon(2027, 1, 31), eod_utc(2027, 2, 23)),
        ("US-CA", noon(2027, 1, 1), eod_utc(2027, 2, 10)),
    ],
)
def test_unverified_expires_at(code, received, expected):
    assert unverified_expires_at(get_policy(code), received_at=received, tz=UTC_ZONE) == expected


@pytest.mark.parametrize(
    "code, closed, expected",
    [
        ("CN", noon(2027, 3, 1), eod_utc(2028, 2, 29)),  # 365 days crossing 29 Feb 2028
        ("US-CA", noon(2027, 1, 1), eod_utc(2028, 12, 31)),  # 730 days with 2028 a leap year
    ],
)
def test_contact_purge_at(code, closed, expected):
    assert contact_purge_at(get_policy(code), closed_at=closed, tz=UTC_ZONE) == expected


# --- when the clock starts ------------------------------------------------------


def test_cn_clock_waits_for_verification():
    cn = get_policy("CN")
    received, verified = noon(2027, 3, 1), noon(2027, 3, 10)
    assert clock_start_for(cn, received_at=received, verified_at=None) is None
    assert clock_start_for(cn, received_at=received, verified_at=verified) == verified


@pytest.mark.parametrize("code", ["EU", "US-CA", "BR", "US-VA"])
def test_receipt_clock_ignores_late_verification(code):
    received, verified = noon(2027, 1, 1), noon(2027, 2, 1)
    policy = get_policy(code)
    assert clock_start_for(policy, received_at=received, verified_at=verified) == received
    assert clock_start_for(policy, received_at=received, verified_at=None) == received


def test_ca_due_date_runs_from_receipt_however_late_verification_is():
    ca = get_policy("US-CA")
    start = clock_start_for(ca, received_at=noon(2027, 1, 1), verified_at=noon(2027, 2, 10))
    assert due_at(ca, clock_started_at=start, tz=UTC_ZONE) == eod_utc(2027, 2, 15)

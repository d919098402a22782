"""Business days from a real calendar (issue 10 item 7): China's public holidays and its
make-up working days (调休, State Council notices, via chinese_calendar), California's
state holidays (via holidays, US/CA), a year an administrator adds, and a warning when a
deadline is counted through a year no calendar covers.

Every expected date can be checked on a calendar: 2025-10-01..08 National Day week with
Sunday 28 September and Saturday 11 October worked; 2026-02-15..23 Spring Festival with
Saturdays 14 and 28 February worked; Cesar Chavez Day Tuesday 31 March 2026;
Thanksgiving Thursday 26 November 2026 and the day after; Christmas Friday 25 December
2026; New Year Friday 1 January 2027.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from orgs import calendars
from orgs.generations import ProcessCache
from orgs.models import CalendarDay, CalendarYear
from requests_app.cases import deadlines
from requests_app.cases.deadlines import Period, Unit, WeekendCalendar, add_business_days, uncovered_years
from tests import factories

SHANGHAI, LOS_ANGELES = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/Los_Angeles")


def local(y, m, d, hh, mm, tz) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=tz)


def end_of(day: date, tz: ZoneInfo) -> datetime:
    return deadlines.end_of_day(day, tz)


def verified_at(org, moment):
    with time_machine.travel(moment, tick=False):
        return factories.verified_request(org)


# --- the calendars themselves ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("day, working", [
    (date(2025, 9, 27), False),  # Saturday
    (date(2025, 9, 28), True),   # Sunday worked for National Day
    (date(2025, 9, 30), True),
    *[(date(2025, 10, d), False) for d in range(1, 9)],  # National Day and Mid-Autumn, a Wednesday to a Wednesday
    (date(2025, 10, 9), True),
    (date(2025, 10, 11), True),  # Saturday worked
    (date(2025, 10, 12), False),
    (date(2026, 2, 14), True),   # Saturday worked for Spring Festival
    (date(2026, 2, 16), False),  # Monday of Spring Festival
    (date(2026, 2, 23), False),
    (date(2026, 2, 24), True),
    (date(2026, 2, 28), True),   # Saturday worked
])
def test_china_counts_holidays_and_make_up_working_days(day, working):
    assert calendars.calendar_for("CN").is_working_day(day) is working


@pytest.mark.django_db
@pytest.mark.parametrize("day, working", [
    (date(2026, 3, 31), False),  # Cesar Chavez Day
    (date(2026, 11, 26), False),  # Thanksgiving
    (date(2026, 11, 27), False),  # the day after Thanksgiving, a California state holiday
    (date(2026, 12, 25), False),
    (date(2026, 12, 24), True),
    (date(2026, 11, 28), False),  # Saturday
])
def test_california_counts_its_state_holidays(day, working):
    assert calendars.calendar_for("US-CA").is_working_day(day) is working


@pytest.mark.django_db
def test_which_years_each_calendar_covers():
    assert calendars.calendar_for("CN").covers(2026)
    assert not calendars.calendar_for("CN").covers(2027)  # no State Council notice in the library yet
    assert calendars.calendar_for("US-CA").covers(2027)  # rules, not notices: any year
    assert not calendars.calendar_for("EU").covers(2026)  # no single EU calendar


def test_deadlines_count_a_make_up_saturday_of_the_calendar_given():
    class TwoDays:
        def is_working_day(self, day):
            return day in {date(2027, 3, 6), date(2027, 3, 8)}

        def covers(self, year):
            return True

    assert add_business_days(date(2027, 3, 5), 2, calendar=TwoDays()) == date(2027, 3, 8)
    assert add_business_days(date(2027, 3, 5), 2) == date(2027, 3, 9)  # weekends only, as before


def test_uncovered_years_are_those_counted_after_the_start_day():
    cn_2026 = type("C", (), {"covers": lambda self, year: year == 2026, "is_working_day": lambda self, d: True})()
    assert uncovered_years(date(2026, 12, 1), date(2026, 12, 31), cn_2026) == []
    assert uncovered_years(date(2026, 12, 31), date(2027, 1, 1), cn_2026) == [2027]
    assert uncovered_years(date(2025, 12, 31), date(2026, 1, 5), cn_2026) == []  # the start day is day 0
    assert uncovered_years(date(2026, 1, 1), date(2026, 1, 5), WeekendCalendar()) == [2026]


# --- CN: the 15-working-day target through the workflow -------------------------------------


@pytest.mark.parametrize("verified, target", [
    # Saturday 27 Sep late evening: day 0 is the Saturday, the worked Sunday is day 1.
    (local(2025, 9, 27, 23, 30, SHANGHAI), date(2025, 10, 23)),
    # Half an hour later it is Sunday in Shanghai (still Saturday in UTC): one day later.
    (local(2025, 9, 28, 0, 30, SHANGHAI), date(2025, 10, 24)),
])
def test_cn_target_skips_national_day_week_and_counts_its_worked_weekend_days(org_a, verified, target):
    rr = verified_at(org_a, verified)

    assert rr.target_at == end_of(target, SHANGHAI)  # weekends only would say 17 or 20 October
    assert rr.target_at.astimezone(SHANGHAI).date() == target  # the whole last day, not a minute of the next
    assert rr.calendar_uncovered_year is None


def test_cn_target_skips_spring_festival_2026(org_a):
    rr = verified_at(org_a, local(2026, 2, 12, 10, 0, SHANGHAI))

    # 13 Feb, Sat 14 Feb, 24-27 Feb, Sat 28 Feb, 2-6 Mar, 9-11 Mar.
    assert rr.target_at == end_of(date(2026, 3, 11), SHANGHAI)  # weekends only: 5 March
    assert rr.calendar_uncovered_year is None


def test_cn_pause_moves_the_target_on_the_real_calendar_too(org_a, officer_a):
    from requests_app import workflow
    from requests_app.actors import SUBJECT, member

    rr = verified_at(org_a, local(2026, 2, 12, 10, 0, SHANGHAI))
    workflow.assign(rr, actor=member(officer_a), assignee=officer_a)
    with time_machine.travel(local(2026, 2, 13, 10, 0, SHANGHAI), tick=False):
        workflow.ask_for_information(rr, actor=member(officer_a), question="Which pass number did you use?",
                                        reason="clarification")
    with time_machine.travel(local(2026, 2, 14, 10, 0, SHANGHAI), tick=False):
        workflow.answer(rr, actor=SUBJECT, body="Pass 2019-0427")
    rr.refresh_from_db()
    assert rr.paused_total == timedelta(days=1)
    assert rr.target_at == end_of(date(2026, 3, 12), SHANGHAI)


# --- the last day of the library's years: the warning ---------------------------------------


def test_a_target_ending_on_the_last_covered_day_carries_no_warning(org_a):
    rr = verified_at(org_a, local(2026, 12, 10, 23, 30, SHANGHAI))

    assert rr.target_at == end_of(date(2026, 12, 31), SHANGHAI)
    assert rr.calendar_uncovered_year is None


def test_a_target_counted_into_an_uncovered_year_is_flagged(org_a):
    # Half an hour later in Shanghai (16:30 UTC on the 10th): the count reaches 1 January 2027,
    # a year with no State Council notice in the library; only the weekend was skipped.
    rr = verified_at(org_a, local(2026, 12, 11, 0, 30, SHANGHAI))

    assert rr.target_at == end_of(date(2027, 1, 1), SHANGHAI)
    assert rr.calendar_uncovered_year == 2027


def test_calendar_day_deadlines_are_never_flagged(org_a):
    """The 30-day hard limit counts calendar days: holidays do not matter to it."""
    rr = verified_at(org_a, local(2026, 12, 1, 10, 0, SHANGHAI))
    assert rr.due_at == end_of(date(2026, 12, 31), SHANGHAI)
    assert rr.calendar_uncovered_year is None


@pytest.mark.parametrize("jurisdiction", ["EU", "BR", "US-VA", "US-CA"])
def test_other_jurisdictions_request_covered_or_without_business_days_is_not_flagged(db, jurisdiction):
    org = factories.jurisdiction_org(jurisdiction)
    rr = factories.submitted_at(org, datetime(2026, 12, 28, 18, 0, tzinfo=UTC))
    assert rr.calendar_uncovered_year is None


# --- US-CA: the 10-business-day acknowledgement ---------------------------------------------


@pytest.fixture
def org_ca(db):
    return factories.jurisdiction_org("US-CA")


@pytest.mark.parametrize("received, acknowledge_by", [
    # Tuesday night in Los Angeles: Wed 25, then 30 Nov - 4 Dec, 7-10 Dec (Thanksgiving and the day after skipped).
    (local(2026, 11, 24, 23, 30, LOS_ANGELES), date(2026, 12, 10)),
    # Half an hour later it is Wednesday there: one day later.
    (local(2026, 11, 25, 0, 30, LOS_ANGELES), date(2026, 12, 11)),
    # Christmas and New Year's Day skipped, across the year end.
    (local(2026, 12, 18, 12, 0, LOS_ANGELES), date(2027, 1, 5)),
    # Cesar Chavez Day (Tuesday 31 March) skipped.
    (local(2026, 3, 20, 12, 0, LOS_ANGELES), date(2026, 4, 6)),
])
def test_ca_acknowledgement_skips_california_state_holidays(org_ca, received, acknowledge_by):
    rr = factories.submitted_at(org_ca, received)

    assert rr.acknowledge_by == end_of(acknowledge_by, LOS_ANGELES)
    assert rr.calendar_uncovered_year is None


def test_ca_acknowledgement_counts_weekdays_that_are_no_holiday(org_ca):
    # Monday 2 November 2026: 3-6, 9-13 Nov; Veterans Day Wednesday 11 November skipped.
    rr = factories.submitted_at(org_ca, local(2026, 11, 2, 9, 0, LOS_ANGELES))
    assert rr.acknowledge_by == end_of(date(2026, 11, 17), LOS_ANGELES)


def test_any_business_day_period_of_a_policy_uses_the_calendar(org_ca):
    """A period added later (CA opt-outs: 15 business days) counts on the same calendar."""
    policy = deadlines.get_policy("US-CA")
    received = local(2026, 11, 20, 12, 0, LOS_ANGELES)
    day = deadlines.add_period(received.date(), Period(15, Unit.BUSINESS_DAYS), policy.holidays,
                               calendars.calendar_for("US-CA"))
    # 23-25 Nov, 30 Nov - 4 Dec, 7-11 Dec, 14-15 Dec.
    assert day == date(2026, 12, 15)


# --- a year the administrator adds ---------------------------------------------------------


def add_cn_2027(covered=True):
    """Entered as an administrator would from the (hypothetical) 2027 notice."""
    year = CalendarYear.objects.create(jurisdiction="CN", year=2027, covered=covered, source="State Council notice")
    for day in range(5, 12):
        CalendarDay.objects.create(calendar_year=year, day=date(2027, 2, day), kind=CalendarDay.Kind.HOLIDAY,
                                   name="Spring Festival")
    CalendarDay.objects.create(calendar_year=year, day=date(2027, 2, 13), kind=CalendarDay.Kind.WORKING_DAY,
                               name="Spring Festival (worked)")
    return year


def test_a_year_added_by_the_administrator_is_counted_and_not_flagged(org_a):
    before = verified_at(org_a, local(2027, 2, 4, 10, 0, SHANGHAI))
    assert before.target_at == end_of(date(2027, 2, 25), SHANGHAI)  # weekends only
    assert before.calendar_uncovered_year == 2027

    add_cn_2027()
    after = verified_at(org_a, local(2027, 2, 4, 10, 0, SHANGHAI))

    # 12 Feb, Sat 13 Feb worked, 15-19, 22-26 Feb, 1-3 Mar.
    assert after.target_at == end_of(date(2027, 3, 3), SHANGHAI)
    assert after.calendar_uncovered_year is None


def test_an_incomplete_year_counts_its_days_and_still_warns(org_a):
    add_cn_2027(covered=False)
    rr = verified_at(org_a, local(2027, 2, 4, 10, 0, SHANGHAI))
    assert rr.target_at == end_of(date(2027, 3, 3), SHANGHAI)
    assert rr.calendar_uncovered_year == 2027


def test_a_row_overrides_the_library(org_a):
    year = CalendarYear.objects.create(jurisdiction="CN", year=2026)
    CalendarDay.objects.create(calendar_year=year, day=date(2026, 2, 23), kind=CalendarDay.Kind.WORKING_DAY)
    assert calendars.calendar_for("CN").is_working_day(date(2026, 2, 23))
    assert calendars.calendar_for("CN").covers(2026)  # the library still covers it


def test_saving_a_row_tells_every_process_once_committed(db, django_capture_on_commit_callbacks):
    # Another process, holding the calendar it built before the change (it looks at the
    # shared generation at most once a second; here at every use).
    another_process = ProcessCache("calendars", recheck_seconds=0)
    held = another_process.get("CN", lambda: calendars.build("CN"))
    assert not held.covers(2027)
    with django_capture_on_commit_callbacks(execute=True):
        add_cn_2027()
    assert calendars.calendar_for("CN").covers(2027)  # this process at once
    assert another_process.get("CN", lambda: calendars.build("CN")).covers(2027)


# --- the flagged requests are counted again once their year is covered -----------------------


def test_the_sweep_recounts_a_flagged_request_once_its_year_is_added(org_a):
    from requests_app.workflow import sweeps
    from requests_app.models import RequestEvent

    flagged = verified_at(org_a, local(2027, 2, 4, 10, 0, SHANGHAI))
    assert sweeps.recount_covered_calendars() == 0  # nothing covers 2027 yet: the warning stays

    add_cn_2027()
    assert sweeps.recount_covered_calendars() == 1
    flagged.refresh_from_db()
    assert flagged.target_at == end_of(date(2027, 3, 3), SHANGHAI)
    assert flagged.calendar_uncovered_year is None
    event = RequestEvent.objects.get(request=flagged, action="recount_deadlines")
    assert event.data["year"] == 2027 and not event.visible_to_subject
    assert event.data["target_at"]["from"].startswith("2027-02-25T15:59:59")  # end of 25 Feb in Shanghai, in UTC
    assert sweeps.recount_covered_calendars() == 0  # done once


def test_an_incomplete_year_is_not_recounted(org_a):
    from requests_app.workflow import sweeps

    verified_at(org_a, local(2027, 2, 4, 10, 0, SHANGHAI))
    add_cn_2027(covered=False)
    assert sweeps.recount_covered_calendars() == 0

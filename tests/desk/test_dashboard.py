"""Dashboard figures against a hand-computed organisation, and the dashboard page.

Organisation A (Asia/Shanghai, PIPL: 30 days from verification, due at the end of the
local day) is built through the workflow with the clock moved to each step. "Now" is
Wednesday 16 June 2021, 12:00 in Shanghai; the current ISO week starts Monday 14 June;
the twelve weeks start Monday 29 March. The expected figures are worked out by hand in
the comments of `org_a_history`.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from requests_app import workflow
from requests_app.actors import SUBJECT, SYSTEM, member as as_member
from requests_app.desk import dashboard
from requests_app.desk.dashboard import WeekRate, dashboard_figures, one_decimal
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2021, 6, 16, 12, 0, tzinfo=SHANGHAI)
GROUND_A = "PIPL art. 47(2): a statutory retention period has not expired"
GROUND_B = "PIPL art. 18: notification would impede a criminal investigation"


def at(month, day, hour=10, minute=0, year=2021):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Builder:
    """Walks requests of one organisation through the workflow at chosen moments."""

    def __init__(self, org, officer):
        self.org, self.officer, self.actor, self.n = org, officer, as_member(officer), 0

    def _email(self):
        self.n += 1
        return f"person{self.n}@example.com"

    def submitted(self, moment, kind):
        with time_machine.travel(moment, tick=False):
            return factories.submitted_request(self.org, kind=kind, email=self._email())

    def in_review(self, moment, kind):
        with time_machine.travel(moment, tick=False):
            return factories.in_review_request(self.org, self.officer, kind=kind, email=self._email())

    def fulfilled(self, received, closed, kind):
        rr = self.in_review(received, kind)
        with time_machine.travel(closed, tick=False):
            workflow.approve(rr, actor=self.actor)
            workflow.start_fulfilment(rr, actor=self.actor)
            workflow.finish_fulfilment(rr, actor=self.actor)
        return rr

    def refused(self, received, closed, kind, ground=GROUND_A):
        rr = self.in_review(received, kind)
        with time_machine.travel(closed, tick=False):
            workflow.refuse(rr, actor=self.actor, reason="Kept for the fraud case.", legal_ground=ground)
        return rr


@pytest.fixture
def org_a_history(org_a, officer_a):
    b = Builder(org_a, officer_a)
    made = {}
    # Answered in the last 365 days (fulfilled or refused); days = closed - received.
    # R1 10.0 days, due 1 May: on time; week of 5 April.
    made["r1"] = b.fulfilled(at(4, 1), at(4, 11), "deletion")
    # R2 5.5 days (to 22:00): on time; week of 5 April.
    made["r2"] = b.refused(at(4, 1), at(4, 6, 22), "access")
    # R3 37.4 days (to 19:36), due 31 March: late; week of 5 April.
    made["r3"] = b.fulfilled(at(3, 1), at(4, 7, 19, 36), "deletion")
    # R4 1.6 days, closed Monday 3 May 00:30 in Shanghai (Sunday 2 May 16:30 UTC): the
    # local week of 3 May, not the UTC week of 26 April; on time.
    made["r4"] = b.refused(at(5, 1), at(5, 3, 0, 30), "correction")
    # R5 35.0 days, due 20 May: late; week of 24 May.
    made["r5"] = b.fulfilled(at(4, 20), at(5, 25), "deletion")
    # R15 14.0 days, on time; this week (14 June), the second legal ground.
    made["r15"] = b.refused(at(6, 1), at(6, 15), "restriction", ground=GROUND_B)
    # Sorted days: 1.604, 5.5, 10.0, 14.0, 35.0, 37.4 (n = 6)
    #   median: position 2.5 -> (10.0 + 14.0) / 2 = 12.0
    #   p90:    position 4.5 -> 35.0 + 0.5 * (37.4 - 35.0) = 36.2

    # R14: fulfilled in 10 days but more than 365 days ago: outcome only, no time, no week.
    made["r14"] = b.fulfilled(at(5, 1, year=2020), at(5, 11, year=2020), "portability")

    # Closed without an answer: withdrawn, expired (not in times nor rates).
    made["r6"] = b.submitted(at(6, 1), "access")
    with time_machine.travel(at(6, 2), tick=False):
        workflow.withdraw(made["r6"], actor=SUBJECT)
    made["r7"] = b.submitted(at(2, 1), "deletion")
    with time_machine.travel(at(5, 1), tick=False):
        workflow.expire(made["r7"], actor=SYSTEM)

    # Open.
    # R8 due 31 May (verified 1 May): overdue.
    made["r8"] = b.in_review(at(5, 1), "deletion")
    # R9 due Thursday 17 June: due this week.
    made["r9"] = b.in_review(at(5, 18), "access")
    # R10 due 24 June: next week, nothing.
    with time_machine.travel(at(5, 25), tick=False):
        made["r10"] = factories.verified_request(org_a, kind="copy", email=b._email())
    # R11 due 1 June but waiting for the requester with the clock paused: not overdue.
    made["r11"] = b.in_review(at(5, 2), "deletion")
    with time_machine.travel(at(5, 10), tick=False):
        workflow.ask_for_information(made["r11"], actor=b.actor, question="Which pass number?", reason="clarification")
    # R12 filed yesterday, not verified: open, no due date yet (the PIPL clock starts at verification).
    made["r12"] = b.submitted(at(6, 15), "deletion")
    # R13 refused on 1 June, appealed on 3 June: open again (its refusal counts nowhere),
    # due Saturday 19 June: due this week.
    made["r13"] = b.refused(at(5, 20), at(6, 1), "explanation")
    with time_machine.travel(at(6, 3), tick=False):
        workflow.appeal(made["r13"], actor=SUBJECT, grounds="The fraud case was closed.")
    for rr in made.values():
        rr.refresh_from_db()
    return made


@pytest.fixture
def org_b_history(org_b, officer_b):
    """Another organisation's answered and overdue requests, which A's figures never see."""
    b = Builder(org_b, officer_b)
    b.fulfilled(at(4, 1), at(5, 20), "deletion")
    b.refused(at(6, 1), at(6, 14), "access", ground="Somebody else's ground")
    b.in_review(at(4, 1), "deletion")


def test_fixture_dates_are_as_computed_by_hand(org_a_history):
    h = org_a_history
    assert h["r1"].due_at == datetime(2021, 5, 1, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert h["r3"].due_at.astimezone(SHANGHAI).date().isoformat() == "2021-03-31"
    assert h["r9"].due_at.astimezone(SHANGHAI).date().isoformat() == "2021-06-17"
    assert h["r13"].due_at.astimezone(SHANGHAI).date().isoformat() == "2021-06-19"
    assert h["r13"].status == "in_review" and h["r13"].closed_at is None
    assert h["r11"].paused_at is not None
    assert h["r12"].due_at is None


def test_counts_of_open_overdue_and_due_this_week(org_a_history, org_b_history, org_a):
    figures = dashboard_figures(org_a, NOW)
    assert figures.open == 6  # R8, R9, R10, R11, R12, R13
    assert figures.overdue == 1  # R8 (R11 is paused)
    assert figures.due_this_week == 2  # R9, R13


def test_median_and_90th_percentile_days_to_answer(org_a_history, org_b_history, org_a):
    figures = dashboard_figures(org_a, NOW)
    assert figures.answered_in_window == 6
    assert figures.median_days == Decimal("12.0")
    assert figures.p90_days == Decimal("36.2")


def test_on_time_rate_per_iso_week_in_the_organisations_time_zone(org_a_history, org_b_history, org_a):
    weeks = dashboard_figures(org_a, NOW).weeks
    assert [w.start.isoformat() for w in weeks] == [
        "2021-03-29", "2021-04-05", "2021-04-12", "2021-04-19", "2021-04-26", "2021-05-03",
        "2021-05-10", "2021-05-17", "2021-05-24", "2021-05-31", "2021-06-07", "2021-06-14",
    ]
    assert [(w.answered, w.on_time) for w in weeks] == [
        (0, 0), (3, 2), (0, 0), (0, 0), (0, 0), (1, 1), (0, 0), (0, 0), (1, 0), (0, 0), (0, 0), (1, 1),
    ]
    assert [w.percent for w in weeks] == [None, 67, None, None, None, 100, None, None, 0, None, None, 100]
    assert weeks[1].iso_week == "2021-W14"


def test_requests_by_kind_and_by_outcome(org_a_history, org_b_history, org_a):
    figures = dashboard_figures(org_a, NOW)
    assert {t.code: t.count for t in figures.by_kind} == {
        "access": 3, "copy": 1, "portability": 1, "correction": 1, "deletion": 7, "restriction": 1,
        "withdraw_consent": 0, "explanation": 1, "alternative": 0,  # another way in: CN's face rules
    }
    assert [(t.code, t.count) for t in figures.by_outcome] == [
        ("fulfilled", 4), ("refused", 3), ("withdrawn", 1), ("expired", 1), ("open", 6),
    ]
    assert figures.total == 15


def test_refusal_reasons_count_standing_refusals_by_legal_ground(org_a_history, org_b_history, org_a):
    # R2 and R4 on ground A, R15 on ground B; R13's refusal was appealed and no longer stands.
    assert dashboard_figures(org_a, NOW).refusal_grounds == [(GROUND_A, 2), (GROUND_B, 1)]


def test_another_organisation_sees_only_its_own(org_a_history, org_b_history, org_b):
    figures = dashboard_figures(org_b, NOW)
    assert (figures.open, figures.overdue, figures.answered_in_window) == (1, 1, 2)
    assert figures.refusal_grounds == [("Somebody else's ground", 1)]


def test_figures_of_an_empty_organisation(org_a):
    figures = dashboard_figures(org_a, NOW)
    assert (figures.open, figures.overdue, figures.due_this_week, figures.total) == (0, 0, 0, 0)
    assert figures.median_days is None and figures.p90_days is None
    assert len(figures.weeks) == 12 and all(w.percent is None for w in figures.weeks)


def test_figures_take_five_queries_then_two_until_something_closes(org_a_history, org_a, django_assert_num_queries):
    # The version, the open requests, the closed ones by status and kind, the window of
    # answers, the weeks; then only the version and the open requests.
    with django_assert_num_queries(5):
        first = dashboard_figures(org_a, NOW)
    with django_assert_num_queries(2):
        again = dashboard_figures(org_a, NOW + timedelta(minutes=5))
    assert again.by_outcome == first.by_outcome and again.weeks == first.weeks
    assert again.median_days == first.median_days and again.refusal_grounds == first.refusal_grounds


def test_a_closing_step_shows_at_once(org_a_history, org_a, officer_a):
    before = dashboard_figures(org_a, NOW)
    with time_machine.travel(NOW, tick=False):
        workflow.refuse(org_a_history["r9"], actor=as_member(officer_a), reason="Kept for the fraud case.",
                        legal_ground=GROUND_B)

    after = dashboard_figures(org_a, NOW)

    outcomes = {tally.code: tally.count for tally in after.by_outcome}
    assert outcomes["refused"] == {t.code: t.count for t in before.by_outcome}["refused"] + 1
    assert after.open == before.open - 1 and outcomes["open"] == after.open
    assert after.refusal_grounds == [(GROUND_B, 2), (GROUND_A, 2)]  # a tie: by ground
    assert after.answered_in_window == before.answered_in_window + 1
    assert after.weeks[-1].answered == before.weeks[-1].answered + 1


def test_a_reopened_refusal_leaves_the_counts_at_once(org_a_history, org_a):
    before = dashboard_figures(org_a, NOW)
    with time_machine.travel(NOW, tick=False):
        workflow.appeal(org_a_history["r15"], actor=SUBJECT, grounds="The investigation is over.")

    after = dashboard_figures(org_a, NOW)

    assert after.refusal_grounds == [(GROUND_A, 2)]
    assert after.open == before.open + 1
    assert after.answered_in_window == before.answered_in_window - 1


def test_an_answer_leaves_the_365_day_window_when_its_time_comes(org_a_history, org_a):
    dashboard_figures(org_a, NOW)  # kept from here on
    # R1 was closed on 11 April 2021 at 10:00: out of the window a year later (R2 and R3,
    # closed on 6 and 7 April, are out already).
    a_year_on = at(4, 11, 10, 1, year=2022)
    assert dashboard_figures(org_a, a_year_on - timedelta(minutes=2)).answered_in_window == 4
    assert dashboard_figures(org_a, a_year_on).answered_in_window == 3


def test_one_decimal_rounds_half_up():
    assert one_decimal(2.25) == Decimal("2.3")
    assert one_decimal(2.24) == Decimal("2.2")
    assert one_decimal(12.0) == Decimal("12.0")
    assert one_decimal(None) is None


def test_week_percent_rounds_half_up():
    assert WeekRate(start=NOW.date(), answered=8, on_time=5).percent == 63  # 62.5
    assert WeekRate(start=NOW.date(), answered=3, on_time=1).percent == 33


def test_chart_bars_are_as_high_as_the_rate():
    weeks = [WeekRate(start=NOW.date() - timedelta(weeks=1), answered=4, on_time=1),
             WeekRate(start=NOW.date(), answered=0, on_time=0)]
    chart = dashboard.on_time_chart(weeks, width=200, height=136)
    plot = chart.plot_bottom - chart.plot_top  # 88
    assert chart.bars[0].height == round(plot * 0.25, 1)
    assert chart.bars[0].y == chart.plot_bottom - chart.bars[0].height
    assert chart.bars[1].height == 0


# --- the page -------------------------------------------------------------------------------


def test_url_is_named():
    assert reverse("desk:dashboard") == "/desk/dashboard/"


@pytest.mark.parametrize("who", ["officer_a", "auditor_a", "owner_a"])
def test_members_see_their_organisations_dashboard(client, request, org_a_history, org_b_history, who):
    factories.force_sign_in(client, request.getfixturevalue(who))
    with time_machine.travel(NOW, tick=False):
        response = client.get("/desk/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hangzhou Wildlife Park" in page and "Nanjing Sales Office" not in page
    assert "<svg" in page and 'role="img"' in page
    assert "2021-W14" in page and "67%" in page  # the week of 5 April, in the table
    assert GROUND_A in page and "Somebody else" not in page
    assert response.context["figures"].overdue == 1


def test_system_owner_and_non_members_get_404(client, system_owner_a, org_a_history):
    factories.force_sign_in(client, system_owner_a)
    assert client.get("/desk/dashboard/").status_code == 404


def test_dashboard_needs_signing_in(client, org_a):
    response = client.get("/desk/dashboard/")
    assert response.status_code == 302 and "login" in response.url


def test_python_percentile_interpolates_as_postgresql():
    """The embedded SQLite set-up's fallback gives percentile_cont's figures for the fixture's days."""
    days = sorted([1.6041666, 5.5, 10.0, 14.0, 35.0, 37.4])
    assert one_decimal(dashboard.percentile(days, 0.5)) == Decimal("12.0")
    assert one_decimal(dashboard.percentile(days, 0.9)) == Decimal("36.2")
    assert dashboard.percentile([], 0.5) is None
    assert dashboard.percentile([4.0], 0.9) == 4.0


DASHBOARD_PAGE_QUERIES = 6  # see the test below


def _queries_of_the_page(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/desk/dashboard/")  # the closed requests' tallies are kept from here on
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/desk/dashboard/").status_code == 200
    return len(queries.captured_queries)


def test_the_dashboard_page_takes_the_same_queries_for_4_requests_as_for_40(client, org_a, officer_a):
    """Session, user, second factor, the memberships (the gate and the header share them);
    the closed requests' version and the open requests' figures. Nothing per request."""
    factories.force_sign_in(client, officer_a)
    for n in range(4):
        factories.refused_request(org_a, officer_a, email=f"r{n}@example.com")
    few = _queries_of_the_page(client)
    for n in range(4, 40):
        (factories.refused_request if n % 2 else factories.in_review_request)(org_a, officer_a, email=f"r{n}@example.com")

    many = _queries_of_the_page(client)

    assert few == many == DASHBOARD_PAGE_QUERIES

"""The statutory clocks as the workflow runs them: when they start, pause, extend, and
when a refused subject may still appeal.

Reference calendar: Monday 1 March 2027. START is 10:00 that day in Shanghai, 03:00 in
Berlin and still Sunday 28 February (18:00) in Los Angeles. US DST begins 14 March
2027, EU summer time 28 March 2027. Every expected date can be checked on a calendar.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, member
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import RightsRequest
from tests import factories

Status = RightsRequest.Status
START = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
SHANGHAI, BERLIN, LOS_ANGELES = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin"), ZoneInfo("America/Los_Angeles")
REASON = "Fourteen systems hold gate images; the export needs the vendor."



def end_of(y: int, m: int, d: int, tz: ZoneInfo) -> datetime:
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=tz)


@pytest.fixture
def org_eu(db):
    return factories.organisation(name="Berlin Zoo", slug="zoo-eu", jurisdiction="EU", time_zone="Europe/Berlin")


@pytest.fixture
def officer_eu(org_eu):
    return factories.member(org_eu, "officer", username="officer_eu")


@pytest.fixture
def org_ca(db):
    return factories.organisation(
        name="San Diego Park", slug="park-ca", jurisdiction="US-CA", time_zone="America/Los_Angeles"
    )


@pytest.fixture
def officer_ca(org_ca):
    return factories.member(org_ca, "officer", username="officer_ca")


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def _verify_by_code(rr):
    tasks.send_verification_code(rr.challenges.get().pk)
    workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox())


def _assert_refused(rr, call, error=TransitionNotAllowed):
    before = factories.snapshot(rr)
    with pytest.raises(error):
        call()
    assert factories.snapshot(rr) == before


# --- when the clock starts ---------------------------------------------------------------


def test_cn_clock_starts_at_verification_not_at_receipt(org_a, clock):
    rr = factories.submitted_request(org_a)
    assert (rr.clock_started_at, rr.due_at, rr.target_at) == (None, None, None)
    assert rr.expires_at == end_of(2027, 3, 15, SHANGHAI)  # 14 days to verify

    clock.move_to(START + timedelta(days=2), tick=False)  # Wednesday 3 March
    _verify_by_code(rr)

    assert rr.clock_started_at == START + timedelta(days=2)
    assert rr.due_at == end_of(2027, 4, 2, SHANGHAI)  # 30 days
    assert rr.target_at == end_of(2027, 3, 24, SHANGHAI)  # 15 working days
    assert rr.expires_at is None


def test_cn_due_date_counts_days_in_shanghai_not_utc(org_a, officer_a, time_machine):
    time_machine.move_to(datetime(2027, 3, 1, 20, 0, tzinfo=UTC), tick=False)  # already 2 March in Shanghai
    rr = factories.submitted_request(org_a)

    workflow.verify_identity(rr, actor=member(officer_a), check_performed="Saw the pass")

    assert rr.due_at == end_of(2027, 4, 1, SHANGHAI)
    assert rr.due_at == datetime(2027, 4, 1, 15, 59, 59, 999999, tzinfo=UTC)


def test_eu_clock_runs_from_receipt_and_verification_does_not_move_it(org_eu, clock):
    rr = factories.submitted_request(org_eu)
    assert rr.clock_started_at == START
    assert rr.due_at == end_of(2027, 4, 1, BERLIN)  # one month, in summer time by then
    assert rr.acknowledge_by is None

    clock.move_to(START + timedelta(days=6), tick=False)
    _verify_by_code(rr)

    assert rr.due_at == end_of(2027, 4, 1, BERLIN)


def test_us_ca_clock_runs_from_receipt_and_receipt_must_be_acknowledged(org_ca, clock):
    rr = factories.submitted_request(org_ca)

    assert rr.clock_started_at == START
    assert rr.due_at == end_of(2027, 4, 14, LOS_ANGELES)  # 45 days from Sunday 28 February
    assert rr.acknowledge_by == end_of(2027, 3, 12, LOS_ANGELES)  # 10 business days
    clock.move_to(START + timedelta(days=9), tick=False)
    _verify_by_code(rr)
    assert rr.due_at == end_of(2027, 4, 14, LOS_ANGELES)


def test_cn_request_needs_no_acknowledgement(org_a, clock):
    assert factories.submitted_request(org_a).acknowledge_by is None


# --- pauses while waiting for the subject ------------------------------------------------


def _cn_in_review_at_start(org, officer):
    rr = factories.submitted_request(org)
    workflow.verify_identity(rr, actor=member(officer), check_performed="Saw the pass")
    workflow.assign(rr, actor=member(officer), assignee=officer)
    assert rr.due_at == end_of(2027, 3, 31, SHANGHAI)
    assert rr.target_at == end_of(2027, 3, 22, SHANGHAI)
    return rr


def test_cn_clock_pauses_while_waiting_and_answer_moves_the_due_date(org_a, officer_a, clock):
    rr = _cn_in_review_at_start(org_a, officer_a)
    clock.move_to(START + timedelta(days=1), tick=False)
    workflow.ask_for_information(rr, actor=member(officer_a), question="Which gate?", reason="clarification")
    assert rr.paused_at == START + timedelta(days=1)
    assert rr.events.get(action="ask_info").data["clock_paused"] is True

    clock.move_to(START + timedelta(days=4), tick=False)
    workflow.answer(rr, actor=SUBJECT, body="The east gate")

    assert rr.paused_at is None and rr.paused_total == timedelta(days=3)
    assert rr.due_at == end_of(2027, 4, 3, SHANGHAI)
    assert rr.target_at == end_of(2027, 3, 25, SHANGHAI)
    assert rr.events.get(action="answer").data["paused_seconds"] == 3 * 24 * 3600


def test_cn_part_of_a_day_spent_waiting_counts_exactly(org_a, officer_a, clock):
    rr = _cn_in_review_at_start(org_a, officer_a)
    clock.move_to(START + timedelta(days=1), tick=False)
    workflow.ask_for_information(rr, actor=member(officer_a), question="Which gate?", reason="clarification")

    clock.move_to(START + timedelta(days=4, hours=2), tick=False)
    workflow.answer(rr, actor=SUBJECT, body="The east gate")

    assert rr.due_at == end_of(2027, 4, 3, SHANGHAI) + timedelta(hours=2)


def test_cn_pauses_add_up(org_a, officer_a, clock):
    rr = _cn_in_review_at_start(org_a, officer_a)
    for day in (1, 5):
        clock.move_to(START + timedelta(days=day), tick=False)
        workflow.ask_for_information(rr, actor=member(officer_a), question="And then?", reason="identity")
        clock.move_to(START + timedelta(days=day + 2), tick=False)
        workflow.answer(rr, actor=SUBJECT, body="Here")

    assert rr.paused_total == timedelta(days=4)
    assert rr.due_at == end_of(2027, 4, 4, SHANGHAI)


def test_us_ca_clock_never_pauses(org_ca, officer_ca, clock):
    rr = factories.in_review_request(org_ca, officer_ca)
    due = rr.due_at
    workflow.ask_for_information(rr, actor=member(officer_ca), question="Which store?")
    assert rr.paused_at is None
    assert rr.events.get(action="ask_info").data["clock_paused"] is False

    clock.move_to(START + timedelta(days=3), tick=False)
    workflow.answer(rr, actor=SUBJECT, body="La Jolla")

    assert rr.due_at == due == end_of(2027, 4, 14, LOS_ANGELES)
    assert rr.paused_total == timedelta(0)
    assert rr.events.get(action="answer").data["paused_seconds"] == 0


# --- extensions ------------------------------------------------------------------------------


def test_eu_deadline_may_be_extended_once_to_three_months(org_eu, officer_eu, clock):
    rr = factories.in_review_request(org_eu, officer_eu)
    clock.move_to(START + timedelta(days=20), tick=False)
    before = factories.snapshot(rr)

    workflow.extend(rr, actor=member(officer_eu), reason=f"  {REASON} ")

    assert rr.status == Status.IN_REVIEW
    assert rr.due_at == end_of(2027, 6, 1, BERLIN)
    assert (rr.extensions, rr.extension_reason) == (1, REASON)
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("extend", Status.IN_REVIEW, Status.IN_REVIEW)
    assert event.opened["reason"] == REASON
    assert datetime.fromisoformat(event.data["from"]) == end_of(2027, 4, 1, BERLIN).replace(microsecond=999000)
    assert datetime.fromisoformat(event.data["to"]) == end_of(2027, 6, 1, BERLIN).replace(microsecond=999000)


def test_us_ca_deadline_may_be_extended_by_45_days(org_ca, officer_ca, clock):
    rr = factories.in_review_request(org_ca, officer_ca)

    workflow.extend(rr, actor=member(officer_ca), reason=REASON)

    assert rr.due_at == end_of(2027, 5, 29, LOS_ANGELES)


def test_a_second_extension_is_refused(org_eu, officer_eu, clock):
    rr = factories.in_review_request(org_eu, officer_eu)
    workflow.extend(rr, actor=member(officer_eu), reason=REASON)

    _assert_refused(rr, lambda: workflow.extend(rr, actor=member(officer_eu), reason="Still more systems"))
    assert rr.due_at == end_of(2027, 6, 1, BERLIN)


def test_cn_deadline_cannot_be_extended(org_a, officer_a, clock):
    rr = factories.in_review_request(org_a, officer_a)
    _assert_refused(rr, lambda: workflow.extend(rr, actor=member(officer_a), reason=REASON))


def test_extension_after_the_due_date_is_refused(org_eu, officer_eu, clock):
    rr = factories.in_review_request(org_eu, officer_eu)
    clock.move_to(end_of(2027, 4, 1, BERLIN) + timedelta(seconds=1), tick=False)

    _assert_refused(rr, lambda: workflow.extend(rr, actor=member(officer_eu), reason=REASON))


def test_extension_on_the_last_day_is_still_allowed(org_eu, officer_eu, clock):
    rr = factories.in_review_request(org_eu, officer_eu)
    clock.move_to(datetime(2027, 4, 1, 23, 0, tzinfo=BERLIN), tick=False)

    workflow.extend(rr, actor=member(officer_eu), reason=REASON)

    assert rr.extensions == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_extension_requires_a_reason(org_eu, officer_eu, clock, reason):
    rr = factories.in_review_request(org_eu, officer_eu)
    before = factories.snapshot(rr)

    with pytest.raises(InvalidInput) as exc:
        workflow.extend(rr, actor=member(officer_eu), reason=reason)

    assert list(exc.value.errors) == ["reason"]
    assert factories.snapshot(rr) == before


@pytest.mark.parametrize(
    "status", [Status.AWAITING_SUBJECT, Status.APPROVED, Status.FULFILLING, Status.VERIFIED]
)
def test_extension_is_possible_while_the_request_is_worked(org_eu, officer_eu, clock, status):
    rr = factories.request_in_state(status, org_eu, officer_eu)

    workflow.extend(rr, actor=member(officer_eu), reason=REASON)

    assert rr.status == status and rr.extensions == 1


@pytest.mark.parametrize(
    "status", [Status.SUBMITTED, Status.REFUSED, Status.FULFILLED, Status.WITHDRAWN, Status.EXPIRED]
)
def test_extension_is_not_possible_before_verification_or_once_closed(org_eu, officer_eu, status):
    rr = factories.request_in_state(status, org_eu, officer_eu)
    _assert_refused(rr, lambda: workflow.extend(rr, actor=member(officer_eu), reason=REASON))


# --- the appeal window -------------------------------------------------------------------


def test_refusal_opens_an_appeal_window_of_the_policy(org_a, officer_a, clock):
    rr = factories.in_review_request(org_a, officer_a)
    clock.move_to(START + timedelta(days=5), tick=False)  # Saturday 6 March

    workflow.refuse(rr, actor=member(officer_a), reason="Retention duty", legal_ground="PIPL art. 47(2)")

    assert rr.closed_at == START + timedelta(days=5)
    assert rr.appeal_closes_at == end_of(2027, 3, 21, SHANGHAI)  # 15 days


def test_appeal_after_the_window_is_refused(org_a, officer_a, second_officer_a, clock):
    rr = factories.refused_request(org_a, officer_a)
    clock.move_to(rr.appeal_closes_at + timedelta(seconds=1), tick=False)

    _assert_refused(rr, lambda: workflow.appeal(rr, actor=SUBJECT, grounds="I was abroad"))
    assert rr.status == Status.REFUSED


def test_appeal_on_the_last_day_of_the_window_is_heard(org_a, officer_a, second_officer_a, clock):
    rr = factories.refused_request(org_a, officer_a)
    clock.move_to(rr.appeal_closes_at - timedelta(minutes=1), tick=False)

    workflow.appeal(rr, actor=SUBJECT, grounds="The retention period has ended")

    assert rr.status == Status.IN_REVIEW and rr.assignee == second_officer_a


def test_us_va_appeal_must_be_answered_within_60_days(db, clock):
    org = factories.organisation(
        name="Richmond Mall", slug="mall-va", jurisdiction="US-VA", time_zone="America/New_York"
    )
    officer = factories.member(org, "officer", username="officer_va")
    rr = factories.refused_request(org, officer)
    clock.move_to(START + timedelta(days=10), tick=False)

    workflow.appeal(rr, actor=SUBJECT, grounds="Please look again")

    # 02:00 UTC on 11 March is still 10 March in New York: 10 March + 60 days.
    assert rr.due_at == end_of(2027, 5, 9, ZoneInfo("America/New_York"))

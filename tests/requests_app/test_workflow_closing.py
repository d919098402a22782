"""Closing without a decision: the subject withdraws, or an unverified request expires."""

from datetime import UTC, datetime, timedelta

import pytest

from requests_app import workflow
from requests_app.actors import SUBJECT, SYSTEM, member
from requests_app.errors import NotPermitted, TransitionNotAllowed
from requests_app.models import RightsRequest
from tests import factories

Status = RightsRequest.Status
START = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)  # Monday 1 March 2027, 10:00 in Shanghai
OPEN_BEFORE_FULFILMENT = [Status.SUBMITTED, Status.VERIFIED, Status.IN_REVIEW, Status.AWAITING_SUBJECT, Status.APPROVED]



def _assert_refused(rr, call, error=TransitionNotAllowed):
    before = factories.snapshot(rr)
    with pytest.raises(error):
        call()
    assert factories.snapshot(rr) == before


# --- withdraw --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", OPEN_BEFORE_FULFILMENT)
def test_subject_may_withdraw_an_open_request_before_fulfilment(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    before = factories.snapshot(rr)

    workflow.withdraw(rr, actor=SUBJECT)

    assert rr.status == Status.WITHDRAWN and rr.closed_at is not None and not rr.is_open
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("withdraw", status, Status.WITHDRAWN)
    assert (event.actor_id, event.actor_kind) == (None, "subject")
    assert event.visible_to_subject


@pytest.mark.parametrize("status", [s for s in Status.values if s not in OPEN_BEFORE_FULFILMENT])
def test_withdrawal_is_too_late_once_fulfilment_started_or_the_case_is_closed(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    _assert_refused(rr, lambda: workflow.withdraw(rr, actor=SUBJECT))


def test_withdrawing_while_waiting_stops_the_paused_clock(org_a, officer_a, time_machine):
    time_machine.move_to(START, tick=False)
    rr = factories.in_review_request(org_a, officer_a)
    workflow.ask_for_information(rr, actor=member(officer_a), question="Which gate?", reason="clarification")
    assert rr.paused_at == START
    time_machine.move_to(START + timedelta(days=2), tick=False)

    workflow.withdraw(rr, actor=SUBJECT)

    assert rr.status == Status.WITHDRAWN
    assert rr.paused_at is None and rr.paused_total == timedelta(days=2)
    assert rr.closed_at == START + timedelta(days=2)


def test_a_withdrawn_request_cannot_be_answered_or_decided(org_a, officer_a):
    rr = factories.awaiting_subject_request(org_a, officer_a)
    workflow.withdraw(rr, actor=SUBJECT)

    _assert_refused(rr, lambda: workflow.answer(rr, actor=SUBJECT, body="Too late"))
    _assert_refused(rr, lambda: workflow.approve(rr, actor=member(officer_a)))


# --- expire --------------------------------------------------------------------------------


def test_an_unverified_request_expires_after_its_time_to_verify(org_a, time_machine):
    time_machine.move_to(START, tick=False)
    rr = factories.submitted_request(org_a)
    time_machine.move_to(rr.expires_at + timedelta(seconds=1), tick=False)
    before = factories.snapshot(rr)

    workflow.expire(rr, actor=SYSTEM)

    assert rr.status == Status.EXPIRED and rr.closed_at == rr.expires_at + timedelta(seconds=1)
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("expire", Status.SUBMITTED, Status.EXPIRED)
    assert (event.actor_id, event.actor_kind) == (None, "system")


def test_a_request_does_not_expire_before_its_time(org_a, time_machine):
    time_machine.move_to(START, tick=False)
    rr = factories.submitted_request(org_a)
    time_machine.move_to(rr.expires_at - timedelta(minutes=1), tick=False)

    _assert_refused(rr, lambda: workflow.expire(rr, actor=SYSTEM))


@pytest.mark.parametrize("actor", ["owner_a", "officer_a", "auditor_a", "administrator", "subject"])
def test_only_the_system_expires_requests(request, org_a, time_machine, actor):
    time_machine.move_to(START, tick=False)
    rr = factories.submitted_request(org_a)
    time_machine.move_to(START + timedelta(days=60), tick=False)
    who = SUBJECT if actor == "subject" else member(request.getfixturevalue(actor))

    _assert_refused(rr, lambda: workflow.expire(rr, actor=who), NotPermitted)


@pytest.mark.parametrize("status", [s for s in Status.values if s != Status.SUBMITTED])
def test_only_an_unverified_request_expires(org_a, officer_a, time_machine, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    time_machine.move_to(datetime.now(UTC) + timedelta(days=400), tick=False)

    _assert_refused(rr, lambda: workflow.expire(rr, actor=SYSTEM))


def test_an_expired_request_can_no_longer_be_verified_or_withdrawn(org_a, officer_a):
    rr = factories.expired_request(org_a)

    _assert_refused(rr, lambda: workflow.verify_identity(rr, actor=member(officer_a), check_performed="Saw the pass"))
    _assert_refused(rr, lambda: workflow.withdraw(rr, actor=SUBJECT))

"""Review: assign, ask the subject and hear back, approve, refuse, appeal, write to the subject.

Deadline effects of these steps (pauses, extensions, appeal windows) are in
test_workflow_deadlines.py; who may take them is in test_workflow_permissions.py.
"""

import pytest

from requests_app import workflow
from requests_app.actors import SUBJECT, member
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import Message, RightsRequest
from tests import factories

Status = RightsRequest.Status



def _all_but(*allowed):
    return [s for s in Status.values if s not in allowed]


def _assert_refused(rr, call, error=TransitionNotAllowed):
    before = factories.snapshot(rr)
    with pytest.raises(error):
        call()
    assert factories.snapshot(rr) == before


# --- assign ----------------------------------------------------------------------------


def test_assigning_a_verified_request_puts_it_in_review(org_a, officer_a, owner_a):
    rr = factories.verified_request(org_a)
    before = factories.snapshot(rr)

    workflow.assign(rr, actor=member(owner_a), assignee=officer_a)

    assert rr.status == Status.IN_REVIEW and rr.assignee == officer_a
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("assign", Status.VERIFIED, Status.IN_REVIEW)
    assert (event.actor_id, event.actor_kind) == (owner_a.pk, "user")
    assert event.data == {"assignee": officer_a.pk}
    assert not event.visible_to_subject


@pytest.mark.parametrize(
    "status", [Status.IN_REVIEW, Status.AWAITING_SUBJECT, Status.APPROVED, Status.FULFILLING]
)
def test_reassigning_keeps_the_status(org_a, officer_a, second_officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    before = factories.snapshot(rr)

    workflow.assign(rr, actor=member(officer_a), assignee=second_officer_a)

    assert rr.status == status and rr.assignee == second_officer_a
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("assign", status, status)


@pytest.mark.parametrize("assignee", ["auditor_a", "system_owner_a", "officer_b", "administrator"])
def test_only_an_owner_or_officer_of_the_organisation_can_be_assigned(request, org_a, officer_a, assignee):
    rr = factories.verified_request(org_a)
    user = request.getfixturevalue(assignee)

    before = factories.snapshot(rr)
    with pytest.raises(InvalidInput) as exc:
        workflow.assign(rr, actor=member(officer_a), assignee=user)
    assert list(exc.value.errors) == ["assignee"]
    assert factories.snapshot(rr) == before


@pytest.mark.parametrize(
    "status", _all_but(Status.VERIFIED, Status.IN_REVIEW, Status.AWAITING_SUBJECT, Status.APPROVED, Status.FULFILLING)
)
def test_assigning_is_not_possible_before_verification_or_once_closed(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    _assert_refused(rr, lambda: workflow.assign(rr, actor=member(officer_a), assignee=officer_a))


# --- ask for information / answer -----------------------------------------------------


@pytest.mark.parametrize("status", [Status.VERIFIED, Status.IN_REVIEW])
def test_asking_the_subject_waits_for_their_answer(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    before = factories.snapshot(rr)

    message = workflow.ask_for_information(rr, actor=member(officer_a), question=" Which gate did you use? ")

    assert rr.status == Status.AWAITING_SUBJECT
    assert (message.direction, message.author, message.body) == (
        Message.Direction.TO_SUBJECT, officer_a, "Which gate did you use?"
    )
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("ask_info", status, Status.AWAITING_SUBJECT)
    assert event.actor_id == officer_a.pk and event.visible_to_subject
    assert event.data["message"] == message.pk


@pytest.mark.parametrize("question", ["", "  \n "])
def test_a_question_needs_words(org_a, officer_a, question):
    rr = factories.in_review_request(org_a, officer_a)
    _assert_refused(
        rr, lambda: workflow.ask_for_information(rr, actor=member(officer_a), question=question), InvalidInput
    )


@pytest.mark.parametrize("status", _all_but(Status.VERIFIED, Status.IN_REVIEW))
def test_asking_the_subject_is_not_possible_in_other_states(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    _assert_refused(rr, lambda: workflow.ask_for_information(rr, actor=member(officer_a), question="Which gate?"))


def test_the_subjects_answer_returns_the_request_to_review(org_a, officer_a):
    rr = factories.awaiting_subject_request(org_a, officer_a)
    before = factories.snapshot(rr)

    message = workflow.answer(rr, actor=SUBJECT, body=" The east gate, pass YP-0042. ")

    assert rr.status == Status.IN_REVIEW and rr.assignee == officer_a
    assert (message.direction, message.author, message.body) == (
        Message.Direction.FROM_SUBJECT, None, "The east gate, pass YP-0042."
    )
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("answer", Status.AWAITING_SUBJECT, Status.IN_REVIEW)
    assert (event.actor_id, event.actor_kind) == (None, "subject")
    assert event.data["message"] == message.pk


def test_an_empty_answer_is_refused(org_a, officer_a):
    rr = factories.awaiting_subject_request(org_a, officer_a)
    _assert_refused(rr, lambda: workflow.answer(rr, actor=SUBJECT, body=" "), InvalidInput)


@pytest.mark.parametrize("status", _all_but(Status.AWAITING_SUBJECT))
def test_answering_is_only_possible_when_asked(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    _assert_refused(rr, lambda: workflow.answer(rr, actor=SUBJECT, body="Here you are"))


# --- approve -----------------------------------------------------------------------------


def test_approving_a_request_in_review(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    before = factories.snapshot(rr)

    workflow.approve(rr, actor=member(officer_a), note=" Pass holder confirmed ")

    assert rr.status == Status.APPROVED and rr.closed_at is None
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("approve", Status.IN_REVIEW, Status.APPROVED)
    assert event.actor_id == officer_a.pk and event.opened == {"note": "Pass holder confirmed"}


@pytest.mark.parametrize("status", _all_but(Status.IN_REVIEW))
def test_approval_only_of_a_request_in_review(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    _assert_refused(rr, lambda: workflow.approve(rr, actor=member(officer_a)))


# --- refuse --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "ground", "missing"),
    [
        ("", "", {"reason", "legal_ground"}),
        ("Records under a retention duty", "", {"legal_ground"}),
        ("   ", "PIPL art. 47(2)", {"reason"}),
    ],
)
def test_refusal_requires_reason_and_legal_ground(org_a, officer_a, reason, ground, missing):
    rr = factories.in_review_request(org_a, officer_a)
    before = factories.snapshot(rr)

    with pytest.raises(InvalidInput) as exc:
        workflow.refuse(rr, actor=member(officer_a), reason=reason, legal_ground=ground)

    assert set(exc.value.errors) == missing
    assert factories.snapshot(rr) == before


def test_refusal_closes_the_request_with_its_reasons(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    before = factories.snapshot(rr)

    workflow.refuse(rr, actor=member(officer_a), reason=" Retention duty ", legal_ground=" PIPL art. 47(2) ")

    assert rr.status == Status.REFUSED and not rr.is_open
    assert (rr.refusal_reason, rr.refusal_legal_ground) == ("Retention duty", "PIPL art. 47(2)")
    assert rr.closed_at is not None and rr.appeal_closes_at > rr.closed_at
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("refuse", Status.IN_REVIEW, Status.REFUSED)
    assert event.opened == {"reason": "Retention duty", "legal_ground": "PIPL art. 47(2)"}
    assert event.visible_to_subject


@pytest.mark.parametrize("status", _all_but(Status.IN_REVIEW))
def test_refusal_only_of_a_request_in_review(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    _assert_refused(rr, lambda: workflow.refuse(rr, actor=member(officer_a), reason="No", legal_ground="Art. 1"))


# --- appeal ------------------------------------------------------------------------------


def test_appeal_returns_the_case_to_review_with_another_officer(org_a, officer_a, second_officer_a, owner_a):
    rr = factories.refused_request(org_a, officer_a)
    before = factories.snapshot(rr)

    workflow.appeal(rr, actor=SUBJECT, grounds=" The retention period ended last year. ")

    assert rr.status == Status.IN_REVIEW and rr.closed_at is None
    assert rr.assignee not in (officer_a, None)
    assert rr.assignee == second_officer_a  # officers are preferred to the owner
    grounds = rr.messages.get(direction=Message.Direction.FROM_SUBJECT)
    assert grounds.body == "The retention period ended last year."
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("appeal", Status.REFUSED, Status.IN_REVIEW)
    assert (event.actor_id, event.actor_kind) == (None, "subject")
    assert event.data == {"reviewer": second_officer_a.pk}


def test_appeal_of_an_owners_refusal_goes_to_an_officer(org_a, officer_a, owner_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.refuse(rr, actor=member(owner_a), reason="Retention duty", legal_ground="PIPL art. 47(2)")

    workflow.appeal(rr, actor=SUBJECT, grounds="Please look again")

    assert rr.assignee == officer_a


def test_appeal_stays_with_the_only_reviewer_there_is(org_a, officer_a):
    rr = factories.refused_request(org_a, officer_a)

    workflow.appeal(rr, actor=SUBJECT, grounds="Please look again")

    assert rr.status == Status.IN_REVIEW and rr.assignee == officer_a


def test_appeal_needs_grounds(org_a, officer_a):
    rr = factories.refused_request(org_a, officer_a)
    _assert_refused(rr, lambda: workflow.appeal(rr, actor=SUBJECT, grounds=""), InvalidInput)


@pytest.mark.parametrize("status", _all_but(Status.REFUSED))
def test_only_a_refusal_can_be_appealed(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    _assert_refused(rr, lambda: workflow.appeal(rr, actor=SUBJECT, grounds="Unfair"))


def test_an_appealed_request_can_be_decided_again(org_a, officer_a, second_officer_a):
    rr = factories.refused_request(org_a, officer_a)
    workflow.appeal(rr, actor=SUBJECT, grounds="Please look again")

    workflow.approve(rr, actor=member(second_officer_a))

    assert rr.status == Status.APPROVED
    assert [e.action for e in rr.events.order_by("seq")] == [
        "submit", "verify", "assign", "refuse", "appeal", "approve"
    ]


# --- writing to the subject ---------------------------------------------------------------


@pytest.mark.parametrize("status", Status.values)
def test_an_officer_can_write_to_the_subject_in_any_state_once_they_confirmed(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    before = factories.snapshot(rr)
    write = lambda: workflow.message_subject(rr, actor=member(officer_a), body=" We received your evidence. ")  # noqa: E731

    if not rr.requester_confirmed:  # never verified (submitted, and withdrawn or expired so): only the code
        _assert_refused(rr, write, TransitionNotAllowed)
        return
    message = write()

    assert rr.status == status and message.body == "We received your evidence."
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("message_subject", status, status)


def test_an_empty_message_is_refused(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    _assert_refused(rr, lambda: workflow.message_subject(rr, actor=member(officer_a), body=""), InvalidInput)

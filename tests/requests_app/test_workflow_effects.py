"""Side effects of workflow steps: queued on commit, one per step that needs it, none for
a step that was refused. Nothing here reaches the broker: callbacks are captured without
running, and when run, the tasks' `delay` is replaced by a recorder."""

import logging

import pytest
from django.core import mail

from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, SYSTEM, member
from requests_app.errors import WorkflowError
from requests_app.models import CompensationClaim, RightsRequest
from requests_app.subjects import Identity
from tests import factories

Status = RightsRequest.Status



@pytest.fixture
def queued(monkeypatch):
    """Replace publishing to the broker by a list of (task name, args)."""
    sent = []
    for task in (tasks.send_verification_code, tasks.notify_subject):
        monkeypatch.setattr(
            type(task._get_current_object()), "delay", lambda self, *args: sent.append((self.name, args))
        )
    return sent


def _run(callbacks):
    for callback in callbacks:
        callback()


def test_submit_queues_exactly_the_code_email(org_a, django_capture_on_commit_callbacks, queued):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rr = factories.submitted_request(org_a)

    assert len(callbacks) == 1
    assert mail.outbox == []  # the code is made and sent by the task, after commit
    _run(callbacks)
    assert queued == [("requests.send_verification_code", (rr.challenges.get().pk,))]


def test_a_step_the_subject_can_see_queues_one_notification(
    org_a, officer_a, django_capture_on_commit_callbacks, queued
):
    rr = factories.in_review_request(org_a, officer_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.approve(rr, actor=member(officer_a))

    assert len(callbacks) == 1
    _run(callbacks)
    assert queued == [("requests.notify_subject", (rr.events.get(action="approve").pk,))]


def test_the_subjects_own_code_verification_queues_one_notification(
    org_a, django_capture_on_commit_callbacks, queued
):
    rr = factories.submitted_request(org_a)
    tasks.send_verification_code(rr.challenges.get().pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox())

    _run(callbacks)
    assert queued == [("requests.notify_subject", (rr.events.get(action="verify").pk,))]


def test_internal_steps_notify_nobody(org_a, officer_a, second_officer_a, django_capture_on_commit_callbacks):
    rr = factories.verified_request(org_a)
    factories.system(org_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.assign(rr, actor=member(officer_a), assignee=second_officer_a)
    assert callbacks == []

    workflow.approve(rr, actor=member(officer_a))
    workflow.start_fulfilment(rr, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.record_task_outcome(rr.fulfilment_tasks.get(), actor=SYSTEM, outcome={"deleted": 1})
    assert callbacks == []

    claim = factories.claim(rr)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.assess_claim(claim, actor=member(officer_a), basis=CompensationClaim.Basis.LOSS, amount_minor=1)
    assert callbacks == []


REFUSED_STEPS = {
    "wrong state": lambda rr, officer, auditor: workflow.approve(rr, actor=member(officer)),
    "wrong role": lambda rr, officer, auditor: workflow.ask_for_information(rr, actor=member(auditor), question="?"),
    "missing input": lambda rr, officer, auditor: workflow.extend(rr, actor=member(officer), reason=""),
    "wrong code": lambda rr, officer, auditor: workflow.verify_identity(rr, actor=SUBJECT, code="000000x"),
    "refused in the step's body": lambda rr, officer, auditor: workflow.expire(rr, actor=SYSTEM),
}


@pytest.mark.parametrize("why", list(REFUSED_STEPS))
def test_a_refused_step_queues_nothing(org_a, officer_a, auditor_a, django_capture_on_commit_callbacks, why):
    rr = factories.submitted_request(org_a)
    tasks.send_verification_code(rr.challenges.get().pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(WorkflowError):
            REFUSED_STEPS[why](rr, officer_a, auditor_a)

    assert callbacks == []


def test_finish_refused_for_an_unfinished_task_queues_nothing(org_a, officer_a, django_capture_on_commit_callbacks):
    factories.system(org_a)
    rr = factories.fulfilling_request(org_a, officer_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(WorkflowError):
            workflow.finish_fulfilment(rr, actor=SYSTEM)

    assert callbacks == []


def test_a_broker_that_is_down_does_not_undo_the_step(
    org_a, officer_a, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broker_down(self, *args):
        raise ConnectionError("redis unreachable")

    monkeypatch.setattr(type(tasks.notify_subject._get_current_object()), "delay", broker_down)
    rr = factories.in_review_request(org_a, officer_a, email="guo.bing@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.approve(rr, actor=member(officer_a))

    with caplog.at_level(logging.WARNING, logger="requests_app.effects"):
        _run(callbacks)

    rr.refresh_from_db()
    assert rr.status == Status.APPROVED
    assert "could not queue requests.notify_subject" in caplog.text
    assert "guo.bing" not in caplog.text


# --- what the tasks send ----------------------------------------------------------------------


def test_the_notification_tells_the_subject_the_new_status(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))
    mail.outbox.clear()

    tasks.notify_subject(rr.events.get(action="approve").pk)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["guo@example.com"]
    assert rr.reference in mail.outbox[0].subject
    assert "Approved" in mail.outbox[0].body


def test_no_notification_email_for_a_subject_reachable_only_by_phone(org_a, officer_a):
    rr = workflow.submit(organisation=org_a, kind="deletion", identity=Identity(phone="13800138000"))
    workflow.verify_identity(rr, actor=member(officer_a), check_performed="Called back on the number")

    tasks.notify_subject(rr.events.get(action="verify").pk)

    assert mail.outbox == []

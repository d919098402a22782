"""Side effects of workflow steps, on the real outbox and the real broker.

A step writes its notifications (outbox rows) in its own transaction and queues their
delivery and its background work after commit; a refused step writes and queues
nothing; a broker that is down loses nothing (the row stays for the re-send sweep) and
undoes nothing. What is queued is read back from a Redis queue of the test's own, and
where the broker must be down the app is pointed at a port nobody listens on.
"""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from orgs.models import DataSystem
from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, SYSTEM, member
from requests_app.delivery import notifications
from requests_app.errors import WorkflowError
from requests_app.models import CompensationClaim, Notification, RightsRequest
from requests_app.workflow import sweeps
from tests import factories
from tests.factories import own_queue, queued_tasks  # noqa: F401
from tests.workers import celery_queue, free_port, point_app_at  # noqa: F401

Status, Kind = RightsRequest.Status, Notification.Kind
REQUESTER = "requester"


def rows_written_by(step, rr) -> list[tuple[str, str]]:
    """Run `step()`; the (kind, recipient) of the outbox rows it wrote, sorted."""
    before = set(Notification.objects.values_list("pk", flat=True))
    step()
    written = Notification.objects.exclude(pk__in=before).select_related("user")
    assert all(n.request_id == rr.pk for n in written)
    return sorted((n.kind, n.user.username if n.user else REQUESTER) for n in written)


def _submitted_with_code(org, who):
    rr = factories.submitted_request(org)
    tasks.send_verification_code(rr.challenges.get().pk)
    return rr


def _in(build):
    """A builder of the workflow suite, which takes the organisation and its deciding officer."""
    return lambda org, who: build(org, who["officer_a"])


def _manual_fulfilment_ready(org, who):
    factories.system(org, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=who["system_owner_a"])
    return factories.approved_request(org, who["officer_a"])


def _fulfilling(org, who):
    factories.system(org)
    return factories.fulfilling_request(org, who["officer_a"])


def _ready_to_finish(org, who):
    rr = _fulfilling(org, who)
    workflow.record_task_outcome(rr.fulfilment_tasks.get(), actor=SYSTEM, outcome={"deleted": 1})
    return rr


def _expirable(org, who):
    with time_machine.travel(timezone.now() - timedelta(days=100), tick=False):
        return factories.submitted_request(org)


def _refused_with_claim(org, who):
    rr = factories.refused_request(org, who["officer_a"])
    factories.claim(rr)
    return rr


def _refused_with_assessed_claim(org, who):
    rr = factories.refused_request(org, who["officer_a"])
    factories.claim_in_state(CompensationClaim.Status.ASSESSED, rr, who["officer_a"])
    return rr


def _officer(who):
    return member(who["officer_a"])


# step: (build the request, take the step, the rows it must write)
ROWS = {
    "verify by the subject's code": (
        _submitted_with_code,
        lambda rr, who: workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox()),
        [(Kind.NEW_REQUEST, "officer2_a"), (Kind.NEW_REQUEST, "officer_a"), (Kind.NEW_REQUEST, "owner_a"),
         (Kind.SUBJECT_UPDATE, REQUESTER)],
    ),
    "verify by an officer": (
        lambda org, who: factories.submitted_request(org),
        lambda rr, who: workflow.verify_identity(rr, actor=_officer(who), check_performed="Saw the pass"),
        [(Kind.NEW_REQUEST, "officer2_a"), (Kind.NEW_REQUEST, "officer_a"), (Kind.NEW_REQUEST, "owner_a"),
         (Kind.SUBJECT_UPDATE, REQUESTER)],
    ),
    "assign to a colleague": (
        lambda org, who: factories.verified_request(org),
        lambda rr, who: workflow.assign(rr, actor=_officer(who), assignee=who["second_officer_a"]),
        [(Kind.ASSIGNED, "officer2_a")],
    ),
    "assign to oneself": (
        lambda org, who: factories.verified_request(org),
        lambda rr, who: workflow.assign(rr, actor=_officer(who), assignee=who["officer_a"]),
        [],
    ),
    "ask for information": (
        _in(factories.in_review_request),
        lambda rr, who: workflow.ask_for_information(rr, actor=_officer(who), question="Which gate?"),
        [(Kind.SUBJECT_UPDATE, REQUESTER)],
    ),
    "the requester answers": (
        _in(factories.awaiting_subject_request),
        lambda rr, who: workflow.answer(rr, actor=SUBJECT, body="The east gate"),
        [(Kind.SUBJECT_REPLIED, "officer_a")],  # no mail to the requester about their own step
    ),
    "approve": (
        _in(factories.in_review_request),
        lambda rr, who: workflow.approve(rr, actor=_officer(who)),
        [(Kind.SUBJECT_UPDATE, REQUESTER)],
    ),
    "refuse": (
        _in(factories.in_review_request),
        lambda rr, who: workflow.refuse(rr, actor=_officer(who), reason=factories.REFUSAL_REASON,
                                        legal_ground=factories.REFUSAL_GROUND),
        [(Kind.SUBJECT_UPDATE, REQUESTER)],
    ),
    "the requester appeals": (
        _in(factories.refused_request),
        lambda rr, who: workflow.appeal(rr, actor=SUBJECT, grounds="The fraud case was closed in May"),
        [(Kind.SUBJECT_REPLIED, "officer2_a")],  # another reviewer; none to the requester
    ),
    "start fulfilment with a manual system": (
        _manual_fulfilment_ready,
        lambda rr, who: workflow.start_fulfilment(rr, actor=SYSTEM),
        [(Kind.SUBJECT_UPDATE, REQUESTER), (Kind.TASK_ASSIGNED, "sysowner_a")],
    ),
    "record a task's outcome (internal)": (
        _fulfilling,
        lambda rr, who: workflow.record_task_outcome(rr.fulfilment_tasks.get(), actor=SYSTEM,
                                                     outcome={"deleted": 1}),
        [],
    ),
    "finish fulfilment": (
        _ready_to_finish,
        lambda rr, who: workflow.finish_fulfilment(rr, actor=SYSTEM),
        [(Kind.SUBJECT_UPDATE, REQUESTER)],
    ),
    "withdraw": (
        _in(factories.in_review_request),
        lambda rr, who: workflow.withdraw(rr, actor=SUBJECT),
        [],  # the requester's own step
    ),
    "expire": (
        _expirable,
        lambda rr, who: workflow.expire(rr, actor=SYSTEM),
        [(Kind.UNVERIFIED_EXPIRED, REQUESTER)],  # its own letter
    ),
    "message the requester": (
        _in(factories.in_review_request),
        lambda rr, who: workflow.message_subject(rr, actor=_officer(who), body="We are on it"),
        [(Kind.SUBJECT_UPDATE, REQUESTER)],
    ),
    "assess a claim (internal)": (
        _refused_with_claim,
        lambda rr, who: workflow.assess_claim(rr.claims.get(), actor=_officer(who),
                                              basis=CompensationClaim.Basis.LOSS, amount_minor=103800),
        [],
    ),
    "offer compensation": (
        _refused_with_assessed_claim,
        lambda rr, who: workflow.offer_compensation(rr.claims.get(), actor=_officer(who), amount_minor=103800),
        [(Kind.SUBJECT_UPDATE, REQUESTER)],
    ),
}


@pytest.mark.parametrize("step", list(ROWS))
def test_which_steps_write_which_notifications_for_whom(
    step, org_a, owner_a, officer_a, second_officer_a, auditor_a, system_owner_a, officer_b
):
    who = {"officer_a": officer_a, "second_officer_a": second_officer_a, "system_owner_a": system_owner_a}
    build, act, expected = ROWS[step]
    rr = build(org_a, who)

    assert rows_written_by(lambda: act(rr, who), rr) == expected


def test_an_extension_tells_the_requester_the_new_date(db):
    org = factories.jurisdiction_org("EU")
    officer = factories.member(org, "officer", username="officer_eu")
    rr = factories.in_review_request(org, officer)

    rows = rows_written_by(lambda: workflow.extend(rr, actor=member(officer), reason="Vendor export"), rr)
    assert rows == [(Kind.SUBJECT_UPDATE, REQUESTER)]
    mail.outbox.clear()
    notifications.deliver(Notification.objects.get(request=rr, event__action="extend").pk)
    rr.refresh_from_db()
    assert "Vendor export" in mail.outbox[0].body
    assert str(rr.due_at.astimezone(org.time_zone).year) in mail.outbox[0].body


# --- what is queued, after commit only ------------------------------------------------------


def test_submitting_queues_the_code_after_commit_and_writes_no_notification(
    org_a, own_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rr = factories.submitted_request(org_a)

    assert Notification.objects.filter(request=rr).count() == 0
    assert queued_tasks(own_queue) == [] and mail.outbox == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert queued_tasks(own_queue) == [("requests.send_verification_code", [rr.challenges.get().pk])]


def test_approving_queues_the_requesters_mail_and_the_start_of_fulfilment(
    org_a, officer_a, own_queue, django_capture_on_commit_callbacks
):
    rr = factories.in_review_request(org_a, officer_a)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(rr, actor=member(officer_a))

    note = Notification.objects.get(request=rr, event__action="approve")
    assert queued_tasks(own_queue) == [
        ("requests.send_notifications", [[note.pk]]), ("requests.begin_fulfilment", [rr.pk]),
    ]


def test_starting_fulfilment_queues_each_automatic_system(
    org_a, officer_a, own_queue, django_capture_on_commit_callbacks
):
    factories.system(org_a, name="Gate vault")
    factories.system(org_a, name="Pass ledger", connector=DataSystem.Connector.MANUAL)
    rr = factories.approved_request(org_a, officer_a)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.start_fulfilment(rr, actor=SYSTEM)

    vault_task = rr.fulfilment_tasks.get(system__name="Gate vault")
    queued = queued_tasks(own_queue)
    assert ("requests.run_fulfilment_task", [vault_task.pk]) in queued
    assert [name for name, _args in queued].count("requests.run_fulfilment_task") == 1
    # The ledger has no owner: its task goes to the deciders.
    assert sorted(Notification.objects.filter(kind=Kind.TASK_ASSIGNED).values_list("user__username", flat=True)) \
        == ["officer_a"]


REFUSED_STEPS = {
    "wrong state": lambda rr, officer, auditor: workflow.approve(rr, actor=member(officer)),
    "wrong role": lambda rr, officer, auditor: workflow.ask_for_information(rr, actor=member(auditor), question="?"),
    "missing input": lambda rr, officer, auditor: workflow.extend(rr, actor=member(officer), reason=""),
    "wrong code": lambda rr, officer, auditor: workflow.verify_identity(rr, actor=SUBJECT, code="000000x"),
    "refused in the step's body": lambda rr, officer, auditor: workflow.expire(rr, actor=SYSTEM),
    "purge within the period": lambda rr, officer, auditor: workflow.purge_contact_details(rr, actor=SYSTEM),
}


@pytest.mark.parametrize("why", list(REFUSED_STEPS))
def test_a_refused_step_writes_and_queues_nothing(
    org_a, officer_a, auditor_a, own_queue, django_capture_on_commit_callbacks, why
):
    rr = factories.submitted_request(org_a)
    tasks.send_verification_code(rr.challenges.get().pk)
    before = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(WorkflowError):
            REFUSED_STEPS[why](rr, officer_a, auditor_a)

    assert callbacks == []
    assert Notification.objects.count() == before
    assert queued_tasks(own_queue) == []


def test_finishing_with_a_task_still_open_writes_and_queues_nothing(
    org_a, officer_a, own_queue, django_capture_on_commit_callbacks
):
    factories.system(org_a)
    rr = factories.fulfilling_request(org_a, officer_a)
    before = Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(WorkflowError):
            workflow.finish_fulfilment(rr, actor=SYSTEM)

    assert callbacks == [] and Notification.objects.count() == before
    assert queued_tasks(own_queue) == []


# --- a broker that is down ------------------------------------------------------------------


def test_a_broker_that_is_down_does_not_undo_the_step_and_logs_no_personal_data(
    org_a, officer_a, celery_queue, django_capture_on_commit_callbacks, caplog
):
    rr = factories.in_review_request(org_a, officer_a, email="guo.bing@example.com")
    point_app_at(f"redis://127.0.0.1:{free_port()}/0", celery_queue)  # nothing listens there

    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        workflow.approve(rr, actor=member(officer_a))

    rr.refresh_from_db()
    assert rr.status == Status.APPROVED
    assert "could not queue requests.send_notifications" in caplog.text
    assert "could not queue requests.begin_fulfilment" in caplog.text
    assert "guo.bing" not in caplog.text and "Guo" not in caplog.text
    # The mail is not lost: its row waits, and the re-send sweep finds it.
    note = Notification.objects.get(request=rr, event__action="approve")
    assert note.sent_at is None
    assert note.pk in notifications.unsent_ids(now=timezone.now() + timedelta(minutes=3))


# --- what the requester receives ------------------------------------------------------------


def test_the_requester_is_told_the_new_status(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))
    mail.outbox.clear()

    notifications.deliver(Notification.objects.get(request=rr, event__action="approve").pk)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["guo@example.com"]
    assert rr.reference in mail.outbox[0].subject
    assert "Approved" in mail.outbox[0].body


def test_a_refusal_gives_the_reason_the_legal_ground_and_the_way_to_appeal(org_a, officer_a):
    rr = factories.refused_request(org_a, officer_a)
    mail.outbox.clear()

    notifications.deliver(Notification.objects.get(request=rr, event__action="refuse").pk)

    body = mail.outbox[0].body
    assert factories.REFUSAL_REASON in body and factories.REFUSAL_GROUND in body
    assert "appeal" in body


def test_a_requester_reachable_only_by_phone_is_told_by_text_not_email(org_a, officer_a, sms_outbox):
    rr = factories.phone_only_request(org_a)
    workflow.verify_identity(rr, actor=member(officer_a), check_performed="Called back on the number")
    mail.outbox.clear()

    notifications.deliver(Notification.objects.get(request=rr, event__action="verify", user__isnull=True).pk)

    assert mail.outbox == []
    assert len(sms_outbox) == 1


def test_unsent_rows_reach_the_requester_through_the_resend_sweep(org_a, officer_a, own_queue):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))

    counts = sweeps.requeue_stale_work(now=timezone.now() + timedelta(minutes=3))

    assert counts["notifications"] == Notification.objects.filter(request=rr, sent_at__isnull=True).count()
    [(name, [ids])] = [entry for entry in queued_tasks(own_queue) if entry[0] == "requests.send_notifications"]
    tasks.send_notifications(ids)  # what the worker would do with it
    assert Notification.objects.filter(request=rr, sent_at__isnull=True).count() == 0

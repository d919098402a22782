"""A fulfilment task's status changes only as transitions.TASK_RULES allows, and each
change a reader of the case needs (awaiting the callback, flagged silent, failed, tried
again, done) is an event on the request's chain; a worker's claim and release are not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app import fulfilment, workflow
from requests_app.actors import SYSTEM, member
from requests_app.errors import TransitionNotAllowed, Unavailable
from requests_app.models import FulfilmentTask, Notification, RightsRequest
from requests_app.transparency import audit
from requests_app.workflow import task_steps, transitions
from tests import factories
from tests.requests_app.test_fulfilment_webhook import (  # noqa: F401 (fixtures)
    DONE,
    _callback,
    _sent,
    _task,
    crm,
    external,
)

TaskStatus = FulfilmentTask.Status


def _actions(rr: RightsRequest) -> list[str]:
    return list(rr.events.order_by("seq").values_list("action", flat=True))


def _holds(rr: RightsRequest) -> bool:
    rr.refresh_from_db()
    return audit.verify_chain(rr) is None


def test_every_task_status_change_is_in_the_table():
    statuses = set(TaskStatus.values)
    for action, rule in transitions.TASK_RULES.items():
        assert rule.target in statuses and rule.sources | rule.lapsed <= statuses, action
    # Nothing leaves DONE: an outcome, once recorded, stands.
    assert not any(TaskStatus.DONE in rule.sources | rule.lapsed for rule in transitions.TASK_RULES.values())


def test_a_task_change_outside_the_table_is_refused_and_nothing_is_recorded(org_a, officer_a):
    factories.system(org_a, name="Paper archive", connector="manual")
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get()
    workflow.record_task_outcome(task, actor=SYSTEM, failed=True, outcome={"error": "the archive is closed"})
    before = (RightsRequest.objects.get(pk=rr.pk).event_count, FulfilmentTask.objects.get(pk=task.pk).status)

    # failed -> failed is no row of the table (a failure is recorded once; retry first)
    with pytest.raises(TransitionNotAllowed, match="cannot take this step"):
        workflow.record_task_outcome(task, actor=SYSTEM, failed=True, outcome={"error": "again"})
    # a failed task is held by no worker: it cannot be released, nor await a callback
    assert transitions.update_tasks(FulfilmentTask.objects.filter(pk=task.pk), "release") == 0
    assert transitions.update_tasks(FulfilmentTask.objects.filter(pk=task.pk), "await_callback") == 0

    assert (RightsRequest.objects.get(pk=rr.pk).event_count, FulfilmentTask.objects.get(pk=task.pk).status) == before
    workflow.record_task_outcome(task, actor=member(officer_a), outcome={"records": [{"outcome": "deleted"}]})
    with pytest.raises(TransitionNotAllowed, match="already done"):
        task_steps.retry_task(task, actor=member(officer_a))
    assert _holds(rr)


def test_a_task_a_worker_holds_is_neither_claimed_nor_retried_until_its_lease_runs_out(org_a, officer_a):
    factories.system(org_a, name="Gate vault")
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get()
    now = timezone.now()
    FulfilmentTask.objects.filter(pk=task.pk).update(status=TaskStatus.RUNNING, attempts=1,
                                                     lease_expires_at=now + timedelta(minutes=5))

    assert transitions.update_tasks(FulfilmentTask.objects.filter(pk=task.pk), "claim", now) == 0
    with pytest.raises(TransitionNotAllowed, match="carrying this task out right now"):
        task_steps.retry_task(task, actor=member(officer_a))

    later = now + timedelta(minutes=6)
    assert transitions.update_tasks(FulfilmentTask.objects.filter(pk=task.pk), "claim", later) == 1


def test_a_webhook_task_s_changes_are_on_the_record_and_the_chain_holds(client, org_a, officer_a, crm, external):
    task = _sent(org_a, officer_a)
    rr = task.request
    awaiting = rr.events.get(action="await_callback")
    assert awaiting.data["task"] == task.pk and awaiting.data["status_code"] == 202
    assert not awaiting.visible_to_subject and awaiting.actor_kind == "system"

    FulfilmentTask.objects.filter(pk=task.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    assert fulfilment.flag_silent_tasks() == 1
    assert fulfilment.flag_silent_tasks() == 0  # flagged once, one event
    assert Notification.objects.filter(kind="task_flagged", task=task).exists()

    assert _callback(client, task, DONE).status_code == 200
    assert _actions(rr)[-4:] == ["start_fulfilment", "await_callback", "flag_silent_task", "record_task_outcome"]
    assert _holds(rr)


def test_a_failure_and_a_retry_are_on_the_record_and_a_worker_s_release_is_not(
        client, org_a, officer_a, crm, external):
    external.status = 503
    task = _task(org_a, officer_a)
    rr = task.request
    events_before = RightsRequest.objects.get(pk=rr.pk).event_count
    with pytest.raises(Unavailable):
        fulfilment.run_task(task.pk)  # claimed, then released for a retry: bookkeeping only
    assert RightsRequest.objects.get(pk=rr.pk).event_count == events_before

    external.status = 422
    fulfilment.run_task(task.pk)  # refused by the system: failed
    task.refresh_from_db()
    assert task.status == TaskStatus.FAILED
    task_steps.retry_task(task, actor=member(officer_a))

    assert _actions(rr)[-3:] == ["start_fulfilment", "record_task_outcome", "retry_task"]
    assert rr.events.get(action="record_task_outcome").data["failed"] is True
    assert _holds(rr)

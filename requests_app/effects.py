"""Side effects of workflow steps: notifications and background work, after commit.

The database row is the truth and the queue only a nudge: if the broker cannot be
reached the step still stands, the failure is logged (by id, never personal data), and
the re-queue sweep (requests_app/sweeps.py) finds the work again from the rows.
"""

import logging

from django.db import transaction

from requests_app import event_webhooks, notifications
from requests_app.actors import ActorKind
from orgs.models import DataSystem
from requests_app.models import Notification, RequestEvent, VerificationChallenge

logger = logging.getLogger(__name__)
Kind = Notification.Kind
# Steps whose mail to the requester is its own letter rather than the generic update.
OWN_LETTER = {
    "expire": Kind.UNVERIFIED_EXPIRED,
    "chase_subject": Kind.PAUSE_REMINDER,
    "close_unanswered": Kind.PAUSE_CLOSED,
}


def enqueue(task, *args) -> None:
    """Publish `task(*args)` once the current transaction commits; never fail the caller."""

    def send():
        try:
            task.delay(*args)
        except Exception:  # noqa: BLE001 - any broker failure must not undo a committed step
            logger.warning(
                "could not queue %s for %s; the re-queue sweep will pick it up", task.name, args[:1], exc_info=True
            )

    transaction.on_commit(send)


def send_verification_code(challenge: VerificationChallenge) -> None:
    from requests_app import tasks

    enqueue(tasks.send_verification_code, challenge.pk)


def after_event(event: RequestEvent) -> None:
    """Who is told of the step, and what background work it starts."""
    from requests_app import tasks

    rr, action = event.request, event.action
    if action in event_webhooks.EVENT_FOR_ACTION:  # subscribers' signed POSTs (outbox, after commit)
        event_webhooks.record([rr], event_webhooks.EVENT_FOR_ACTION[action])
    if action in OWN_LETTER and event.visible_to_subject:
        # A step with a letter of its own (expiry, a chase, a close) sends that instead of
        # the generic update, verified or not: it tells them why the case ended.
        notifications.notify(rr, OWN_LETTER[action], to_requester=True, event=event)
    elif _requester_hears(event):
        notifications.notify(rr, Kind.SUBJECT_UPDATE, to_requester=True, event=event)
    if action in ("verify", "verify_next_of_kin", "confirm_contact") and rr.assignee_id is None:
        notifications.notify(rr, Kind.NEW_REQUEST, users=notifications.deciders(rr.organisation), event=event)
    elif action == "assign" and rr.assignee_id != event.actor_id:
        notifications.notify(rr, Kind.ASSIGNED, users=[rr.assignee], event=event)
    elif action in ("accept_offer", "decline_offer"):  # the officers hear the person's answer
        officers = [rr.assignee] if rr.assignee_id else notifications.deciders(rr.organisation)
        notifications.notify(rr, Kind.CLAIM_ANSWERED, users=officers, event=event)
    elif action in ("answer", "appeal") and rr.assignee_id:
        notifications.notify(rr, Kind.SUBJECT_REPLIED, users=[rr.assignee], event=event)
    elif action == "approve":
        enqueue(tasks.begin_fulfilment, rr.pk)
    elif action == "start_fulfilment":
        for task in rr.fulfilment_tasks.select_related("system__owner"):
            _hand_out(rr, task, event)
    elif action in ("retry_task", "repoint_task"):
        _hand_out(rr, rr.fulfilment_tasks.select_related("system__owner").get(pk=event.data["task"]), event)
    elif action == "record_task_outcome" and event.data.get("failed"):
        task = rr.fulfilment_tasks.select_related("system").get(pk=event.data["task"])
        notifications.notify(rr, Kind.TASK_FLAGGED, users=notifications.deciders(rr.organisation), event=event,
                             task=task)
    elif action == "record_task_outcome":
        enqueue(tasks.complete_fulfilment, rr.pk)
    elif action == "flag_silent_task":
        # Keyed by the task alone, as before this was an event: one such mail per task.
        task = rr.fulfilment_tasks.select_related("system").get(pk=event.data["task"])
        notifications.notify(rr, Kind.TASK_FLAGGED, users=notifications.deciders(rr.organisation), task=task)


def _requester_hears(event: RequestEvent) -> bool:
    """The requester is mailed about the organisation's steps, not their own (an answer, a
    withdrawal, an appeal, a message, a file, a claim...), and nothing before the request is
    verified: until then the code mail is all they get. Their own verification is the
    exception: an agent who filed learns from it that the person confirmed."""
    if not event.visible_to_subject or event.action == "submit" or not event.request.requester_confirmed:
        return False
    return event.actor_kind != ActorKind.SUBJECT or event.action == "verify"


def _hand_out(rr, task, event: RequestEvent) -> None:
    """A task to a worker (vault, webhook), or to the owner of a manual system."""
    from requests_app import tasks

    if task.connector == DataSystem.Connector.MANUAL:
        owners = [task.system.owner] if task.system.owner else notifications.deciders(rr.organisation)
        # Keyed by the event: a retry tells the owner again, a re-run of the same step does not.
        notifications.notify(rr, Kind.TASK_ASSIGNED, users=owners, task=task,
                             event=event if event.action != "start_fulfilment" else None)
    else:
        enqueue(tasks.run_fulfilment_task, task.pk)

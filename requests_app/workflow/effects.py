"""Side effects of workflow steps: notifications and background work, after commit.

The database row is the truth and the queue only a nudge: if the broker cannot be
reached the step still stands, the failure is logged (by id, never personal data), and
the re-queue sweep (requests_app/workflow/sweeps.py) finds the work again from the rows.
"""

from collections.abc import Callable, Iterable

from orgs.models import DataSystem
from requests_app.actors import ActorKind
from requests_app.broker import enqueue
from requests_app.delivery import event_webhooks, notifications
from requests_app.delivery import drp_callbacks
from requests_app.models import Notification, RequestEvent, VerificationChallenge

Effect = Callable[[RequestEvent], None]
Kind = Notification.Kind
# Steps whose mail to the requester is its own letter rather than the generic update.
OWN_LETTER = {
    "expire": Kind.UNVERIFIED_EXPIRED,
    "chase_subject": Kind.PAUSE_REMINDER,
    "close_unanswered": Kind.PAUSE_CLOSED,
}



def send_verification_code(challenge: VerificationChallenge) -> None:
    enqueue("requests.send_verification_code", challenge.pk)


def after_event(event: RequestEvent, declared: Iterable[Effect] = ()) -> None:
    """What every step sets off (the subscribers' webhooks, the requester's mail), then the
    step's own effects, declared beside its rule in transitions.RULES."""
    rr, action = event.request, event.action
    if action in event_webhooks.EVENT_FOR_ACTION:  # subscribers' signed POSTs (outbox, after commit)
        event_webhooks.record([rr], event_webhooks.EVENT_FOR_ACTION[action])
    drp_callbacks.after_event(event)  # an authorised agent's DRP request: its status callback (outbox)
    if action in OWN_LETTER and event.visible_to_subject:
        # A step with a letter of its own (expiry, a chase, a close) sends that instead of
        # the generic update, verified or not: it tells them why the case ended.
        notifications.notify(rr, OWN_LETTER[action], to_requester=True, event=event)
    elif _requester_hears(event):
        notifications.notify(rr, Kind.SUBJECT_UPDATE, to_requester=True, event=event)
    for effect in declared:
        effect(event)


# --- the effects a step declares with its rule (transitions.RULES) ------------------------


def tell_deciders_of_a_new_request(event: RequestEvent) -> None:
    """A request newly verified, nobody assigned yet: the owners and officers are told."""
    rr = event.request
    if rr.assignee_id is None:
        notifications.notify(rr, Kind.NEW_REQUEST, users=notifications.deciders(rr.organisation), event=event)


def tell_the_assignee(event: RequestEvent) -> None:
    """Assigned to someone else than the one who assigned: that person is told."""
    rr = event.request
    if rr.assignee_id != event.actor_id:
        notifications.notify(rr, Kind.ASSIGNED, users=[rr.assignee], event=event)


def tell_the_officers_the_answer(event: RequestEvent) -> None:
    """The person accepted or declined an offer: the assignee (or every decider) hears it."""
    rr = event.request
    officers = [rr.assignee] if rr.assignee_id else notifications.deciders(rr.organisation)
    notifications.notify(rr, Kind.CLAIM_ANSWERED, users=officers, event=event)


def tell_the_assignee_of_the_reply(event: RequestEvent) -> None:
    """The person answered a question or appealed: the assignee, if any, hears it."""
    rr = event.request
    if rr.assignee_id:
        notifications.notify(rr, Kind.SUBJECT_REPLIED, users=[rr.assignee], event=event)


def begin_the_work(event: RequestEvent) -> None:
    """Approved: a worker starts fulfilment (one task per data system)."""
    enqueue("requests.begin_fulfilment", event.request_id)


def hand_out_every_task(event: RequestEvent) -> None:
    rr = event.request
    for task in rr.fulfilment_tasks.select_related("system__owner"):
        _hand_out(rr, task, event)


def hand_out_the_task(event: RequestEvent) -> None:
    """A task tried again or re-pointed goes out again."""
    rr = event.request
    _hand_out(rr, rr.fulfilment_tasks.select_related("system__owner").get(pk=event.data["task"]), event)


def flag_or_complete(event: RequestEvent) -> None:
    """A task's outcome: a failure is flagged to the deciders; otherwise the request is
    closed if every task is now done."""
    rr = event.request
    if event.data.get("failed"):
        task = rr.fulfilment_tasks.select_related("system").get(pk=event.data["task"])
        notifications.notify(rr, Kind.TASK_FLAGGED, users=notifications.deciders(rr.organisation), event=event,
                             task=task)
    else:
        enqueue("requests.complete_fulfilment", rr.pk)


def tell_the_deciders_of_silence(event: RequestEvent) -> None:
    """A webhook system gave no answer by its deadline."""
    rr = event.request
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
    if task.connector == DataSystem.Connector.MANUAL:
        owners = [task.system.owner] if task.system.owner else notifications.deciders(rr.organisation)
        # Keyed by the event: a retry tells the owner again, a re-run of the same step does not.
        notifications.notify(rr, Kind.TASK_ASSIGNED, users=owners, task=task,
                             event=event if event.action != "start_fulfilment" else None)
    else:
        enqueue("requests.run_fulfilment_task", task.pk)

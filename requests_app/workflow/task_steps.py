"""Workflow steps on one fulfilment task: the system's own (a webhook awaits its
callback, a silent one is flagged) and, when the automatic path did not finish it, the
officers' (retry it, re-point it at a new endpoint, or record by hand what was done).

Each is a declared step of transitions.RULES, run through `transition()` like every
other (request row locked, rules checked, one audited event, effects on commit), and
changes the task's status only as transitions.TASK_RULES allows. A task's outcome,
automatic or by hand, always goes through workflow.record_task_outcome. A worker's claim
and release of a task are lease bookkeeping, not steps (requests_app/fulfilment/__init__.py).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import devices
from orgs.models import BiometricRecord, DataSystem, DeviceDeletion
from requests_app import workflow
from requests_app.actors import Actor
from requests_app.cases import files
from requests_app.cases.outcomes import ERASING_OUTCOMES, NEEDS_DETAIL, NEEDS_FILE, RecordOutcome, outcomes_for
from requests_app.delivery import destinations
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import Attachment, FulfilmentTask, RightsRequest
from requests_app.workflow.transitions import move_task, transition, update_tasks

Connector = DataSystem.Connector


def _locked_task(step, task: FulfilmentTask) -> FulfilmentTask:
    return FulfilmentTask.objects.select_for_update().select_related("system").get(
        pk=task.pk, request_id=step.request.pk
    )


class _NotHeld(Exception):
    """The conditional UPDATE changed no row: another worker, a callback or a sweep came first."""


def await_callback(task: FulfilmentTask, *, actor: Actor, lease: int, status_code: int) -> bool:
    """The webhook system accepted the request sent under attempt `lease`: the task waits
    for its callback until the system's deadline (webhook_timeout_hours), on the record.
    Returns False, recording nothing, if that attempt no longer holds the task (the
    callback came first, or another worker took over): the UPDATE is conditional, so a
    rerun changes nothing. TransitionNotAllowed if the request is no longer fulfilling."""
    try:
        with transition(task.request, "await_callback", actor) as step:
            deadline = step.now + timedelta(hours=task.system.webhook_timeout_hours)
            moved = update_tasks(
                FulfilmentTask.objects.filter(pk=task.pk, attempts=lease), "await_callback", step.now,
                lease_expires_at=None, deadline_at=deadline,
                result={"connector": "webhook", "status_code": status_code, "sent_at": step.now.isoformat()},
            )
            if not moved:
                raise _NotHeld  # rolls the step back: no event
            step.data = {"task": task.pk, "system": task.system_id, "status_code": status_code, "deadline": deadline}
            step.visible_to_subject = False
    except _NotHeld:
        return False
    return True


def flag_silent_task(task: FulfilmentTask, *, actor: Actor, now: datetime) -> bool:
    """Flag a webhook task whose callback is overdue (its deadline before `now`), once: the
    effect its rule declares tells the owners and officers (effects.tell_the_deciders_of_silence); the
    task still waits, and a late callback still completes it. Returns False, recording
    nothing, if it was flagged already, answered, or is not overdue."""
    try:
        with transition(task.request, "flag_silent_task", actor) as step:
            won = update_tasks(
                FulfilmentTask.objects.filter(pk=task.pk, flagged_at__isnull=True, deadline_at__lt=now),
                "flag_silent_task", now, flagged_at=now,
            )
            if not won:
                raise _NotHeld
            step.data = {"task": task.pk, "system": task.system_id}
            step.visible_to_subject = False
    except _NotHeld:
        return False
    return True


def record_device_receipts(task: FulfilmentTask, *, actor: Actor) -> bool:
    """Every device holding a copy of the task's records confirmed its deletion with a
    signed receipt: the task is done, its outcome listing each device and its receipt (the
    certificate prints them), and the request closes if nothing else is open. Returns
    False, recording nothing, while a deletion still waits or if the task moved on."""
    try:
        with transition(task.request, "record_device_receipts", actor) as step:
            locked = _locked_task(step, task)
            if locked.status != FulfilmentTask.Status.AWAITING_CALLBACK or devices.pending_for_task(locked.pk):
                raise _NotHeld
            proofs = devices.receipts_of(DeviceDeletion.objects.filter(request_task_id=locked.pk))
            move_task(locked, "done", step.now)
            locked.result = {**locked.result, "devices": proofs}
            locked.completed_at, locked.deadline_at, locked.flagged_at = step.now, None, None
            locked.save(update_fields=["status", "result", "completed_at", "deadline_at", "flagged_at"])
            step.data = {"task": locked.pk, "system": locked.system_id,
                         "devices": [{"device": p["device"], "receipts": [r["body_sha256"] for r in p["receipts"]]}
                                     for p in proofs]}
            step.visible_to_subject = False
    except _NotHeld:
        return False
    return True


def retry_task(task: FulfilmentTask, *, actor: Actor) -> None:
    """Send a failed, silent or stalled task round again: its attempts start from zero,
    its flag and error are cleared, and (on commit) a worker runs it, or for a manual
    system its owner is told again. Refused for a task that is done, or that a worker
    holds right now (its lease still runs)."""
    with transition(task.request, "retry_task", actor) as step:
        locked = _locked_task(step, task)
        step.data = {"task": locked.pk, "system": locked.system_id, "previous_status": locked.status,
                     "previous_error": locked.last_error or locked.result.get("error", "")}
        step.visible_to_subject = False
        move_task(locked, "retry_task", step.now)  # not done, not held by a worker
        locked.attempts, locked.lease_expires_at = 0, None
        locked.flagged_at = locked.deadline_at = None
        locked.last_error = ""
        locked.save(update_fields=["status", "attempts", "lease_expires_at", "flagged_at", "deadline_at", "last_error"])


def repoint_task(task: FulfilmentTask, *, actor: Actor, webhook_url: str) -> None:
    """Point the task's webhook system at a new endpoint and send the task again (as
    retry_task). The address is the system's, so later requests go there too; it must pass
    the same checks as any webhook (https at a public address in production,
    requests_app/delivery/destinations.py), and the event keeps the old and the new address."""
    webhook_url = (webhook_url or "").strip()
    try:
        destinations.check(webhook_url)
    except destinations.UnsafeDestination as exc:
        raise InvalidInput({"webhook_url": str(exc)}) from None
    with transition(task.request, "repoint_task", actor) as step:
        locked = _locked_task(step, task)
        if locked.connector != Connector.WEBHOOK:
            raise TransitionNotAllowed(_("Only a webhook task can be pointed somewhere else."))
        move_task(locked, "repoint_task", step.now)  # not done, not held by a worker
        system = DataSystem.objects.select_for_update().get(pk=locked.system_id)
        step.data = {"task": locked.pk, "system": system.pk, "from": system.webhook_url, "to": webhook_url}
        step.visible_to_subject = False
        system.webhook_url = webhook_url
        system.save(update_fields=["webhook_url"])
        locked.attempts, locked.lease_expires_at = 0, None
        locked.flagged_at = locked.deadline_at = None
        locked.last_error = ""
        locked.save(update_fields=["status", "attempts", "lease_expires_at", "flagged_at", "deadline_at", "last_error"])


@dataclass(frozen=True)
class HandOutcome:
    """What a person did in one system for one request, with its evidence."""

    outcome: str  # one of connectors.outcomes_for(kind)
    detail: str = ""  # what changed / the law that requires storage / the explanation
    note: str = ""
    upload: object = None  # the file provided to the requester (copy, machine-readable file)


def check_hand_outcome(rights_request: RightsRequest, hand: HandOutcome) -> None:
    """InvalidInput unless the outcome fits the request's kind and carries what it needs."""
    errors = {}
    if hand.outcome not in outcomes_for(rights_request.kind):
        errors["outcome"] = _("Choose an outcome that fits this kind of request.")
    elif hand.outcome in NEEDS_FILE and hand.upload is None:
        errors["upload"] = _("Attach the file given to the requester.")
    elif hand.outcome in NEEDS_DETAIL and not hand.detail.strip():
        errors["detail"] = str(NEEDS_DETAIL[hand.outcome])
    if errors:
        raise InvalidInput(errors)


def record_by_hand(task: FulfilmentTask, *, actor: Actor, hand: HandOutcome) -> None:
    """Record by hand what became of the person's data in the task's system: for any
    connector, when the automatic path failed or went silent, and for manual systems
    always. The file given to the requester is stored (content-addressed) before any row
    is locked; the outcome is workflow.record_task_outcome's, marked `by_hand`. For the
    built-in vault, a deletion or storage-only outcome really erases the matching records
    (one event each), so the certificate never states what the vault does not hold."""
    rr = task.request
    check_hand_outcome(rr, hand)
    attachment = _store_file(rr, task, hand.upload) if hand.upload is not None else None
    entry = {"outcome": hand.outcome}
    if hand.detail.strip():
        entry["reason" if hand.outcome == RecordOutcome.STORAGE_ONLY else "detail"] = hand.detail.strip()[:2000]
    result = {"connector": task.connector, "records": [entry]}
    if hand.note.strip():
        # The form calls it an internal note: not "note", which the certificate and letters print.
        result["internal_note"] = hand.note.strip()[:2000]
    if task.connector != Connector.MANUAL:
        result["by_hand"] = True  # instead of the connector, which failed or went silent
    with transaction.atomic():
        locked_rr = RightsRequest.objects.select_for_update().get(pk=rr.pk)
        locked = FulfilmentTask.objects.select_for_update().select_related("system").get(pk=task.pk, request=rr)
        erasures = []
        if locked.connector == Connector.VAULT and hand.outcome in ERASING_OUTCOMES:
            erasures = _vault_erasures(locked_rr, locked, hand)
            result["records"] = [
                {"id": e.record.pk, "modality": e.record.modality, "activity": e.record.activity.name,
                 "outcome": e.outcome, "reason": e.reason} for e in erasures
            ] or [entry]
        if attachment is not None:
            attachment.save()
            result["attachments"] = [attachment.pk]
        workflow.record_task_outcome(locked, actor=actor, outcome=result, erasures=erasures)


def _vault_erasures(rr: RightsRequest, task: FulfilmentTask, hand: HandOutcome) -> list:
    records = (
        BiometricRecord.objects.filter(organisation_id=rr.organisation_id, system_id=task.system_id)
        .matching(rr.subject.identifier_hashes())
        .exclude(state=BiometricRecord.State.DELETED)
        .select_related("activity")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    reason = hand.detail.strip() or _("Deleted by hand on request %(reference)s") % {"reference": rr.reference}
    return [workflow.Erasure(record=record, outcome=hand.outcome, reason=reason[:300]) for record in records
            if not (hand.outcome == RecordOutcome.STORAGE_ONLY and record.state == BiometricRecord.State.RESTRICTED)]


def _store_file(rr: RightsRequest, task: FulfilmentTask, upload) -> Attachment:
    """The file's bytes on disk under their hash (files.store_upload), before any lock; the row is saved later."""
    return files.attachment(rr, files.store_upload(upload), purpose=Attachment.Purpose.EXPORT,
                            created_at=timezone.now())

"""Carrying out an approved request: the steps that open, record and finish its work.

`start_fulfilment` creates one task per data system that may hold the person's data;
requests_app.fulfilment runs the tasks and reports each system's result through
`record_task_outcome`, which also erases the vault records the outcome names, each with
its own event in the same transaction; `finish_fulfilment` closes the request once every
task is done, issuing the erasure certificate of a deletion, restriction or withdrawal
of consent, or sending the officer's explanation.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from orgs import devices
from orgs import erasure as vault
from orgs.certificates import issue_certificate
from orgs.models import BiometricRecord, DataSystem, Membership
from requests_app.actors import Actor, ActorKind
from requests_app.cases import exports
from requests_app.cases.outcomes import RecordOutcome
from requests_app.errors import NotPermitted, TransitionNotAllowed
from requests_app.models import FulfilmentTask, Message, RightsRequest
from requests_app.models import sealed
from requests_app.transparency import audit
from requests_app.workflow.transitions import move_task, require_text, transition

Role = Membership.Role


def start_fulfilment(rights_request: RightsRequest, *, actor: Actor) -> list[FulfilmentTask]:
    """Create one FulfilmentTask per data system of the organisation that may hold the data.
    Refused for a request for another way in: it is carried out by people, in its own steps
    (alternatives.py), and changes no record."""
    if rights_request.kind == RightsRequest.Kind.ALTERNATIVE:
        raise TransitionNotAllowed(_("Another way in is provided with its own step, not in the data systems."))
    with transition(rights_request, "start_fulfilment", actor) as step:
        rr = step.request
        systems = DataSystem.objects.filter(organisation=rr.organisation, holds_personal_data=True)
        if rr.kind == RightsRequest.Kind.EXPLANATION:
            systems = systems.none()  # the officer writes the explanation when finishing
        tasks = FulfilmentTask.objects.bulk_create(
            [FulfilmentTask(request=rr, system=s, connector=s.connector) for s in systems]
        )
        step.data = {"systems": [s.pk for s in systems]}
    return tasks


@dataclass(frozen=True)
class Erasure:
    """A vault record to delete (tombstone) or restrict to storage only, and why."""

    record: BiometricRecord
    outcome: str  # RecordOutcome.DELETED or RecordOutcome.STORAGE_ONLY
    reason: str


def record_task_outcome(
    task: FulfilmentTask, *, actor: Actor, outcome: dict, erasures: Sequence[Erasure] = (), failed: bool = False
) -> None:
    """Record what one data system did (per record: deleted, storage only, not found).

    `erasures` are the vault records this outcome deletes or restricts: each is changed
    here and writes one `erase_record` event, before the step's own event and in the
    same transaction, so a record is never erased without its audit row or the other
    way round (the caller holds the records' row locks). `failed=True` ends the task
    FAILED instead of DONE (the system refused or gave up); the officers are told.
    Refused for a task already done."""
    with transition(task.request, "record_task_outcome", actor) as step:
        locked = FulfilmentTask.objects.select_for_update().get(pk=task.pk)
        if actor.role_in(step.request.organisation) == Role.SYSTEM_OWNER and locked.system.owner_id != actor.user_id:
            raise NotPermitted(_("Only the owner of this system may confirm its task."))
        # Copies on devices that keep templates (Measures art. 8): queued for them, and the
        # task waits for their signed receipts (task_steps.record_device_receipts).
        on_devices = not failed and (
            devices.queue_record_deletions([e.record.pk for e in erasures], request_task_id=locked.pk)
            or devices.pending_for_task(locked.pk))
        move_task(locked, "fail" if failed else "await_devices" if on_devices else "done",
                  step.now)  # never once done (TASK_RULES)
        for erasure in erasures:
            _erase_record(step.request, locked, erasure, actor)
        if failed:
            locked.result, locked.completed_at = outcome, None
            locked.last_error = str(outcome.get("error") or _("the system reported a failure"))[:300]
        elif on_devices:
            locked.result, locked.completed_at = outcome, None
            locked.deadline_at, locked.last_error = step.now + devices.ACK_WINDOW, ""
        else:
            locked.result, locked.completed_at = outcome, step.now
            locked.last_error = ""
        locked.lease_expires_at = None
        locked.save(update_fields=["status", "result", "completed_at", "lease_expires_at", "last_error", "deadline_at"])
        step.data = {"task": locked.pk, "system": locked.system_id, "outcome": outcome}
        if on_devices:
            step.data["devices_pending"] = devices.pending_for_task(locked.pk)
        if failed:
            step.data["failed"] = True
        step.visible_to_subject = False
    task.refresh_from_db()


def _erase_record(rr: RightsRequest, task: FulfilmentTask, erasure: Erasure, actor: Actor) -> None:
    records = BiometricRecord.objects.filter(
        pk=erasure.record.pk, organisation_id=rr.organisation_id, system_id=task.system_id
    )
    if erasure.outcome == RecordOutcome.DELETED:
        changed = vault.tombstone(records, reason=erasure.reason)
    elif erasure.outcome in (RecordOutcome.STORAGE_ONLY, RecordOutcome.RESTRICTED):
        changed = vault.restrict(records, reason=erasure.reason)
    else:
        raise ValueError(f"not an erasing outcome: {erasure.outcome}")
    if changed != 1:
        # Already erased (or not this system's): the whole outcome is refused, nothing kept.
        raise TransitionNotAllowed(_("A record of this task is no longer in a state to be erased."))
    record = erasure.record
    audit.append_event(
        rr, action="erase_record", actor_id=actor.user_id, actor_kind=actor.kind,
        from_status=rr.status, to_status=rr.status,
        data=sealed.seal_event_data(rr, "erase_record", {
            "task": task.pk, "system": task.system_id, "record": record.pk, "modality": record.modality,
            "activity": record.activity_id, "outcome": erasure.outcome, "reason": erasure.reason,
        }),
    )


# Requests whose fulfilment erases data; finishing one issues an erasure certificate.
ERASURE_KINDS = {RightsRequest.Kind.DELETION, RightsRequest.Kind.RESTRICTION, RightsRequest.Kind.WITHDRAW_CONSENT}


def finish_fulfilment(rights_request: RightsRequest, *, actor: Actor, explanation: str = "") -> None:
    """Close the request as fulfilled once every fulfilment task is done. A deletion,
    restriction or withdrawal of consent gets its erasure certificate in the same step
    (what, from which system, when, by which connector), linked from the request and
    named in the event, so the subject's update mail can quote its number. A request for
    an explanation (PIPL art. 48) is finished by an officer with the explanation, which
    the requester receives as a message."""
    if rights_request.kind == RightsRequest.Kind.ALTERNATIVE:
        raise TransitionNotAllowed(_("A request for another way in is fulfilled when the person confirms it works."))
    if rights_request.kind == RightsRequest.Kind.EXPLANATION:
        if actor.kind == ActorKind.SYSTEM:
            raise TransitionNotAllowed(_("An explanation is written by an officer."))
        require_text(explanation=explanation)
    with transition(rights_request, "finish_fulfilment", actor) as step:
        rr = step.request
        tasks = list(rr.fulfilment_tasks.select_related("system").order_by("pk"))
        if any(task.status != FulfilmentTask.Status.DONE for task in tasks):
            raise TransitionNotAllowed(_("Some data systems have not finished yet."))
        rr.closed_at = step.now
        if rr.kind == RightsRequest.Kind.EXPLANATION:
            message = Message.objects.create(
                request=rr, direction=Message.Direction.TO_SUBJECT, author=actor.user, body=explanation.strip()
            )
            step.data = {"explanation_message": message.pk}
        if rr.kind in ERASURE_KINDS:
            rr.certificate = issue_certificate(rr.organisation, exports.certificate_body(rr, tasks))
            # The hash binds the certificate's content into the public log (requests_app/transparency).
            step.data = {"certificate": rr.certificate.number, "certificate_sha256": rr.certificate.body_sha256}

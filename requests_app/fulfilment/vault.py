"""The built-in biometric vault: a person's records deleted, restricted or exported.

Everything happens in one transaction that holds the request, the task and the
records' row locks (always in that order): the records change, one `erase_record`
event each, the task's outcome and its event. A worker killed inside it leaves nothing:
the transaction rolls back, the task's lease runs out and the task runs again. An
export's files are written before it (requests_app/cases/files.py: no disk under a row lock).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from orgs import consent, erasure, law
from orgs.identifiers import Identifiers
from orgs.models import BiometricRecord, ConsentEvent
from requests_app import workflow
from requests_app.actors import SYSTEM
from requests_app.cases import exports
from requests_app.cases.outcomes import OPT_OUT_OUTCOME, RecordOutcome
from requests_app.errors import Unavailable
from requests_app.models import FulfilmentTask, RightsRequest

Kind = RightsRequest.Kind
State = BiometricRecord.State
# A withdrawal of consent erases only the records that rest on consent (orgs/consent.py).
ERASE_KINDS = (Kind.DELETION, Kind.WITHDRAW_CONSENT)
EXPORT_KINDS = (Kind.ACCESS, Kind.COPY, Kind.PORTABILITY)
EXPORT_TRIES = 3


def run(task: FulfilmentTask, *, lease: int) -> bool:
    """Carry out the task if this worker still holds it (`lease` is the attempt it claimed).

    Returns False, changing nothing, if the task was taken over or finished meanwhile.
    An export's files are stored before any row is locked (exports.store_export); if the
    records changed before the lock, they are stored again, and after EXPORT_TRIES such
    races the task is given back and Unavailable raised for a retry later."""
    for _try in range(EXPORT_TRIES):
        export = _store_export(task) if task.request.kind in EXPORT_KINDS else None
        with transaction.atomic():
            rr = RightsRequest.objects.select_for_update().select_related("subject", "organisation").get(
                pk=task.request_id
            )
            locked = FulfilmentTask.objects.select_for_update().select_related("system").get(pk=task.pk)
            if locked.status != FulfilmentTask.Status.RUNNING or locked.attempts != lease:
                return False
            records = list(_matching(rr, locked.system).select_for_update(of=("self",)))
            if export is not None and export.source != exports.export_source(rr, locked, records):
                continue  # the records changed since their export was stored: store it again
            # The reasons go onto the requester's certificate: written in their language.
            with translation.override(rr.subject.preferred_language or None):
                outcome, erasures = _plan(rr, locked, records, export)
            if rr.kind == Kind.WITHDRAW_CONSENT:
                _record_withdrawals(rr, records)
            workflow.record_task_outcome(locked, actor=SYSTEM, outcome=outcome, erasures=erasures)
        return True
    why = "the records kept changing while their export was written"
    if FulfilmentTask.objects.filter(pk=task.pk, status=FulfilmentTask.Status.RUNNING, attempts=lease).update(
        status=FulfilmentTask.Status.PENDING, lease_expires_at=None, last_error=why
    ):
        raise Unavailable(f"task {task.pk}: {why}")
    return False


def _matching(rr: RightsRequest, system) -> QuerySet[BiometricRecord]:
    """The system's records of the request's person, oldest first."""
    return (
        BiometricRecord.objects.filter(organisation=rr.organisation, system=system)
        .matching(rr.subject.identifier_hashes())
        .select_related("activity")
        .order_by("pk")
    )


def _store_export(task: FulfilmentTask) -> exports.StoredExport:
    """The export's files, stored from the records as they read now, with no row locked."""
    rr = RightsRequest.objects.select_related("subject", "organisation").get(pk=task.request_id)
    return exports.store_export(rr, task, list(_matching(rr, task.system)))


def _plan(rr: RightsRequest, task: FulfilmentTask, records: list[BiometricRecord],
          export: exports.StoredExport | None = None):
    """The task's outcome and the records to erase, by the request's kind."""
    entries, erasures, outcome = [], [], {"connector": task.connector}
    if rr.kind in ERASE_KINDS or rr.kind == Kind.RESTRICTION:
        deleted = _("Deleted on request %(reference)s") % {"reference": rr.reference}
        if rr.kind == Kind.WITHDRAW_CONSENT:
            deleted = _("Deleted: consent withdrawn on request %(reference)s") % {"reference": rr.reference}
        kept = _("Storage only on request %(reference)s: %(law)s") % {
            "reference": rr.reference, "law": law.texts(rr.jurisdiction).storage_only
        }
        restricted = _("Processing restricted on request %(reference)s") % {"reference": rr.reference}
        duties = erasure.duties_keeping_identifiers([rr.organisation_id])
        for record in records:
            if record.state == State.DELETED:
                continue  # nothing of it is left to delete or restrict
            basis = consent.record_basis(record) if rr.kind == Kind.WITHDRAW_CONSENT else None
            if basis is not None and not basis.consent:
                # Not the consent's to end: the record stays, and the certificate says on what.
                entries.append(_entry(record, RecordOutcome.KEPT, basis.kept_reason()))
                continue
            if rr.kind == Kind.RESTRICTION:
                result, reason = RecordOutcome.STORAGE_ONLY, restricted
            elif record.activity.statutory_retention:
                result, reason = RecordOutcome.STORAGE_ONLY, kept
            else:
                result, reason = RecordOutcome.DELETED, deleted
            # A record already restricted stays so; only a change writes an event.
            if not (result == RecordOutcome.STORAGE_ONLY and record.state == State.RESTRICTED):
                erasures.append(workflow.Erasure(record=record, outcome=result, reason=reason))
            entry = _entry(record, result, reason)
            kept = erasure.duties_for(duties, organisation_id=record.organisation_id, activity_id=record.activity_id)
            if result == RecordOutcome.DELETED and kept:
                # The certificate says why the tombstone still holds who the record was about.
                entry["identifiers_kept"] = [duty.statement() for duty in kept]
            entries.append(entry)
    elif rr.kind in EXPORT_KINDS:
        attachments = exports.attach_export(rr, export)
        entries = [_entry(record, RecordOutcome.EXPORTED) for record in records]
        outcome["attachments"] = [attachment.pk for attachment in attachments]
    elif rr.kind in OPT_OUT_OUTCOME:
        # The records stay; what stops is their sale or sharing, targeting, profiling, or
        # the use of sensitive data beyond what the law allows: recorded per record.
        entries = [_entry(record, OPT_OUT_OUTCOME[rr.kind]) for record in records if record.state != State.DELETED]
        outcome["note"] = _("Opt-out recorded on request %(reference)s: %(kind)s.") % {
            "reference": rr.reference, "kind": rr.get_kind_display()}
    elif rr.kind == Kind.CORRECTION:
        entries = [_entry(record, RecordOutcome.NOT_APPLICABLE) for record in records]
        outcome["note"] = _(
            "A biometric template cannot be corrected, only replaced: the person may re-enrol, "
            "or ask for the record to be deleted."
        )
    outcome["records"] = entries
    return outcome, erasures


def _record_withdrawals(rr: RightsRequest, records: list[BiometricRecord]) -> None:
    """Write the withdrawal into the consent ledger for each activity it concerns: those of
    the person's consent-based records here, and those the ledger holds their consent to.
    Once per activity: a second system's task (or a rerun) finds it withdrawn already. The
    records themselves are erased by the task's outcome, each with its event."""
    identifiers = Identifiers.from_hashes(rr.subject.identifier_hashes(), rr.subject.masked_identifiers)
    if not identifiers.hashes:
        return
    activities = {r.activity_id: r.activity for r in records
                  if r.state != State.DELETED and consent.record_basis(r).consent}
    ledger = (ConsentEvent.objects.filter(organisation=rr.organisation).matching(identifiers.hashes_by_kind())
              .select_related("activity"))
    activities.update({event.activity_id: event.activity for event in ledger})
    for activity_id in sorted(activities):
        try:
            consent.withdraw(rr.organisation, activities[activity_id], identifiers,
                             channel=ConsentEvent.Channel.REQUEST, reference=rr.reference, erase=False)
        except ValidationError:
            continue  # withdrawn already, or the activity no longer rests on consent


def _entry(record: BiometricRecord, outcome: str, reason: str = "") -> dict:
    entry = {
        "id": record.pk,
        "modality": record.modality,
        "activity": record.activity.name,
        "collection_point": record.activity.collection_point,
        "outcome": str(outcome),
    }
    if reason:
        entry["reason"] = reason
    return entry

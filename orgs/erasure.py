"""Deleting and restricting biometric records.

`tombstone` and `restrict` are set-based (one UPDATE however many records) and are what
every path uses: a request's vault connector, an erasure order, the retention sweep.
A deleted record keeps a tombstone (when, why) and loses its encrypted template and its
identifiers (unless a named RetentionDuty keeps those); a restricted one keeps its
template and identifiers for storage only (the law's storage_only, orgs/law.py).
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import devices, law, register
from orgs.certificates import issue_certificate
from orgs.models import (
    BiometricRecord, DataSystem, Device, ErasureOrder, Organisation, ProcessingActivity, RetentionDuty,
)
from orgs.models.register import DeviceStatus

State = BiometricRecord.State
Status = ErasureOrder.Status

# A claim keeps other workers off an order this long; a chunk takes well under a second.
LEASE = timedelta(minutes=5)
CHUNK_SIZE = 10_000


def retention_reason(jurisdiction: str) -> str:
    """Why a record past its retention date is deleted, in the words of the organisation's law."""
    return str(law.texts(jurisdiction).retention_expired)


# What singles the person out; a tombstone keeps none of it unless a named duty says so.
IDENTIFIER_FIELDS = ("email_hash", "phone_hash", "member_number_hash", "id_number_hash", "masked_identifiers")
# A record's fields that hold them: the four and their copy, the person's key (orgs/models/biometric_records.py).
RECORD_IDENTIFIER_FIELDS = (*IDENTIFIER_FIELDS, "person_hash")


def duties_keeping_identifiers(organisation_ids) -> list[RetentionDuty]:
    """The named retention duties of these organisations (a handful of rows)."""
    return list(RetentionDuty.objects.filter(organisation_id__in=organisation_ids).order_by("pk"))


def kept_by(duties: list[RetentionDuty]) -> Q | None:
    """The records whose identifiers one of `duties` keeps; None if no duty applies."""
    condition = Q()
    for duty in duties:
        condition |= Q(activity_id=duty.activity_id) if duty.activity_id else Q(organisation_id=duty.organisation_id)
    return condition or None


def duties_for(duties: list[RetentionDuty], *, organisation_id: int, activity_id: int) -> list[RetentionDuty]:
    """The duties that keep the identifiers of a record of this activity."""
    return [d for d in duties if d.organisation_id == organisation_id and d.activity_id in (None, activity_id)]


def tombstone(records: QuerySet, *, reason: str, organisation_ids=None) -> int:
    """Delete the templates of the records still holding one, and their identifiers unless a
    named retention duty of the organisation keeps them; returns how many.

    One UPDATE however many records; the tombstone keeps which record, which system, which
    activity, when and why (the reason names the request or order), for the certificate.
    A caller that knows whose records they are (an erasure order) passes `organisation_ids`,
    sparing a read of every record to find their organisations' duties."""
    pending = records.exclude(state=State.DELETED)
    owners = pending.values("organisation_id") if organisation_ids is None else organisation_ids
    kept = kept_by(duties_keeping_identifiers(owners))
    if kept is None:
        cleared = {field: "" for field in RECORD_IDENTIFIER_FIELDS}
    else:
        cleared = {field: Case(When(kept, then=F(field)), default=Value("")) for field in RECORD_IDENTIFIER_FIELDS}
    return pending.update(
        state=State.DELETED, template_ciphertext=None, tombstoned_at=timezone.now(), tombstone_reason=reason[:200],
        **cleared,
    )


def restrict(records: QuerySet, *, reason: str) -> int:
    """Stop all processing but storage and security; returns how many were active."""
    return records.filter(state=State.ACTIVE).update(
        state=State.RESTRICTED, tombstoned_at=timezone.now(), tombstone_reason=reason[:200]
    )


# --- erasure orders: chunked, claimed, resumable ---------------------------------------


def scope(order: ErasureOrder) -> QuerySet:
    """Every record the order covers, whatever its state."""
    records = BiometricRecord.objects.filter(organisation_id=order.organisation_id)
    if order.kind == ErasureOrder.Kind.RETENTION:
        return records.filter(retain_until__lt=order.retain_until_before)
    if order.kind == ErasureOrder.Kind.DECOMMISSION:
        return records.filter(collection_point_id=order.point_id)
    if order.activity_id:
        records = records.filter(activity_id=order.activity_id)
    if order.collection_point:
        # Resolved to activity ids first: a plain `activity_id IN (...)` the planner can
        # walk in id order, where a join to the activities could not.
        activity_ids = ProcessingActivity.objects.filter(
            organisation_id=order.organisation_id, collection_point=order.collection_point
        ).values_list("pk", flat=True)
        records = records.filter(activity_id__in=list(activity_ids))
    return records


def selection(order: ErasureOrder) -> QuerySet:
    """The records the order still has to erase: not deleted yet (restricted ones included)."""
    # `state IN (...)` rather than `state <> 'deleted'`: an index on (organisation, state,
    # retain_until) then reads only the records still to erase, not every tombstone.
    return scope(order).filter(state__in=[State.ACTIVE, State.RESTRICTED])


def tombstone_reason(order: ErasureOrder) -> str:
    """Written on every record the order erases: says why, and lets the certificate find them."""
    return f"Erasure order #{order.pk}: {order.reason}"[:200]


def claim(order_id: int) -> datetime | None:
    """Take the order for one chunk; returns the lease held, or None if another has it or it is done."""
    now = timezone.now()
    lease = now + LEASE
    claimable = Q(status=Status.PENDING) | Q(status=Status.RUNNING) & (
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    claimed = ErasureOrder.objects.filter(claimable, pk=order_id).update(status=Status.RUNNING, lease_until=lease)
    return lease if claimed == 1 else None


def run_next_chunk(order_id: int, chunk_size: int = CHUNK_SIZE) -> bool:
    """Erase the order's next `chunk_size` records after `last_id`; True if more remain.

    Claims the order first (a conditional UPDATE, committed on its own): a second run at
    the same time, or a rerun while a live worker's lease holds, finds nothing to claim
    and returns False. The chunk, the progress and, on the last chunk, the status, the
    finish time and the certificate are written in one transaction, so a worker killed
    mid-chunk leaves that chunk as it was; the next run, once the lease has expired,
    continues from `last_id`. Nothing is erased twice, nothing skipped: idempotent.
    Between chunks the lease is released, so the run queued for the next chunk can
    claim at once; if that message is lost, `stale_order_ids` finds the order again.
    """
    lease = claim(order_id)
    if lease is None:
        return False
    order = ErasureOrder.objects.get(pk=order_id)
    if order.last_id == 0:
        # Nothing erased yet (a first claim, or a rerun of one that died): size the job.
        order.total = selection(order).count()
        ErasureOrder.objects.filter(pk=order_id, lease_until=lease).update(total=order.total)

    with transaction.atomic():
        order = (
            ErasureOrder.objects.select_for_update(of=("self",))
            .select_related("organisation", "activity", "ordered_by")
            .get(pk=order_id)
        )
        if order.status != Status.RUNNING or order.lease_until != lease:
            return False  # our lease ran out and another run took the order over
        ids = list(
            selection(order).filter(pk__gt=order.last_id).order_by("pk").values_list("pk", flat=True)[:chunk_size]
        )
        if ids:
            # The chunk by its id range within the selection, not by a list of 10,000 ids: a
            # range scan of the primary key, planned in no time. A record of the order that
            # appeared inside the range since the ids were read is erased with the rest
            # rather than left behind `last_id` for good.
            chunk = selection(order).filter(pk__gt=order.last_id, pk__lte=ids[-1])
            order.processed += tombstone(chunk, reason=tombstone_reason(order), organisation_ids=[order.organisation_id])
            order.last_id = ids[-1]
            # The copies on devices that keep templates go too: a retention order names each
            # record (its ranges would hold records still kept), an ordered deletion the
            # chunk's range per device; a decommission order has each device wipe all at the end.
            # An organisation with no such device (most) skips the join over the chunk.
            holds_copies = devices.holders().filter(organisation_id=order.organisation_id).exists()
            if holds_copies and order.kind == ErasureOrder.Kind.RETENTION:
                devices.queue_record_deletions(ids, order=order)
            elif holds_copies and order.kind == ErasureOrder.Kind.ORDER:
                devices.queue_ranges(order, ids)
        more = len(ids) == chunk_size
        if more:
            order.lease_until = None
        else:
            finish(order)
        order.save(update_fields=["processed", "last_id", "lease_until", "status", "total", "finished_at",
                                  "certificate"])
    return more


def finish(order: ErasureOrder) -> None:
    """The last chunk is erased (inside its transaction): the order is done, with its
    certificate, unless devices still have to confirm their deletions; then it waits for
    them (status DEVICES) and `devices_confirmed` finishes it when the last receipt comes."""
    order.lease_until = None
    # Records added to the activity while the order ran were erased too.
    order.total = max(order.total, order.processed)
    if order.kind == ErasureOrder.Kind.DECOMMISSION:
        devices.queue_wipes(order)
    if order.device_deletions.filter(receipt__isnull=True).exists():
        order.status = Status.DEVICES
        return
    _close(order)


def _close(order: ErasureOrder) -> None:
    """Done: a decommissioned point's devices retired, the certificate issued."""
    now = timezone.now()
    if order.kind == ErasureOrder.Kind.DECOMMISSION:
        for device in Device.objects.filter(collection_point_id=order.point_id).exclude(status=DeviceStatus.RETIRED):
            register.retire(device, now=now)
    order.status = Status.DONE
    order.finished_at = now
    order.certificate = issue_certificate(order.organisation, certificate_body(order))


def devices_confirmed(order_ids) -> list[int]:
    """Finish each order waiting for its devices whose every device deletion now has its
    receipt; returns the ids finished. Safe to run twice: the order's row is locked and
    only an order still waiting is finished."""
    finished = []
    for order_id in sorted(order_ids):
        with transaction.atomic():
            order = (ErasureOrder.objects.select_for_update(of=("self",))
                     .select_related("organisation", "activity", "ordered_by", "point").filter(pk=order_id).first())
            if order is None or order.status != Status.DEVICES:
                continue
            if order.device_deletions.filter(receipt__isnull=True).exists():
                continue
            _close(order)
            order.save(update_fields=["status", "finished_at", "certificate"])
            finished.append(order_id)
    return finished


def certificate_body(order: ErasureOrder) -> dict:
    """What was erased, from which system, by which connector, and when; from the records themselves."""
    rows = list(
        scope(order)
        .filter(pk__lte=order.last_id, state=State.DELETED, tombstone_reason=tombstone_reason(order))
        .values("system_id", "modality")
        .annotate(records=Count("pk"), first=Min("pk"), last=Max("pk"), started=Min("tombstoned_at"))
        .order_by("system_id", "modality")
    )
    systems = DataSystem.objects.in_bulk({row["system_id"] for row in rows})
    erased = scope(order).filter(pk__lte=order.last_id, state=State.DELETED, tombstone_reason=tombstone_reason(order))
    identifiers_kept = []
    for duty in duties_keeping_identifiers([order.organisation_id]):
        count = erased.filter(kept_by([duty])).count()
        if count:
            identifiers_kept.append({**duty.statement(), "activity": duty.activity_id, "records": count})
    by_modality: dict[str, int] = {}
    for row in rows:
        by_modality[row["modality"]] = by_modality.get(row["modality"], 0) + row["records"]
    if order.kind == ErasureOrder.Kind.RETENTION:
        what = {"retained_until_before": order.retain_until_before}
    elif order.kind == ErasureOrder.Kind.DECOMMISSION:
        point = order.point
        what = {"collection_point": {"id": str(point.public_id), "name": point.name, "site": point.site},
                "devices_retired": sorted(Device.objects.filter(collection_point=point, status=DeviceStatus.RETIRED)
                                          .values_list("serial", flat=True))}
    else:
        what = {
            "activity": {"id": order.activity_id, "name": order.activity.name} if order.activity_id else None,
            "collection_point": order.collection_point or None,
        }
    return {
        "type": "erasure_order",
        "order": order.pk,
        "kind": order.kind,
        "what": what,
        "reason": order.reason,
        "ordered_by": order.ordered_by.get_username() if order.ordered_by_id else None,
        "ordered_at": order.created_at,
        "outcome": "deleted",
        "records_selected": order.total,
        "records_erased": order.processed,
        "by_system": [
            {
                "system": systems[row["system_id"]].name,
                "system_id": row["system_id"],
                "connector": systems[row["system_id"]].connector,
                "modality": row["modality"],
                "records": row["records"],
            }
            for row in rows
        ],
        "by_modality": by_modality,
        "first_record_id": min((row["first"] for row in rows), default=None),
        "last_record_id": max((row["last"] for row in rows), default=None),
        "started_at": min((row["started"] for row in rows), default=order.finished_at),
        "finished_at": order.finished_at,
        # Whose identifiers the tombstones still hold, and the named duty that requires it.
        "identifiers_kept": identifiers_kept,
        # Every device that held copies, with the signed receipt of its deletion (art. 8).
        "devices": devices.receipts_of(order.device_deletions.all()),
    }


def order_decommission(point, *, reason: str, by=None) -> ErasureOrder:
    """Order a collection point removed (the Nanjing order): its records erased, every device
    there wiped and retired, one certificate. The caller queues orgs.run_erasure_order.
    Refused while an order for the point is still open."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the point is removed, and under which order or law.")})
    with transaction.atomic():
        locked_point = type(point).objects.select_for_update().get(pk=point.pk)
        if ErasureOrder.objects.filter(point=locked_point, kind=ErasureOrder.Kind.DECOMMISSION).exclude(
                status=Status.DONE).exists():
            raise ValidationError(_("An order to remove this collection point is already under way."),
                                  code="already_ordered")
        return ErasureOrder.objects.create(
            organisation_id=point.organisation_id, kind=ErasureOrder.Kind.DECOMMISSION, point=point,
            collection_point=point.name[:200], reason=reason.strip(), ordered_by=by,
        )


def stale_order_ids(now: datetime | None = None) -> list[int]:
    """Open orders no worker holds: never claimed, between chunks, or whose worker died.

    The re-queue sweep queues `orgs.tasks.run_erasure_order` for each; a duplicate of a
    run already under way finds the order claimed and does nothing.
    """
    now = now or timezone.now()
    return list(
        ErasureOrder.objects.filter(status__in=[Status.PENDING, Status.RUNNING])
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- retention (PIPL art. 47(1), GDPR art. 5(1)(e): orgs/law.py retention_expired) --------------------------------------------------------


def open_retention_orders(now: datetime | None = None) -> list[int]:
    """Open a retention order for each organisation holding records past their retention date.

    Active and restricted records count: once the retention period has run out the duty
    that kept a restricted record in storage has ended too. At most one retention order
    is open per organisation: the organisation's row is locked while checking, so two
    sweeps at once open one. Returns the ids of the orders opened (the caller queues them).
    """
    now = now or timezone.now()
    expired = BiometricRecord.objects.filter(
        organisation=OuterRef("pk"), state__in=[State.ACTIVE, State.RESTRICTED], retain_until__lt=now
    )
    opened = []
    for organisation_id in Organisation.objects.filter(Exists(expired)).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
            already_open = ErasureOrder.objects.filter(
                organisation=organisation, kind=ErasureOrder.Kind.RETENTION,
                status__in=[Status.PENDING, Status.RUNNING],
            ).exists()
            if not already_open:
                order = ErasureOrder.objects.create(
                    organisation=organisation, kind=ErasureOrder.Kind.RETENTION, retain_until_before=now,
                    reason=retention_reason(organisation.jurisdiction),
                )
                opened.append(order.pk)
    return opened

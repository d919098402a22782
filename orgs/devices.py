"""The device connector: deletion on the devices themselves (Measures art. 8).

A gate that keeps templates on itself holds a copy of every record collected at its
collection point. When such a record is erased (a request, an order, the retention sweep)
a deletion is queued for each live device there that keeps templates; the device pulls
its pending deletions with its own token, deletes, and acknowledges them with a receipt
signed by its own Ed25519 key, which Rightsdesk checks and keeps for the certificate.

A device that is offline keeps its deletions queued; once the oldest has waited longer
than ACK_WINDOW the device is flagged on the owner's desk (`overdue_devices`). When it
comes back it pulls the queue, and may send its inventory (`reconcile`): the templates it
still holds that it should not are queued and named back to it.

Nothing here knows of requests: a deletion names the request's task by id only, and the
API (requests_app/api/devices.py) hands receipts on to whoever waits for them.
"""

import base64
import binascii
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from orgs.models import BiometricRecord, Device, DeviceCredential, DeviceDeletion, DeviceReceipt, ErasureOrder
from orgs.models.register import DeviceStatus, TemplateStorage

TOKEN_PREFIX = "rdd_"
# A device with a deletion waiting longer than this is overdue: flagged on the owner's desk,
# and a request waiting for it flagged for its officers.
ACK_WINDOW = timedelta(hours=72)
# At most this many deletions per poll and per receipt.
BATCH = 1000
# last_seen_at is written at most this often per device: a poll (every minute) is a read,
# not a write; "last seen" within a quarter hour is enough beside a 72-hour window.
SEEN_EVERY = timedelta(minutes=15)


def _token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_verify_key(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode((text or "").strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise ValidationError({"verify_key": _("Give the device's Ed25519 public key: 32 bytes in base64.")},
                              code="invalid_key") from None


# --- credentials ---------------------------------------------------------------------------


def issue_credential(device: Device, *, verify_key: str, by=None) -> str:
    """Give the device a new token (returned once, kept only as its hash) and record the
    public key its receipts will be signed with; any earlier token stops working."""
    if device.status == DeviceStatus.RETIRED:
        raise ValidationError(_("Device %(serial)s is retired."), code="retired", params={"serial": device.serial})
    read_verify_key(verify_key)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    DeviceCredential.objects.update_or_create(device=device, defaults={
        "token_sha256": _token_sha256(token), "verify_key": verify_key.strip(), "issued_at": timezone.now(),
        "issued_by": by, "last_seen_at": None,
    })
    return token


def authenticate(token: str) -> DeviceCredential | None:
    """The credential the token belongs to, with its device; None for anything else.

    A retired device still signs in while a deletion waits for it (a decommissioned gate
    confirms its wipe); after that it is refused."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    credential = DeviceCredential.objects.select_related("device").filter(token_sha256=_token_sha256(token)).first()
    if credential is None:
        return None
    if credential.device.status == DeviceStatus.RETIRED and not pending(credential.device).exists():
        return None
    return credential


POLL_SQL = f"""SELECT c.id, d.serial, d.status, c.last_seen_at, q.id, q.record_id, q.order_id,
        q.first_record_id, q.last_record_id
    FROM {DeviceCredential._meta.db_table} c
    JOIN {Device._meta.db_table} d ON d.id = c.device_id
    LEFT JOIN {DeviceDeletion._meta.db_table} q ON q.device_id = c.device_id AND q.receipt_id IS NULL
    WHERE c.token_sha256 = %s
    ORDER BY q.id LIMIT %s"""


@dataclass(frozen=True)
class Poll:
    credential_id: int
    serial: str
    last_seen_at: datetime | None
    deletions: list[dict]


def poll(token: str, limit: int = BATCH) -> Poll | None:
    """The device's next pending deletions, oldest first, for the token; None if the token
    is nobody's (or a retired device's with nothing left to confirm).

    The gates' hot path, every minute from each: one statement, the credential found by
    its token's hash and the deletions read from the pending index, no ORM in between."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    with connection.cursor() as cursor:
        cursor.execute(POLL_SQL, [_token_sha256(token), limit])
        rows = cursor.fetchall()
    if not rows:
        return None
    credential_id, serial, status, last_seen_at = rows[0][:4]
    if isinstance(last_seen_at, str):  # SQLite hands back text, in UTC without its offset
        last_seen_at = parse_datetime(last_seen_at)
    if last_seen_at is not None and timezone.is_naive(last_seen_at):
        last_seen_at = timezone.make_aware(last_seen_at, dt_timezone.utc)
    deletions = [_deletion(*row[4:]) for row in rows if row[4] is not None]
    if status == DeviceStatus.RETIRED and not deletions:
        return None
    return Poll(credential_id, serial, last_seen_at, deletions)


def _deletion(pk, record_id, order_id, first, last) -> dict:
    """What a device is told to delete: one record, a range of an order's records, or all."""
    if record_id:
        return {"id": pk, "record": record_id}
    if first is not None:
        return {"id": pk, "record": None, "range": [first, last], "order": order_id}
    return {"id": pk, "record": None, "wipe": True, "order": order_id}


def seen(credential: DeviceCredential | Poll, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if credential.last_seen_at is None or credential.last_seen_at < now - SEEN_EVERY:
        pk = credential.credential_id if isinstance(credential, Poll) else credential.pk
        DeviceCredential.objects.filter(pk=pk).update(last_seen_at=now)


# --- queueing ----------------------------------------------------------------------------------


def holders() -> "QuerySet[Device]":  # noqa: F821
    """Devices that keep templates on themselves and are live: those that hold copies."""
    return Device.objects.filter(status=DeviceStatus.LIVE, template_storage=TemplateStorage.ON_DEVICE)


def queue_record_deletions(record_ids, *, request_task_id: int | None = None,
                           order: ErasureOrder | None = None) -> int:
    """Queue, for each record, a deletion on every live device at its collection point that
    keeps templates; returns how many were queued. A deletion already queued for a device
    and record is not queued twice (whoever asked first gets its receipt).

    One INSERT ... SELECT however many records (an order's chunk is 10,000): the rows never
    pass through Python."""
    record_ids = list(record_ids)
    if not record_ids:
        return 0
    placeholders = ", ".join(["%s"] * len(record_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {DeviceDeletion._meta.db_table} (device_id, record_id, request_task_id, order_id, queued_at)
                SELECT d.id, r.id, %s, %s, %s
                FROM {BiometricRecord._meta.db_table} r
                JOIN {Device._meta.db_table} d ON d.collection_point_id = r.collection_point_id
                WHERE r.id IN ({placeholders}) AND d.status = %s AND d.template_storage = %s
                ON CONFLICT DO NOTHING""",
            [request_task_id, order.pk if order else None, timezone.now(), *record_ids,
             DeviceStatus.LIVE.value, TemplateStorage.ON_DEVICE.value])
        return cursor.rowcount


def queue_ranges(order: ErasureOrder, record_ids) -> int:
    """An erasure order's chunk: one deletion per live device that keeps templates at a point
    of the chunk's records, naming the range of their ids (a point serves one activity, so
    every record of the range at the device's point is the order's). Returns how many rows.
    Not for a retention order, whose range would also hold records still within retention."""
    record_ids = list(record_ids)
    if not record_ids:
        return 0
    placeholders = ", ".join(["%s"] * len(record_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {DeviceDeletion._meta.db_table}
                    (device_id, order_id, first_record_id, last_record_id, records, queued_at)
                SELECT d.id, %s, MIN(r.id), MAX(r.id), COUNT(r.id), %s
                FROM {BiometricRecord._meta.db_table} r
                JOIN {Device._meta.db_table} d ON d.collection_point_id = r.collection_point_id
                WHERE r.id IN ({placeholders}) AND d.status = %s AND d.template_storage = %s
                GROUP BY d.id
                ON CONFLICT DO NOTHING""",
            [order.pk, timezone.now(), *record_ids, DeviceStatus.LIVE.value, TemplateStorage.ON_DEVICE.value])
        return cursor.rowcount


def queue_wipes(order: ErasureOrder) -> int:
    """A decommission order: every device at the point that keeps templates and is live
    deletes all it holds; returns how many devices must confirm."""
    now = timezone.now()
    rows = [DeviceDeletion(device=device, order=order, queued_at=now)
            for device in holders().filter(collection_point_id=order.point_id)]
    DeviceDeletion.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def pending(device: Device):
    return DeviceDeletion.objects.filter(device=device, receipt__isnull=True)


def pending_for_task(task_id: int) -> int:
    """How many deletions a request's task still waits for."""
    return DeviceDeletion.objects.filter(request_task_id=task_id, receipt__isnull=True).count()


# --- receipts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    receipt: DeviceReceipt
    created: bool
    task_ids: frozenset[int]
    order_ids: frozenset[int]


def receipt_message(device_serial: str, deletion_ids: list[int], deleted_at: str, nonce: str) -> str:
    """The canonical text a device signs (what bench/gates.py builds)."""
    return json.dumps({"device": device_serial, "deleted": deletion_ids, "deleted_at": deleted_at, "nonce": nonce},
                      sort_keys=True, separators=(",", ":"))


def _read_receipt(credential: DeviceCredential, body: str, signature: str) -> list[int]:
    if not isinstance(body, str) or not isinstance(signature, str) or len(body) > 100_000:
        raise ValidationError({"body": _("Send the signed body as a string and its signature in base64.")})
    try:
        read_verify_key(credential.verify_key).verify(base64.b64decode(signature, validate=True), body.encode())
    except (InvalidSignature, binascii.Error, ValueError):
        raise ValidationError({"signature": _("The signature does not match this device's key.")},
                              code="bad_signature") from None
    try:
        data = json.loads(body)
    except ValueError:
        raise ValidationError({"body": _("The signed body is not JSON.")}) from None
    ids = data.get("deleted") if isinstance(data, dict) else None
    if not isinstance(ids, list) or not ids or len(ids) > BATCH or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ValidationError({"body": _("List the deletions carried out (1 to %(n)s ids).") % {"n": BATCH}})
    if data.get("device") != credential.device.serial:
        raise ValidationError({"body": _("The receipt names another device.")}, code="other_device")
    return ids


def accept_receipt(credential: DeviceCredential, body: str, signature: str) -> Accepted:
    """Check the receipt's signature with the device's key and that every deletion it
    lists is this device's, then mark them acknowledged by it. The same receipt sent again
    is the same receipt (created False). ValidationError for anything else, changing nothing."""
    ids = sorted(set(_read_receipt(credential, body, signature)))
    digest = hashlib.sha256(body.encode()).hexdigest()
    device = credential.device
    existing = DeviceReceipt.objects.filter(device=device, body_sha256=digest).first()
    if existing is not None:
        return Accepted(existing, False, frozenset(), frozenset())
    try:
        with transaction.atomic():
            receipt = DeviceReceipt.objects.create(device=device, body=body, body_sha256=digest, signature=signature,
                                                   verify_key=credential.verify_key)
            newly = _acknowledge(receipt, device, ids)
            if len(newly) < len(ids) and DeviceDeletion.objects.filter(device=device, pk__in=ids).count() < len(ids):
                raise ValidationError({"body": _("The receipt lists deletions that were not asked of this device.")},
                                      code="not_asked")  # rolls back the receipt and its acknowledgements
            receipt.deletions = len(newly)
            receipt.save(update_fields=["deletions"])
    except IntegrityError:  # the same receipt, at the same moment, from a retry
        return Accepted(DeviceReceipt.objects.get(device=device, body_sha256=digest), False, frozenset(), frozenset())
    return Accepted(receipt, True, frozenset(t for t, _o in newly if t), frozenset(o for _t, o in newly if o))


def _acknowledge(receipt: DeviceReceipt, device: Device, ids: list[int]) -> list[tuple]:
    """Mark the device's still-pending deletions among `ids` as acknowledged by the receipt,
    in one UPDATE; returns (request_task_id, order_id) of each one marked."""
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {DeviceDeletion._meta.db_table} SET receipt_id = %s
                WHERE device_id = %s AND receipt_id IS NULL AND id IN ({placeholders})
                RETURNING request_task_id, order_id""",
            [receipt.pk, device.pk, *ids])
        return cursor.fetchall()


def verify_receipt(proof: dict) -> bool:
    """Check a receipt as a certificate prints it: its body's hash and its signature."""
    body = proof.get("body") or ""
    if hashlib.sha256(body.encode()).hexdigest() != proof.get("body_sha256"):
        return False
    try:
        read_verify_key(proof["verify_key"]).verify(base64.b64decode(proof["signature"]), body.encode())
    except (InvalidSignature, ValidationError, KeyError, ValueError):
        return False
    return True


# --- reconciliation and overdue devices ----------------------------------------------------------


def reconcile(credential: DeviceCredential, holds: list[int]) -> list[int]:
    """The device lists the templates (record ids) it holds; returns those it must delete:
    records erased or restricted here, or unknown at its collection point. A deletion is
    queued for each such record of this organisation, so its receipt is on file."""
    device = credential.device
    keep = set(BiometricRecord.objects.filter(
        pk__in=holds, organisation_id=device.organisation_id, collection_point_id=device.collection_point_id,
        state=BiometricRecord.State.ACTIVE).values_list("pk", flat=True))
    stale = sorted(set(holds) - keep)
    known = list(BiometricRecord.objects.filter(pk__in=stale, organisation_id=device.organisation_id)
                 .values_list("pk", flat=True))
    DeviceDeletion.objects.bulk_create([DeviceDeletion(device=device, record_id=pk) for pk in known],
                                       ignore_conflicts=True)
    return stale


def overdue_devices(organisation_id: int, *, now: datetime | None = None):
    """The organisation's devices with a deletion waiting longer than ACK_WINDOW, with how
    many wait and since when (annotated `waiting`, `oldest`)."""
    now = now or timezone.now()
    return (Device.objects.filter(organisation_id=organisation_id)
            .annotate(waiting=Count("deletions", filter=Q(deletions__receipt__isnull=True)),
                      oldest=Min("deletions__queued_at", filter=Q(deletions__receipt__isnull=True)))
            .filter(oldest__lt=now - ACK_WINDOW)
            .select_related("collection_point", "credential")
            .order_by("oldest"))


def receipts_of(deletions) -> list[dict]:
    """Per device, how many of these deletions it was asked and the receipts that
    acknowledged them, for a certificate: serial, location, count, each receipt's proof.
    Two aggregate queries, whatever the number of deletions (an order's are millions)."""
    counts = dict(deletions.order_by().values_list("device_id").annotate(n=Sum("records")))
    receipts = DeviceReceipt.objects.filter(pk__in=deletions.filter(receipt__isnull=False).values("receipt_id"))
    by_device: dict[int, list] = {}
    for receipt in receipts.select_related("device").order_by("received_at", "pk"):
        by_device.setdefault(receipt.device_id, []).append(receipt.as_proof())
    devices = Device.objects.in_bulk(list(counts))
    return [{"device": devices[pk].serial, "location": devices[pk].location, "deletions": counts[pk],
             "receipts": by_device.get(pk, [])}
            for pk in sorted(counts, key=lambda pk: devices[pk].serial)]

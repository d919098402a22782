"""The device connector's tables: each gate's credential, the deletions queued for it, and
the signed receipts it sends back (Measures art. 8: templates kept on the device are
deleted there too, and the certificate shows each device's receipt). The steps are in
orgs/devices.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models.biometric_records import BiometricRecord
from orgs.models.erasure_orders import ErasureOrder
from orgs.models.register import Device


class DeviceCredential(models.Model):
    """How a device proves itself: a bearer token (kept only as its SHA-256) for the API,
    and the Ed25519 public key its receipts are signed with. The device made the key pair
    and keeps the private half; Rightsdesk never sees it, so it cannot forge a receipt."""

    device = models.OneToOneField(Device, on_delete=models.CASCADE, related_name="credential")
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    verify_key = models.CharField(_("receipt verify key (Ed25519, base64)"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("device credential")
        verbose_name_plural = _("device credentials")

    def __str__(self):
        return f"{self.device.serial} · {self.verify_key[:12]}…"


class DeviceReceipt(models.Model):
    """A device's signed statement that it deleted what it lists. Kept as received: the
    body exactly as signed (canonical JSON), its signature and the key that checked it,
    so anyone can verify the receipt on the certificate again."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="receipts")
    received_at = models.DateTimeField(_("received at"), default=timezone.now, editable=False)
    body = models.TextField(_("signed body"), editable=False)
    body_sha256 = models.CharField(max_length=64, editable=False)
    signature = models.CharField(max_length=100, editable=False)
    verify_key = models.CharField(max_length=64, editable=False)
    deletions = models.PositiveIntegerField(_("deletions acknowledged"), default=0, editable=False)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("device receipt")
        verbose_name_plural = _("device receipts")
        constraints = [
            # The same receipt sent twice (a lost response, a retry) is one receipt.
            models.UniqueConstraint(fields=["device", "body_sha256"], name="device_receipt_once"),
        ]

    def __str__(self):
        return f"{self.device.serial} · {self.body_sha256[:12]}"

    def as_proof(self) -> dict:
        """What a certificate prints of it: the signed text itself (a device serial, deletion
        ids, a time and a nonce: nothing about a person), its signature and the key, so
        anyone can check the signature again (orgs.devices.verify_receipt)."""
        return {"device": self.device.serial, "received_at": self.received_at.isoformat(), "body": self.body,
                "body_sha256": self.body_sha256, "signature": self.signature, "verify_key": self.verify_key,
                "deletions": self.deletions}


class DeviceDeletion(models.Model):
    """One deletion a device must carry out: one record's template (a request's, or a
    retention order's record), a range of an erasure order's records, or, with neither,
    every template the device holds (a decommission order: the device is then retired).
    Pending until a receipt acknowledges it.

    `request_task_id` names the request's fulfilment task that waits for it: a plain id,
    because orgs knows nothing of requests (requests_app reads it)."""

    # Millions of rows in a big order: only the indexes a query uses (Meta.indexes and the
    # unique constraints), not one per foreign key.
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="deletions", db_index=False)
    record = models.ForeignKey(BiometricRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               db_index=False)
    request_task_id = models.BigIntegerField(null=True, blank=True)
    # Indexed by device_deletion_order_open_idx, on the rows still waiting.
    order = models.ForeignKey(ErasureOrder, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="device_deletions", db_index=False)
    # An erasure order's chunk at one device: every template it holds of the order's records
    # with ids from first to last (a point serves one activity, so all of them): one row per
    # device and chunk, not per record (`records` counts them, for the certificate).
    first_record_id = models.BigIntegerField(null=True, blank=True)
    last_record_id = models.BigIntegerField(null=True, blank=True)
    records = models.PositiveIntegerField(default=1, db_default=1)  # raw INSERTs of one record each
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now, editable=False)
    receipt = models.ForeignKey(DeviceReceipt, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="acknowledged", db_index=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("deletion on a device")
        verbose_name_plural = _("deletions on devices")
        constraints = [
            # A record is deleted from a device once, whatever asks for it again.
            models.UniqueConstraint(fields=["device", "record"], condition=Q(record__isnull=False),
                                    name="device_deletion_once_per_record"),
            models.UniqueConstraint(fields=["device", "order"],
                                    condition=Q(record__isnull=True, first_record_id__isnull=True),
                                    name="device_wipe_once_per_order"),
            models.UniqueConstraint(fields=["device", "order", "first_record_id"],
                                    condition=Q(first_record_id__isnull=False),
                                    name="device_range_once_per_order"),
            models.CheckConstraint(condition=Q(record__isnull=False) | Q(order__isnull=False),
                                   name="device_deletion_names_what"),
        ]
        indexes = [
            # The poll: a device's pending deletions in order, read from this index alone.
            models.Index(fields=["device", "id"], condition=Q(receipt__isnull=True), name="device_pending_idx"),
            models.Index(fields=["request_task_id"], condition=Q(request_task_id__isnull=False),
                         name="device_deletion_task_idx"),
            # Whether an order still waits for a device: read on every receipt, however big the
            # order. (An order's certificate reads all its rows once, at the end: no index for that.)
            models.Index(fields=["order"], condition=Q(order__isnull=False, receipt__isnull=True),
                         name="device_deletion_order_open_idx"),
        ]

    def __repr__(self):
        return f"<DeviceDeletion {self.pk} device={self.device_id} record={self.record_id}>"


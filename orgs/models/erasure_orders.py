"""Erasure in bulk and its proof: the orders that delete an activity's, a collection
point's or an expired retention's records (run by orgs/erasure.py), and the
certificates issued for what was deleted."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models.organisations import Organisation
from orgs.models.processing import ProcessingActivity
from orgs.models.register import CollectionPoint


class ErasureCertificate(models.Model):
    """What was deleted or restricted, from which system, when and by which connector.

    Issued at the end of a request's fulfilment or of a bulk or retention order; the body
    is JSON, its SHA-256 printed on the certificate so a copy can be checked.
    """

    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="certificates")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    body = models.JSONField(_("content"), editable=False)
    body_sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("erasure certificate")
        verbose_name_plural = _("erasure certificates")

    def __str__(self):
        return self.number


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    # A decommission order's records are erased here; its devices have yet to confirm.
    DEVICES = "devices", _("Waiting for the devices")
    DONE = "done", _("Done")


class ErasureOrder(models.Model):
    """Delete every biometric record of one activity or collection point, or past retention.

    Run as chunks by a task that claims the order, erases the next chunk after `last_id`,
    and queues itself again; progress is `processed` of `total`.
    """

    class Kind(models.TextChoices):
        ORDER = "order", _("Ordered deletion (activity or collection point)")
        # The order's reason names the organisation's law (orgs/erasure.py retention_reason).
        RETENTION = "retention", _("Retention period expired")
        # Remove a collection point (the Nanjing order): its records erased here and on
        # every device, then the devices retired; one certificate (orgs/decommission.py).
        DECOMMISSION = "decommission", _("Decommission a collection point")

    Status = OrderStatus

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="erasure_orders")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ORDER)
    activity = models.ForeignKey(
        ProcessingActivity, on_delete=models.PROTECT, null=True, blank=True, related_name="erasure_orders"
    )
    collection_point = models.CharField(_("collection point"), max_length=200, blank=True)
    point = models.ForeignKey(CollectionPoint, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="erasure_orders", verbose_name=_("registered collection point"))
    retain_until_before = models.DateTimeField(_("records retained until before"), null=True, blank=True)
    reason = models.TextField(_("reason and legal basis"))
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    total = models.PositiveIntegerField(_("records selected"), default=0)
    processed = models.PositiveIntegerField(_("records erased"), default=0)
    last_id = models.BigIntegerField(default=0, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("ordered at"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    certificate = models.ForeignKey(
        ErasureCertificate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("erasure order")
        verbose_name_plural = _("erasure orders")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(
                condition=~Q(kind="order") | Q(activity__isnull=False) | ~Q(collection_point=""),
                name="order_names_what_to_erase",
            ),
            models.CheckConstraint(
                condition=~Q(kind="retention") | Q(retain_until_before__isnull=False),
                name="retention_order_has_cut_off",
            ),
            models.CheckConstraint(condition=~Q(kind="decommission") | Q(point__isnull=False),
                                   name="decommission_order_names_point"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} · {self.organisation}"

    def save(self, *args, **kwargs):
        # Sized when created, so its progress reads "0 / N" until the first chunk, never
        # "0 / 0". The first chunk sizes it again, in case records changed in between.
        if self._state.adding and not self.total:
            from orgs.erasure import selection  # erasure imports these models

            self.total = selection(self).count()
        super().save(*args, **kwargs)

"""Compensation claims on a request (PIPL art. 69, GDPR art. 82): CompensationClaim and
its statuses, amounts in minor units (requests_app/money.py)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app.models.requests import RightsRequest
from requests_app.money import format_money


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    ASSESSED = "assessed", _("Assessed")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    PAID = "paid", _("Paid")
    # Declined and not offered again: the person is told the route to a court or regulator.
    CLOSED = "closed", _("Closed")


class CompensationClaim(models.Model):
    """A claim for damages on a request (PIPL art. 69, GDPR art. 82). Amounts in minor units."""

    Status = ClaimStatus

    class Basis(models.TextChoices):
        LOSS = "loss", _("The individual's loss")
        GAIN = "gain", _("The processor's gain")
        SET_AMOUNT = "set_amount", _("An amount set on the circumstances")

    # A declined claim stays open: the officer may offer again or close it.
    OPEN_STATUSES = (Status.CLAIMED, Status.ASSESSED, Status.OFFERED, Status.ACCEPTED, Status.DECLINED)

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="claims")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CLAIMED)
    currency = models.CharField(_("currency"), max_length=3)
    claimed_minor = models.PositiveBigIntegerField(_("amount claimed (minor units)"))
    covers = models.TextField(_("what it covers"), blank=True)
    basis = models.CharField(_("basis of assessment"), max_length=12, choices=Basis.choices, blank=True)
    assessed_minor = models.PositiveBigIntegerField(_("amount assessed (minor units)"), null=True, blank=True)
    assessment_note = models.TextField(_("assessment note"), blank=True)
    offered_minor = models.PositiveBigIntegerField(_("amount offered (minor units)"), null=True, blank=True)
    paid_minor = models.PositiveBigIntegerField(_("amount paid (minor units)"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    # Why the amount paid differs from the accepted offer (required then, blank otherwise).
    payment_difference_reason = models.TextField(_("why the payment differs from the offer"), blank=True)
    closing_note = models.TextField(_("why the claim was closed"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("compensation claim")
        verbose_name_plural = _("compensation claims")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="claim_currency_iso"),
            models.CheckConstraint(condition=Q(claimed_minor__gt=0), name="claim_amount_positive"),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=["claimed", "assessed", "offered", "accepted", "declined"]),
                name="one_open_claim_per_request",
            ),
        ]

    def __str__(self):
        return f"{format_money(self.claimed_minor, self.currency)} ({self.get_status_display()})"

    @property
    def offered_display(self) -> str:
        return format_money(self.offered_minor, self.currency)

    @property
    def assessed_display(self) -> str:
        return format_money(self.assessed_minor, self.currency)

    @property
    def claimed_display(self) -> str:
        return format_money(self.claimed_minor, self.currency)

    @property
    def paid_display(self) -> str:
        return format_money(self.paid_minor, self.currency)

    @property
    def paid_differs(self) -> bool:
        return self.paid_minor is not None and self.offered_minor is not None and self.paid_minor != self.offered_minor

"""The tables of requests_app: requests and their people, events, tasks, claims,
messages, notifications, deliveries, and the transparency log's (log.py); with the two
things that work on rows alone: sealing texts under a person's key (sealed.py) and
many rows in one statement (bulk.py). Imports nothing of requests_app but money.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app.models.correspondence import Message, attachment_path, Attachment  # noqa: F401
from requests_app.models.events import AppendOnlyQuerySet, RequestEvent  # noqa: F401
from requests_app.models.fulfilment import TaskStatus, FulfilmentTask  # noqa: F401
from requests_app.models.requests import (  # noqa: F401
    DataSubject, SubjectKey, RequestStatus, RequestKind, FiledBy, RightsRequest,
)
from requests_app.models.tokens import VerificationChallenge, StatusLink  # noqa: F401
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


class Threshold(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledgement due")
    DAYS_7 = "7d", _("Due in 7 days")
    DAYS_2 = "2d", _("Due in 2 days")
    DUE_TODAY = "due", _("Due today")
    OVERDUE = "overdue", _("Overdue (escalated)")


class Reminder(models.Model):
    Threshold = Threshold

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="reminders")
    threshold = models.CharField(_("threshold"), max_length=12, choices=Threshold.choices)
    due_at = models.DateTimeField(_("for due date"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["request", "threshold", "due_at"], name="one_reminder_per_threshold"),
            models.CheckConstraint(condition=Q(threshold__in=Threshold.values), name="reminder_threshold_valid"),
        ]

    def __str__(self):
        return f"{self.request} · {self.get_threshold_display()}"


class NotificationKind(models.TextChoices):
    SUBJECT_UPDATE = "subject_update", _("Update to the requester")
    ACKNOWLEDGEMENT = "acknowledgement", _("Receipt acknowledged to the requester")
    NEW_REQUEST = "new_request", _("New verified request")
    ASSIGNED = "assigned", _("Request assigned")
    SUBJECT_REPLIED = "subject_replied", _("The requester replied")
    REMINDER = "reminder", _("Deadline reminder")
    ESCALATION = "escalation", _("Overdue escalation")
    TASK_ASSIGNED = "task_assigned", _("Fulfilment task to confirm")
    TASK_FLAGGED = "task_flagged", _("Fulfilment task silent past its deadline")
    STATUS_LINK = "status_link", _("Link to the status page")
    CLAIM_ANSWERED = "claim_answered", _("The requester answered a compensation offer")
    UNVERIFIED_EXPIRED = "unverified_expired", _("Closed unverified: letter to the requester")
    PAUSE_REMINDER = "pause_reminder", _("Unanswered question: reminder to the requester")
    PAUSE_CLOSED = "pause_closed", _("Closed unanswered: letter to the requester")


class Notification(models.Model):
    """One email to send: the outbox row is the truth, the queued task only a nudge.

    `key` makes each notification exist once however often the code that creates it
    runs; the lease and `sent_at` make it go out once however often its task runs.
    """

    Kind = NotificationKind

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120, unique=True, editable=False)
    # A member of the organisation, or null for the requester (the subject, or who filed for them).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    event = models.ForeignKey(RequestEvent, on_delete=models.PROTECT, null=True, blank=True)
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, null=True, blank=True)
    task = models.ForeignKey(FulfilmentTask, on_delete=models.CASCADE, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="notification_unsent_idx", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.request} · {self.get_kind_display()}"


class EventDelivery(models.Model):
    """One signed POST of an event to one subscription: created once (key), sent once (lease)."""

    subscription = models.ForeignKey("orgs.EventSubscription", on_delete=models.CASCADE, related_name="deliveries")
    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="event_deliveries")
    event = models.CharField(max_length=40)
    key = models.CharField(max_length=160, unique=True, editable=False)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        indexes = [models.Index(fields=["created_at"], name="delivery_unsent_idx", condition=Q(sent_at__isnull=True))]

    def __str__(self):
        return f"{self.event} · {self.request_id}"


# The transparency log's tables live with the code that owns them.
from requests_app.models.log import (  # noqa: E402,F401
    LogLeaf, LogNode, PendingEntry, SignedTreeHead, TreeState,
)

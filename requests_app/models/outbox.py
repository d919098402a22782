"""What goes out, each once: a deadline Reminder (one per threshold and due date; its
notifications are written when it fires), a Notification (one email) and an
EventDelivery (one signed webhook POST). Each row is created once under a unique key;
emails and webhook posts are sent once under a lease (requests_app/delivery/)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app.models.events import RequestEvent
from requests_app.models.fulfilment import FulfilmentTask
from requests_app.models.requests import RightsRequest


class Threshold(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledgement due")
    DAYS_7 = "7d", _("Due in 7 days")
    DAYS_2 = "2d", _("Due in 2 days")
    DUE_TODAY = "due", _("Due today")
    OVERDUE = "overdue", _("Overdue (escalated)")


class Reminder(models.Model):
    Threshold = Threshold

    # No index of its own: one_reminder_per_threshold (request, threshold, due_at) leads with it.
    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="reminders", db_index=False)
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


class NextReminder(models.Model):
    """The next instant the deadline sweep must look at an open request: a reminder
    threshold, the acknowledgement, or overdue (requests_app/cases/reminders.py). No row
    while nothing is left to remind of (paused, closed, every threshold passed).

    A narrow table of its own rather than a column of the request: the sweep moves the
    pointer of every request crossing a threshold, and each such write goes into every
    index of its table, two here against the request table's many (10,000 pointers moved
    in about a tenth of the time, bench/sweep.py)."""

    request = models.OneToOneField(
        RightsRequest, on_delete=models.CASCADE, primary_key=True, related_name="next_reminder"
    )
    at = models.DateTimeField(_("next reminder at"))

    class Meta:
        verbose_name = _("next reminder")
        verbose_name_plural = _("next reminders")
        indexes = [
            # The deadline sweep's claim (workflow/sweeps.py sweep_deadlines): `at <= now`
            # in `at` order, so it reads only the requests with something due, whatever
            # the number open, and needs no statistics to choose this index.
            models.Index(fields=["at"], name="next_reminder_at_idx"),
        ]

    def __str__(self):
        return f"{self.request_id} · {self.at:%Y-%m-%d %H:%M}"


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

    # The foreign keys are not indexed: a notification is read by its id (the delivery task)
    # or by the unsent index, never by what it is about; requests, events, reminders and
    # tasks are never deleted, and deleting a user (admin only) may scan.
    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="notifications", db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120, editable=False)  # unique in Meta: no `_like` twin
    # A member of the organisation, or null for the requester (the subject, or who filed for them).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, db_index=False)
    event = models.ForeignKey(RequestEvent, on_delete=models.PROTECT, null=True, blank=True, db_index=False)
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, null=True, blank=True, db_index=False)
    task = models.ForeignKey(FulfilmentTask, on_delete=models.CASCADE, null=True, blank=True, db_index=False)
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
            # Each notification once: the ON CONFLICT DO NOTHING of notify_many (delivery/notifications.py).
            models.UniqueConstraint(fields=["key"], name="notification_key_unique"),
        ]
        indexes = [
            # The re-send sweep's unsent rows, oldest first (delivery/outbox.py due).
            models.Index(fields=["created_at"], name="notification_unsent_idx", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.request} · {self.get_kind_display()}"


class EventDelivery(models.Model):
    """One signed POST of an event to one subscription: created once (key), sent once (lease)."""

    subscription = models.ForeignKey(
        "orgs.EventSubscription", on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    # Not indexed: deliveries are read by id, by key or by the unsent index, and requests are never deleted.
    request = models.ForeignKey(
        RightsRequest, on_delete=models.CASCADE, related_name="event_deliveries", db_index=False
    )
    event = models.CharField(max_length=40)
    key = models.CharField(max_length=160, editable=False)  # unique in Meta: no `_like` twin
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
        constraints = [
            # Each delivery once: the lookup by key and ON CONFLICT DO NOTHING (delivery/event_webhooks.py).
            models.UniqueConstraint(fields=["key"], name="delivery_key_unique"),
        ]
        indexes = [
            # The re-send sweep's unsent rows, oldest first (delivery/outbox.py due).
            models.Index(fields=["created_at"], name="delivery_unsent_idx", condition=Q(sent_at__isnull=True)),
            # The CASCADE when an organisation deletes a webhook subscription.
            models.Index(fields=["subscription"], name="delivery_subscription_idx"),
        ]

    def __str__(self):
        return f"{self.event} · {self.request_id}"

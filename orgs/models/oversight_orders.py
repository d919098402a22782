"""Orders and inquiries a regulator sends an organisation (orgs/oversight_orders.py has the
steps), each step's history row, and the reminders sent about a deadline, one per stage.

    sent --acknowledge--> acknowledged --answer--> answered
      |                        |
      +----- mark_overdue -----+--> overdue --answer--> answered (late)

The deadline is a date as the organisation counts it; `due_at` is the end of that day in
its time zone. An order to remove scanners names one of the organisation's collection
points and, when it arrives, opens the erasure order that decommissions it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models.erasure_orders import ErasureCertificate, ErasureOrder
from orgs.models.organisations import Organisation
from orgs.models.oversight import Authority
from orgs.models.register import CollectionPoint


class OversightOrderKind(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry (a question)")
    REMOVE_SCANNERS = "remove_scanners", _("Order: remove the scanners at a collection point")
    DELETE_DATA = "delete_data", _("Order: delete data")
    PROVIDE_INFORMATION = "provide_information", _("Order: provide information")
    OTHER = "other", _("Other order")


class OversightOrderStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ANSWERED = "answered", _("Answered")
    OVERDUE = "overdue", _("Overdue")


class OversightOrder(models.Model):
    Kind = OversightOrderKind
    Status = OversightOrderStatus

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="oversight_orders",
                                     verbose_name=_("organisation"))
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="orders",
                                  verbose_name=_("authority"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("sent by"))
    kind = models.CharField(_("kind"), max_length=20, choices=OversightOrderKind.choices)
    reference = models.CharField(_("the authority's reference"), max_length=100, blank=True)
    text = models.TextField(_("text"))
    point = models.ForeignKey(CollectionPoint, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("collection point"))
    due_on = models.DateField(_("answer by"))
    due_at = models.DateTimeField(_("due"), editable=False)
    status = models.CharField(_("status"), max_length=12, choices=OversightOrderStatus.choices,
                              default=OversightOrderStatus.SENT)
    erasure_order = models.OneToOneField(ErasureOrder, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="oversight_order", verbose_name=_("erasure order"))
    answer = models.TextField(_("answer"), blank=True)
    answer_certificate = models.ForeignKey(ErasureCertificate, on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", verbose_name=_("certificate cited"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("answered by"))
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("regulator's order or inquiry")
        verbose_name_plural = _("regulators' orders and inquiries")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OversightOrderKind.values), name="oversight_order_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=OversightOrderStatus.values),
                                   name="oversight_order_status_valid"),
            models.CheckConstraint(condition=~Q(kind="remove_scanners") | Q(point__isnull=False),
                                   name="scanner_order_names_point"),
            models.CheckConstraint(condition=~Q(status="answered") | (Q(answered_at__isnull=False) & ~Q(answer="")),
                                   name="answered_order_has_answer"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="oversight_order_status_due_idx")]

    def __str__(self):
        return f"{self.label} · {self.organisation}"

    @property
    def label(self) -> str:
        return self.reference or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status != OversightOrderStatus.ANSWERED

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


STEP_LABELS = {"send": _("Sent"), "acknowledge": _("Acknowledged"), "answer": _("Answered"),
               "mark_overdue": _("Deadline passed")}


class OversightOrderEvent(models.Model):
    """One step taken on an order: which, from and to which status, by whom, when."""

    order = models.ForeignKey(OversightOrder, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(_("step"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["order", "at", "pk"]
        verbose_name = _("order history entry")
        verbose_name_plural = _("order history")

    def __str__(self):
        return f"{self.order_id} · {self.step} · {self.at:%Y-%m-%d %H:%M}"

    @property
    def step_label(self) -> str:
        return str(STEP_LABELS.get(self.step, self.step))


class OversightReminder(models.Model):
    """One reminder (or, past due, escalation) about an order's deadline, one per stage:
    the row is the claim (orgs/oversight_reminders.py), so each is mailed once."""

    class Stage(models.TextChoices):
        THREE_DAYS = "3", _("3 working days before due")
        DUE_DAY = "0", _("On the due day")
        OVERDUE = "overdue", _("Overdue: escalated")

    order = models.ForeignKey(OversightOrder, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.JSONField(_("sent to"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["order", "created_at", "pk"]
        verbose_name = _("order reminder")
        verbose_name_plural = _("order reminders")
        constraints = [models.UniqueConstraint(fields=["order", "stage"], name="one_oversight_reminder_per_stage")]

    def __str__(self):
        return f"{self.order} · {self.get_stage_display()}"

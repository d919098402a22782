"""The filing obligation of the face-recognition Measures (CAC and Ministry of Public
Security, Order No. 19, in force 2025-06-01), art. 15: an organisation that stores the
face data of 100,000 people files with the provincial cyberspace administration within
30 working days, and files again within 30 working days of a substantive change.

One row per obligation, opened by orgs/filing.py (never by hand): a first filing when
the de-duplicated count reaches the threshold, a re-filing when, once filed, a new
collection point, purpose or modality is registered. It is filed (with the reference
the administration gives) or, for a first filing whose count falls back below the
threshold before it was filed, closed. The reminders sent about it are rows of
FilingReminder, one per obligation and stage, so each goes out once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models.organisations import Organisation


class FilingKind(models.TextChoices):
    FIRST = "first", _("First filing")
    REFILING = "refiling", _("Re-filing")


class FilingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FILED = "filed", _("Filed")
    CLOSED_BELOW = "closed_below", _("Closed, below threshold")


class FilingTrigger(models.TextChoices):
    """Why the obligation was opened."""

    THRESHOLD = "threshold", _("Threshold reached")
    NEW_POINT = "new_point", _("New collection point")
    NEW_PURPOSE = "new_purpose", _("New purpose")
    NEW_MODALITY = "new_modality", _("New modality")


class FilingObligation(models.Model):
    Kind = FilingKind
    Status = FilingStatus
    Trigger = FilingTrigger

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="filing_obligations")
    kind = models.CharField(_("kind"), max_length=10, choices=FilingKind.choices)
    trigger = models.CharField(_("opened because"), max_length=20, choices=FilingTrigger.choices)
    # What opened a re-filing (and what changed while it stayed open): [{"trigger", "what"}], the
    # point's or activity's name and the purpose as they were (a point renamed later stays as it was).
    changes = models.JSONField(_("what changed"), default=list, blank=True)
    people_counted = models.PositiveIntegerField(_("people counted when opened"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), help_text=_("The end of the 30th working day after opening, in the "
                                                        "organisation's time zone."))
    status = models.CharField(_("status"), max_length=20, choices=FilingStatus.choices, default=FilingStatus.OPEN)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("marked filed by"))
    filed_by_name = models.CharField(_("marked filed by"), max_length=300, blank=True)
    reference = models.CharField(_("filing reference"), max_length=100, blank=True,
                                 help_text=_("The receipt number the cyberspace administration gave."))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    people_when_closed = models.PositiveIntegerField(_("people counted when closed"), null=True, blank=True)

    class Meta:
        ordering = ["organisation", "-opened_at", "-pk"]
        verbose_name = _("filing obligation")
        verbose_name_plural = _("filing obligations")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=FilingKind.values), name="filing_kind_valid"),
            models.CheckConstraint(condition=Q(trigger__in=FilingTrigger.values), name="filing_trigger_valid"),
            # The status and what it records agree.
            models.CheckConstraint(
                condition=Q(status=FilingStatus.OPEN, filed_at__isnull=True, closed_at__isnull=True)
                | Q(status=FilingStatus.FILED, filed_at__isnull=False, closed_at__isnull=True) & ~Q(reference="")
                | Q(status=FilingStatus.CLOSED_BELOW, kind=FilingKind.FIRST, filed_at__isnull=True,
                    closed_at__isnull=False, people_when_closed__isnull=False),
                name="filing_status_records_agree",
            ),
            # One first filing standing at a time: not opened again while one is open or filed.
            models.UniqueConstraint(fields=["organisation"], condition=Q(kind=FilingKind.FIRST, status__in=[
                FilingStatus.OPEN, FilingStatus.FILED]), name="one_standing_first_filing"),
            models.UniqueConstraint(fields=["organisation"], condition=Q(kind=FilingKind.REFILING,
                                                                         status=FilingStatus.OPEN),
                                    name="one_open_refiling"),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="filing_status_due_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_status_display()} · {self.due_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status == FilingStatus.OPEN

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


class FilingReminder(models.Model):
    """One reminder (or, past due, escalation) mail about an obligation, one per stage.
    The row is the claim (orgs/filing_reminders.py): a second run sends nothing."""

    class Stage(models.TextChoices):
        TEN_DAYS = "10", _("10 working days before due")
        THREE_DAYS = "3", _("3 working days before due")
        DUE_DAY = "0", _("On the due day")
        OVERDUE = "overdue", _("Overdue: escalated")

    obligation = models.ForeignKey(FilingObligation, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.JSONField(_("sent to"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["obligation", "created_at", "pk"]
        verbose_name = _("filing reminder")
        verbose_name_plural = _("filing reminders")
        constraints = [
            models.UniqueConstraint(fields=["obligation", "stage"], name="one_filing_reminder_per_stage"),
        ]

    def __str__(self):
        return f"{self.obligation} · {self.get_stage_display()}"

    @property
    def organisation(self):
        return self.obligation.organisation

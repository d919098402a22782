"""Personal information protection impact assessments (PIPL arts. 55-56; Measures for the
Application of Facial Recognition Technology art. 9), one or more per processing activity,
and the reminders sent when one is due for review.

An assessment is written as a draft (answers to the questions of orgs/assessments.py),
then approved by a named person; approval fixes it: its answers no longer change, it is
kept at least three years after approval (art. 9), it is due for review on a schedule or
at once when what it assessed changes, and a newer approved assessment of the same
activity supersedes it. The steps are in orgs/assessments.py; the database refuses a
second standing assessment per activity, and (by trigger, migration 0011) deleting one
before its keep_until or changing an approved one's answers.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from orgs.models.organisations import Organisation
from orgs.models.processing import ProcessingActivity

# Measures art. 9: the assessment report is kept at least three years.
KEEP_YEARS = 3
DEFAULT_REVIEW_DAYS = 365


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CURRENT = "current", _("Current")
    REVIEW_OVERDUE = "review_overdue", _("Review overdue")
    SUPERSEDED = "superseded", _("Superseded")


class ImpactAssessmentQuerySet(models.QuerySet):
    def standing(self):
        """Approved and not superseded: the activity's assessment of record, current or overdue."""
        return self.filter(approved_at__isnull=False, superseded_at__isnull=True)

    def current(self, now=None):
        """Approved, not superseded, and not yet due for review: what lets a device go live.
        The one definition of "current"; orgs.assessments.current_assessment reads it."""
        now = now or timezone.now()
        return self.standing().filter(approved_at__lte=now, review_due_at__gt=now)

    def kept(self, now=None):
        """Those that may not be deleted yet (Measures art. 9)."""
        return self.filter(keep_until__gt=now or timezone.now())

    def delete(self):
        kept = self.kept().order_by("keep_until").last()
        if kept is not None:
            raise ValidationError(kept.deletion_refusal(), code="kept")
        return super().delete()

    delete.queryset_only = True


class ImpactAssessment(models.Model):
    State = AssessmentState

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="impact_assessments")
    activity = models.ForeignKey(ProcessingActivity, on_delete=models.PROTECT, related_name="impact_assessments",
                                 verbose_name=_("processing activity"))
    answers = models.JSONField(_("answers"), default=dict, blank=True,
                               help_text=_("The answer to each question of the assessment, by question."))
    conclusion = models.TextField(_("conclusion"), blank=True,
                                  help_text=_("What was decided: the processing as it is, changed, or stopped."))
    review_interval_days = models.PositiveIntegerField(
        _("review every (days)"), default=DEFAULT_REVIEW_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(KEEP_YEARS * 366)],
        help_text=_("Once approved, the assessment is due for review this many days later."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False, verbose_name=_("written by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", editable=False, verbose_name=_("approved by"))
    # Kept as written at approval: the record outlives the approver's account.
    approver_name = models.CharField(_("approver"), max_length=300, blank=True, editable=False)
    review_due_at = models.DateTimeField(_("review due"), null=True, blank=True, editable=False)
    review_reason = models.CharField(_("why a review is due"), max_length=500, blank=True, editable=False)
    superseded_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="supersedes", editable=False, verbose_name=_("superseded by"))
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True, editable=False)
    keep_until = models.DateTimeField(_("kept until"), null=True, blank=True, editable=False)

    objects = ImpactAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "activity", "-created_at", "-pk"]
        verbose_name = _("impact assessment")
        verbose_name_plural = _("impact assessments")
        constraints = [
            # An approval brings its dates; a draft has none.
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True, keep_until__isnull=True, review_due_at__isnull=True)
                | Q(approved_at__isnull=False, keep_until__isnull=False, keep_until__gt=F("approved_at"),
                    review_due_at__isnull=False),
                name="assessment_approval_dates_together",
            ),
            models.CheckConstraint(
                condition=Q(superseded_by__isnull=True, superseded_at__isnull=True)
                | Q(superseded_by__isnull=False, superseded_at__isnull=False, approved_at__isnull=False),
                name="assessment_superseded_when_approved",
            ),
            models.CheckConstraint(condition=~Q(superseded_by=F("pk")), name="assessment_not_superseded_by_itself"),
            models.CheckConstraint(condition=Q(review_interval_days__gte=1, review_interval_days__lte=KEEP_YEARS * 366),
                                   name="assessment_review_interval_valid"),
            models.UniqueConstraint(fields=["activity"],
                                    condition=Q(approved_at__isnull=False, superseded_at__isnull=True),
                                    name="one_standing_assessment_per_activity"),
        ]
        indexes = [models.Index(fields=["review_due_at"], condition=Q(superseded_at__isnull=True),
                                name="assessment_review_due_idx")]

    def __str__(self):
        return f"{self.activity.name} · {self.get_state_display()}"

    def clean(self):
        from orgs import assessments

        assessments.check_assessment(self)

    def delete(self, *args, **kwargs):
        if self.is_kept():
            raise ValidationError(self.deletion_refusal(), code="kept")
        return super().delete(*args, **kwargs)

    def state(self, now=None) -> str:
        now = now or timezone.now()
        if self.superseded_at is not None:
            return AssessmentState.SUPERSEDED
        if self.approved_at is None:
            return AssessmentState.DRAFT
        return AssessmentState.CURRENT if self.review_due_at > now else AssessmentState.REVIEW_OVERDUE

    def get_state_display(self) -> str:
        return str(AssessmentState(self.state()).label)

    def is_kept(self, now=None) -> bool:
        return self.keep_until is not None and self.keep_until > (now or timezone.now())

    def deletion_refusal(self) -> str:
        local = timezone.localtime(self.keep_until, self.organisation.time_zone)
        return _("An impact assessment is kept at least three years after its approval (Measures art. 9): this one "
                 "may not be deleted before %(date)s.") % {"date": date_format(local, "DATE_FORMAT")}


class ReviewReminder(models.Model):
    """One reminder mail to an organisation's owners that an assessment is due for review:
    one per assessment and due date. The row is the claim (orgs/review_reminders.py), so a
    second run of the sweep sends nothing; `sent_at` and `recipients` say what went out."""

    assessment = models.ForeignKey(ImpactAssessment, on_delete=models.CASCADE, related_name="review_reminders")
    due_at = models.DateTimeField(_("review due"))
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.JSONField(_("sent to"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-due_at", "-pk"]
        verbose_name = _("review reminder")
        verbose_name_plural = _("review reminders")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "due_at"], name="one_review_reminder_per_due_date"),
        ]

    def __str__(self):
        return f"{self.assessment} · {self.due_at:%Y-%m-%d}"

    @property
    def organisation(self):
        """Whose it is (the admin shows its times in the organisation's zone)."""
        return self.assessment.organisation

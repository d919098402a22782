"""Reminders that an impact assessment is due for review (Measures art. 9), mailed to the
organisation's owners once per assessment and due date.

The sweep (`remind_due`, the beat task orgs.remind_assessment_reviews) finds the standing
assessments due within 30 days or overdue that have no reminder sent for their due date,
claims each by its ReviewReminder row (INSERT, then a conditional UPDATE of its lease:
one claimant wins), mails outside any transaction, then marks it sent. A second run sends
nothing; a run that died between claiming and marking leaves a lease that runs out, and
the next run sends it (at least once, normally once). A new due date (a review brought
forward by a change) is a new reminder.

The mail is in both languages, in the order of the organisation's law: Chinese first in
China, English first elsewhere.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orgs import assessments
from orgs.models import ImpactAssessment, Jurisdiction, Membership, Organisation, ReviewReminder

logger = logging.getLogger(__name__)
NOTICE = timedelta(days=30)
LEASE = timedelta(minutes=10)


def languages_for(organisation: Organisation) -> list[str]:
    return ["zh-hans", "en"] if organisation.jurisdiction == Jurisdiction.CN else ["en", "zh-hans"]


def recipients_for(organisation: Organisation) -> list[str]:
    """The active owners' addresses; the organisation's privacy contact if it has no owner with one."""
    addresses = list(
        get_user_model().objects.filter(
            memberships__organisation=organisation, memberships__role=Membership.Role.OWNER, is_active=True
        ).exclude(email="").order_by("pk").values_list("email", flat=True).distinct()
    )
    return addresses or [organisation.contact_email]


def due_without_reminder(*, now: datetime | None = None):
    """Standing assessments due for review within 30 days (or overdue) with no reminder sent
    for their current due date."""
    now = now or timezone.now()
    sent = ReviewReminder.objects.filter(assessment_id=OuterRef("pk"), due_at=OuterRef("review_due_at"),
                                         sent_at__isnull=False)
    return assessments.due_for_review(within=NOTICE, now=now).filter(~Exists(sent)).order_by("review_due_at", "pk")


def claim(assessment: ImpactAssessment, *, now: datetime) -> ReviewReminder | None:
    """The reminder of the assessment's due date, held for this run; None if it was sent or another run holds it."""
    ReviewReminder.objects.bulk_create([ReviewReminder(assessment=assessment, due_at=assessment.review_due_at)],
                                       ignore_conflicts=True)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    won = ReviewReminder.objects.filter(free, assessment=assessment, due_at=assessment.review_due_at,
                                        sent_at__isnull=True).update(claimed_until=now + LEASE)
    return ReviewReminder.objects.get(assessment=assessment, due_at=assessment.review_due_at) if won == 1 else None


def compose(assessment: ImpactAssessment, *, now: datetime) -> tuple[str, str]:
    """Subject and text: each language's part in the organisation's order."""
    organisation = assessment.organisation
    subjects, parts = [], []
    for language in languages_for(organisation):
        with translation.override(language):
            subject, text = _compose_in(assessment, organisation, now)
        subjects.append(subject)
        parts.append(text)
    return " / ".join(subjects)[:300], "\n\n——————————\n\n".join(parts) + "\n"


def _day(moment: datetime, organisation: Organisation) -> str:
    return date_format(timezone.localtime(moment, organisation.time_zone), "DATE_FORMAT")


def _compose_in(assessment: ImpactAssessment, organisation: Organisation, now: datetime) -> tuple[str, str]:
    words = {"activity": assessment.activity.name, "organisation": organisation.local_name,
             "due": _day(assessment.review_due_at, organisation), "zone": str(organisation.time_zone),
             "approved": _day(assessment.approved_at, organisation), "approver": assessment.approver_name or "—",
             "kept": _day(assessment.keep_until, organisation), "site": settings.SITE_URL}
    subject = _("Impact assessment due for review: %(activity)s") % words
    if assessment.review_due_at <= now:
        opening = _("The personal information protection impact assessment of “%(activity)s” (%(organisation)s) was "
                    "due for review on %(due)s (%(zone)s).") % words
    else:
        opening = _("The personal information protection impact assessment of “%(activity)s” (%(organisation)s) is "
                    "due for review on %(due)s (%(zone)s).") % words
    lines = [opening]
    if assessment.review_reason:
        lines.append(_("Why: %(reason)s") % {"reason": assessment.review_reason})
    lines += [
        _("It was approved on %(approved)s by %(approver)s and is kept until %(kept)s.") % words,
        _("Review it and approve a new assessment, which supersedes this one. Once the review is overdue, no device "
          "of this activity can be set live until a new assessment is approved (PIPL arts. 55-56; Measures for the "
          "Application of Facial Recognition Technology, art. 9)."),
        _("Rightsdesk: %(site)s") % words,
    ]
    return subject, "\n\n".join(lines)


def send(reminder: ReviewReminder, *, now: datetime) -> None:
    assessment = ImpactAssessment.objects.select_related("organisation", "activity").get(pk=reminder.assessment_id)
    subject, text = compose(assessment, now=now)
    to = recipients_for(assessment.organisation)
    EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, to).send()
    ReviewReminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now(), recipients=to, subject=subject,
                                                         claimed_until=None)


def remind_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Mail the owners of every assessment due for review within 30 days (or overdue) not yet
    reminded of its due date; returns how many mails went out. Idempotent: a second run sends
    nothing. A mail that fails is left unsent (its claim released) for the next run."""
    now = now or timezone.now()
    sent = 0
    for assessment in due_without_reminder(now=now)[:limit]:
        reminder = claim(assessment, now=now)
        if reminder is None:
            continue
        try:
            send(reminder, now=now)
        except Exception:  # noqa: BLE001 - one bad address must not stop the others; retried next run
            logger.warning("review reminder %s not sent; the next run tries again", reminder.pk, exc_info=True)
            ReviewReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(claimed_until=None)
            continue
        sent += 1
    return sent

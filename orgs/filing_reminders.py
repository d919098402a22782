"""Reminders of an open filing obligation (Measures art. 15; orgs/filing.py), and its
escalation once overdue, mailed once per obligation and stage.

Stages, counted in working days on the organisation's calendar: 10 days before due, 3
days before, the due day, and overdue. A sweep sends only the stage the obligation is in
now (a run that missed the 10-day stage and finds 2 days left sends the 3-day one, not
both). Reminders go to the organisation's owners and privacy officers; the escalation to
its owners and its privacy contact address, marked overdue (the desk shows it too).

Each is claimed like orgs/review_reminders.py's: its FilingReminder row (one per
obligation and stage, INSERT then a conditional UPDATE of a lease: one claimant wins),
mailed outside any transaction, then marked sent; a second run sends nothing. The mail
is in both languages, Chinese first (the Measures apply to organisations in China).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orgs import filing
from orgs.models import FilingObligation, FilingReminder, FilingStatus, Jurisdiction, Membership, Organisation
from orgs.review_reminders import languages_for

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
Stage = FilingReminder.Stage


def stage_now(obligation: FilingObligation, *, now: datetime) -> str | None:
    """The stage the open obligation is in at `now`: None while more than 10 working days are left."""
    if obligation.due_at < now:
        return Stage.OVERDUE
    left = filing.days_left(obligation, now=now)
    if left == 0:
        return Stage.DUE_DAY
    if left <= 3:
        return Stage.THREE_DAYS
    if left <= 10:
        return Stage.TEN_DAYS
    return None


def recipients_for(organisation: Organisation, stage: str) -> list[str]:
    """Owners and officers for a reminder; owners and the privacy contact for the escalation."""
    roles = [Membership.Role.OWNER] if stage == Stage.OVERDUE else [Membership.Role.OWNER, Membership.Role.OFFICER]
    addresses = list(
        get_user_model().objects.filter(memberships__organisation=organisation, memberships__role__in=roles,
                                        is_active=True)
        .exclude(email="").order_by("pk").values_list("email", flat=True).distinct()
    )
    if (stage == Stage.OVERDUE or not addresses) and organisation.contact_email not in addresses:
        addresses.append(organisation.contact_email)
    return addresses


def claim(obligation: FilingObligation, stage: str, *, now: datetime) -> FilingReminder | None:
    """The reminder of this stage, held for this run; None if it was sent or another run holds it."""
    FilingReminder.objects.bulk_create([FilingReminder(obligation=obligation, stage=stage)], ignore_conflicts=True)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    won = FilingReminder.objects.filter(free, obligation=obligation, stage=stage, sent_at__isnull=True).update(
        claimed_until=now + LEASE)
    return FilingReminder.objects.get(obligation=obligation, stage=stage) if won == 1 else None


def _day(moment: datetime, organisation: Organisation) -> str:
    return date_format(timezone.localtime(moment, organisation.time_zone), "DATE_FORMAT")


def _compose_in(obligation: FilingObligation, stage: str, now: datetime) -> tuple[str, str]:
    organisation = obligation.organisation
    words = {"organisation": organisation.local_name, "kind": obligation.get_kind_display(),
             "due": _day(obligation.due_at, organisation), "zone": str(organisation.time_zone),
             "left": filing.days_left(obligation, now=now), "opened": _day(obligation.opened_at, organisation),
             "site": settings.SITE_URL}
    if stage == Stage.OVERDUE:
        subject = _("OVERDUE: %(kind)s with the cyberspace administration (%(organisation)s)") % words
        opening = _("The %(kind)s of %(organisation)s with the provincial cyberspace administration was due on "
                    "%(due)s (%(zone)s) and is overdue.") % words
    elif stage == Stage.DUE_DAY:
        subject = _("Due today: %(kind)s with the cyberspace administration (%(organisation)s)") % words
        opening = _("The %(kind)s of %(organisation)s with the provincial cyberspace administration is due today, "
                    "%(due)s (%(zone)s).") % words
    else:
        subject = _("%(kind)s due in %(left)s working days (%(organisation)s)") % words
        opening = _("The %(kind)s of %(organisation)s with the provincial cyberspace administration is due on "
                    "%(due)s (%(zone)s): %(left)s working days left.") % words
    lines = [opening, _("Opened on %(opened)s because:") % words, *filing.describe(obligation),
             _("Security Management Measures for the Application of Facial Recognition Technology, art. 15: an "
               "organisation storing the face data of 100,000 people files within 30 working days, and files again "
               "within 30 working days of a substantive change. The filing pack (register, assessments, counts and "
               "the list of attachments) is on the desk's filing page; once filed, record the administration's "
               "reference there."),
             _("Rightsdesk: %(site)s") % words]
    return subject, "\n\n".join(lines)


def compose(obligation: FilingObligation, stage: str, *, now: datetime) -> tuple[str, str]:
    subjects, parts = [], []
    for language in languages_for(obligation.organisation):
        with translation.override(language):
            subject, text = _compose_in(obligation, stage, now)
        subjects.append(subject)
        parts.append(text)
    return " / ".join(subjects)[:300], "\n\n——————————\n\n".join(parts) + "\n"


def send(reminder: FilingReminder, *, now: datetime) -> None:
    obligation = FilingObligation.objects.select_related("organisation").get(pk=reminder.obligation_id)
    subject, text = compose(obligation, reminder.stage, now=now)
    to = recipients_for(obligation.organisation, reminder.stage)
    EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, to).send()
    FilingReminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now(), recipients=to, subject=subject,
                                                         claimed_until=None)


def remind_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Mail each open obligation's reminder of the stage it is in, if not yet sent; returns
    how many mails went out. Idempotent: a second run sends nothing. A mail that fails is
    left unsent (its claim released) for the next run."""
    now = now or timezone.now()
    sent = 0
    obligations = (FilingObligation.objects.filter(status=FilingStatus.OPEN, organisation__jurisdiction=Jurisdiction.CN)
                   .select_related("organisation").order_by("due_at", "pk"))
    for obligation in obligations[:limit]:
        stage = stage_now(obligation, now=now)
        if stage is None:
            continue
        reminder = claim(obligation, stage, now=now)
        if reminder is None:
            continue
        try:
            send(reminder, now=now)
        except Exception:  # noqa: BLE001 - one bad address must not stop the others; retried next run
            logger.warning("filing reminder %s not sent; the next run tries again", reminder.pk, exc_info=True)
            FilingReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(claimed_until=None)
            continue
        sent += 1
    return sent

"""Reminders of a regulator's order or inquiry before its deadline, and the escalation once
it has passed, each mailed once per order and stage (the pattern of orgs/filing_reminders.py).

Stages, in working days on the organisation's calendar: 3 days before the due day, the
due day, and overdue. A sweep sends only the stage the order is in now. Past the deadline
the sweep first takes the order's `mark_overdue` step (once: a second run finds it overdue
already), then mails the escalation to the owners and the privacy contact; reminders go to
owners and officers. Each mail is claimed by its OversightReminder row (INSERT, then a
conditional UPDATE of a lease: one claimant wins), sent outside any transaction, then
marked sent; a failed mail is released for the next run.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import calendars, oversight_orders
from orgs.filing import working_days_left
from orgs.models import Membership, OversightOrder, OversightReminder

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
Stage, Status = OversightReminder.Stage, OversightOrder.Status
OPEN = [Status.SENT, Status.ACKNOWLEDGED, Status.OVERDUE]


def days_left(order: OversightOrder, *, now: datetime) -> int:
    today = oversight_orders.today_at(order.organisation, now)
    return working_days_left(today, order.due_on, calendars.calendar_for(order.organisation.jurisdiction))


def stage_now(order: OversightOrder, *, now: datetime) -> str | None:
    if order.due_at < now:
        return Stage.OVERDUE
    left = days_left(order, now=now)
    if left == 0:
        return Stage.DUE_DAY
    if left <= 3:
        return Stage.THREE_DAYS
    return None


def claim(order: OversightOrder, stage: str, *, now: datetime) -> OversightReminder | None:
    OversightReminder.objects.bulk_create([OversightReminder(order=order, stage=stage)], ignore_conflicts=True)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    won = OversightReminder.objects.filter(free, order=order, stage=stage, sent_at__isnull=True).update(
        claimed_until=now + LEASE)
    return OversightReminder.objects.get(order=order, stage=stage) if won == 1 else None


def _reminder_in(order: OversightOrder, stage: str, now: datetime) -> tuple[str, str]:
    w = {**oversight_orders.words(order), "left": days_left(order, now=now)}
    if stage == Stage.OVERDUE:
        subject = _("OVERDUE: answer to %(authority)s (%(label)s, %(organisation)s)") % w
        opening = _("The answer of %(organisation)s to %(authority)s (%(label)s: %(kind)s) was due on %(due)s "
                    "(%(zone)s) and has not been given.") % w
    elif stage == Stage.DUE_DAY:
        subject = _("Due today: answer to %(authority)s (%(label)s, %(organisation)s)") % w
        opening = _("The answer of %(organisation)s to %(authority)s (%(label)s: %(kind)s) is due today, %(due)s "
                    "(%(zone)s).") % w
    else:
        subject = _("Answer to %(authority)s due in %(left)s working days (%(label)s, %(organisation)s)") % w
        opening = _("The answer of %(organisation)s to %(authority)s (%(label)s: %(kind)s) is due on %(due)s "
                    "(%(zone)s): %(left)s working days left.") % w
    return subject, "\n\n".join([opening, order.text, _("Answer on the desk: %(site)s/desk/oversight/") % w])


def send(reminder: OversightReminder, *, now: datetime) -> None:
    order = OversightOrder.objects.select_related("organisation", "authority").get(pk=reminder.order_id)
    subject, text = oversight_orders.compose_bilingual(order, lambda o: _reminder_in(o, reminder.stage, now))
    if reminder.stage == Stage.OVERDUE:
        to = oversight_orders.recipients_for(order.organisation, roles=[Membership.Role.OWNER])
        if order.organisation.contact_email not in to:
            to.append(order.organisation.contact_email)
    else:
        to = oversight_orders.recipients_for(order.organisation)
    EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, to).send()
    OversightReminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now(), recipients=to,
                                                            claimed_until=None)


def remind_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Mark the orders past their deadline overdue and mail each open order's reminder of the
    stage it is in, if not yet sent; returns how many mails went out. Idempotent."""
    now = now or timezone.now()
    sent = 0
    orders = OversightOrder.objects.filter(status__in=OPEN).select_related("organisation", "authority")
    for order in orders.order_by("due_at", "pk")[:limit]:
        stage = stage_now(order, now=now)
        if stage is None:
            continue
        if stage == Stage.OVERDUE and order.status != Status.OVERDUE:
            try:
                oversight_orders.take("mark_overdue", order, now=now)
            except ValidationError:  # answered meanwhile: nothing to escalate
                continue
        reminder = claim(order, stage, now=now)
        if reminder is None:
            continue
        try:
            send(reminder, now=now)
        except Exception:  # noqa: BLE001 - one bad address must not stop the others; retried next run
            logger.warning("oversight reminder %s not sent; the next run tries again", reminder.pk, exc_info=True)
            OversightReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(claimed_until=None)
            continue
        sent += 1
    return sent

"""Emails (and texts) about requests, through an outbox.

`notify` / `notify_many` write Notification rows inside the caller's transaction and
queue their delivery after commit; `deliver` claims one row (requests_app/delivery/outbox.py),
sends it and marks it sent. A row is created once (unique key) and sent once (lease +
sent_at), however many times the code around it runs; the re-send sweep picks up any
row whose delivery was lost (broker down, worker killed).

Who hears: the requester (the subject, or the relative or agent who filed) in their
preferred language; members of the request's organisation in the site language. A user
who is not an active member of the organisation is never written to, and a row written
before they left is not sent.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from orgs.models import Membership, Organisation
from requests_app import broker
from requests_app.broker import enqueue
from requests_app.cases import tokens
from requests_app.delivery import status_links
from requests_app.delivery.outbox import Outbox
from requests_app.delivery.sms import send_sms
from requests_app.models import Message, Notification, RightsRequest, bulk

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
BATCH = 100  # notifications per queued task: fewer messages, still a short task
# A row that failed this often is left for a person to look at (admin) rather than re-sent forever.
MAX_ATTEMPTS = 10
OUTBOX = Outbox(Notification, lease=LEASE, max_attempts=MAX_ATTEMPTS)
Role = Membership.Role
DECIDER_ROLES = (Role.OWNER, Role.OFFICER)
NO_STATUS_LINK = {Notification.Kind.UNVERIFIED_EXPIRED}
# Besides the code, the one letter an unverified requester gets: that the case closed,
# why, and what they can do (no status link, nothing about the case's data).
UNVERIFIED_MAY_HEAR = {Notification.Kind.UNVERIFIED_EXPIRED}


# --- who ------------------------------------------------------------------------------


def deciders(organisation: Organisation) -> list:
    return _members(organisation, list(DECIDER_ROLES))


def owners(organisation: Organisation) -> list:
    return _members(organisation, [Role.OWNER])


def _members(organisation: Organisation, roles: list[str]) -> list:
    return list(
        get_user_model().objects.filter(
            memberships__organisation=organisation, memberships__role__in=roles, is_active=True
        ).order_by("pk").distinct()
    )


@dataclass
class Officers:
    """An organisation's active owners and deciders (owners and officers), as user ids."""

    owners: list[int] = field(default_factory=list)
    deciders: list[int] = field(default_factory=list)


def officers_by_org(organisation_ids: Iterable[int]) -> dict[int, Officers]:
    """Owners and deciders of many organisations in one query (for the deadline sweep)."""
    found: dict[int, Officers] = {}
    rows = (
        Membership.objects.filter(organisation_id__in=set(organisation_ids), role__in=DECIDER_ROLES,
                                  user__is_active=True)
        .order_by("organisation_id", "user_id")
        .values_list("organisation_id", "user_id", "role")
    )
    for organisation_id, user_id, role in rows:
        officers = found.setdefault(organisation_id, Officers())
        if user_id not in officers.deciders:
            officers.deciders.append(user_id)
        if role == Role.OWNER and user_id not in officers.owners:
            officers.owners.append(user_id)
    return found


def _is_member(user, organisation_id: int) -> bool:
    return user.is_active and Membership.objects.filter(user=user, organisation_id=organisation_id).exists()


# --- writing the outbox -----------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One notification to write: a member (user id) or the requester (None) hears `kind`."""

    request_id: int
    kind: str
    user_id: int | None
    event_id: int | None = None
    reminder_id: int | None = None
    task_id: int | None = None

    @property
    def key(self) -> str:
        parts = [self.kind, str(self.request_id)]
        for prefix, related in (("e", self.event_id), ("r", self.reminder_id), ("t", self.task_id)):
            if related is not None:
                parts.append(f"{prefix}{related}")
        parts.append(f"u{self.user_id}" if self.user_id is not None else "requester")
        return ":".join(parts)


FIELDS = ("request", "kind", "key", "user", "event", "reminder", "task")


def notify_many(outgoing: Sequence[Outgoing]) -> list[int]:
    """Write the notifications not written before (by key) and queue their delivery after
    commit. Returns the ids of the rows this call wrote; a key that exists is skipped, so a
    rerun writes and sends nothing twice. Recipients must already be the right people:
    `notify` checks membership, the deadline sweep picks from `officers_by_org`."""
    rows = [
        (o.request_id, o.kind, o.key, o.user_id, o.event_id, o.reminder_id, o.task_id)
        for o in dict.fromkeys(outgoing)  # same recipient twice: one row
    ]
    same = {"created_at": timezone.now(), "attempts": 0}
    ids = [row[0] for row in bulk.insert_ignoring_conflicts(Notification, FIELDS, rows, same=same)]
    queue_delivery(ids)
    return ids


def notify(
    rights_request: RightsRequest,
    kind: str,
    *,
    users: Iterable = (),
    to_requester: bool = False,
    event=None,
    reminder=None,
    task=None,
) -> list[int]:
    """Create the notifications (once per key) and queue their delivery after commit.

    Users who are not active members of the request's organisation are left out (an
    assignee who has since left, a system owner of another organisation)."""
    wanted = list(dict.fromkeys(user.pk for user in users if user is not None))
    members = set(
        Membership.objects.filter(
            organisation_id=rights_request.organisation_id, user_id__in=wanted, user__is_active=True
        ).values_list("user_id", flat=True)
    ) if wanted else set()
    recipients = [pk for pk in wanted if pk in members] + ([None] if to_requester else [])
    related = {
        "event_id": event.pk if event is not None else None,
        "reminder_id": reminder.pk if reminder is not None else None,
        "task_id": task.pk if task is not None else None,
    }
    return notify_many([Outgoing(rights_request.pk, kind, user_id, **related) for user_id in recipients])


def queue_delivery(notification_ids: list[int]) -> None:
    """Queue `send_notifications` for the ids, in batches, once the transaction commits."""
    for start in range(0, len(notification_ids), BATCH):
        enqueue("requests.send_notifications", notification_ids[start : start + BATCH])


# --- sending ----------------------------------------------------------------------------


def deliver(notification_id: int) -> bool:
    """Send one notification unless it was sent or another worker holds it. Idempotent;
    call it outside a transaction (the claim commits on its own, requests_app/delivery/outbox.py).
    A worker that dies between sending and marking leaves the lease to run out and the row
    is sent again by the re-send sweep: at least once, normally once.
    Returns True if this call sent (or settled) the row."""
    if not OUTBOX.claim(notification_id):
        return False
    notification = Notification.objects.select_related(
        "request__organisation", "request__subject", "user", "event", "reminder", "task__system"
    ).get(pk=notification_id)
    try:
        _send(notification)
    except Exception:
        OUTBOX.release(notification_id)
        raise
    OUTBOX.mark_sent(notification_id)
    return True


def recipient_language(notification: Notification) -> str:
    """The requester reads their own language; officers read the site's."""
    if notification.user_id is None:
        return notification.request.subject.preferred_language or settings.LANGUAGE_CODE
    return settings.LANGUAGE_CODE


def _send(notification: Notification) -> None:
    rr = notification.request
    if notification.user is not None:
        if not _is_member(notification.user, rr.organisation_id):
            logger.info("notification %s not sent: user %s is no longer a member", notification.pk,
                        notification.user_id)
            return
        address, phone = notification.user.email, ""
    elif not rr.requester_confirmed and notification.kind not in UNVERIFIED_MAY_HEAR:
        # Before verification the requester hears nothing but the code (tasks.send_verification_code).
        logger.info("notification %s not sent: request %s is not verified", notification.pk, rr.pk)
        return
    elif notification.key.startswith(status_links.BY_SMS):  # asked for by phone: answered by phone
        address, phone = "", rr.contact_phone
    else:
        address, phone = rr.contact_email, rr.contact_phone
    if not address and not phone:
        logger.info("notification %s has no address (contact details purged or none given)", notification.pk)
        return
    language = recipient_language(notification)
    context = {
        "notification": notification,
        "request": rr,
        "organisation": rr.organisation,
        "recipient": notification.user,
        "site_url": settings.SITE_URL,
        "language": language,
        # Made now, so no token waits in the outbox or the queue; each mail has its own.
        # Not to a requester who never proved who they are (closed unverified).
        "status_url": _status_url(rr) if notification.user is None and notification.kind not in NO_STATUS_LINK else "",
        "case_url": _case_url(rr) if notification.user is not None else "",
        "event_message": _event_message(notification),
    }
    wording = _wording(rr.organisation_id, notification.kind, language) if notification.user is None else None
    subject, text = compose(notification.kind, context, language, rr.organisation.time_zone, wording)
    if not address:
        send_sms(phone, f"{subject}\n{text.strip()}")
        return
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
    with translation.override(language):
        html = render_to_string("emails/base.html", {**context, "subject": subject, "text": text})
    message.attach_alternative(html, "text/html")
    message.send()


def compose(kind: str, context: dict, language: str, time_zone, wording=None) -> tuple[str, str]:
    """The subject and text of a mail of `kind`: the text Rightsdesk writes (what happened,
    the dates, the law), framed by the organisation's own greeting and closing if it wrote
    them (orgs.models.MailWording). The desk's preview shows exactly this."""
    template = f"emails/{kind}"
    with translation.override(language), timezone.override(time_zone):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context).strip() + "\n"
    return subject, wording.frame(text) if wording is not None else text


def _wording(organisation_id: int, kind: str, language: str):
    from orgs.models import MailWording

    return MailWording.objects.filter(organisation_id=organisation_id, kind=kind, language=language).first()


def _event_message(notification: Notification) -> str:
    """The message the notification's event sent the requester (a question, a message): that
    one, not the request's newest, which by the time the worker sends may be an internal note."""
    event = notification.event
    pk = event.data.get("message") if event is not None and isinstance(event.data, dict) else None
    if pk is None:
        return ""
    return (notification.request.messages.filter(pk=pk).exclude(direction=Message.Direction.INTERNAL)
            .values_list("body", flat=True).first() or "")


def _case_url(rights_request: RightsRequest) -> str:
    """The case on the desk, absolute: a mail is read away from the site."""
    return settings.SITE_URL.rstrip("/") + reverse("desk:case", kwargs={"reference": rights_request.reference})


def _status_url(rights_request: RightsRequest) -> str:
    token = tokens.issue_status_link(rights_request.submission)
    return settings.SITE_URL.rstrip("/") + reverse("public:status", kwargs={"token": token})


# --- the re-send sweep ------------------------------------------------------------------


def unsent_ids(*, now: datetime | None = None, older_than: timedelta = timedelta(minutes=2),
               limit: int = 1000) -> list[int]:
    """Unsent notifications nobody holds, written more than `older_than` ago, oldest first."""
    return list(OUTBOX.due(now, older_than)[:limit])


def resend_unsent(older_than: timedelta = timedelta(minutes=2), limit: int = 1000,
                  now: datetime | None = None) -> int:
    """Queue again every unsent notification whose delivery seems lost. Returns how many
    were queued; stops at the first batch the broker refuses (the next sweep tries again)."""
    ids = unsent_ids(now=now, older_than=older_than, limit=limit)
    batches = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
    published = broker.publish_each("requests.send_notifications", batches)
    return sum(len(batch) for batch in batches[:published])

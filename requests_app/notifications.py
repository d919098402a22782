"""Emails (and texts) about requests, through an outbox.

`notify` writes Notification rows inside the caller's transaction and queues their
delivery after commit; `deliver` claims one row with a conditional UPDATE, sends it and
marks it sent. A row is created once (unique key) and sent once (lease + sent_at),
however many times the code around it runs; the re-send sweep picks up any row whose
delivery was lost (broker down, worker killed).
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from orgs.models import Membership, Organisation
from requests_app.models import Notification, RightsRequest
from requests_app.sms import send_sms

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
BATCH = 50


def deciders(organisation: Organisation) -> list:
    return _members(organisation, [Membership.Role.OWNER, Membership.Role.OFFICER])


def owners(organisation: Organisation) -> list:
    return _members(organisation, [Membership.Role.OWNER])


def _members(organisation: Organisation, roles: list[str]) -> list:
    return list(
        get_user_model().objects.filter(
            memberships__organisation=organisation, memberships__role__in=roles, is_active=True
        ).order_by("pk")
    )


def _key(kind: str, rights_request: RightsRequest, user, **related) -> str:
    parts = [kind, str(rights_request.pk)] + [f"{name}{obj.pk}" for name, obj in related.items() if obj is not None]
    parts.append(f"u{user.pk}" if user is not None else "requester")
    return ":".join(parts)


def notify(
    rights_request: RightsRequest,
    kind: str,
    *,
    users: Iterable = (),
    to_requester: bool = False,
    event=None,
    reminder=None,
    task=None,
) -> None:
    """Create the notifications (once per key) and queue their delivery after commit."""
    recipients = list(users) + ([None] if to_requester else [])
    rows = [
        Notification(
            request=rights_request, kind=kind, user=user, event=event, reminder=reminder, task=task,
            key=_key(kind, rights_request, user, e=event, r=reminder, t=task),
        )
        for user in recipients
    ]
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        queue_delivery(list(Notification.objects.filter(key__in=[r.key for r in rows]).values_list("pk", flat=True)))


def queue_delivery(notification_ids: list[int]) -> None:
    from requests_app import tasks
    from requests_app.effects import enqueue

    for start in range(0, len(notification_ids), BATCH):
        enqueue(tasks.send_notifications, notification_ids[start : start + BATCH])


def deliver(notification_id: int) -> bool:
    """Send one notification unless it was sent or another worker holds it. Idempotent."""
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, sent_at__isnull=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related(
        "request__organisation", "request__subject", "user", "event", "reminder", "task__system"
    ).get(pk=notification_id)
    try:
        _send(notification)
    except Exception:
        # Let a retry (or the sweep) claim it again at once rather than after the lease.
        Notification.objects.filter(pk=notification_id).update(lease_until=None)
        raise
    Notification.objects.filter(pk=notification_id).update(sent_at=timezone.now())
    return True


def _send(notification: Notification) -> None:
    rr = notification.request
    if notification.user is not None:
        address, phone, language = notification.user.email, "", settings.LANGUAGE_CODE
    else:
        address, phone, language = rr.contact_email, rr.subject.phone, rr.subject.preferred_language
    if not address and not phone:
        logger.info("notification %s has no address (contact details purged or none given)", notification.pk)
        return
    context = {
        "notification": notification,
        "request": rr,
        "organisation": rr.organisation,
        "recipient": notification.user,
        "site_url": settings.SITE_URL,
    }
    template = f"emails/{notification.kind}"
    with translation.override(language), timezone.override(rr.organisation.time_zone):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        if not address:
            send_sms(phone, f"{subject}\n{text.strip()}")
            return
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
        html = render_to_string("emails/base.html", {"subject": subject, "text": text})
        message.attach_alternative(html, "text/html")
        message.send()


def resend_unsent(older_than: timedelta = timedelta(minutes=2), limit: int = 1000) -> int:
    """Queue again every unsent notification whose delivery seems lost. Returns how many."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(sent_at__isnull=True, created_at__lt=now - older_than)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        with transaction.atomic():
            queue_delivery(ids)
    return len(ids)

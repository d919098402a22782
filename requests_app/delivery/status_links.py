"""Sending a requester the secret link to their status page.

The token is made when the email is sent (notifications.deliver), so it never sits in
the queue or the outbox; each email carries a fresh link and older ones keep working.
"""

import uuid

from django.db import transaction

from requests_app.models import Notification, RightsRequest


BY_SMS = "status_link:sms:"


def send_status_link(rights_request: RightsRequest, *, by_sms: bool = False) -> None:
    """Queue an email with a new link to the request's submission (a resend creates a new one);
    `by_sms`: a text message to the person's phone instead, when that is what they asked with."""
    from requests_app.delivery import notifications

    prefix = BY_SMS if by_sms else "status_link:"
    with transaction.atomic():
        notification = Notification.objects.create(
            request=rights_request, kind=Notification.Kind.STATUS_LINK, key=f"{prefix}{uuid.uuid4()}"
        )
        notifications.queue_delivery([notification.pk])

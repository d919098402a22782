"""Outgoing event webhooks: an organisation's subscriptions hear of its requests' events.

An outbox, like notifications: `record` writes one EventDelivery per subscription that
wants the event, inside the caller's transaction, under a unique key (so a rerun writes
nothing twice), and queues `requests.deliver_event` after commit. `deliver` claims the
row (requests_app/delivery/outbox.py), POSTs the JSON payload signed by the Standard
Webhooks specification (`signed_headers`) outside any transaction, to the address
destinations.py checked, and marks it sent; an endpoint that is down, slow or answers 5xx/408/429 releases the row and raises
connectors.Unavailable for a retry with backoff, and the re-queue sweep finds any row
whose message was lost. Payloads name the request, never the person.

Events: request.received (on submit), request.due_soon (when the 2-day reminder of a
due date fires in the deadline sweep), request.fulfilled (on finish_fulfilment).
"""

import base64
import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from standardwebhooks import Webhook

from orgs import public_settings
from orgs.models import EventSubscription
from requests_app.broker import enqueue
from requests_app.delivery import signing
from requests_app.delivery.outbox import Outbox
from requests_app.models import EventDelivery, RightsRequest

logger = logging.getLogger(__name__)
Event = EventSubscription.Event
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 10  # then left for a person to look at (admin), like a notification
OUTBOX = Outbox(EventDelivery, lease=LEASE, max_attempts=MAX_ATTEMPTS)
# Workflow actions that are events subscribers may hear of (requests_app/workflow/effects.py).
# A request for another way in is fulfilled by the person's confirmation (or the officer's
# close without it), not by finish_fulfilment.
EVENT_FOR_ACTION = {"submit": Event.RECEIVED, "finish_fulfilment": Event.FULFILLED,
                    "confirm_alternative": Event.FULFILLED, "close_unconfirmed_alternative": Event.FULFILLED}


def wanted(organisation_id: int, action: str) -> bool:
    """Whether a step named `action` writes deliveries for the organisation's subscribers."""
    event = EVENT_FOR_ACTION.get(action)
    return event is not None and any(
        str(event) in subscription.events for subscription in public_settings.active_subscriptions(organisation_id))


def payload(rr: RightsRequest, event: str) -> dict:
    return {
        "event": str(event),
        "request": rr.reference,
        "organisation": rr.organisation.slug,
        "kind": rr.kind,
        "status": rr.status,
        "jurisdiction": rr.jurisdiction,
        "received_at": rr.received_at,
        "due_at": rr.due_at,
        "closed_at": rr.closed_at,
    }


def record(rights_requests: Iterable[RightsRequest], event: str) -> list[int]:
    """Write the deliveries of `event` for each request to every active subscription of its
    organisation that wants it (once per key) and queue them after commit. Returns the ids
    this call wrote. A due-soon event is keyed by its due date, so a moved date is told again."""
    rights_requests = list(rights_requests)
    subscriptions: dict[int, list[EventSubscription]] = {}
    for organisation_id in {rr.organisation_id for rr in rights_requests}:  # kept per process: no query
        for subscription in public_settings.active_subscriptions(organisation_id):
            if str(event) in subscription.events:
                subscriptions.setdefault(organisation_id, []).append(subscription)
    rows = []
    for rr in rights_requests:
        for subscription in subscriptions.get(rr.organisation_id, []):
            key = f"{event}:{rr.pk}:{subscription.pk}"
            if event == Event.DUE_SOON:
                key += f":{rr.due_at.isoformat() if rr.due_at else ''}"
            body = json.loads(json.dumps({**payload(rr, event), "id": key, "type": str(event),
                                          "timestamp": timezone.now()}, cls=DjangoJSONEncoder))
            rows.append(EventDelivery(subscription=subscription, request=rr, event=str(event), key=key, payload=body))
    if not rows:
        return []
    keys = [row.key for row in rows]
    before = set(EventDelivery.objects.filter(key__in=keys).values_list("key", flat=True))
    EventDelivery.objects.bulk_create([row for row in rows if row.key not in before], ignore_conflicts=True)
    # A row written meanwhile by another run is queued by both: harmless, `deliver` claims it once.
    ids = list(EventDelivery.objects.filter(key__in=set(keys) - before).order_by("pk").values_list("pk", flat=True))
    queue(ids)
    return ids


def due_soon(request_ids: Iterable[int]) -> list[int]:
    """request.due_soon for the requests whose 2-day reminder the deadline sweep just recorded."""
    request_ids = set(request_ids)
    if not request_ids:
        return []
    # Only the requests of organisations with a subscription are read (most have none):
    # the sweep may record thousands of 2-day reminders at once.
    subscribed = EventSubscription.objects.filter(organisation=OuterRef("organisation_id"), active=True)
    return record(RightsRequest.objects.filter(Exists(subscribed), pk__in=request_ids).select_related("organisation"),
                  Event.DUE_SOON)


def queue(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        enqueue("requests.deliver_event", delivery_id)


def deliver(delivery_id: int) -> bool:
    """POST one delivery unless it was sent or another worker holds it. Idempotent; call it
    outside a transaction (the claim commits on its own). Returns True if this call settled
    the row. Raises Unavailable when the endpoint may answer later."""
    if not OUTBOX.claim(delivery_id):
        return False
    delivery = EventDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.active:
        logger.info("event delivery %s not sent: subscription %s is inactive", delivery_id, subscription.pk)
        OUTBOX.mark_sent(delivery_id)
        return True
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder).encode()
    headers = {"Content-Type": "application/json", "X-Rightsdesk-Event": delivery.event,
               **signed_headers(subscription, delivery.key, body)}
    return OUTBOX.post(delivery_id, f"event delivery {delivery_id}", subscription.url, body, headers)


def signed_headers(subscription: EventSubscription, message_id: str, body: bytes,
                   now: datetime | None = None) -> dict[str, str]:
    """The Standard Webhooks headers: webhook-id (the delivery's key, the same on every
    retry, so a receiver drops a repeat), webhook-timestamp (unix seconds) and
    webhook-signature, one "v1,<base64 HMAC-SHA256 of id.timestamp.body>" per secret that
    signs now (two while a new secret's rotation overlaps the old), space-separated.
    A subscriber from before these headers also gets the old pair (signing.py)."""
    now = (now or timezone.now()).astimezone(dt_timezone.utc).replace(microsecond=0)
    text = body.decode()
    signatures = [Webhook(secret).sign(message_id, now, text) for secret in subscription.signing_secrets(now)]
    headers = {"webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": " ".join(signatures)}
    if subscription.legacy_signature:
        key = base64.b64decode(subscription.secret()[len(EventSubscription.SECRET_PREFIX):])
        headers.update(signing.sign(key, body, int(now.timestamp())))
    return headers


def unsent_ids(now: datetime | None = None, older_than: timedelta = timedelta(minutes=2)) -> QuerySet:
    """Unsent deliveries nobody holds, written more than `older_than` ago, oldest first
    (for sweeps.requeue_stale_work, which slices it)."""
    return OUTBOX.due(now, older_than)

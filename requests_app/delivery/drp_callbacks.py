"""Status callbacks (DRP 2.03): each change of what a DRP request's status says is POSTed
to the agent's status_callback, once.

An outbox like the event webhooks (requests_app/delivery/event_webhooks.py): `record`
runs inside the transaction that changed the request (the workflow step holds its row
lock) and writes one DrpCallback under a unique key, queued after commit; `deliver` claims
the row (requests_app/delivery/outbox.py), POSTs the status JSON outside any transaction to
the address destinations.py checked (the SSRF guard of every webhook), and marks it sent.
An agent that is down, slow or answers 5xx/408/429 gets it again with backoff, unless
a newer status reached it meanwhile (then the older one is settled unsent).

A change is a change of the DRP state, reason or expected_by (an extension, DRP 3.08):
verified, in review, approved and being carried out are all `in_progress` to the agent,
told once. The body is signed by the PIP's Ed25519 key (`X-DRP-Signature`, base64 of the
detached signature of the body), whose verify key GET /v1/agent/{id} gives the agent.
"""

import base64
import hashlib
import json
import logging
from datetime import timedelta

from django.conf import settings
from nacl.encoding import Base64Encoder
from nacl.signing import SigningKey

from requests_app.broker import enqueue
from requests_app.delivery.outbox import Outbox
from requests_app.cases import drp_status as status
from requests_app.models import DrpCallback, DrpRequest, RequestEvent, RightsRequest

logger = logging.getLogger(__name__)
OUTBOX = Outbox(DrpCallback, lease=timedelta(minutes=5), max_attempts=10)
TASK = "requests.deliver_drp_callback"


def signing_key() -> SigningKey:
    """The PIP's key: DRP_SIGNING_KEY (base64 of a 32-byte seed), else one derived from SECRET_KEY."""
    if settings.DRP_SIGNING_KEY:
        return SigningKey(settings.DRP_SIGNING_KEY.encode(), encoder=Base64Encoder)
    return SigningKey(hashlib.sha256(b"rightsdesk-drp-signing-key:" + settings.SECRET_KEY.encode()).digest())


def pip_verify_key() -> str:
    return signing_key().verify_key.encode(Base64Encoder).decode()


def after_event(event: RequestEvent) -> None:
    """A workflow step's event (requests_app/workflow/effects.py): tell the agent if its request changed."""
    rr = event.request
    if rr.filed_by != RightsRequest.FiledBy.AGENT:
        return
    drp = DrpRequest.objects.filter(rights_request_id=rr.pk).first()
    if drp is not None:
        record(drp, rr, f"e{event.pk}")


def record(drp: DrpRequest, rr: RightsRequest, label: str) -> int | None:
    """Write the callback of `drp`'s status now if it differs from the one last told; returns
    its id. Call it inside the transaction that changed `rr` (holding its row lock)."""
    body = status.status_body(drp, rr)
    told = "|".join([body["status"], body.get("reason", ""), body.get("expected_by", "")])
    if told == drp.told_state:
        return None
    drp.told_state = told
    drp.save(update_fields=["told_state"])
    if not drp.status_callback:
        return None
    row, created = DrpCallback.objects.get_or_create(key=f"{drp.pk}:{label}",
                                                     defaults={"drp_request": drp, "payload": body})
    if created:
        enqueue(TASK, row.pk)
    return row.pk


def deliver(callback_id: int) -> bool:
    """POST one callback unless it was sent or another worker holds it. Idempotent; call it
    outside a transaction. True if this call settled the row; Unavailable to retry later."""
    if not OUTBOX.claim(callback_id):
        return False
    callback = DrpCallback.objects.select_related("drp_request__agent").get(pk=callback_id)
    drp = callback.drp_request
    if not drp.agent.active or not drp.agent.allows_callback(drp.status_callback):
        logger.info("drp callback %s not sent: the agent is inactive or its callback no longer allowed", callback_id)
        OUTBOX.mark_sent(callback_id)
        return True
    if DrpCallback.objects.filter(drp_request=drp, pk__gt=callback.pk, sent_at__isnull=False).exists():
        # A newer status reached the agent: this retry would leave it with a stale one (DRP 2.03.1).
        logger.info("drp callback %s not sent: superseded by a newer status already sent", callback_id)
        OUTBOX.mark_sent(callback_id)
        return True
    body = json.dumps(callback.payload).encode()
    signature = base64.b64encode(signing_key().sign(body).signature).decode()
    headers = {"Content-Type": "application/json", "X-DRP-Signature": signature}
    return OUTBOX.post(callback_id, f"drp callback {callback_id}", drp.status_callback, body, headers)


def unsent_ids(now=None, older_than: timedelta = timedelta(minutes=2)):
    """For sweeps.requeue_stale_work."""
    return OUTBOX.due(now, older_than)

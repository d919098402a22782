"""The tamper-evident history of a request.

Each event's hash covers its own content and the hash of the request's previous event;
the request row keeps the newest hash (`chain_head`) and the count, so an edited,
inserted or deleted event — the last one included — breaks the chain. Chains are per
request so that writing to one request never waits on another.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from requests_app.models import RequestEvent, RightsRequest
from requests_app.transparency import sequencer


def event_content(event: RequestEvent) -> dict:
    """What an event's hash covers, as the JSON object whose canonical form is hashed."""
    return {
        "request": event.request_id,
        "seq": event.seq,
        "action": event.action,
        "actor": event.actor_id,
        "actor_kind": event.actor_kind,
        "from": event.from_status,
        "to": event.to_status,
        "data": event.data,
        "visible": event.visible_to_subject,
        "at": event.created_at.astimezone(UTC).isoformat(),
        "prev": event.prev_hash,
    }


def event_hash(event: RequestEvent) -> str:
    canonical = json.dumps(event_content(event), sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def new_event(
    rights_request: RightsRequest,
    *,
    action: str,
    actor_id: int | None,
    actor_kind: str,
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
    visible_to_subject: bool = False,
) -> RequestEvent:
    """The request's next event, unsaved, with its hash; the request's head (in memory) moved to it."""
    event = RequestEvent(
        request=rights_request,
        seq=rights_request.event_count + 1,
        action=action,
        actor_id=actor_id,
        actor_kind=actor_kind,
        from_status=from_status,
        to_status=to_status,
        # Round-trip through JSON so the hash sees exactly what the database will return.
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
        visible_to_subject=visible_to_subject,
        created_at=timezone.now(),
        prev_hash=rights_request.chain_head,
    )
    event.hash = event_hash(event)
    rights_request.event_count = event.seq
    rights_request.chain_head = event.hash
    return event


def append_event(rights_request: RightsRequest, **event) -> RequestEvent:
    """Append one event (the fields of `new_event`). The caller holds the request's row lock
    inside a transaction."""
    event = new_event(rights_request, **event)
    event.save()
    sequencer.enqueue(event)
    RightsRequest.objects.filter(pk=rights_request.pk).update(
        event_count=event.seq, chain_head=event.hash
    )
    return event


@dataclass(frozen=True)
class ChainBreak:
    request_reference: str
    seq: int
    problem: str

    def __str__(self):
        return f"{self.request_reference} event {self.seq}: {self.problem}"


def verify_chain(rights_request: RightsRequest) -> ChainBreak | None:
    """The first place the request's chain is broken, or None if it holds."""
    return check_chain(rights_request.reference, rights_request.events.order_by("seq").iterator(),
                       event_count=rights_request.event_count, chain_head=rights_request.chain_head)


def check_chain(reference: str, events: Iterable[RequestEvent], *, event_count: int, chain_head: str) -> ChainBreak | None:
    """The first break in `events` (one request's, in seq order) against the request's head."""
    prev_hash = ""
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(reference, expected_seq, "missing (deleted)")
        if event.prev_hash != prev_hash:
            return ChainBreak(reference, event.seq, "does not follow the previous event")
        if event_hash(event) != event.hash:
            return ChainBreak(reference, event.seq, "content changed after it was written")
        prev_hash = event.hash
        expected_seq += 1
    last_seq = expected_seq - 1
    if last_seq < event_count:
        return ChainBreak(reference, expected_seq, "missing (deleted at the end of the chain)")
    if last_seq > event_count:
        return ChainBreak(reference, event_count + 1, "added after the chain head")
    if prev_hash != chain_head:
        return ChainBreak(reference, last_seq, "does not match the chain head (events rewritten)")
    return None

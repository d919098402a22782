"""What the log hands out: inclusion proofs for events, consistency proofs between heads.

Proofs are RFC 9162's (hashes from the leaf up, hex-encoded) against a signed head,
whose checkpoint travels with them, so a requester needs nothing of ours to check
one: `static/log/verify_log_proof.py` is enough.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder

from requests_app.audit import event_content
from requests_app.models import RequestEvent
from requests_app.transparency import sequencer
from requests_app.transparency.models import LogLeaf, PendingEntry, SignedTreeHead
from requests_app.transparency.tree import StoredTree


class NotLogged(Exception):
    """The event is not in the log (nor waiting to be)."""


def inclusion(event: RequestEvent, head: SignedTreeHead | None = None) -> dict:
    """The proof that `event` is in the tree of `head` (the newest head by default).

    An event still waiting in the queue is appended first, so a freshly issued
    certificate has its proof at once."""
    leaf = LogLeaf.objects.filter(event=event).only("index", "leaf_hash").first()
    if leaf is None and PendingEntry.objects.filter(event=event).exists():
        sequencer.integrate()
        leaf = LogLeaf.objects.filter(event=event).only("index", "leaf_hash").first()
    if leaf is None:
        raise NotLogged(f"event {event.pk} is not in the log")
    head = head or sequencer.latest_head()
    if head.size <= leaf.index:
        raise NotLogged(f"event {event.pk} came after the tree head of size {head.size}")
    return {
        "event": event_content(event),
        "event_hash": event.hash,
        "leaf_index": leaf.index,
        "leaf_hash": bytes(leaf.leaf_hash).hex(),
        "tree_size": head.size,
        "root_hash": bytes(head.root).hex(),
        "inclusion_path": [digest.hex() for digest in StoredTree(head.size).inclusion_path(leaf.index)],
        "checkpoint": head.checkpoint,
    }


def consistency(first: SignedTreeHead, second: SignedTreeHead) -> dict:
    return {
        "first_size": first.size,
        "second_size": second.size,
        "consistency_path": [digest.hex() for digest in StoredTree(second.size).consistency_path(first.size)],
        "first_checkpoint": first.checkpoint,
        "second_checkpoint": second.checkpoint,
    }


def as_json(proof: dict) -> str:
    return json.dumps(proof, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=True)

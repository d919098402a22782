"""What the log hands out: inclusion proofs for events, consistency proofs between heads.

Proofs are RFC 9162's (hashes from the leaf up, hex-encoded) against a signed head,
whose checkpoint travels with them, so a requester needs nothing of ours to check
one: `static/log/verify_log_proof.py` is enough.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder

from requests_app.models import LogLeaf, PendingEntry, RequestEvent, SignedTreeHead
from requests_app.transparency import sequencer
from requests_app.transparency.audit import event_content
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


def for_request(rights_request, head: SignedTreeHead | None = None) -> dict | None:
    """Every event of the request with its leaf and inclusion path in one signed head
    (the newest by default), for the case file. None before the log has any head."""
    if PendingEntry.objects.filter(event__request=rights_request).exists():
        sequencer.integrate()
    head = head or sequencer.latest_head()
    if head is None:
        return None
    tree = StoredTree(head.size)
    leaves = LogLeaf.objects.filter(event__request=rights_request, index__lt=head.size).order_by("index")
    return {
        "tree_size": head.size,
        "root_hash": bytes(head.root).hex(),
        "checkpoint": head.checkpoint,
        "entries": [
            {"seq": seq, "event_hash": event_hash, "leaf_index": index,
             "inclusion_path": [digest.hex() for digest in tree.inclusion_path(index)]}
            for index, seq, event_hash in leaves.values_list("index", "event__seq", "event__hash")
        ],
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

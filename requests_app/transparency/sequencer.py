"""Appending events to the log and signing the new head.

Events are written by many requests at once, each under its own row lock; the log is
one sequence. So an event only joins a pending queue in its own transaction, and
`integrate` (beat every half minute, and on demand when a proof is asked for) takes
the queue in order, one sequencer at a time, as a Certificate Transparency log merges
its submissions: requests never wait on one another, and the tree never forks.
"""

import logging

from django.db import connection, transaction
from django.utils import timezone

from requests_app.models import LogLeaf, LogNode, PendingEntry, RequestEvent, SignedTreeHead, TreeState
from requests_app.transparency import heads
from requests_app.transparency.tree import Frontier, leaf_hash

logger = logging.getLogger(__name__)

BATCH = 5000


def enqueue(event: RequestEvent) -> None:
    """Queue a just-written event for the log, in the event's own transaction."""
    PendingEntry.objects.create(event=event)


def integrate(batch: int = BATCH) -> SignedTreeHead | None:
    """Append every pending event (in batches of `batch`), sign and publish the new head.

    Returns the newest head signed, or None when nothing was pending. Safe to run from
    many processes at once: the tree's state row serialises them; a second sequencer
    finds the queue empty. Idempotent.
    """
    newest = None
    while (head := _integrate_batch(batch)) is not None:
        newest = head
    return newest


def _integrate_batch(batch: int) -> SignedTreeHead | None:
    with transaction.atomic():
        TreeState.objects.get_or_create(pk=1)
        state = TreeState.objects.select_for_update().get(pk=1)
        pending = list(
            PendingEntry.objects.order_by("event_id").values_list("event_id", "event__hash")[:batch]
        )
        if not pending:
            return None
        frontier = Frontier.of_stored_tree(state.size)
        leaves, nodes = [], []
        for event_id, event_hash in pending:
            leaf = leaf_hash(event_hash)
            leaves.append((frontier.size, event_id, leaf))
            nodes += frontier.append(leaf)
        _store(leaves, nodes, [event_id for event_id, _hash in pending])
        state.size, state.root = frontier.size, frontier.root()
        state.save(update_fields=["size", "root"])
        checkpoint = heads.sign(state.size, state.root)
        head = SignedTreeHead.objects.create(
            size=state.size, root=state.root, signed_at=timezone.now(), checkpoint=checkpoint
        )
        transaction.on_commit(lambda: heads.publish(checkpoint))
    logger.info("transparency log: %s entries appended, tree size %s", len(pending), head.size)
    return head


def _store(leaves: list[tuple], nodes: list[tuple], taken: list[int]) -> None:
    """Write the batch's leaves (index, event, hash) and nodes (level, index, hash) and
    take its events off the queue: on PostgreSQL by COPY (building thousands of model
    instances cost more than the hashing)."""
    if connection.vendor != "postgresql":
        LogLeaf.objects.bulk_create(LogLeaf(index=i, event_id=e, leaf_hash=h) for i, e, h in leaves)
        LogNode.objects.bulk_create(LogNode(level=level, index=i, hash=h) for level, i, h in nodes)
        PendingEntry.objects.filter(event_id__in=taken).delete()
        return
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own, for COPY
        with raw.copy("COPY requests_app_logleaf (index, event_id, leaf_hash) FROM STDIN") as copy:
            for row in leaves:
                copy.write_row(row)
        with raw.copy("COPY requests_app_lognode (level, index, hash) FROM STDIN") as copy:
            for row in nodes:
                copy.write_row(row)
        cursor.execute("DELETE FROM requests_app_pendingentry WHERE event_id = ANY(%s)", [taken])


def latest_head() -> SignedTreeHead | None:
    return SignedTreeHead.objects.order_by("-size").first()

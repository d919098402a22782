"""The whole check behind `manage.py verify_audit_chain`, read from one snapshot.

1. Every signed head: its signature verifies with the log's key (the database's
   heads, those published to the checkpoint file, and any a witness kept).
2. The leaves, in order: each still names its event, the event's content still has
   the hash it had when logged, and the tree rebuilt from the leaves has, at every
   signed size, the signed root. So a head is consistent with the one before it, and a
   rewrite or a dropped tail is found by whoever kept any earlier head.
3. Every request's hash chain, over logged and pending events alike, ends at the
   request's own head; an event that is neither logged nor pending is reported.

It reads in a REPEATABLE READ, READ ONLY transaction on PostgreSQL (one snapshot on
SQLite too): events written while it runs are simply not seen, never half seen.
"""

from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from pathlib import Path

from django.db import connection, transaction

from requests_app.models import LogLeaf, PendingEntry, RequestEvent, RightsRequest, SignedTreeHead
from requests_app.transparency import heads
from requests_app.transparency.audit import check_chain
from requests_app.transparency.tree import Frontier, leaf_hash

CHUNK = 2000
EVENT_FIELDS = ("id", "request_id", "seq", "action", "actor_id", "actor_kind", "from_status", "to_status",
                "data", "visible_to_subject", "created_at", "prev_hash", "hash")


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    heads: int = 0
    tree_size: int = 0
    pending: int = 0
    requests: int = 0
    events: int = 0

    @property
    def holds(self) -> bool:
        return not self.problems


def verify(witness_files: list[Path] = (), reference: str | None = None) -> Report:
    report = Report()
    # Files first: a head is published after its commit, so every head read from a file
    # now is in the snapshot taken below; read later, a newer one might not be.
    published = [(text, str(path)) for path in [heads.log_dir() / "checkpoints", *witness_files]
                 for text in heads.published_checkpoints(Path(path))]
    # Inside a caller's transaction (a test's) the snapshot is that transaction's to choose.
    own_snapshot = not connection.in_atomic_block and connection.vendor == "postgresql"
    with transaction.atomic():
        if own_snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        signed = _signed_heads(report, published)
        _check_leaves(report, signed)
        _check_chains(report, reference)
    return report


def _signed_heads(report: Report, published: list[tuple[str, str]]) -> dict[int, bytes]:
    """{size: root} of every head whose signature verifies; conflicts are problems."""
    signed: dict[int, bytes] = {}
    public = heads.public_key_bytes()

    def take(text: str, where: str) -> None:
        try:
            checkpoint = heads.parse(text, public)
        except heads.BadCheckpoint as error:
            report.problems.append(f"{where}: {error}")
            return
        known = signed.setdefault(checkpoint.size, checkpoint.root)
        if known != checkpoint.root:
            report.problems.append(f"two different roots were signed for tree size {checkpoint.size} ({where})")

    in_database = set()
    for head in SignedTreeHead.objects.order_by("size").iterator(chunk_size=CHUNK):
        in_database.add(head.size)
        take(head.checkpoint, f"signed head {head.size} in the database")
        if signed.get(head.size) not in (None, bytes(head.root)):
            report.problems.append(f"signed head {head.size}: the stored root is not the signed one")
    for text, path in published:
        take(text, f"head published in {path}")
    for size in sorted(set(signed) - in_database):
        report.problems.append(f"the head of size {size} was published but is missing from the database")
    report.heads = len(signed)
    return signed


def _check_leaves(report: Report, signed: dict[int, bytes]) -> None:
    frontier = Frontier()
    sizes = sorted(signed)
    pending_sizes = iter(sizes)
    next_size = next(pending_sizes, None)
    if next_size == 0:
        next_size = next(pending_sizes, None)
    leaves = LogLeaf.objects.order_by("index").values_list("index", "leaf_hash", "event_id")
    events = {}
    for index, stored_leaf, event_id in leaves.iterator(chunk_size=CHUNK):
        if index != frontier.size:
            report.problems.append(f"log entry {frontier.size} is missing (entries removed)")
            return
        event = events.pop(event_id, None)
        if event is None:
            events = _events_from(event_id)
            event = events.pop(event_id, None)
        stored_leaf = bytes(stored_leaf)
        # The event's content against its own hash is the chain check's (_check_chains).
        if event is None:
            report.problems.append(f"log entry {index}: its event is missing (deleted)")
        elif leaf_hash(event[0]) != stored_leaf:
            report.problems.append(f"log entry {index}: request event {event[1]}#{event[2]} "
                                   "was rewritten after it was logged")
        frontier.append(stored_leaf)
        if frontier.size == next_size:
            if frontier.root() != signed[next_size]:
                report.problems.append(f"the log's first {next_size} entries no longer have the root "
                                       "signed for them (entries rewritten)")
            next_size = next(pending_sizes, None)
    report.tree_size = frontier.size
    # The sequencer signs in the transaction that appends: no entry is ever under no head.
    if frontier.size > max(sizes, default=0):
        report.problems.append(f"log entries {max(sizes, default=0)} to {frontier.size - 1} are under no signed "
                               "head (heads removed)")
    if next_size is not None:
        report.problems.append(f"a head was signed for {sizes[-1]} entries but the log holds only "
                               f"{frontier.size} (entries removed)")


def _events_from(first_id: int) -> dict[int, tuple[str, int, int]]:
    """The next chunk of events by id, as (hash, request, seq): the log holds them in
    (nearly) id order."""
    rows = RequestEvent.objects.filter(id__gte=first_id).order_by("id")[:CHUNK]
    return {pk: rest for pk, *rest in rows.values_list("id", "hash", "request_id", "seq")}


def _check_chains(report: Report, reference: str | None) -> None:
    """Every request's chain, from one pass over requests and one over events, both in
    request order (the events of one request come together, by seq)."""
    requests = RightsRequest.objects.order_by("pk").values_list("pk", "reference", "event_count", "chain_head")
    events = RequestEvent.objects.order_by("request_id", "seq").only(*EVENT_FIELDS)
    if reference:
        requests = requests.filter(reference=reference)
        events = events.filter(request__reference=reference)
    groups = groupby(events.iterator(chunk_size=CHUNK), key=attrgetter("request_id"))
    group = next(groups, None)
    for pk, ref, event_count, chain_head in requests.iterator(chunk_size=CHUNK):
        report.requests += 1
        report.events += event_count
        own = group[1] if group is not None and group[0] == pk else ()
        chain_break = check_chain(ref, own, event_count=event_count, chain_head=chain_head)
        if chain_break is not None:
            report.problems.append(str(chain_break))
        if own:
            group = next(groups, None)
    unlisted = RequestEvent.objects.filter(log_leaf__isnull=True).exclude(
        pk__in=PendingEntry.objects.values("event_id"))
    if reference:
        unlisted = unlisted.filter(request__reference=reference)
    for request_id, seq in unlisted.values_list("request_id", "seq")[:20]:
        report.problems.append(f"request event {request_id}#{seq} is neither in the log nor waiting for it")
    report.pending = PendingEntry.objects.count()

"""RFC 9162's Merkle tree over the stored leaves and nodes, with pymerkle's hashing and
proof layouts.

pymerkle computes a complete subtree's hash from its leaves; here every complete
subtree's hash is stored when it completes (the sequencer writes it), so a proof or a
root reads a handful of rows instead of up to a million leaves. `Frontier` is the
right edge of the tree, all that appending needs and all a verifier keeps in memory.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from pymerkle.core import BaseMerkleTree, _inclusion_path_layout
from pymerkle.hasher import MerkleHasher
from pymerkle.utils import binary_exponents

from requests_app.models import LogLeaf, LogNode

HASHER = MerkleHasher("sha256", security=True)  # RFC 9162: 0x00 before a leaf, 0x01 before a node
EMPTY_ROOT = HASHER.hash_empty()


class LogCorrupt(Exception):
    """A leaf or node the tree needs is not stored (removed behind the log's back)."""


def leaf_hash(event_hash_hex: str) -> bytes:
    """The leaf of an event: RFC 9162's leaf hash of the event's 32-byte hash."""
    return HASHER.hash_buff(bytes.fromhex(event_hash_hex))


def perfect_parts(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees (offset, width) that make up leaves [start, end), right to
    left, as pymerkle's root computation walks them."""
    parts = []
    for exponent in binary_exponents(end - start):
        end -= 1 << exponent
        parts.append((end, 1 << exponent))
    return parts


@dataclass
class Frontier:
    """The roots of the complete subtrees along the right edge, largest first."""

    size: int = 0
    roots: list[tuple[int, bytes]] = field(default_factory=list)  # (level, hash)

    @classmethod
    def of_stored_tree(cls, size: int) -> "Frontier":
        offsets = [(offset, width) for offset, width in reversed(perfect_parts(0, size))]
        hashes = _stored_hashes(offsets)
        return cls(size, [(width.bit_length() - 1, hashes[(offset, width)]) for offset, width in offsets])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf; return the complete subtrees it completed as (level, index, hash)."""
        completed = []
        self.roots.append((0, leaf))
        while len(self.roots) > 1 and self.roots[-1][0] == self.roots[-2][0]:
            (level, right), (_, left) = self.roots.pop(), self.roots.pop()
            node = HASHER.hash_pair(left, right)
            completed.append((level + 1, self.size >> (level + 1), node))
            self.roots.append((level + 1, node))
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.roots:
            return EMPTY_ROOT
        return HASHER.hash_fold([digest for _level, digest in reversed(self.roots)])


def _stored_hashes(parts: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of complete subtrees (offset, width), in one query for each table."""
    leaves = {offset for offset, width in parts if width == 1}
    nodes = {(width.bit_length() - 1, offset >> (width.bit_length() - 1)) for offset, width in parts if width > 1}
    found = {}
    if leaves:
        for index, digest in LogLeaf.objects.filter(index__in=leaves).values_list("index", "leaf_hash"):
            found[(index, 1)] = bytes(digest)
    if nodes:
        where = Q()
        for level, index in nodes:
            where |= Q(level=level, index=index)
        for level, index, digest in LogNode.objects.filter(where).values_list("level", "index", "hash"):
            found[(index << level, 1 << level)] = bytes(digest)
    missing = set(parts) - set(found)
    if missing:
        raise LogCorrupt(f"the log lacks {len(missing)} stored subtree(s), e.g. {sorted(missing)[0]}")
    return found


class StoredTree(BaseMerkleTree):
    """The stored tree as it was at `size` leaves: its root and proofs, read-only."""

    def __init__(self, size: int):
        self.size = size
        super().__init__("sha256")
        self._known: dict[tuple[int, int], bytes] = {}

    # pymerkle's storage interface (indexes from 1).
    def _encode_entry(self, data: bytes) -> bytes:
        return data

    def _store_leaf(self, data, digest):
        raise TypeError("StoredTree is read-only: the sequencer appends leaves in batches")

    def _get_leaf(self, index: int) -> bytes:
        return self._subroots([(index - 1, 1)])[(index - 1, 1)]

    def _get_leaves(self, offset: int, width: int) -> list[bytes]:
        rows = LogLeaf.objects.filter(index__gte=offset, index__lt=offset + width).order_by("index")
        return [bytes(digest) for digest in rows.values_list("leaf_hash", flat=True)]

    def _get_size(self) -> int:
        return self.size

    def _get_subroot(self, offset: int, width: int) -> bytes:
        return self._subroots([(offset, width)])[(offset, width)]

    def _subroots(self, parts) -> dict[tuple[int, int], bytes]:
        wanted = [part for part in parts if part not in self._known]
        if wanted:
            self._known.update(_stored_hashes(wanted))
        return self._known

    def _prefetch(self, ranges) -> None:
        self._subroots([part for start, end in ranges for part in perfect_parts(start, end)])

    # RFC 9162's proofs, as lists of hashes from the leaf up.
    def inclusion_path(self, index: int) -> list[bytes]:
        """PATH(index, D[size]) (RFC 9162 2.1.3.1), `index` counted from 0."""
        _rule, ranges = _inclusion_path_layout(index + 1, self.size)
        self._prefetch(ranges[1:])
        return [self._get_root(start, end) for start, end in ranges[1:]]

    def consistency_path(self, first: int) -> list[bytes]:
        """PROOF(first, D[size]) (RFC 9162 2.1.4.1)."""
        if not 0 < first <= self.size:
            raise ValueError("the first size must be between 1 and the second")
        return self._subproof(first, 0, self.size, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self._get_root(start, end)]
        k = 1 << ((n - 1).bit_length() - 1)  # the largest power of two below n
        if m <= k:
            return self._subproof(m, start, start + k, whole) + [self._get_root(start + k, end)]
        return self._subproof(m - k, start + k, end, False) + [self._get_root(start, start + k)]

    def root_hash(self) -> bytes:
        return self._get_root(0, self.size) if self.size else EMPTY_ROOT

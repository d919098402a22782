"""Helpers for the transparency log's tests: the independent verifier, and rewriting the
log the way someone with the database's owner rights (but not the signing key) could."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from django.db import connection

from requests_app.transparency import heads
from tests import tampering

ROOT = Path(__file__).resolve().parent.parent.parent
VERIFIER = ROOT / "static" / "log" / "verify_log_proof.py"


def run_verifier(proof: dict, tmp_path: Path, key: str | None = None) -> subprocess.CompletedProcess:
    """The requester's script, run as a separate Python that imports nothing of ours."""
    proof_file = tmp_path / f"proof-{hashlib.sha256(json.dumps(proof, sort_keys=True).encode()).hexdigest()[:12]}.json"
    proof_file.write_text(json.dumps(proof), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(proof_file), key or heads.verifier_key()],
        capture_output=True, text=True, timeout=30, cwd=tmp_path,
    )


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162's MTH, written out from the definition, for comparing roots."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def leaves_in_log_order() -> list[bytes]:
    """Each leaf recomputed from the hash of the event it names, in the log's order."""
    from requests_app.models import LogLeaf

    return [hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest()
            for h in LogLeaf.objects.order_by("index").values_list("event__hash", flat=True)]


def rebuild_log_without_signing() -> None:
    """Recompute every leaf and node from the events as they now are, and the tree state,
    as an owner who rewrote events would; the signed heads they cannot redo."""
    from requests_app.models import LogLeaf
    from requests_app.transparency.tree import Frontier, leaf_hash

    rows = list(LogLeaf.objects.order_by("index").values_list("index", "event__hash"))
    frontier, nodes = Frontier(), []
    with tampering.triggers_off() as cursor:
        cursor.execute("DELETE FROM requests_app_lognode")
        for index, event_hash in rows:
            leaf = leaf_hash(event_hash)
            cursor.execute("UPDATE requests_app_logleaf SET leaf_hash = %s WHERE index = %s", [leaf, index])
            nodes += frontier.append(leaf)
        for level, index, digest in nodes:
            cursor.execute("INSERT INTO requests_app_lognode (level, index, hash) VALUES (%s, %s, %s)",
                           [level, index, digest])
        cursor.execute("UPDATE requests_app_treestate SET size = %s, root = %s", [frontier.size, frontier.root()])


def drop_log_tail(keep: int) -> None:
    """Remove every leaf from `keep` on, the nodes over them and the heads that signed
    them, from the database only: the published files are outside the owner's reach."""
    with tampering.triggers_off() as cursor:
        cursor.execute("DELETE FROM requests_app_logleaf WHERE index >= %s", [keep])
        cursor.execute("DELETE FROM requests_app_lognode WHERE (index + 1) * power(2, level) > %s", [keep])
        cursor.execute("DELETE FROM requests_app_signedtreehead WHERE size > %s", [keep])
        cursor.execute("UPDATE requests_app_treestate SET size = %s", [keep])


def truncate(*tables: str) -> None:
    """TRUNCATE with the tests' own permission switched off: what production sees."""
    with connection.cursor() as cursor:
        # The test's own inserts leave deferred foreign-key checks pending; run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL rightsdesk.allow_truncate = off")
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")

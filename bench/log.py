"""Benchmark of the transparency log: appending at up to 1,000,000 events, proof sizes and
times at 1,000,000, and the full verification, each beside its limit in the same run.

Run by hand from the repository root (not part of the test suite):

    .venv/bin/python bench/log.py                 # 1,000,000 events
    .venv/bin/python bench/log.py --events 100000

DATABASE_URL defaults to a database of the bench's own (created and migrated, emptied
of events and log at the start of each run). The events are written straight by SQL
(one request, its chain of hashes computed as the app does, written by COPY), then ANALYZEd; what is timed is
the log's own work:

- append: `sequencer.integrate()` over all pending events (leaf hashes, complete
  subtrees, a signed head every 5,000) - events appended per second, beside the limit:
  PostgreSQL inserting the same leaf and node rows from SQL alone, in the same run;
- proofs at the full size: the bytes of an RFC 9162 inclusion proof and of a
  consistency proof, and the median time to make one for random leaves;
- verification: `verify()` reading every event and leaf against every head - entries
  per second, beside the limit: reading every event's hash and hashing it once.
"""

import argparse
import base64
import hashlib
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench.database import set_up_django  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rightsdesk_bench_log")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
os.environ.setdefault("BIOMETRIC_KEYS", base64.urlsafe_b64encode(b"bench-key-".ljust(32, b"k")).decode())
os.environ.setdefault("IDENTIFIER_PEPPER", "bench-pepper-not-for-production-0123456789")
os.environ.setdefault("TRANSPARENCY_LOG_KEY_FILE", str(ROOT / "var" / "bench-log.key"))
os.environ.setdefault("TRANSPARENCY_LOG_DIR", str(ROOT / "var" / "bench-log"))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/1")

TABLES = ["requests_app_rightsrequest", "requests_app_datasubject", "requests_app_pendingentry", "requests_app_logleaf", "requests_app_lognode", "requests_app_signedtreehead",
          "requests_app_treestate", "requests_app_notification", "requests_app_eventdelivery",
          "requests_app_requestevent"]


def sql(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def fill(events: int) -> int:
    """One request with `events` chained events, all waiting for the log."""
    from orgs.models import Organisation
    from requests_app.models import DataSubject, RightsRequest

    import shutil

    from django.conf import settings

    # A new log: the heads published by an earlier run would (rightly) be reported as a fork.
    shutil.rmtree(settings.TRANSPARENCY_LOG_DIR, ignore_errors=True)
    sql("SET rightsdesk.allow_truncate = on")
    sql(f"TRUNCATE {', '.join(TABLES)} CASCADE")
    organisation, _ = Organisation.objects.get_or_create(slug="bench-log", defaults={"name": "Bench log", "jurisdiction": "CN"})
    subject = DataSubject.objects.create()
    rr = RightsRequest.objects.create(organisation=organisation, subject=subject, jurisdiction="CN",
                                      reference=f"BL{random.randrange(10**8):08d}", kind="deletion")
    started = time.perf_counter()
    # Real chained events (the verifier recomputes every hash), written by COPY.
    from django.db import connection
    from django.utils import timezone

    from requests_app.transparency.audit import event_hash
    from requests_app.models import RequestEvent

    now, prev = timezone.now(), ""
    columns = ("request_id", "seq", "action", "actor_kind", "from_status", "to_status", "data",
               "visible_to_subject", "created_at", "prev_hash", "hash")
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY requests_app_requestevent ({', '.join(columns)}) FROM STDIN") as copy:
        for seq in range(1, events + 1):
            event = RequestEvent(request_id=rr.pk, seq=seq, action="add_note", actor_kind="system", data={},
                                 visible_to_subject=False, created_at=now, prev_hash=prev)
            event.hash = prev = event_hash(event)
            copy.write_row((rr.pk, seq, "add_note", "system", "", "", "{}", False, now, event.prev_hash, prev))
    RightsRequest.objects.filter(pk=rr.pk).update(event_count=events, chain_head=prev)
    sql("INSERT INTO requests_app_pendingentry (event_id) SELECT id FROM requests_app_requestevent ORDER BY id")
    sql("ANALYZE")
    print(f"filled {events:,} events in {time.perf_counter() - started:.1f} s")
    return rr.pk


def time_append(events: int) -> float:
    from requests_app.transparency import sequencer

    started = time.perf_counter()
    head = sequencer.integrate()
    seconds = time.perf_counter() - started
    assert head.size == events, head.size
    sql("ANALYZE")
    return seconds


def time_limit_insert(events: int) -> float:
    """The same rows (a leaf per event, a node per completed subtree: n - 1 of them) put
    in scratch copies of the tables by PostgreSQL alone: the floor for storing the tree."""
    sql("CREATE TEMP TABLE IF NOT EXISTS bench_leaf (LIKE requests_app_logleaf INCLUDING ALL)")
    sql("CREATE TEMP TABLE IF NOT EXISTS bench_node (LIKE requests_app_lognode INCLUDING ALL)")
    sql("TRUNCATE bench_leaf, bench_node")
    started = time.perf_counter()
    sql("""INSERT INTO bench_leaf (index, event_id, leaf_hash)
           SELECT index, event_id, leaf_hash FROM requests_app_logleaf""")
    sql("""INSERT INTO bench_node (id, level, index, hash)
           SELECT id, level, index, hash FROM requests_app_lognode""")
    return time.perf_counter() - started


def proof_figures(events: int, samples: int) -> dict:
    from requests_app.models import RequestEvent
    from requests_app.transparency import proofs, sequencer
    from requests_app.models import SignedTreeHead

    head = sequencer.latest_head()
    ids = list(RequestEvent.objects.order_by("?").values_list("id", flat=True)[:samples])
    times, sizes = [], []
    for event in RequestEvent.objects.filter(id__in=ids):
        started = time.perf_counter()
        proof = proofs.inclusion(event, head)
        times.append(time.perf_counter() - started)
        sizes.append(len(proof["inclusion_path"]))
    first = SignedTreeHead.objects.order_by("size").first()
    started = time.perf_counter()
    consistency = proofs.consistency(first, head)
    consistency_time = time.perf_counter() - started
    example = proofs.inclusion(RequestEvent.objects.get(id=ids[0]), head)
    return {
        "hashes": max(sizes), "bytes": max(sizes) * 32,
        "json_bytes": len(json.dumps({k: v for k, v in example.items() if k != "event"})),
        "median_ms": statistics.median(times) * 1000, "p95_ms": sorted(times)[int(len(times) * 0.95)] * 1000,
        "consistency_hashes": len(consistency["consistency_path"]), "consistency_ms": consistency_time * 1000,
        "first_size": first.size,
    }


def time_verify() -> tuple[float, object]:
    from requests_app.transparency.verify import verify

    started = time.perf_counter()
    report = verify()
    return time.perf_counter() - started, report


def time_limit_hash(events: int) -> float:
    """Reading every event's content as plain rows and hashing its canonical JSON once:
    the floor for any verifier that recomputes the hashes."""
    from requests_app.models import RequestEvent

    fields = ("request_id", "seq", "action", "actor_id", "actor_kind", "from_status", "to_status", "data",
              "visible_to_subject", "created_at", "prev_hash")
    started = time.perf_counter()
    for row in RequestEvent.objects.values_list(*fields).iterator(chunk_size=5000):
        content = dict(zip(fields, row), created_at=row[9].isoformat())
        hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    set_up_django()
    from django.conf import settings
    from django.core.management import call_command

    if not Path(settings.TRANSPARENCY_LOG_KEY_FILE).exists():
        call_command("create_log_key")
    fill(args.events)

    append = time_append(args.events)
    floor = time_limit_insert(args.events)
    proof = proof_figures(args.events, args.samples)
    verify_seconds, report = time_verify()
    hash_floor = time_limit_hash(args.events)

    print(f"\n{args.events:,} events")
    print(f"append:  {args.events / append:,.0f} events/s ({append:.1f} s); limit, the same rows inserted by "
          f"PostgreSQL alone: {args.events / floor:,.0f} rows/s ({floor:.1f} s); {floor / append:.0%} of it")
    print(f"inclusion proof at {args.events:,}: {proof['hashes']} hashes = {proof['bytes']} bytes "
          f"({proof['json_bytes']} bytes as JSON with its checkpoint); median {proof['median_ms']:.1f} ms, "
          f"p95 {proof['p95_ms']:.1f} ms over {args.samples} random leaves")
    print(f"consistency proof {proof['first_size']:,} -> {args.events:,}: {proof['consistency_hashes']} hashes, "
          f"{proof['consistency_ms']:.1f} ms")
    print(f"verify:  {report.tree_size:,} entries against {report.heads} heads in {verify_seconds:.1f} s "
          f"({report.tree_size / verify_seconds:,.0f}/s), holds: {report.holds}; limit, reading every event and "
          f"hashing its content once: {hash_floor:.1f} s; {hash_floor / verify_seconds:.0%} of it")
    if not report.holds:
        print("\n".join(report.problems[:5]))


if __name__ == "__main__":
    main()

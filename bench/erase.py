"""Benchmark: a bulk erasure order over 1,000,000 biometric records, beside its limit (not a test).

Run by hand, from the project root, with PostgreSQL on 127.0.0.1:5432:

    .venv/bin/python bench/erase.py                       # 1,000,000 records, chunks of CHUNK_SIZE
    .venv/bin/python bench/erase.py --records 200000 --chunk-size 20000

It (re)creates its own database (BENCH_DATABASE, default `rightsdesk_bench_erase`; another
server or user: BENCH_SERVER_URL=postgres://user@host:port), migrates it, fills one
organisation's one activity with the records (small Fernet-encrypted templates, hashed
identifiers) by COPY, ANALYZEs the table and copies it, indexes and all, into a second
table. Then, in the same run on the same fill:

- the limit: the set-based UPDATE an `erase.sql` would be, every record of the copy
  tombstoned in one statement (the same columns written as `orgs.erasure.tombstone`);
- the real path: an ErasureOrder run to completion with `orgs.erasure.run_next_chunk` in
  this process (no broker), chunk after chunk as the worker does.

It prints records per second of each and the ratio (target: the real path at least 60%
of the limit), and checks that every record ends deleted, with no template left, and
that the certificate counts them all. --real-first runs the real path before the limit,
to see whether the order of the two favours either. The database is kept afterwards.

Nearly all the time of both is the writing of the tombstones: `state` and the hashes are
indexed, so each record's new version goes into every index of the table (no HOT update
is possible). That is why the table keeps only the indexes a query uses (orgs migration
0002 dropped the LIKE twins of the hash columns and the single-column indexes
`biometric_retention_idx` covers).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ would come first on the path, where bench/queue.py would stand
# in for the standard library's `queue` (which psycopg imports): the project root instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import argparse  # noqa: E402
import contextlib  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from bench.database import statement_times  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE", "rightsdesk_bench_erase")
SERVER = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
TARGET = 0.60  # of the limit's records per second, measured in the same run (issue 15)
LIMIT_TABLE = "bench_erase_limit"

os.environ.update({
    "DATABASE_URL": f"{SERVER}/{DATABASE}",
    "DEBUG": "0",  # no query log in memory
    "SECRET_KEY": "bench-secret-key-not-for-production-use-0123456789",
    "BIOMETRIC_KEYS": "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=",  # b"k" * 32, as `make test`
    "SUBJECT_WRAPPING_KEYS": "c3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3M=",  # b"s" * 32, as `make test`
    "IDENTIFIER_PEPPER": "bench-pepper-not-for-production-0123456789",
    "TRANSPARENCY_LOG_KEY_FILE": str(Path(__file__).resolve().parent.parent / "var" / "bench-log.key"),
    "CELERY_BROKER_URL": "memory://",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "LOG_LEVEL": "WARNING",
    "CACHE_URL": os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/1"),  # production refuses a per-process cache
})


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def fill(activity, system, count: int) -> None:
    """COPY `count` records of the activity: distinct hashed identifiers, a template each."""
    import hashlib

    from cryptography.fernet import Fernet
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    fernet = Fernet(settings.BIOMETRIC_KEYS[0])
    # Real ciphertexts (about 140 bytes, like a compact face embedding), a thousand distinct
    # ones cycled: encrypting a million would time Fernet, not the database.
    templates = [fernet.encrypt(os.urandom(64)) for _ in range(1000)]
    now = timezone.now()
    collected, retain = now - timedelta(days=200), now + timedelta(days=165)
    columns = ("organisation_id", "system_id", "activity_id", "modality", "email_hash", "phone_hash",
               "member_number_hash", "id_number_hash", "person_hash", "masked_identifiers", "template_ciphertext",
               "collected_at", "retain_until", "state", "tombstone_reason")
    with connection.cursor() as cursor:
        # As bulk loaders do: drop the secondary indexes, COPY, build them again (sorted, fast).
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orgs_biometricrecord'"
                       " AND indexname <> 'orgs_biometricrecord_pkey'")
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY orgs_biometricrecord ({', '.join(columns)}) FROM STDIN") as copy:
            for n in range(count):
                email_hash = hashlib.sha256(b"e%d" % n).hexdigest()
                phone_hash = hashlib.sha256(b"p%d" % n).hexdigest() if n % 2 else ""
                copy.write_row((
                    activity.organisation_id, system.pk, activity.pk, "face", email_hash, phone_hash,
                    hashlib.sha256(b"m%d" % n).hexdigest(), "", phone_hash or email_hash,  # the person: person_key
                    f"v{n % 10}***@example.com",
                    templates[n % len(templates)], collected, retain, "active", "",
                ))
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("VACUUM ANALYZE orgs_biometricrecord")


def copy_for_limit() -> None:
    """The filled table copied as the fill made it (rows in id order, then the same indexes
    built), for the set-based UPDATE to run on while the original waits for the order."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {LIMIT_TABLE}")
        cursor.execute(f"CREATE TABLE {LIMIT_TABLE} (LIKE orgs_biometricrecord INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(f"INSERT INTO {LIMIT_TABLE} SELECT * FROM orgs_biometricrecord ORDER BY id")
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orgs_biometricrecord'")
        for n, (name, definition) in enumerate(cursor.fetchall()):
            cursor.execute(definition.replace(f"INDEX {name} ON public.orgs_biometricrecord ",
                                              f"INDEX {LIMIT_TABLE}_{n} ON public.{LIMIT_TABLE} "))
        cursor.execute(f"VACUUM ANALYZE {LIMIT_TABLE}")


def time_limit(organisation_id: int, activity_ids: list[int], reason: str) -> tuple[int, float]:
    """The limit: the copy's records tombstoned in one set-based UPDATE, committed; the same
    columns as orgs.erasure.tombstone (no retention duty: every identifier cleared)."""
    from django.db import connection, transaction

    from orgs.erasure import RECORD_IDENTIFIER_FIELDS

    cleared = ", ".join(f"{field} = ''" for field in RECORD_IDENTIFIER_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LIMIT_TABLE} SET state = 'deleted', template_ciphertext = NULL, tombstoned_at = now(), "
            f"tombstone_reason = %s, {cleared} "
            "WHERE organisation_id = %s AND activity_id = ANY(%s) AND state IN ('active', 'restricted')",
            [reason, organisation_id, activity_ids],
        )
        count = cursor.rowcount
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {LIMIT_TABLE}")
    return count, elapsed


def time_order(order, chunk_size: int, statements: bool = False) -> tuple[float, int, float]:
    """The real path: the order run chunk by chunk, as the worker runs it; (seconds, chunks, slowest)."""
    from django.db import connection

    from orgs import erasure

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orgs_biometricrecord")  # statistics as the fill left them, whatever ran before
        cursor.execute("CHECKPOINT")
    chunks, slowest = 0, 0.0
    started = time.perf_counter()
    more = True
    with statement_times() if statements else contextlib.nullcontext():
        while more:
            tick = time.perf_counter()
            more = erasure.run_next_chunk(order.pk, chunk_size=chunk_size)
            chunks += 1
            slowest = max(slowest, time.perf_counter() - tick)
        elapsed = time.perf_counter() - started  # before the statements' times are printed
    return elapsed, chunks, slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--chunk-size", type=int, default=None, help="default: orgs.erasure.CHUNK_SIZE")
    parser.add_argument("--real-first", action="store_true", help="run the order before the limit")
    parser.add_argument("--statements", action="store_true", help="print the order's time per SQL statement")
    args = parser.parse_args()

    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from orgs import erasure
    from orgs.models import BiometricRecord, DataSystem, ErasureOrder, Organisation, ProcessingActivity

    chunk_size = args.chunk_size or erasure.CHUNK_SIZE
    call_command("migrate", verbosity=0)
    org = Organisation.objects.create(name="Nanjing Sales Office", slug="nanjing-sales", jurisdiction="CN",
                                      contact_email="privacy@nanjing-sales.example")
    system = DataSystem.objects.create(organisation=org, name="Sales office cameras", connector="vault")
    activity = ProcessingActivity.objects.create(
        organisation=org, name="Visitor face capture", purpose="Identify returning buyers",
        legal_basis="consent", collection_point="Sales office", modality="face", consent_type="implied",
        retention_days=365,
    )

    started = time.perf_counter()
    fill(activity, system, args.records)
    copy_for_limit()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'orgs_biometricrecord'")
        index_count = cursor.fetchone()[0]
    print(f"filled {args.records:,} records (and the copy for the limit) in {time.perf_counter() - started:.1f} s; "
          f"{index_count} indexes on the table; load average {load()}")

    order = ErasureOrder.objects.create(
        organisation=org, collection_point="Sales office",
        reason="Municipal order: face cameras out of property sales offices",
    )
    reason = erasure.tombstone_reason(order)
    if args.real_first:
        elapsed, chunks, slowest = time_order(order, chunk_size, args.statements)
        limit_count, limit_elapsed = time_limit(org.pk, [activity.pk], reason)
    else:
        limit_count, limit_elapsed = time_limit(org.pk, [activity.pk], reason)
        elapsed, chunks, slowest = time_order(order, chunk_size, args.statements)

    order.refresh_from_db()
    rate, limit_rate = order.processed / elapsed, limit_count / limit_elapsed
    ratio = rate / limit_rate
    print(f"limit (one set-based UPDATE, committed): {limit_count:,} records in {limit_elapsed:.2f} s: "
          f"{limit_rate:,.0f} records/s")
    print(f"erasure order: {order.processed:,} records in {elapsed:.2f} s, {chunks} runs of up to {chunk_size:,} "
          f"(slowest {slowest * 1000:.0f} ms, lease {erasure.LEASE}): {rate:,.0f} records/s")
    print(f"ratio: {ratio:.0%} of the limit (target {TARGET:.0%}: {'met' if ratio >= TARGET else 'MISSED'}); "
          f"{'order first' if args.real_first else 'limit first'}; load average {load()}")

    left = BiometricRecord.objects.exclude(state=BiometricRecord.State.DELETED).count()
    templates = BiometricRecord.objects.filter(template_ciphertext__isnull=False).count()
    untombstoned = BiometricRecord.objects.filter(tombstoned_at__isnull=True).count()
    body = order.certificate.body
    problems = [
        problem for problem, failed in [
            (f"order ended {order.status}", order.status != ErasureOrder.Status.DONE),
            (f"{args.records - order.processed:,} records not counted", order.processed != args.records),
            (f"{left:,} records not deleted", left),
            (f"{templates:,} templates left", templates),
            (f"{untombstoned:,} records without a tombstone", untombstoned),
            (f"the limit tombstoned {limit_count:,}", limit_count != args.records),
            ("certificate count is wrong", body["records_erased"] != args.records
             or body["by_modality"] != {"face": args.records}),
        ] if failed
    ]
    print(f"certificate {order.certificate.number}: {body['records_erased']:,} erased, "
          f"ids {body['first_record_id']}..{body['last_record_id']}")
    connection.close()
    if problems:
        sys.exit("FAILED: " + "; ".join(problems))
    print(f"verified: all {args.records:,} records tombstoned, no template left")


def load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


if __name__ == "__main__":
    main()

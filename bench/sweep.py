"""Benchmark of the deadline sweep: 1,000,000 open requests, 10,000 of them crossing a threshold.

Run by hand from the repository root (not part of the test suite):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rightsdesk_bench .venv/bin/python bench/sweep.py

Options: --refill (drop the bench data and fill again), --runs N (default 5),
--requests N and --due N (default 1,000,000 and 10,000). REDIS_URL (default
redis://127.0.0.1:6379/0) receives the notification nudges on a queue of the bench's
own, deleted after every run; without Redis they go to Celery's in-memory transport.

The script sets Django up itself, creates the database named in DATABASE_URL if it does
not exist, migrates it, and fills it once with COPY (organisations, members, subjects,
requests, and the reminders already recorded before the benchmark's "now"); later runs
reuse the data. Each timed run first puts the 10,000 due requests back as they were
(their NextReminder, no reminders or notifications written by a sweep) and then times
`requests_app.workflow.sweeps.sweep_deadlines(now=<the fill's now>)`. After each run the limit
is measured the same way: the sweep's own SQL statements (captured on the first run,
rendered with their parameters) replayed as text in one transaction, committed, with no
Python between them and no broker. It prints the fill time, each run's time and its
limit, the medians of both, their ratio and the load average (target: the sweep under
2 s at 1,000,000 open requests and 10,000 crossing), and EXPLAIN ANALYZE of the claim.
--statements prints the last run's time per SQL statement, --profile its Python profile
(BENCH_SORT=tottime to sort by own time). A reused fill is ANALYZEd again before the runs
(autovacuum may be off), and each reset VACUUM ANALYZEs the tables the sweep writes.
"""

import argparse
import base64
import contextlib
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Python puts bench/ first on the path, where queue.py would shadow the standard library.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench.database import set_up_django, statement_times  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rightsdesk_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# DEBUG off (no query log kept in memory); bench-only secrets, never used elsewhere.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
os.environ.setdefault("BIOMETRIC_KEYS", base64.urlsafe_b64encode(b"bench-key-".ljust(32, b"k")).decode())
os.environ.setdefault("SUBJECT_WRAPPING_KEYS", base64.urlsafe_b64encode(b"bench-wrap".ljust(32, b"s")).decode())
os.environ.setdefault("IDENTIFIER_PEPPER", "bench-pepper-not-for-production-0123456789")
os.environ.setdefault("TRANSPARENCY_LOG_KEY_FILE", str(Path(__file__).resolve().parent.parent / "var" / "bench-log.key"))
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Production refuses a per-process rate-limit cache (django_ratelimit.E003).
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/1")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE = f"bench-sweep-{os.getpid()}"

ORGANISATIONS = 300
TARGET_SECONDS = 2  # at 1,000,000 open requests and 10,000 crossing (issue 15)
OFFICERS_PER_ORG = 2  # plus one owner
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def setup() -> None:
    set_up_django()


def point_celery_at_own_queue() -> str:
    from config.celery import app

    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        url = REDIS_URL
    except Exception:  # noqa: BLE001 - no Redis here: publish to Celery's in-memory transport
        url = "memory://"
    app.conf.broker_url = url
    app.conf.task_default_queue = QUEUE
    app._pool = None
    app.amqp._producer_pool = None
    return url


def drop_queue(url: str) -> None:
    if url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"{QUEUE}*"):
            client.delete(key)


# --- fill -----------------------------------------------------------------------------------


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY rows (tuples in the order of `columns`, field names) into the model's table."""
    from django.db import connection

    opts = model._meta
    names = [opts.get_field(name).column for name in columns]
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f'COPY {opts.db_table} ({", ".join(names)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def reset_sequence(model) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def fill(n_requests: int, n_due: int) -> tuple[datetime, float]:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from orgs.models import Membership, Organisation
    from requests_app.cases import deadlines, reminders
    from requests_app.models import DataSubject, NextReminder, Reminder, RightsRequest

    started = time.perf_counter()
    rng = random.Random(42)
    now = datetime.now(UTC).replace(microsecond=0)
    Status, Threshold = RightsRequest.Status, Reminder.Threshold
    with connection.cursor() as cursor:
        # The event log refuses TRUNCATE (append-only triggers); this is the bench's own database.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "TRUNCATE requests_app_notification, requests_app_reminder, requests_app_verificationchallenge, "
            "requests_app_rightsrequest, requests_app_datasubject, orgs_membership, orgs_organisation, "
            "auth_user RESTART IDENTITY CASCADE"
        )
        cursor.execute("DROP TABLE IF EXISTS bench_meta, bench_due")
        cursor.execute("SET session_replication_role = origin")

    with transaction.atomic():
        orgs = Organisation.objects.bulk_create(
            Organisation(name=f"Org {i}", slug=f"bench-org-{i}", jurisdiction="US-CA" if i % 10 == 0 else "CN",
                         time_zone="America/Los_Angeles" if i % 10 == 0 else "Asia/Shanghai",
                         contact_email=f"privacy@org{i}.example")
            for i in range(ORGANISATIONS)
        )
        User = get_user_model()
        users = User.objects.bulk_create(
            User(username=f"bench-{org.pk}-{j}", email=f"m{j}@org{org.pk}.example", password="!")
            for org in orgs for j in range(OFFICERS_PER_ORG + 1)
        )
        staff = {org.pk: users[i * (OFFICERS_PER_ORG + 1):(i + 1) * (OFFICERS_PER_ORG + 1)]
                 for i, org in enumerate(orgs)}
        Membership.objects.bulk_create(
            Membership(user=user, organisation_id=org_pk, role="owner" if j == 0 else "officer")
            for org_pk, members in staff.items() for j, user in enumerate(members)
        )
    print(f"  {len(orgs)} organisations, {len(users)} members", flush=True)

    t = time.perf_counter()
    copy_rows(
        DataSubject,
        ["id", "full_name", "email", "phone", "preferred_language", "email_hash", "phone_hash",
         "member_number_hash", "id_number_hash", "masked_identifiers", "created_at"],
        ((i, f"Person {i}", f"p{i}@example.com", "", "zh-hans" if i % 3 else "en", f"{i:064x}", "", "", "",
          f"p***{i}@example.com", now) for i in range(1, n_requests + 1)),
    )
    reset_sequence(DataSubject)
    print(f"  {n_requests:,} subjects in {time.perf_counter() - t:.1f} s", flush=True)

    # Due requests are spread over the cases the sweep meets: a first threshold crossed
    # (7 days), a later one with the earlier ones recorded (2 days, due today, overdue),
    # and the CCPA acknowledgement of a request just received.
    cases = ["7d"] * 40 + ["2d"] * 30 + ["due"] * 15 + ["overdue"] * 10 + ["ack"] * 5
    policy_cn, policy_ca = deadlines.get_policy("CN"), deadlines.get_policy("US-CA")
    due_ids = set(rng.sample(range(1, n_requests + 1), n_due))
    earlier = {"7d": [], "2d": [Threshold.DAYS_7], "due": [Threshold.DAYS_7, Threshold.DAYS_2],
               "overdue": [Threshold.DAYS_7, Threshold.DAYS_2, Threshold.DUE_TODAY], "ack": []}
    before_due = dict(reminders.BEFORE_DUE)
    recorded = []  # reminders written before "now"
    pointers = []  # (request, next reminder at)
    fields = [f for f in RightsRequest._meta.concrete_fields]
    columns = [f.name for f in fields]

    def request_rows():
        statuses = [Status.VERIFIED, Status.IN_REVIEW, Status.APPROVED, Status.FULFILLING]
        refs = set()
        for i in range(1, n_requests + 1):
            org = orgs[rng.randrange(ORGANISATIONS)]
            members = staff[org.pk]
            case = cases[i % len(cases)] if i in due_ids else None
            if case == "ack":
                org = orgs[rng.randrange(0, ORGANISATIONS, 10)]  # a US-CA organisation
                members = staff[org.pk]
            ccpa = org.jurisdiction == "US-CA"
            policy = policy_ca if ccpa else policy_cn
            if case in (None, "ack"):
                # Nothing due before "now": the first threshold lies days or weeks ahead.
                due = now + timedelta(days=rng.uniform(8, 60))
                next_at = due - before_due[Threshold.DAYS_7]
            else:
                # Just past the case's threshold, a sweep interval ago at most.
                due = now + before_due[case] - timedelta(minutes=rng.uniform(0.1, 5))
                next_at = due - before_due[case]
            received = due - timedelta(days=30)
            acknowledge_by = None
            status = statuses[i % len(statuses)]
            if ccpa:
                received = now - timedelta(minutes=rng.uniform(0.1, 5)) if case == "ack" else received
                acknowledge_by = received + timedelta(days=14)
                due = max(due, received + timedelta(days=45)) if case == "ack" else due
                if case == "ack":
                    # Verified but not acknowledged (filed at the desk, say): the acknowledgement
                    # is owed; a submitted one gets none (the code mail is the acknowledgement).
                    next_at, status = received, Status.VERIFIED
                else:
                    recorded.append((i, Threshold.ACKNOWLEDGE, acknowledge_by))
            for threshold in earlier.get(case, []):
                recorded.append((i, threshold, due))
            reference = "".join(rng.choice(ALPHABET) for _ in range(10))
            while reference in refs:
                reference = "".join(rng.choice(ALPHABET) for _ in range(10))
            refs.add(reference)
            values = {
                "id": i, "reference": reference, "organisation": org.pk, "subject": i,
                "kind": "deletion", "status": status, "jurisdiction": policy.jurisdiction,
                "received_at": received, "verified_at": received, "clock_started_at": received,
                "due_at": due, "acknowledge_by": acknowledge_by,
                "assignee": members[1 + i % OFFICERS_PER_ORG].pk if i % 2 else None,
            }
            pointers.append((i, next_at))
            yield tuple(values[f.name] if f.name in values else f.get_default() for f in fields)

    t = time.perf_counter()
    copy_rows(RightsRequest, columns, request_rows())
    reset_sequence(RightsRequest)
    print(f"  {n_requests:,} requests in {time.perf_counter() - t:.1f} s", flush=True)

    t = time.perf_counter()
    copy_rows(NextReminder, ["request", "at"], pointers)
    print(f"  {len(pointers):,} next reminders in {time.perf_counter() - t:.1f} s", flush=True)

    t = time.perf_counter()
    copy_rows(Reminder, ["request", "threshold", "due_at", "created_at", "sent_at"],
              ((pk, threshold, due, now - timedelta(days=1), now - timedelta(days=1))
               for pk, threshold, due in recorded))
    print(f"  {len(recorded):,} reminders recorded before now in {time.perf_counter() - t:.1f} s", flush=True)

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_meta (now timestamptz, requests int, due int, reminders bigint)")
        cursor.execute("INSERT INTO bench_meta SELECT %s, %s, %s, coalesce(max(id), 0) FROM requests_app_reminder",
                       [now, n_requests, n_due])
        cursor.execute("CREATE TABLE bench_due AS SELECT request_id, at FROM requests_app_nextreminder "
                       "WHERE at <= %s", [now])
        cursor.execute("ANALYZE")
    return now, time.perf_counter() - started


def existing_fill(n_requests: int, n_due: int) -> datetime | None:
    from django.db import connection

    with connection.cursor() as cursor:
        # A fill from before NextReminder (bench_due without request_id) is made again.
        cursor.execute("SELECT to_regclass('bench_meta') IS NOT NULL AND EXISTS (SELECT 1 FROM "
                       "information_schema.columns WHERE table_name = 'bench_due' AND column_name = 'request_id')")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT now, requests, due FROM bench_meta")
        row = cursor.fetchone()
    if row is None or (row[1], row[2]) != (n_requests, n_due):
        return None
    return row[0]


def reset() -> None:
    """Put the due requests back as before a sweep: their pointer, no reminders or mails of a sweep."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM requests_app_notification")
        cursor.execute("DELETE FROM requests_app_reminder WHERE id > (SELECT reminders FROM bench_meta)")
        # The same ids on every run, so the limit's replayed statements name the rows the sweep wrote.
        cursor.execute("SELECT setval(pg_get_serial_sequence('requests_app_reminder', 'id'), "
                       "greatest(reminders, 1), reminders > 0) FROM bench_meta")
        cursor.execute("SELECT setval(pg_get_serial_sequence('requests_app_notification', 'id'), 1, false)")
        cursor.execute(
            "INSERT INTO requests_app_nextreminder (request_id, at) SELECT request_id, at FROM bench_due "
            "ON CONFLICT (request_id) DO UPDATE SET at = excluded.at WHERE requests_app_nextreminder.at <> excluded.at"
        )
        cursor.execute("VACUUM ANALYZE requests_app_rightsrequest")
        cursor.execute("VACUUM ANALYZE requests_app_nextreminder")
        cursor.execute("VACUUM ANALYZE requests_app_reminder")
        cursor.execute("VACUUM ANALYZE requests_app_notification")
        # Write out what the reset dirtied, so the timed sweep pays only for its own writes.
        cursor.execute("CHECKPOINT")


@contextlib.contextmanager
def captured_statements():
    """The SQL of the block, each statement rendered with its parameters, in order."""
    from django.db import connection
    from psycopg import ClientCursor

    executed: list[tuple] = []
    rendered: list[str] = []

    def capture(execute, sql, params, many, context):
        executed.append((sql, params))  # rendered after the block, outside the timed sweep
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        yield rendered
    rendered += [ClientCursor(connection.connection).mogrify(sql, params) if params else sql
                 for sql, params in executed]


def replay(rendered: list[str]) -> float:
    """The limit: the sweep's own statements (the claim, the reads, the set-based writes)
    sent again as text in one transaction, committed; no Python in between, no broker."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in rendered:
            cursor.cursor.execute(sql)  # results left unread: the database's work only
    return time.perf_counter() - started


def load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


def explain_claim(now: datetime, batch: int) -> str:
    from django.db import connection, transaction

    from requests_app.models import NextReminder

    # The first of claim_due's two statements, the one that finds the batch.
    qs = (NextReminder.objects.select_for_update(skip_locked=True).filter(at__lte=now).order_by("at")
          .values_list("request_id", flat=True)[:batch])
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def timed_sweep(args, run: int, now: datetime) -> int:
    """One sweep; the last run profiled (--profile) or timed per statement (--statements)."""
    from requests_app.workflow.sweeps import sweep_deadlines

    if args.profile and run == args.runs:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        recorded = profiler.runcall(sweep_deadlines, now=now)
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(30)
        return recorded
    if args.statements and run == args.runs:
        with statement_times():
            return sweep_deadlines(now=now)
    return sweep_deadlines(now=now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="profile the last run")
    parser.add_argument("--statements", action="store_true", help="print the last run's time per SQL statement")
    args = parser.parse_args()

    setup()
    from django.db import connection

    from requests_app.models import NextReminder, Notification, Reminder, RightsRequest

    url = point_celery_at_own_queue()
    print(f"database {connection.settings_dict['NAME']}, broker {url.split('@')[-1]} (queue {QUEUE})")
    now = None if args.refill else existing_fill(args.requests, args.due)
    if now is None:
        print(f"filling {args.requests:,} open requests, {args.due:,} of them due ...", flush=True)
        now, fill_seconds = fill(args.requests, args.due)
        print(f"fill: {fill_seconds:.1f} s")
    else:
        print("reusing the data of an earlier fill (--refill to make it again)")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # autovacuum may be off: statistics as the fill left them
    print(f"open requests: {RightsRequest.objects.count():,}; due at the bench's now: "
          f"{NextReminder.objects.filter(at__lte=now).count():,}")

    timings, limits, rendered = [], [], []
    for run in range(1, args.runs + 1):
        reset()
        capture = captured_statements() if run == 1 else contextlib.nullcontext([])
        with capture as statements:  # a list append per statement: nothing to time
            started = time.perf_counter()
            recorded = timed_sweep(args, run, now)
            elapsed = time.perf_counter() - started
        rendered = statements if run == 1 else rendered
        drop_queue(url)
        timings.append(elapsed)
        print(f"run {run}: {elapsed:.2f} s, {recorded:,} reminders recorded, "
              f"{Reminder.objects.filter(sent_at__isnull=False, created_at__gt=now).count():,} sent, "
              f"{Notification.objects.count():,} notifications; "
              f"still due: {NextReminder.objects.filter(at__lte=now).count()}; "
              f"load average {load()}", flush=True)
        # The limit, alternated with the sweep so both meet the same load.
        reset()
        limits.append(replay(rendered))
        replayed = Reminder.objects.filter(created_at__gt=now).count()
        print(f"  limit {run}: {limits[-1]:.2f} s ({len(rendered)} statements replayed, "
              f"{replayed:,} reminders, {Notification.objects.count():,} notifications)", flush=True)
    median, limit = statistics.median(timings), statistics.median(limits)
    print(f"sweep_deadlines: median {median:.2f} s over {len(timings)} runs (min {min(timings):.2f}, "
          f"max {max(timings):.2f}); target < {TARGET_SECONDS:.0f} s: {'met' if median < TARGET_SECONDS else 'MISSED'}")
    print(f"limit, the sweep's SQL alone: median {limit:.2f} s; the sweep takes {median / limit:.1f}x its limit; "
          f"load average {load()}")

    reset()
    print("\nEXPLAIN ANALYZE of the claim (first batch of 5,000):")
    print(explain_claim(now, 5000))
    reset()


if __name__ == "__main__":
    main()

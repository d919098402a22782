"""Benchmark of the officer desk: 1,000,000 requests over 200 organisations, timed over the real views.

Run by hand from the repository root (not part of the test suite):

    .venv/bin/python bench/queue.py

Options: --refill (drop the bench data and fill again), --runs N (timed runs per page,
default 30, after --warmup N, default 3), --requests N (default 1,000,000), --no-explain,
--pages TEXT (time only the pages whose name contains TEXT, e.g. "dashboard").

The database is the bench's own: BENCH_QUEUE_DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/rightsdesk_bench_queue (DATABASE_URL is ignored, so
the fill never truncates another database). It is created and migrated if missing and
reused otherwise; the fill is kept in it and reused by later runs of the same size.

The fill (COPY, as bench/sweep.py) spreads the requests over 200 organisations with a
skewed size (weight 1/sqrt(rank): the busiest has about 37,000 requests, the median
one about 3,700), received over the last two years; each request lives through a
simulated life (outcome fulfilled 70 %, refused 12 %, withdrawn 8 %, expired 10 %;
days to answer log-normal, median 12 days, about one in ten late), so the old ones are
closed and the recent ones open at every stage, some of them overdue. Kinds, time zones
and jurisdictions (CN, US-CA, EU) vary. Each organisation has one officer, who needs no
second factor (an officer without a device); were one needed, the session is marked
verified the way django-otp does.

After a fill, and before measuring on a reused one, every filled table is VACUUM ANALYZEd
(autovacuum is off on the bench server: statistics for the planner, the visibility map
for index-only scans).

Then, for the busiest organisation and for the median one, each page is fetched through
Django's test Client (force_login; the full middleware stack, the view, the template):
the queue's first page, a page deep in the cursor (the 200th page of the queue of every
status, its cursor built for that position as the next link would carry it), a
filtered page (status in review + kind deletion + overdue), and the dashboard; the
queue's first page and the dashboard also as first seen after a request of the
organisation closed (the closed requests' tallies, kept between closings, read again).
Each line prints, measured in the same run: the page's median (and p95), the time of its
own SQL (the driver's execute of each of its queries, timed inside the same requests),
the rest (middleware, view, template: "Python+template", with this process's CPU time,
which the other work on a shared machine moves less), the target (issue 15: under 30 ms
at the median) and the number of queries. Then EXPLAIN (ANALYZE, BUFFERS) of the requests
queries of each page, and the scans the same queries plan once the requests table has no
statistics at all (a hot query must find its index without them).
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and this file is named
# like the standard library's `queue` (which concurrent.futures imports): drop the folder.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import base64  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from bisect import bisect  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from datetime import time as clock  # noqa: E402
from itertools import accumulate  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.database import set_up_django  # noqa: E402

# Its own database, whatever DATABASE_URL the shell has: the fill TRUNCATEs tables.
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_QUEUE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rightsdesk_bench_queue"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# DEBUG off (as in production: no query log, cached templates); bench-only secrets.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
os.environ.setdefault("BIOMETRIC_KEYS", base64.urlsafe_b64encode(b"bench-key-".ljust(32, b"k")).decode())
os.environ.setdefault("SUBJECT_WRAPPING_KEYS", base64.urlsafe_b64encode(b"bench-wrap".ljust(32, b"s")).decode())
os.environ.setdefault("IDENTIFIER_PEPPER", "bench-pepper-not-for-production-0123456789")
os.environ.setdefault("TRANSPARENCY_LOG_KEY_FILE", str(Path(__file__).resolve().parent.parent / "var" / "bench-log.key"))
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Production refuses a per-process rate-limit cache (django_ratelimit.E003).
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/1")
# The test Client talks plain HTTP to "testserver".
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")

ORGANISATIONS = 200
TARGET_MS = 30  # issue 15: every page under 30 ms at the median
PER_PAGE_DEEP = 200  # the page number of the deep page
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GROUNDS = [
    "PIPL art. 47(2): a statutory retention period has not expired",
    "PIPL art. 18: notification would impede an investigation",
    "PIPL art. 13(3): necessary to perform a statutory duty",
    "The identity of the requester could not be established",
    "Manifestly unfounded or excessive (repeated request)",
]
KINDS = {"deletion": 35, "access": 20, "copy": 8, "portability": 4, "correction": 10, "restriction": 6,
         "withdraw_consent": 10, "explanation": 7}
ZONES = {"CN": "Asia/Shanghai", "US-CA": "America/Los_Angeles", "EU": "Europe/Berlin"}
RESPONSE_DAYS = {"CN": 30, "US-CA": 45, "EU": 30}


def setup() -> None:
    from django.test.utils import override_settings

    set_up_django()
    # Templates use {% static %}; the manifest storage would need a collectstatic first.
    override_settings(STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }).enable()


# --- fill -----------------------------------------------------------------------------------


def copy_rows(model, columns: list[str], rows) -> int:
    from django.db import connection

    opts = model._meta
    names = [opts.get_field(name).column for name in columns]
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY {opts.db_table} ({", ".join(names)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def reset_sequence(model) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def end_of_local_day(moment: datetime, days: int, tz: ZoneInfo) -> datetime:
    """As requests_app/cases/deadlines.py counts calendar days: the end of the local day `days` on."""
    day = moment.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(day, clock.max, tzinfo=tz).astimezone(UTC)


def fill(n_requests: int) -> float:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    if "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit(f"refusing to fill {connection.settings_dict['NAME']}: not a bench database")

    from orgs.models import Membership, Organisation
    from requests_app.models import DataSubject, RightsRequest

    started = time.perf_counter()
    rng = random.Random(5)
    now = datetime.now(UTC).replace(microsecond=0)
    with connection.cursor() as cursor:
        # The cascade reaches the append-only events, whose guard yields to this (a bench database only).
        cursor.execute("SET rightsdesk.allow_truncate = on")
        cursor.execute(
            "TRUNCATE requests_app_rightsrequest, requests_app_datasubject, orgs_membership, orgs_organisation, "
            "auth_user RESTART IDENTITY CASCADE"
        )
        cursor.execute("DROP TABLE IF EXISTS bench_queue_meta")

    def jurisdiction_of(i: int) -> str:
        return "US-CA" if i % 10 == 3 else "EU" if i % 10 == 7 else "CN"

    with transaction.atomic():
        orgs = Organisation.objects.bulk_create(
            Organisation(name=f"Bench organisation {i:03d}", slug=f"bench-q-{i:03d}", jurisdiction=jurisdiction_of(i),
                         time_zone=ZONES[jurisdiction_of(i)], contact_email=f"privacy@org{i}.example")
            for i in range(ORGANISATIONS)
        )
        User = get_user_model()
        officers = User.objects.bulk_create(
            User(username=f"officer-{org.slug}", email=f"officer@{org.slug}.example", password="!") for org in orgs
        )
        Membership.objects.bulk_create(
            Membership(user=user, organisation=org, role=Membership.Role.OFFICER) for org, user in zip(orgs, officers)
        )
    print(f"  {len(orgs)} organisations, {len(officers)} officers", flush=True)

    t = time.perf_counter()
    copy_rows(
        DataSubject,
        ["id", "full_name", "email", "phone", "preferred_language", "email_hash", "phone_hash",
         "member_number_hash", "id_number_hash", "masked_identifiers", "created_at"],
        ((i, f"Person {i}", f"p{i}@example.com", "", "zh-hans" if i % 3 else "en", f"{i:064x}", "", "", "",
          f"{ALPHABET[i % 32].lower()}***@example.com", now) for i in range(1, n_requests + 1)),
    )
    reset_sequence(DataSubject)
    print(f"  {n_requests:,} subjects in {time.perf_counter() - t:.1f} s", flush=True)

    cumulative = list(accumulate(1 / math.sqrt(rank + 1) for rank in range(ORGANISATIONS)))
    kind_names, kind_cumulative = list(KINDS), list(accumulate(KINDS.values()))
    zones = {code: ZoneInfo(name) for code, name in ZONES.items()}
    S = RightsRequest.Status
    fields = list(RightsRequest._meta.concrete_fields)
    columns = [f.name for f in fields]
    defaults = {f.name: f.get_default() for f in fields}  # per-row values are set below

    def life(received: datetime, jurisdiction: str):
        """(status, verified_at, closed_at, paused_at) of a request received then, as of now."""
        outcome = rng.random()
        if outcome < 0.10:  # never verified: expires after 14 days
            closes = received + timedelta(days=14, hours=rng.uniform(0, 2))
            return (S.EXPIRED, None, closes, None) if closes <= now else (S.SUBMITTED, None, None, None)
        verified = received + timedelta(hours=rng.uniform(0.05, 30))
        if outcome < 0.18:  # withdrawn after a few days
            closes = received + timedelta(days=rng.uniform(1, 20))
            status = S.WITHDRAWN
        else:
            closes = received + timedelta(days=min(rng.lognormvariate(math.log(12), 0.75), 200))
            status = S.REFUSED if outcome < 0.30 else S.FULFILLED
        if closes <= now:
            return status, verified, closes, None
        if verified > now:
            return S.SUBMITTED, None, None, None
        progress = (now - received) / (closes - received)
        paused = None
        if progress < 0.15:
            status = S.VERIFIED
        elif progress < 0.55:
            status = S.IN_REVIEW
        elif progress < 0.65:
            status = S.AWAITING_SUBJECT
            if jurisdiction != "US-CA":  # the CCPA clock never pauses
                paused = now - timedelta(hours=rng.uniform(1, 72))
        elif progress < 0.8:
            status = S.APPROVED
        else:
            status = S.FULFILLING
        return status, verified, None, paused

    def request_rows():
        refs = set()
        for i in range(1, n_requests + 1):
            index = bisect(cumulative, rng.random() * cumulative[-1])
            org, officer = orgs[index], officers[index]
            jurisdiction, tz = org.jurisdiction, zones[org.jurisdiction]
            received = now - timedelta(seconds=rng.uniform(0, 730 * 86400))
            status, verified, closed, paused = life(received, jurisdiction)
            clock_start = received if jurisdiction != "CN" else verified
            due = end_of_local_day(clock_start, RESPONSE_DAYS[jurisdiction], tz) if clock_start else None
            reference = "".join(rng.choice(ALPHABET) for _ in range(10))
            while reference in refs:
                reference = "".join(rng.choice(ALPHABET) for _ in range(10))
            refs.add(reference)
            values = {
                **defaults,
                "id": i, "reference": reference, "submission": None, "organisation": org.pk, "subject": i,
                "kind": kind_names[bisect(kind_cumulative, rng.random() * kind_cumulative[-1])],
                "status": status, "jurisdiction": jurisdiction,
                "received_at": received, "verified_at": verified, "clock_started_at": clock_start, "due_at": due,
                "paused_at": paused, "closed_at": closed,
                "expires_at": received + timedelta(days=14) if status == S.SUBMITTED else None,
                "assignee": officer.pk if status not in (S.SUBMITTED, S.VERIFIED, S.EXPIRED) else None,
            }
            values["submission"] = RightsRequest._meta.get_field("submission").get_default()
            if status == S.REFUSED:
                values["refusal_reason"] = "The records are needed for a pending case."
                values["refusal_legal_ground"] = GROUNDS[min(int(rng.expovariate(0.8)), len(GROUNDS) - 1)]
                values["appeal_closes_at"] = closed + timedelta(days=15)
            yield tuple(values[name] for name in columns)

    t = time.perf_counter()
    copy_rows(RightsRequest, columns, request_rows())
    reset_sequence(RightsRequest)
    print(f"  {n_requests:,} requests in {time.perf_counter() - t:.1f} s", flush=True)

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_queue_meta (requests int, filled_at timestamptz)")
        cursor.execute("INSERT INTO bench_queue_meta VALUES (%s, %s)", [n_requests, now])
    vacuum()
    return time.perf_counter() - started


def vacuum() -> None:
    """VACUUM ANALYZE: statistics for the planner, and the visibility map for index-only scans."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("requests_app_rightsrequest", "requests_app_datasubject", "auth_user", "orgs_membership",
                      "orgs_organisation"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def existing_fill(n_requests: int) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_queue_meta') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SELECT requests FROM bench_queue_meta")
        row = cursor.fetchone()
    return row is not None and row[0] == n_requests


# --- timing -----------------------------------------------------------------------------------


def signed_in_client(user):
    """A test Client signed in as `user`, its second factor passed where one is required."""
    from django.test import Client

    from orgs.accounts.second_factor import must_verify

    client = Client()
    client.force_login(user)
    if must_verify(user):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def deep_cursor(organisation, page: int) -> tuple[str | None, int]:
    """The cursor the next link of page `page - 1` carries, in the queue of every status
    (or of the last page there is, for a smaller organisation); and the page it reaches."""
    from requests_app.models import RightsRequest
    from requests_app.desk import pagination

    queue = RightsRequest.objects.filter(organisation=organisation).order_by(*pagination.FORWARD)
    total = queue.count()
    pages = max(1, math.ceil(total / pagination.PER_PAGE))
    page = min(page, pages)
    if page == 1:
        return None, 1
    edge = queue.only("pk", "due_at")[(page - 1) * pagination.PER_PAGE - 1]
    return pagination._cursor("a", edge), page


def pages_to_time(organisation) -> list[tuple[str, str, dict]]:
    from django.urls import NoReverseMatch, reverse

    from requests_app.models import RightsRequest

    found = []
    try:
        queue_url = reverse("desk:queue")
    except NoReverseMatch:
        queue_url = None
    if queue_url:
        every_status = {"status": list(RightsRequest.Status.values)}
        cursor, page = deep_cursor(organisation, PER_PAGE_DEEP)
        found += [
            ("queue, first page", queue_url, {}),
            (f"queue, page {page} (cursor; every status)", queue_url, {**every_status, "cursor": cursor or ""}),
            ("queue, filtered (in review + deletion + overdue)", queue_url,
             {"status": "in_review", "kind": "deletion", "overdue": "on"}),
        ]
    else:
        print("  (no queue view yet: desk:queue does not resolve)")
    try:
        found.append(("dashboard", reverse("desk:dashboard"), {}))
    except NoReverseMatch:
        print("  (no dashboard view yet)")
    return found


def with_a_closing_before(pages, organisation) -> list[tuple[str, str, dict, object]]:
    """Each page as it is seen again and again, and the queue's first page and the dashboard
    also as first seen after one of the organisation's requests closed: the closed requests'
    tallies, kept between closings (requests_app/desk/closed_tallies.py), are read again."""
    try:
        from requests_app.models import ClosedRequestsVersion
    except ImportError:  # code from before the tallies were kept: every view reads them
        return [(name, url, params, None) for name, url, params in pages]

    def a_closing():
        ClosedRequestsVersion.bump(organisation.pk)  # what the closing step does in its transaction

    found = []
    for name, url, params in pages:
        found.append((name, url, params, None))
        if name in ("queue, first page", "dashboard"):
            found.append((f"{name}, after a closing", url, params, a_closing))
    return found


class SqlClock:
    """connection.execute_wrapper: the time spent in the database driver's execute (the query
    sent, run by PostgreSQL, its rows back), summed over one page's queries."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def time_page(client, url: str, params: dict, *, runs: int, warmup: int, before=None) -> list[tuple[float, float, float]]:
    """(page ms, its SQL ms, this process's CPU ms) of each timed run, the SQL timed inside
    the same request. The CPU time is the Python side's own, whatever else the machine runs."""
    from django.db import connection

    timings = []
    for n in range(warmup + runs):
        if before is not None:
            before()
        sql = SqlClock()
        with connection.execute_wrapper(sql):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url, params)
            elapsed, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params}: HTTP {response.status_code}")
        if n >= warmup:
            timings.append((elapsed, sql.seconds * 1000, cpu))
    return timings


def line(f: dict) -> str:
    return (f"page {f['page']:6.1f} ms (p95 {f['p95']:6.1f}), its SQL {f['sql']:5.1f} ms, "
            f"Python+template {f['python']:5.1f} ms (CPU {f['cpu']:5.1f}), target {TARGET_MS} ms, {f['queries']:2d} queries  {f['verdict']}")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def captured_queries(client, url: str, params: dict) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    return captured.captured_queries


def main_queries(queries: list[dict]) -> list[dict]:
    """The queries that read the requests table (the session and membership lookups are not)."""
    return [q for q in queries if '"requests_app_rightsrequest"' in q["sql"] and not q["sql"].startswith("SAVEPOINT")]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def plans_without_statistics(queries: list[dict]) -> str:
    """The scans each query's plan makes once the requests table has no statistics (as
    after a bulk load with autovacuum off): deleted, planned, then rolled back."""
    from django.db import connection, transaction

    lines = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM pg_statistic WHERE starelid = 'requests_app_rightsrequest'::regclass")
        cursor.execute("UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = 'requests_app_rightsrequest'::regclass"
                       " OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'requests_app_rightsrequest'::regclass)")
        for query in queries:
            cursor.execute("EXPLAIN " + query["sql"])
            scans = [row[0].strip(" ->") for row in cursor.fetchall() if "Scan" in row[0]]
            lines.append(f"-- {query['sql'][:160]} ...\n     " + "\n     ".join(scans))
        transaction.set_rollback(True)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--pages", default="", help="time only the pages whose name contains this (e.g. dashboard)")
    args = parser.parse_args()

    setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count

    from orgs.models import Organisation
    from requests_app.models import RightsRequest

    print(f"database {connection.settings_dict['NAME']}")
    if args.refill or not existing_fill(args.requests):
        print(f"filling {args.requests:,} requests over {ORGANISATIONS} organisations ...", flush=True)
        print(f"fill: {fill(args.requests):.1f} s")
    else:
        print("reusing the data of an earlier fill (--refill to make it again)")
        vacuum()

    sizes = list(
        RightsRequest.objects.order_by().values("organisation").annotate(n=Count("pk")).order_by("-n", "organisation")
    )
    busiest, median = sizes[0], sizes[len(sizes) // 2]
    print(f"requests: {sum(s['n'] for s in sizes):,}; per organisation: busiest {busiest['n']:,}, "
          f"median {median['n']:,}, smallest {sizes[-1]['n']:,}")

    results, plans = [], []
    for label, size in (("busiest", busiest), ("median", median)):
        organisation = Organisation.objects.get(pk=size["organisation"])
        by_status = dict(RightsRequest.objects.filter(organisation=organisation).order_by()
                         .values_list("status").annotate(n=Count("pk")))
        print(f"\n{label} organisation: {organisation.name} ({organisation.time_zone}), {size['n']:,} requests; "
              f"{', '.join(f'{k} {v:,}' for k, v in sorted(by_status.items()))}")
        officer = get_user_model().objects.get(username=f"officer-{organisation.slug}")
        client = signed_in_client(officer)
        for name, url, params, before in with_a_closing_before(pages_to_time(organisation), organisation):
            if args.pages not in name:
                continue
            try:
                timings = time_page(client, url, params, runs=args.runs, warmup=args.warmup, before=before)
            except Exception as exc:  # noqa: BLE001 - a page not finished yet: say so, time the rest
                print(f"  {name:52s} FAILED: {exc!r}"[:300], flush=True)
                continue
            if before is not None:
                before()
            queries = captured_queries(client, url, params)
            pages = [t[0] for t in timings]
            figures = {
                "page": statistics.median(pages), "p95": p95(pages), "sql": statistics.median(t[1] for t in timings),
                "python": statistics.median(page - sql for page, sql, _cpu in timings),
                "cpu": statistics.median(t[2] for t in timings), "queries": len(queries),
            }
            figures["verdict"] = "ok" if figures["page"] < TARGET_MS else "OVER TARGET"
            results.append((label, name, figures))
            print(f"  {name:52s} {line(figures)}", flush=True)
            if label == "busiest" and not args.no_explain:
                plans.append((name, main_queries(queries)))

    print(f"\nsummary (target: median under {TARGET_MS} ms; \"its SQL\" is the median of the time its queries "
          f"took inside the same requests, \"Python\" the rest: middleware, view, template)")
    for label, name, figures in results:
        print(f"  {label:8s} {name:52s} {line(figures)}")
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared)")

    if not args.no_explain:
        print("\n=== the hot queries without statistics: does each still find its index? ===")
        print(plans_without_statistics([q for _name, queries in plans for q in queries]))

    for name, queries in plans:
        print(f"\n=== {name} (busiest organisation): EXPLAIN (ANALYZE, BUFFERS) of the requests queries ===")
        for query in queries:
            print(f"\n-- {query['sql'][:400]}{' ...' if len(query['sql']) > 400 else ''}")
            print(explain(query["sql"]))


if __name__ == "__main__":
    main()

"""Benchmark of intake beside the machine's limit, in the same run: requests filed through the
citizens' API (POST /api/v1/public/requests/, JSON) on gunicorn, against pgbench writing the
same rows in one transaction.

Run by hand from the repository root (not part of the test suite):

    .venv/bin/python bench/intake.py

Options: --sequential N (default 400: one client, one gunicorn worker), --concurrent N
(default 800: --threads clients, default 8, against --workers gunicorn workers, default 4 as
docs/deploy/rightsdesk-web.service runs), --json (one JSON line after the table), --keep
(keep the temporary folder with the server's log, and the database), --profile (a cProfile of one
intake made in-process, top functions by cumulative time), --peer URL with --peer-body FILE (the
same load sent to another system's endpoint, the body a template with {email} and {n};
its req/s printed beside Rightsdesk's).

The database is the bench's own: BENCH_INTAKE_DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/rd_bench_intake, created afresh each run (and dropped
after it unless --keep), migrated, one organisation taking public requests, ANALYZEd.
Redis: the broker on BENCH_INTAKE_BROKER_URL (db 14), the rate-limit cache on BENCH_INTAKE_CACHE_URL (db 15);
both are flushed before and after (no worker runs: the code mails' tasks just queue).

Every request is a new person (a unique email) from a new client address: the server runs
as behind the deployed proxy (BEHIND_PROXY=1), which sets X-Real-IP and X-Forwarded-Proto,
so the rate limits (300/h an address, 5/h a person) and the HTTPS redirect stay on and are
passed honestly. Any answer but 201 fails the run.

The limit: one intake is first made in-process (the SQL it sends is counted and printed);
its rows are the templates of a pgbench script that writes what intake writes (the person,
the request, its first event and the event's pending entry, the challenge, the update of
the request's chain head) in one transaction into scratch tables copied from the real ones
(LIKE ... INCLUDING ALL: same columns, defaults, checks and indexes), with fresh values in
the hashed and unique columns; 8 clients, 2 threads, prepared statements, for as long as
the concurrent load took. The ratio is Rightsdesk's req/s over pgbench's tx/s.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and it holds bench/queue.py,
# named like the standard library's `queue` (which concurrent.futures and redis import).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PG_URL = os.environ.get("BENCH_INTAKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rd_bench_intake")
BROKER_URL = os.environ.get("BENCH_INTAKE_BROKER_URL", "redis://127.0.0.1:6379/14")
CACHE_URL = os.environ.get("BENCH_INTAKE_CACHE_URL", "redis://127.0.0.1:6379/15")
SLUG = "bench-intake"
PATH = "/api/v1/public/requests/"
# What intake writes, in order: (table, {column: the scratch table whose new id it takes}).
WRITES = [
    ("requests_app_datasubject", {}),
    ("requests_app_rightsrequest", {"subject_id": "requests_app_datasubject"}),
    ("requests_app_requestevent", {"request_id": "requests_app_rightsrequest"}),
    ("requests_app_pendingentry", {"event_id": "requests_app_requestevent"}),
    ("requests_app_verificationchallenge", {"request_id": "requests_app_rightsrequest"}),
]


def environment(var_dir: Path) -> dict:
    """Production-like (DEBUG off, Redis cache and broker, behind the proxy); bench-only secrets."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "DATABASE_URL": PG_URL,
        "CELERY_BROKER_URL": BROKER_URL, "REDIS_URL": BROKER_URL, "CACHE_URL": CACHE_URL,
        "SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
        "BIOMETRIC_KEYS": base64.urlsafe_b64encode(b"bench-key-".ljust(32, b"k")).decode(),
        "SUBJECT_WRAPPING_KEYS": base64.urlsafe_b64encode(b"bench-wrap".ljust(32, b"s")).decode(),
        "IDENTIFIER_PEPPER": "bench-pepper-not-for-production-0123456789",
        "VAR_DIR": str(var_dir), "TRANSPARENCY_LOG_KEY_FILE": str(var_dir / "transparency-log.key"),
        "BEHIND_PROXY": "1", "ALLOWED_HOSTS": "127.0.0.1,testserver", "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
    }


def fresh_database(create: bool = True) -> None:
    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis() -> None:
    import redis

    for url in (BROKER_URL, CACHE_URL):
        redis.Redis.from_url(url).flushdb()


def fill() -> None:
    """Migrated, one organisation taking public requests (no factories), ANALYZEd."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from orgs.models import Organisation

    call_command("migrate", verbosity=0, interactive=False)
    Organisation.objects.create(name="Bench Intake Park", slug=SLUG, jurisdiction="CN", time_zone="Asia/Shanghai",
                                contact_email="privacy@bench.example", accepts_public_requests=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def body(n: int, run: str) -> dict:
    return {"organisation": SLUG, "kinds": ["deletion"], "identity": {"email": f"person{n}.{run}@bench.example"},
            "data_description": "My face template taken at the north gate"}


def address(n: int) -> str:
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def one_in_process(run: str) -> dict:
    """One intake through the test Client: its SQL counted; its rows become pgbench's templates."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = Client().post(PATH, json.dumps(body(0, run)), content_type="application/json",
                                 HTTP_X_REAL_IP=address(0), HTTP_X_FORWARDED_PROTO="https")
    if response.status_code != 201:
        raise SystemExit(f"the in-process intake answered {response.status_code}: {response.content[:300]!r}")
    verbs = [q["sql"].split(None, 1)[0].upper() for q in queries.captured_queries]
    return {"statements": len(verbs), **{verb.lower(): verbs.count(verb) for verb in
                                          ("SELECT", "INSERT", "UPDATE", "SAVEPOINT", "RELEASE")}}


def sequence(cursor, table: str) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f"bench_{table}"])
    return cursor.fetchone()[0]


def profile_one(run: str, top: int = 14) -> str:
    """cProfile of one more intake in-process: where a request's time goes, by cumulative time."""
    import cProfile
    import io
    import pstats

    from django.test import Client

    client, profiler = Client(), cProfile.Profile()
    profiler.enable()
    client.post(PATH, json.dumps(body(9 * 10**6, run)), content_type="application/json",
                HTTP_X_REAL_IP=address(9 * 10**6), HTTP_X_FORWARDED_PROTO="https")
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"(requests_app|orgs)/", top)  # Rightsdesk's own steps
    stats.sort_stats("tottime").print_stats(top // 2)  # and where the time is spent itself
    return out.getvalue()


def pgbench_script(folder: Path) -> Path:
    """Scratch copies of the tables intake writes, and a script writing one intake's rows into them."""
    from django.db import connection

    lines = ["BEGIN;"]
    with connection.cursor() as cursor:
        for table, parents in WRITES:
            cursor.execute(f'DROP TABLE IF EXISTS "bench_{table}"')
            cursor.execute(f'CREATE TABLE "bench_{table}" (LIKE "{table}" INCLUDING ALL)')
            cursor.execute("SELECT column_name, data_type, is_identity = 'YES' FROM information_schema.columns "
                           "WHERE table_name = %s ORDER BY ordinal_position", [table])
            columns, values = [], []
            for name, data_type, identity in cursor.fetchall():
                if identity:
                    continue
                columns.append(f'"{name}"')
                if name in parents:
                    values.append(f"currval('{sequence(cursor, parents[name])}')")
                elif data_type == "uuid":
                    values.append("gen_random_uuid()")
                elif name.endswith("_hash") or name in ("reference", "email", "chain_head", "prev_hash"):
                    # a fresh value of the same length (an empty one stays empty): no index dedup
                    values.append(f"CASE WHEN \"{name}\" = '' THEN '' ELSE left(md5(random()::text) || "
                                  f"md5(random()::text), length(\"{name}\")) END")
                else:
                    values.append(f'"{name}"')
            key = "event_id" if table == "requests_app_pendingentry" else "id"
            cursor.execute(f'SELECT min("{key}") FROM "{table}"')
            template = cursor.fetchone()[0]
            lines.append(f'INSERT INTO "bench_{table}" ({", ".join(columns)}) SELECT {", ".join(values)} '
                         f'FROM "{table}" WHERE "{key}" = {int(template)};')
            if table == "requests_app_requestevent":
                lines.append("UPDATE \"bench_requests_app_rightsrequest\" SET event_count = 1, chain_head = "
                             "md5(random()::text) || md5(random()::text) WHERE id = "
                             f"currval('{sequence(cursor, 'requests_app_rightsrequest')}');")
        cursor.execute("ANALYZE")
    lines.append("COMMIT;")
    script = folder / "intake.sql"
    script.write_text("\n".join(lines) + "\n")
    return script


def run_pgbench(script: Path, seconds: int) -> float:
    out = subprocess.run(["/usr/bin/pgbench", "-n", "-M", "prepared", "-c", "8", "-j", "2", "-T", str(seconds),
                          "-f", str(script), PG_URL], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    raise SystemExit(f"pgbench failed:\n{out.stdout}\n{out.stderr}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [GUNICORN, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--timeout", "60", "--access-logfile", "-", "--error-logfile", "-",
         "--no-control-socket"],  # gunicorn's default socket is one path in $HOME, shared by every instance
        cwd=ROOT, env={**os.environ, **env}, stdout=log.open("a"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}{PATH}"
    try:
        wait_for(server, url, log)
    except BaseException:  # never leave a server behind
        stop(server)
        raise
    return server, url


def wait_for(server: subprocess.Popen, url: str, log: Path) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(url, headers={"X-Forwarded-Proto": "https"}, timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {log}") from None
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log}")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def load(url: str, n: int, threads: int, make_body, expect=(201,), first: int = 1) -> dict:
    """n POSTs from `threads` clients, each a new person from a new address; fails on any other answer."""
    import requests

    local, latencies, errors, lock = threading.local(), [], [], threading.Lock()

    def one(i: int) -> None:
        session = getattr(local, "session", None) or setattr(local, "session", requests.Session()) or local.session
        ip = address(i)
        headers = {"X-Real-IP": ip, "X-Forwarded-For": ip, "X-Forwarded-Proto": "https"}
        started = time.perf_counter()
        try:
            response = session.post(url, json=make_body(i), headers=headers, timeout=60, allow_redirects=False)
            status, text = response.status_code, response.text[:200]
        except requests.RequestException as exc:
            status, text = None, repr(exc)
        took = time.perf_counter() - started
        with lock:
            latencies.append(took)
            if status not in expect:
                errors.append((status, text))

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(first, first + n)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"n": n, "threads": threads, "seconds": round(elapsed, 2), "rps": round(n / elapsed, 1),
            "median_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000, 1),
            "errors": len(errors), "first_error": errors[0] if errors else None}


def checked(name: str, result: dict) -> dict:
    if result["errors"]:
        raise SystemExit(f"{name}: {result['errors']} of {result['n']} answers were not the expected 2xx; "
                         f"first: {result['first_error']}")
    return result


def peer_load(args, run: str) -> dict:
    template = Path(args.peer_body).read_text()

    def make_body(i: int) -> dict:
        return json.loads(template.replace("{email}", f"person{i}.{run}@bench.example").replace("{n}", str(i)))

    ok = tuple(range(200, 300))
    return {"sequential": checked("peer sequential", load(args.peer, args.sequential, 1, make_body, ok)),
            "concurrent": checked("peer concurrent", load(args.peer, args.concurrent, args.threads, make_body, ok,
                                                          first=args.sequential + 1))}


def measure(args, folder: Path) -> dict:
    env = environment(folder)
    os.environ.update(env)
    for name in ("mail", "staticfiles"):
        (folder / name).mkdir()
    fresh_database()
    flush_redis()
    fill()
    run = str(int(time.time()))
    result = {"load_before": [round(x, 2) for x in os.getloadavg()], "one_intake_sql": one_in_process(run)}
    script = pgbench_script(folder)
    if args.profile:
        result["profile"] = profile_one(run)
    from django.db import connections

    connections.close_all()
    log = folder / "gunicorn.log"
    make_body = lambda i: body(i, run)  # noqa: E731
    server, url = start_server(env, 1, log)
    try:
        load(url, 20, 1, make_body, first=10**6)  # warm the worker: imports, connections, templates
        result["sequential"] = checked("sequential", load(url, args.sequential, 1, make_body))
    finally:
        stop(server)
    server, url = start_server(env, args.workers, log)
    try:
        load(url, 40, args.threads, make_body, first=2 * 10**6)
        result["concurrent"] = checked("concurrent", load(url, args.concurrent, args.threads, make_body,
                                                          first=args.sequential + 1))
    finally:
        stop(server)
    result["limit_tps"] = run_pgbench(script, max(5, round(result["concurrent"]["seconds"])))
    if args.peer:
        result["peer"] = peer_load(args, run)
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    result["server_errors"] = sum(" 500 " in line or "Traceback" in line for line in log.read_text().splitlines())
    return result


def table(args, result: dict) -> str:
    limit, seq, con = result["limit_tps"], result["sequential"], result["concurrent"]
    peer = result.get("peer", {})
    rows = [
        ("measure", "Rightsdesk", "limit (pgbench, same writes)", "ratio", "median / p95 ms", "peer"),
        ("intake, 1 worker, sequential", f"{seq['rps']:,.1f} req/s", f"{limit:,.0f} tx/s",
         f"{100 * seq['rps'] / limit:.1f} %", f"{seq['median_ms']} / {seq['p95_ms']}",
         f"{peer['sequential']['rps']:,.1f} req/s" if peer else "-"),
        (f"intake, {args.workers} workers, {args.threads} concurrent", f"{con['rps']:,.1f} req/s", f"{limit:,.0f} tx/s",
         f"{100 * con['rps'] / limit:.1f} %", f"{con['median_ms']} / {con['p95_ms']}",
         f"{peer['concurrent']['rps']:,.1f} req/s" if peer else "-"),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    sql = result["one_intake_sql"]
    lines += [
        f"requests: {seq['n']} sequential, {con['n']} concurrent, 0 errors; pgbench: 8 clients, 2 threads, "
        f"{max(5, round(con['seconds']))} s",
        f"one intake sends {sql['statements']} SQL statements ({sql['select']} SELECT, {sql['insert']} INSERT, "
        f"{sql['update']} UPDATE, {sql['savepoint'] + sql['release']} SAVEPOINT/RELEASE, the rest BEGIN/COMMIT)",
        f"load average (1, 5, 15 min) before {result['load_before']}, after {result['load_after']}; "
        f"{os.cpu_count()} CPUs; the load's clients run on the same machine",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequential", type=int, default=400)
    parser.add_argument("--concurrent", type=int, default=800)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--peer", help="another system's intake endpoint (full URL)")
    parser.add_argument("--peer-body", help="a JSON body template with {email} and {n}")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one intake in-process")
    args = parser.parse_args()
    if bool(args.peer) != bool(args.peer_body):
        parser.error("--peer and --peer-body go together")
    folder = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    try:
        result = measure(args, folder)
    finally:
        flush_redis()
        if not args.keep:  # nothing left behind: the folder and the database go
            shutil.rmtree(folder, ignore_errors=True)
            from django.db import connections

            connections.close_all()
            fresh_database(create=False)
    print(table(args, result))
    if args.profile:
        print(result.pop("profile"))
    if args.keep:
        print(f"server log: {folder / 'gunicorn.log'}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()

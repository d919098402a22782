"""Benchmark of intake beside the machine's limit, in the same run: requests filed through the
citizens' API (POST /api/v1/public/requests/, JSON) on gunicorn, against pgbench writing the
same rows in one transaction.

Run by hand from the repository root (not part of the test suite):

    .venv/bin/python bench/intake.py

The load is wrk's (Debian's package `wrk`), C, so the clients take little of the two cores
the server shares with them: for --seconds (default 15) one connection against one gunicorn
worker, then --connections (default 8) against --workers (default 4, as
docs/deploy/rightsdesk-web.service runs). Options: --json (one JSON line after the table),
--keep (keep the temporary folder with the server's log, and the database), --profile (the
CPU time of an intake made in-process, and a cProfile of 200 of them on process time),
--peer URL with --peer-body FILE (the same load sent to another system's endpoint, the body
a template with {email} and {n}; its req/s printed beside Rightsdesk's).

The database is the bench's own: BENCH_INTAKE_DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/rd_bench_intake, created afresh each run (and dropped
after it unless --keep), migrated, one organisation taking public requests, ANALYZEd.
Redis: the broker on BENCH_INTAKE_BROKER_URL (db 14), the rate-limit cache on BENCH_INTAKE_CACHE_URL (db 15);
both are flushed before and after (no worker runs: the code mails' tasks just queue).

Every request is a new person (a unique email) from a new client address: the server runs
as behind the deployed proxy (BEHIND_PROXY=1), which sets X-Real-IP and X-Forwarded-Proto,
so the rate limits (300/h an address, 5/h a person) and the HTTPS redirect stay on and are
passed honestly. Any answer but 201 fails the run.

The limit: two intakes are first made in-process (the second one's SQL statements and Redis
commands are counted and printed);
its rows are the templates of a pgbench script that writes what intake writes (the person,
the request with its chain head, its first event and the event's pending entry, the
challenge) in one transaction into scratch tables copied from the real ones
(LIKE ... INCLUDING ALL: same columns, defaults, checks and indexes), with fresh values in
the hashed and unique columns; 8 clients, 2 threads, prepared statements, for --seconds.
The ratio is Rightsdesk's req/s over pgbench's tx/s (target: at least 25 % concurrent).
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
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WRK = "/usr/bin/wrk"
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
    """Intakes through the test Client; the second (a warm process, as a server's) has its SQL
    statements and its Redis round trips (MONITOR: the commands a client sent, not those a
    script ran inside Redis) counted; the rows become pgbench's templates."""
    import redis
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, sent, ready = Client(), [], threading.Event()

    def monitor() -> None:
        with redis.Redis.from_url(CACHE_URL).monitor() as watching:
            ready.set()
            for command in watching.listen():
                if command.get("client_type") != "lua" and command["db"] in (14, 15):
                    sent.append(command["command"].split(None, 1)[0].upper())
                if command["command"].startswith("ECHO bench-intake-done"):
                    return

    for n in (0, 1):
        if n == 1:
            threading.Thread(target=monitor, daemon=True).start()
            ready.wait(5)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(PATH, json.dumps(body(n, run)), content_type="application/json",
                                   HTTP_X_REAL_IP=address(n), HTTP_X_FORWARDED_PROTO="https")
        if response.status_code != 201:
            raise SystemExit(f"the in-process intake answered {response.status_code}: {response.content[:300]!r}")
    redis.Redis.from_url(CACHE_URL).echo("bench-intake-done")
    time.sleep(0.2)
    verbs = [q["sql"].split(None, 1)[0].upper() for q in queries.captured_queries]
    sent = [verb for verb in sent if verb != "ECHO"]
    return {"statements": len(verbs), "verbs": {verb: verbs.count(verb) for verb in dict.fromkeys(verbs)},
            "redis": {verb: sent.count(verb) for verb in dict.fromkeys(sent)}}


def sequence(cursor, table: str) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [f"bench_{table}"])
    return cursor.fetchone()[0]


def profile(run: str, n: int = 200, top: int = 25) -> str:
    """CPU time of `n` intakes in-process (cProfile on process time): the mean per intake, and
    where it goes, Rightsdesk's own steps and then the functions that spend it themselves."""
    import cProfile
    import io
    import pstats

    from django.test import Client

    client, profiler = Client(), cProfile.Profile(time.process_time)
    started = time.process_time()
    for i in range(n):
        client.post(PATH, json.dumps(body(9 * 10**6 + i, run)), content_type="application/json",
                    HTTP_X_REAL_IP=address(9 * 10**6 + i), HTTP_X_FORWARDED_PROTO="https")
    plain = (time.process_time() - started) / n
    profiler.enable()
    for i in range(n):
        client.post(PATH, json.dumps(body(8 * 10**6 + i, run)), content_type="application/json",
                    HTTP_X_REAL_IP=address(8 * 10**6 + i), HTTP_X_FORWARDED_PROTO="https")
    profiler.disable()
    out = io.StringIO()
    out.write(f"CPU time of one intake in-process (the test Client's own work included): {plain * 1000:.2f} ms "
              f"(mean of {n}); the profile below is of {n} more, cProfile's own cost included\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"(requests_app|orgs)/", top)
    stats.sort_stats("tottime").print_stats(top // 2)
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
        cursor.execute("ANALYZE")
    lines.append("COMMIT;")
    script = folder / "intake.sql"
    script.write_text("\n".join(lines) + "\n")
    return script


def run_pgbench(script: Path, seconds: int) -> tuple[float, float]:
    """pgbench's transactions per second, and the database's CPU time per transaction (ms)."""
    import psycopg

    bench = subprocess.Popen(["/usr/bin/pgbench", "-n", "-M", "prepared", "-c", "8", "-j", "2", "-T", str(seconds),
                              "-f", str(script), PG_URL], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)  # its 8 connections are open
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        backends = [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
    used = cpu_seconds(backends)
    backends_cpu = lambda: cpu_seconds(backends)  # noqa: E731 - read just before the backends exit
    last = used
    while bench.poll() is None:
        last = backends_cpu() or last
        time.sleep(0.2)
    out, err = bench.communicate()
    for line in out.splitlines():
        if line.startswith("tps ="):
            tps = float(line.split()[2])
            return tps, round(1000 * (last - used) / (tps * (seconds - 1)), 2)
    raise SystemExit(f"pgbench failed:\n{out}\n{err}")


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


LOAD_SCRIPT = r"""
-- wrk's load: every request a new person (a unique email) from a new client address.
local template, run, path, expect_low, expect_high = %(template)s, %(run)s, %(path)s, %(low)d, %(high)d
local threads, next_base = {}, %(first)d
function setup(thread)
  thread:set("base", next_base)
  next_base = next_base + 1000000
  table.insert(threads, thread)
end
counter, failures, first_failure = 0, 0, ""
function request()
  counter = counter + 1
  local n = base + counter
  local email = "person" .. n .. "." .. run .. "@bench.example"
  local body = template:gsub("{email}", email):gsub("{n}", tostring(n))
  local ip = string.format("10.%%d.%%d.%%d", math.floor(n / 65536) %% 256, math.floor(n / 256) %% 256, n %% 256)
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["X-Real-IP"] = ip,
                                   ["X-Forwarded-For"] = ip, ["X-Forwarded-Proto"] = "https"}, body)
end
function response(status, headers, body)
  if status < expect_low or status > expect_high then
    failures = failures + 1
    if first_failure == "" then first_failure = status .. " " .. string.sub(body, 1, 200) end
  end
end
function done(summary, latency, requests)
  local failed, first = 0, ""
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
    if first == "" then first = thread:get("first_failure") end
  end
  io.write(string.format('WRK {"n": %%d, "seconds": %%.3f, "median_ms": %%.1f, "p95_ms": %%.1f, "failed": %%d, ' ..
                         '"socket_errors": %%d, "first_failure": %%q}\n', summary.requests, summary.duration / 1e6,
                         latency:percentile(50) / 1000, latency:percentile(95) / 1000, failed,
                         summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
                         first))
end
"""


def load(url: str, seconds: int, threads: int, connections: int, template: str, run: str, folder: Path,
         first: int, expect=(201, 201)) -> dict:
    """wrk for `seconds` with `connections` open at once; each request a new person from a new address."""
    from urllib.parse import urlsplit

    script = folder / f"load-{first}.lua"
    script.write_text(LOAD_SCRIPT % {"template": "[==[" + template + "]==]", "run": json.dumps(run), "first": first,
                                     "path": json.dumps(urlsplit(url).path), "low": expect[0], "high": expect[1]})
    out = subprocess.run([WRK, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s",
                          "-s", str(script), url], capture_output=True, text=True)
    line = next((line for line in out.stdout.splitlines() if line.startswith("WRK ")), None)
    if line is None:
        raise SystemExit(f"wrk failed:\n{out.stdout}\n{out.stderr}")
    result = json.loads(line[4:])
    result.update(threads=connections, rps=round(result["n"] / result["seconds"], 1),
                  errors=result["failed"] + result["socket_errors"])
    return result


def cpu_seconds(pids) -> float:
    """User and system CPU time the processes have used so far (Linux /proc), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def web_and_database_pids(server: subprocess.Popen) -> tuple[list[int], list[int]]:
    """The gunicorn workers, and the PostgreSQL backends connected to the bench's database."""
    import psycopg

    workers = [int(pid) for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        backends = [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
    return workers, backends


def timed_load(server: subprocess.Popen, *args, **kwargs) -> dict:
    """`load`, with the CPU time the web workers and the database spent per request."""
    workers, backends = web_and_database_pids(server)  # the warm-up opened every worker's connection
    web, database = cpu_seconds(workers), cpu_seconds(backends)
    result = load(*args, **kwargs)
    result["web_cpu_ms"] = round(1000 * (cpu_seconds(workers) - web) / result["n"], 2)
    result["db_cpu_ms"] = round(1000 * (cpu_seconds(backends) - database) / result["n"], 2)
    return result


def checked(name: str, result: dict) -> dict:
    if result["errors"]:
        raise SystemExit(f"{name}: {result['errors']} of {result['n']} answers were not the expected ones; "
                         f"first: {result['first_failure']}")
    return result


def peer_load(args, run: str, folder: Path) -> dict:
    template = Path(args.peer_body).read_text()
    return {"sequential": checked("peer sequential", load(args.peer, args.seconds, 1, 1, template, run, folder,
                                                          first=50 * 10**6, expect=(200, 299))),
            "concurrent": checked("peer concurrent", load(args.peer, args.seconds, 2, args.connections, template,
                                                          run, folder, first=60 * 10**6, expect=(200, 299)))}


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
        result["profile"] = profile(run)
    from django.db import connections

    connections.close_all()
    log = folder / "gunicorn.log"
    template = json.dumps(body("{n}", run)).replace(f"person{{n}}.{run}@bench.example", "{email}")
    server, url = start_server(env, 1, log)
    try:
        load(url, 2, 1, 1, template, run, folder, first=10**6)  # warm the worker: imports, connections
        result["sequential"] = checked("sequential", timed_load(server, url, args.seconds, 1, 1, template, run,
                                                                folder, first=2 * 10**6))
    finally:
        stop(server)
    server, url = start_server(env, args.workers, log)
    try:
        load(url, 2, 2, args.connections, template, run, folder, first=10 * 10**6)
        result["concurrent"] = checked("concurrent", timed_load(server, url, args.seconds, 2, args.connections,
                                                                template, run, folder, first=20 * 10**6))
    finally:
        stop(server)
    result["limit_tps"], result["limit_db_cpu_ms"] = run_pgbench(script, args.seconds)
    if args.peer:
        result["peer"] = peer_load(args, run, folder)
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
        (f"intake, {args.workers} workers, {args.connections} concurrent", f"{con['rps']:,.1f} req/s",
         f"{limit:,.0f} tx/s", f"{100 * con['rps'] / limit:.1f} % (target 25 %)",
         f"{con['median_ms']} / {con['p95_ms']}", f"{peer['concurrent']['rps']:,.1f} req/s" if peer else "-"),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    sql = result["one_intake_sql"]
    lines += [
        f"requests: {seq['n']} sequential, {con['n']} concurrent, each for {args.seconds} s with wrk, 0 errors; "
        f"pgbench: 8 clients, 2 threads, {args.seconds} s",
        f"CPU per intake: {seq['web_cpu_ms']} ms web + {seq['db_cpu_ms']} ms PostgreSQL sequential, "
        f"{con['web_cpu_ms']} + {con['db_cpu_ms']} ms concurrent; pgbench's transaction: "
        f"{result['limit_db_cpu_ms']} ms PostgreSQL",
        f"one intake (a warm process) sends {sql['statements']} SQL statements: "
        + ", ".join(f"{count} {verb}" for verb, count in sql["verbs"].items())
        + "; Redis round trips: " + ", ".join(f"{count} {verb}" for verb, count in sql["redis"].items())
        + " (the rate limits' script, and the code's task published after the answer)",
        f"load average (1, 5, 15 min) before {result['load_before']}, after {result['load_after']}; "
        f"{os.cpu_count()} CPUs; the load's clients run on the same machine",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=15, help="each load's length (and pgbench's)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent clients of the second load")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--peer", help="another system's intake endpoint (full URL)")
    parser.add_argument("--peer-body", help="a JSON body template with {email} and {n}")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print where an intake's CPU time goes")
    args = parser.parse_args()
    if bool(args.peer) != bool(args.peer_body):
        parser.error("--peer and --peer-body go together")
    if not Path(WRK).exists():
        raise SystemExit(f"{WRK} is missing: apt-get install wrk")
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

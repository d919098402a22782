"""Benchmark of the main path: file, verify, approve and fulfil N deletion requests, with a
real Celery worker doing the background work while this process keeps writing, as the web
server would. Reports the time from approval to fulfilled (median and p95; target under
5 s on both set-ups) and any "database is locked" error the worker logged.

Run by hand from the repository root (not part of the test suite, which runs it small):

    .venv/bin/python bench/path.py --db sqlite       # make run's set-up: SQLite + file-system broker
    .venv/bin/python bench/path.py --db postgres     # PostgreSQL (rd_bench_path) + Redis broker

Options: --n N (default 200), --pace S (seconds between two approvals, default 0.25: an
officer clicking four times a second, far faster than people work), --json (one JSON
line instead of the sentence), --keep (keep the temporary folder with the worker's log). Each run starts from an empty
database: migrated, one organisation with the built-in vault, N people with a face record
each. Requests are filed through workflow.submit (what the form view calls); the worker
sends the codes by mail (files), the codes are read back and typed; then an officer
assigns and approves one request after another while the worker fulfils the earlier ones.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
CELERY = str(Path(sys.executable).with_name("celery"))
PG_URL = "postgres://postgres@127.0.0.1:5432/rd_bench_path"
CODE = re.compile(r"request ([A-Z0-9]{10}) to .*? is (\d{6})", re.S)


def environment(db: str, var_dir: Path) -> dict:
    env = {
        "DEBUG": "1", "VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "config.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "LOG_LEVEL": "INFO",
    }
    if db == "sqlite":
        env.update(DATABASE_URL=f"sqlite:///{var_dir / 'db.sqlite3'}", CELERY_BROKER_URL="filesystem://")
        for folder in ("broker/out", "broker/processed", "broker/control", "mail", "media"):
            (var_dir / folder).mkdir(parents=True, exist_ok=True)
    else:
        env.update(DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", PG_URL),
                   CELERY_BROKER_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                   CELERY_TASK_DEFAULT_QUEUE=f"bench-path-{os.getpid()}")
        (var_dir / "mail").mkdir(parents=True, exist_ok=True)
    return env


def fresh_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def fill(n: int):
    """One CN organisation with its vault, an officer, and n people with a face record each."""
    from django.contrib.auth import get_user_model

    from orgs.identifiers import IdentifierKind, identifier_hash, mask, normalise
    from orgs.models import BiometricRecord, DataSystem, Membership, Organisation, ProcessingActivity
    from django.utils import timezone
    from datetime import timedelta

    org = Organisation.objects.create(name="Bench Park", slug="bench-park", jurisdiction="CN",
                                      time_zone="Asia/Shanghai", contact_email="privacy@bench.example")
    vault = DataSystem.objects.create(organisation=org, name="Biometric vault", connector=DataSystem.Connector.VAULT)
    activity = ProcessingActivity.objects.create(
        organisation=org, name="Gate entry by face", purpose="Entry", legal_basis="consent",
        collection_point="North gate", modality="face", consent_type="separate", retention_days=365)
    officer = get_user_model().objects.create_user("bench.officer", "officer@bench.example", "x" * 20)
    Membership.objects.create(user=officer, organisation=org, role=Membership.Role.OFFICER)
    now, records = timezone.now(), []
    for i in range(n):
        value = normalise(IdentifierKind.EMAIL, f"person{i}@bench.example")
        record = BiometricRecord(
            organisation=org, system=vault, activity=activity, modality="face",
            email_hash=identifier_hash(IdentifierKind.EMAIL, value), masked_identifiers=mask(IdentifierKind.EMAIL, value),
            collected_at=now - timedelta(days=30), retain_until=now + timedelta(days=335))
        record.set_template(f"face-template-{i}".encode())
        records.append(record)
    BiometricRecord.objects.bulk_create(records)
    return org, officer


def read_codes(mail_dir: Path, wanted: set[str], timeout: float) -> dict[str, str]:
    codes, deadline = {}, time.monotonic() + timeout
    while time.monotonic() < deadline and not wanted <= codes.keys():
        for path in mail_dir.glob("*.log"):
            for reference, code in CODE.findall(path.read_text(errors="replace")):
                codes[reference] = code
        time.sleep(0.2)
    return codes


def run(db: str, n: int, keep: bool, pace: float = 0.25) -> dict:
    var_dir = Path(tempfile.mkdtemp(prefix=f"bench-path-{db}-"))
    env = environment(db, var_dir)
    if db == "postgres":
        fresh_postgres(env["DATABASE_URL"])
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    org, officer = fill(n)
    if db == "postgres":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log = open(var_dir / "worker.log", "w")
    worker = subprocess.Popen(
        [CELERY, "-A", "config", "worker", "--concurrency=2", "--loglevel=INFO", "--without-gossip",
         "--without-mingle"] + (["-Q", env["CELERY_TASK_DEFAULT_QUEUE"]] if db == "postgres" else []),
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: "ready" in (var_dir / "worker.log").read_text(), 60, "the worker to start")
        return {"db": db, "n": n, "pace_s": pace, **measure(org, officer, n, var_dir, pace), "folder": str(var_dir)}
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        if not keep:
            shutil.rmtree(var_dir, ignore_errors=True)


def measure(org, officer, n: int, var_dir: Path, pace: float) -> dict:
    from requests_app import workflow
    from requests_app.actors import SUBJECT, member
    from requests_app.models import RequestEvent, RightsRequest
    from requests_app.cases.subjects import Identity

    started = time.monotonic()
    filed = [workflow.submit(organisation=org, kind="deletion", identity=Identity(email=f"person{i}@bench.example"))
             for i in range(n)]
    codes = read_codes(var_dir / "mail", {rr.reference for rr in filed}, timeout=60 + n)
    actor = member(officer)
    for rr in filed:  # the officer works through the queue while the worker fulfils
        workflow.verify_identity(rr, actor=SUBJECT, code=codes[rr.reference])
        workflow.assign(rr, actor=actor, assignee=officer)
        workflow.approve(rr, actor=actor, note="Delete the face template.")
        time.sleep(pace)
    _wait(lambda: RightsRequest.objects.filter(status="fulfilled").count() == n, 60 + 2 * n, "every request fulfilled",
          fail=False)
    elapsed = time.monotonic() - started
    events = RequestEvent.objects.filter(request__organisation=org, action__in=["approve", "finish_fulfilment"])
    times: dict[int, dict] = {}
    for request_id, action, created_at in events.values_list("request_id", "action", "created_at"):
        times.setdefault(request_id, {})[action] = created_at
    seconds = sorted((t["finish_fulfilment"] - t["approve"]).total_seconds()
                     for t in times.values() if "finish_fulfilment" in t)
    log = (var_dir / "worker.log").read_text()
    return {
        "fulfilled": len(seconds),
        "median_s": round(statistics.median(seconds), 2) if seconds else None,
        "p95_s": round(seconds[max(0, int(len(seconds) * 0.95) - 1)], 2) if seconds else None,
        "max_s": round(seconds[-1], 2) if seconds else None,
        "lock_errors": log.count("database is locked"),
        "busy_retries": log.count("database busy"),
        "total_s": round(elapsed, 1),
    }


def _wait(condition, timeout: float, what: str, fail: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    if fail:
        raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--pace", type=float, default=0.25)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    result = run(args.db, args.n, args.keep, args.pace)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{args.db}: {result['fulfilled']}/{args.n} fulfilled in {result['total_s']} s; approval to fulfilled "
          f"median {result['median_s']} s, p95 {result['p95_s']} s, max {result['max_s']} s (target: under 5 s); "
          f"'database is locked' in the worker log: {result['lock_errors']}, busy retries: {result['busy_retries']}")


if __name__ == "__main__":
    main()

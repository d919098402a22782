"""Benchmark of what the hot tables' indexes cost on insert: the schema before the index
audit (requests_app migration `*_indexes_that_earn_their_place` not applied) against
after it, on the same data, in the same run.

Run by hand from the repository root (not part of the test suite):

    .venv/bin/python bench/indexes.py [--requests 100000] [--seconds 10] [--rounds 3] [--keep]

Two databases of its own (rd_bench_indexes_before / _after on BENCH_INDEXES_SERVER, by
default postgres://postgres@127.0.0.1:5432), dropped at the end unless --keep: each is
migrated (the first up to the migration before the audit), filled by SQL with the same
rows (20 organisations; per request a subject, three events, one code, two mails; six in
ten closed) and ANALYZEd. Then pgbench (-M prepared) writes, alternating the two
databases round by round:

- intake: what one intake writes (subject, request, first event, its log entry, the
  chain head, the code), 1 client and 8 clients;
- step: what one workflow step writes on an existing request (the row locked, an event,
  its log entry, the request's status and chain head, one mail), 8 clients.

It prints each figure for both schemas with the ratio: transactions a second, and the ms
a transaction spends in its statements, COMMIT left out (on a loaded machine the commit's
fsync dominates and is the same for both); the load average beside each round; the
shared buffers one transaction touches (steady whatever the load); the number and size of the indexes on each hot table, and the plan of intake's
duplicate check (open_duplicates) on the audited schema.
"""

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and bench/queue.py is named
# like the standard library's `queue` (which psycopg imports): drop the folder.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_INDEXES_SERVER", "postgres://postgres@127.0.0.1:5432")
DATABASES = {"before": "rd_bench_indexes_before", "after": "rd_bench_indexes_after"}
AUDIT = "indexes_that_earn_their_place"
HOT = ("requests_app_rightsrequest", "requests_app_datasubject", "requests_app_requestevent",
       "requests_app_pendingentry", "requests_app_verificationchallenge", "requests_app_notification",
       "requests_app_statuslink", "requests_app_eventdelivery", "requests_app_reminder")
ORGS = 20


def url(name: str) -> str:
    return f"{SERVER}/{name}"


def environment(name: str, var_dir: Path) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "DATABASE_URL": url(name),
            "SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
            "BIOMETRIC_KEYS": "YmVuY2gta2V5LWtra2tra2tra2tra2tra2tra2tra2s=",
            "SUBJECT_WRAPPING_KEYS": "YmVuY2gtd3JhcHNzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3M=",
            "IDENTIFIER_PEPPER": "bench-pepper-not-for-production-0123456789", "VAR_DIR": str(var_dir),
            "TRANSPARENCY_LOG_KEY_FILE": str(var_dir / "transparency-log.key"), "LOG_LEVEL": "WARNING"}


def audit_parent() -> str:
    """The requests_app migration the audit depends on: the schema before it."""
    migration = next((ROOT / "requests_app" / "migrations").glob(f"*_{AUDIT}.py"))
    text = migration.read_text()
    for line in text.splitlines():
        if "('requests_app', '" in line:
            return line.split("'")[3]
    raise SystemExit(f"no requests_app dependency in {migration.name}")


def recreate(name: str) -> None:
    import psycopg

    with psycopg.connect(url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop(name: str) -> None:
    import psycopg

    with psycopg.connect(url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(name: str, var_dir: Path, target: str | None) -> None:
    manage = [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0", "--no-input", "--skip-checks"]
    env = environment(name, var_dir)
    subprocess.run(manage, env=env, check=True, cwd=ROOT)  # everything, other apps included
    if target:
        subprocess.run([*manage, "requests_app", target], env=env, check=True, cwd=ROOT)


FILL = """
INSERT INTO orgs_organisation (name, slug, kind, city, jurisdiction, time_zone, contact_email, contact_phone,
    address, accepts_public_requests, created_at, city_zh, name_zh)
SELECT 'Bench ' || g, 'bench-' || g, 'other', '', 'CN', 'Asia/Shanghai', 'privacy@bench.example', '', '', true,
    now(), '', '' FROM generate_series(1, {orgs}) g;

INSERT INTO requests_app_datasubject (full_name, email, phone, preferred_language, email_hash, phone_hash,
    member_number_hash, id_number_hash, masked_identifiers, created_at)
SELECT '', 'p' || g || '@bench.example', '', 'en', md5('e' || g) || md5('f' || g),
    CASE WHEN g % 3 = 0 THEN md5('p' || g) || md5('q' || g) ELSE '' END,
    CASE WHEN g % 5 = 0 THEN md5('m' || g) || md5('n' || g) ELSE '' END,
    CASE WHEN g % 7 = 0 THEN md5('i' || g) || md5('j' || g) ELSE '' END,
    'p***@bench.example', now() FROM generate_series(1, {n}) g;

INSERT INTO requests_app_rightsrequest (reference, kind, filed_by, requester_name, requester_email, status,
    jurisdiction, data_description, details, received_at, verified_at, clock_started_at, paused_total,
    extensions, extension_reason, due_at, acknowledge_by, expires_at, closed_at, refusal_reason,
    refusal_legal_ground, next_reminder_at, chain_head, event_count, organisation_id, subject_id, submission,
    alternative_wanted)
SELECT 'B' || lpad(g::text, 9, '0'), (ARRAY['access', 'copy', 'deletion', 'correction'])[1 + g % 4], 'self', '',
    '', s.status, 'CN', 'bench', '', r.received, r.received, r.received, '0', 0, '', r.received + interval '15 days',
    r.received + interval '5 days', CASE WHEN s.status = 'submitted' THEN r.received + interval '30 days' END,
    CASE WHEN s.status IN ('fulfilled', 'withdrawn') THEN r.received + interval '12 days' END, '', '',
    CASE WHEN s.status NOT IN ('fulfilled', 'withdrawn') THEN r.received + interval '13 days' END,
    md5('h' || g) || md5('k' || g), 3, (SELECT min(id) FROM orgs_organisation) + g % {orgs},
    (SELECT min(id) - 1 FROM requests_app_datasubject) + g, gen_random_uuid(), ''
FROM generate_series(1, {n}) g,
    LATERAL (SELECT now() - (g % 700) * interval '1 day' - (g % 1440) * interval '1 minute' AS received) r,
    LATERAL (SELECT CASE WHEN g % 10 < 5 THEN 'fulfilled' WHEN g % 10 = 5 THEN 'withdrawn'
                         WHEN g % 10 = 6 THEN 'submitted' WHEN g % 10 = 7 THEN 'verified'
                         WHEN g % 10 = 8 THEN 'in_review' ELSE 'fulfilling' END AS status) s;

INSERT INTO requests_app_requestevent (seq, action, actor_kind, from_status, to_status, data, visible_to_subject,
    created_at, prev_hash, hash, request_id)
SELECT e, (ARRAY['submit', 'verify', 'review'])[e], 'subject', '', 'submitted', '{{"kind": "access"}}', true,
    rr.received_at + e * interval '1 hour', '', md5(rr.id || ':' || e) || md5(e || ':' || rr.id), rr.id
FROM requests_app_rightsrequest rr, generate_series(1, 3) e;

INSERT INTO requests_app_verificationchallenge (channel, code_hash, created_at, sent_at, expires_at, attempts,
    used_at, request_id)
SELECT 'email', md5('c' || id) || md5('d' || id), received_at, received_at, received_at + interval '1 hour', 0,
    received_at + interval '5 minutes', id FROM requests_app_rightsrequest;

INSERT INTO requests_app_notification (kind, key, created_at, attempts, sent_at, request_id)
SELECT 'subject_update', 'bench:' || rr.id || ':' || k, rr.received_at, 1, rr.received_at, rr.id
FROM requests_app_rightsrequest rr, generate_series(1, 2) k;

VACUUM ANALYZE;
CHECKPOINT;
"""


def fill(name: str, n: int) -> None:
    import psycopg

    # Vacuumed (hint bits set, visibility map) and checkpointed: the timed writes do not
    # pay for the fill's dirty pages.
    with psycopg.connect(url(name), autocommit=True) as conn:
        for statement in FILL.format(n=n, orgs=ORGS).split(";\n"):
            if statement.strip():
                conn.execute(statement)


def scripts(name: str, folder: Path) -> dict[str, Path]:
    """pgbench scripts writing what one intake and one step write, in this database."""
    import psycopg

    with psycopg.connect(url(name)) as conn:
        first_org, last_org = conn.execute("SELECT min(id), max(id) FROM orgs_organisation").fetchone()
        first_rr, last_rr = conn.execute("SELECT min(id), max(id) FROM requests_app_rightsrequest").fetchone()
    fresh = "md5(random()::text) || md5(random()::text)"
    # Ids carried by \gset, not currval(): currval is volatile, so `WHERE id = currval(...)`
    # cannot use the primary key and would scan the table.
    intake = f"""\\set org random({first_org}, {last_org})
BEGIN;
INSERT INTO requests_app_datasubject (full_name, email, phone, preferred_language, email_hash, phone_hash,
  member_number_hash, id_number_hash, masked_identifiers, created_at)
  VALUES ('', 'new@bench.example', '', 'en', {fresh}, '', '', '', 'n***@bench.example', now()) RETURNING id AS sid \\gset
INSERT INTO requests_app_rightsrequest (reference, kind, filed_by, requester_name, requester_email, status,
  jurisdiction, data_description, details, received_at, clock_started_at, paused_total, extensions,
  extension_reason, due_at, acknowledge_by, expires_at, refusal_reason, refusal_legal_ground, next_reminder_at,
  chain_head, event_count, organisation_id, subject_id, submission, alternative_wanted)
  VALUES (upper(left(md5(random()::text), 10)), 'deletion', 'self', '', '', 'submitted', 'CN', 'My face', '',
  now(), now(), '0', 0, '', now() + interval '15 days', now() + interval '5 days', now() + interval '30 days',
  '', '', now() + interval '5 days', '', 0, :org, :sid, gen_random_uuid(), '') RETURNING id AS rid \\gset
INSERT INTO requests_app_requestevent (seq, action, actor_kind, from_status, to_status, data, visible_to_subject,
  created_at, prev_hash, hash, request_id)
  VALUES (1, 'submit', 'subject', '', 'submitted', '{{"kind": "deletion"}}', true, now(), '', {fresh}, :rid)
  RETURNING id AS eid \\gset
INSERT INTO requests_app_pendingentry (event_id) VALUES (:eid);
UPDATE requests_app_rightsrequest SET event_count = 1, chain_head = {fresh} WHERE id = :rid;
INSERT INTO requests_app_verificationchallenge (channel, code_hash, created_at, attempts, request_id)
  VALUES ('email', '', now(), 0, :rid);
COMMIT;
"""
    step = f"""\\set rid random({first_rr}, {last_rr})
BEGIN;
SELECT event_count FROM requests_app_rightsrequest WHERE id = :rid FOR UPDATE;
INSERT INTO requests_app_requestevent (seq, action, actor_kind, from_status, to_status, data, visible_to_subject,
  created_at, prev_hash, hash, request_id)
  SELECT event_count + 1, 'review', 'officer', status, 'in_review', '{{}}', true, now(), chain_head, {fresh}, id
  FROM requests_app_rightsrequest WHERE id = :rid RETURNING id AS eid \\gset
INSERT INTO requests_app_pendingentry (event_id) VALUES (:eid);
UPDATE requests_app_rightsrequest SET status = CASE WHEN status = 'in_review' THEN 'verified' ELSE 'in_review' END,
  event_count = event_count + 1, chain_head = {fresh} WHERE id = :rid;
INSERT INTO requests_app_notification (kind, key, created_at, attempts, request_id, event_id)
  VALUES ('subject_update', 'step:' || :eid, now(), 0, :rid, :eid);
COMMIT;
"""
    paths = {}
    for label, text in (("intake", intake), ("step", step)):
        paths[label] = folder / f"{name}-{label}.sql"
        paths[label].write_text(text)
    return paths


def pgbench(name: str, script: Path, clients: int, seconds: int) -> tuple[float, float]:
    """Transactions a second, and the ms a transaction spends in its writes (pgbench -r:
    the statements' latencies, BEGIN and COMMIT left out, so the fsync of the commit,
    which the indexes do not change, does not drown what they do)."""
    out = subprocess.run(["pgbench", "-n", "-r", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2)),
                          "-T", str(seconds), "-f", str(script), url(name)], capture_output=True, text=True)
    tps, work = None, 0.0
    for line in out.stdout.splitlines():
        if line.startswith("tps ="):
            tps = float(line.split()[2])
        parts = line.split()
        if len(parts) >= 3 and parts[2] in ("INSERT", "UPDATE", "SELECT"):
            work += float(parts[0])
    if tps is None:
        raise SystemExit(f"pgbench failed:\n{out.stdout}\n{out.stderr}")
    return tps, work


def buffers_per_transaction(name: str, script: Path, transactions: int = 1000) -> float:
    """Shared buffers touched per transaction (this database's pg_stat_database, one client):
    what the indexes cost in pages, steady whatever the load on the machine."""
    import time

    import psycopg

    query = "SELECT blks_hit + blks_read FROM pg_stat_database WHERE datname = current_database()"
    with psycopg.connect(url(name), autocommit=True) as conn:
        before = conn.execute(query).fetchone()[0]
        subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", "1", "-t", str(transactions), "-f", str(script),
                        url(name)], capture_output=True, check=True)
        time.sleep(2)  # the counters are flushed a moment after the transactions end
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return (conn.execute(query).fetchone()[0] - before) / transactions


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def indexes(name: str) -> dict[str, tuple[int, int]]:
    import psycopg

    with psycopg.connect(url(name)) as conn:
        rows = conn.execute(
            "SELECT tablename, count(*), sum(pg_relation_size(format('%%I', indexname)::regclass)) FROM pg_indexes "
            "WHERE schemaname = 'public' AND tablename = ANY(%s) GROUP BY tablename", [list(HOT)]).fetchall()
    return {table: (count, size) for table, count, size in rows}


DUPLICATE_CHECK = """EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT rr.id FROM requests_app_rightsrequest rr JOIN requests_app_datasubject s ON s.id = rr.subject_id
WHERE (s.email_hash = md5('e4242') || md5('f4242') OR s.phone_hash = md5('p4242') || md5('q4242'))
  AND rr.organisation_id = (SELECT min(id) FROM orgs_organisation) + 4242 % {orgs} AND rr.kind IN ('deletion')
  AND NOT rr.status IN ('fulfilled', 'withdrawn', 'expired', 'refused') ORDER BY rr.id"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the two databases")
    args = parser.parse_args()
    import psycopg

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            for label, name in DATABASES.items():
                recreate(name)
                migrate(name, folder, audit_parent() if label == "before" else None)
                fill(name, args.requests)
            print(f"{args.requests:,} requests (3 events, 1 code, 2 mails each) in each database; load {load()}")
            paths = {name: scripts(name, folder) for name in DATABASES.values()}
            loads = []
            runs = [("intake", 1), ("intake", 8), ("step", 8)]
            tps = {(label, run): [] for label in DATABASES for run in runs}
            for round_ in range(args.rounds):
                for run in runs:
                    order = list(DATABASES.items()) if round_ % 2 == 0 else list(DATABASES.items())[::-1]
                    for label, name in order:
                        tps[(label, run)].append(pgbench(name, paths[name][run[0]], run[1], args.seconds))
                        loads.append(load())
                print(f"round {round_ + 1}: load {loads[-1]}", flush=True)
            print(f"\n{'pgbench, median of ' + str(args.rounds) + ' rounds':30} {'tx/s before':>12} {'after':>7} "
                  f"{'ratio':>6}   {'ms in writes before':>20} {'after':>7} {'ratio':>6}")
            for run in runs:
                before, after = ([statistics.median(x[i] for x in tps[(label, run)]) for i in (0, 1)]
                                 for label in DATABASES)
                print(f"{run[0] + ', ' + str(run[1]) + ' client' + ('s' if run[1] > 1 else ''):30} "
                      f"{before[0]:12.0f} {after[0]:7.0f} {after[0] / before[0]:5.2f}x   "
                      f"{before[1]:20.3f} {after[1]:7.3f} {before[1] / after[1]:5.2f}x")
            print(f"load averages during the runs: {'; '.join(loads)}")
            print(f"\n{'shared buffers touched per transaction':44} {'before':>9} {'after':>9} {'ratio':>7}")
            for script in ("intake", "step"):
                before, after = (buffers_per_transaction(name, paths[name][script]) for name in DATABASES.values())
                print(f"{script:44} {before:9.0f} {after:9.0f} {before / after:6.2f}x")
            counts = {label: indexes(name) for label, name in DATABASES.items()}
            print(f"\n{'indexes per hot table (count, size MB)':44} {'before':>12} {'after':>12}")
            for table in HOT:
                (bc, bs), (ac, as_) = counts["before"].get(table, (0, 0)), counts["after"].get(table, (0, 0))
                print(f"{table:44} {bc:4d} {bs / 2**20:7.1f} {ac:4d} {as_ / 2**20:7.1f}")
            with psycopg.connect(url(DATABASES["after"])) as conn:
                plan = conn.execute(DUPLICATE_CHECK.format(orgs=ORGS)).fetchall()
            print("\nintake's duplicate check on the audited schema:")
            print("\n".join("  " + row[0] for row in plan))
        finally:
            if not args.keep:
                for name in DATABASES.values():
                    drop(name)


if __name__ == "__main__":
    main()

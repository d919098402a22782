"""Benchmark: the device connector (orgs/devices.py) under its load (not a test).

Run by hand, from the project root, with PostgreSQL on 127.0.0.1:5432 and Redis:

    .venv/bin/python bench/devices.py                  # 10,000 gates; an order over 1,000,000 records
    .venv/bin/python bench/devices.py --devices 2000 --records 100000 --poll-seconds 10

It (re)creates its own database `rightsdesk_bench_devices`, migrates it, starts ONE web
process (gunicorn, one sync worker, as deployed per core) and measures two things:

1. The poll. 10,000 gates each poll GET /api/v1/device/deletions/ once a minute: 167
   polls a second, paced, from client threads over keep-alive connections; a tenth of
   the gates have deletions waiting. Printed: the median and 95th percentile latency
   seen by the gate (target: median under 5 ms) and the rate the one process kept up.
2. An order over 1,000,000 records at 1,000 gates (1,000 records each, one gate per
   collection point): the order's chunks run in this process (as a worker runs them),
   queueing a deletion per record on its gate; then every gate pulls its deletions and
   confirms them with receipts signed by its own key, over HTTP, until the order is done
   and its certificate issued. Printed: the server time (the chunks plus the web
   process's time on every device call, as the gates measured it, an upper bound) and the
   wall time (target: under a minute of server time).

The limit beside each figure, measured in the same run: the poll's one SQL statement timed
alone in a loop (what PostgreSQL needs), and the same order over as many records at points
where no device keeps copies (the records' erasure alone).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

import argparse  # noqa: E402
import hashlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

DATABASE = "rightsdesk_bench_devices"
SERVER = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
POLL_TARGET_MS = 5.0
ORDER_TARGET_S = 60.0

ENV = {
    "DATABASE_URL": f"{SERVER}/{DATABASE}",
    "DEBUG": "0",
    "SECRET_KEY": "bench-secret-key-not-for-production-use-0123456789",
    "BIOMETRIC_KEYS": "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=",
    "SUBJECT_WRAPPING_KEYS": "c3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3M=",
    "IDENTIFIER_PEPPER": "bench-pepper-not-for-production-0123456789",
    "TRANSPARENCY_LOG_KEY_FILE": str(ROOT / "var" / "bench-log.key"),
    "CELERY_BROKER_URL": "memory://",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "LOG_LEVEL": "WARNING",
    "CACHE_URL": os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/1"),
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
}
os.environ.update(ENV)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def cpu_seconds(group: int) -> float:
    """User and system CPU of every process in the group (the web process's master and worker)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def token(n: int) -> str:
    return f"rdd_bench_{n:08d}"


# --- the setting -----------------------------------------------------------------------------


def build(devices_n: int, order_gates: int):
    """One organisation; the poll's gates 10 to a point; the order's gates one to a point."""
    from django.utils import timezone

    from bench.gates import new_key

    from orgs.models import (
        CollectionPoint, DataSystem, Device, DeviceCredential, Organisation, ProcessingActivity,
    )

    org = Organisation.objects.create(name="Hangzhou Gates", slug="gates", jurisdiction="CN",
                                      contact_email="privacy@gates.example")
    system = DataSystem.objects.create(organisation=org, name="Gate vault", connector="vault")
    activity = ProcessingActivity.objects.create(
        organisation=org, name="Face entry", purpose="Entry", legal_basis="separate_consent",
        collection_point="Gates", modality="face", consent_type="separate", retention_days=365)
    now = timezone.now()
    # The register's rules are the register's tests; here the rows are made directly.
    points = CollectionPoint.objects.bulk_create([
        CollectionPoint(organisation=org, activity=activity, name=f"Gate {n}", site="Bench park",
                        place_kind="entrance_gate", necessity="n", notice="n", alternatives=["card"])
        for n in range(devices_n // 10 + order_gates)])
    poll_points, order_points = points[:devices_n // 10], points[devices_n // 10:]
    devices = Device.objects.bulk_create(
        [Device(organisation=org, collection_point=poll_points[n // 10], serial=f"POLL-{n:05d}", kind="gate",
                modality="face", template_storage="on_device", status="live", live_since=now)
         for n in range(devices_n)]
        + [Device(organisation=org, collection_point=point, serial=f"ORDER-{n:05d}", kind="gate", modality="face",
                  template_storage="on_device", status="live", live_since=now)
           for n, point in enumerate(order_points)], batch_size=5000)
    keys = {}
    credentials = []
    for n, device in enumerate(devices):
        keys[device.pk], public = new_key()
        credentials.append(DeviceCredential(device=device, token_sha256=hashlib.sha256(token(n).encode()).hexdigest(),
                                            verify_key=public))
    DeviceCredential.objects.bulk_create(credentials, batch_size=5000)
    return org, system, activity, devices[:devices_n], devices[devices_n:], order_points, keys


def fill(org, system, activity, points, per_point: int) -> int:
    """`per_point` records at each point, in one INSERT ... SELECT; then ANALYZE."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO orgs_biometricrecord (organisation_id, system_id, activity_id, collection_point_id,
                   modality, email_hash, phone_hash, member_number_hash, id_number_hash, person_hash, masked_identifiers,
                   collected_at, retain_until, state, tombstone_reason)
               SELECT %s, %s, %s, p, 'face', md5(p::text || '-' || n::text), '', '', '',
                      md5(p::text || '-' || n::text), '',
                      now() - interval '30 days', now() + interval '300 days', 'active', ''
               FROM unnest(%s::bigint[]) AS p, generate_series(1, %s) AS n""",
            [org.pk, system.pk, activity.pk, [p.pk for p in points], per_point])
        cursor.execute("ANALYZE")
    return len(points) * per_point


# --- the web process and its clients ------------------------------------------------------------------


def start_web(port: int) -> subprocess.Popen:
    web = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}",
         "--keep-alive", "30", "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ}, start_new_session=True)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return web
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the web process did not start")


class Client:
    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, device_token: str, body: dict | None = None) -> tuple[float, int, dict]:
        headers = {"Authorization": f"Device {device_token}", "Host": "127.0.0.1"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        tick = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - tick
        return elapsed, response.status, json.loads(payload) if payload else {}


def poll_load(port: int, devices_n: int, seconds: float, threads: int) -> tuple[list[float], float, int]:
    """Every gate once a minute: devices_n / 60 polls a second, paced, for `seconds`."""
    rate = devices_n / 60.0
    total = int(rate * seconds)
    latencies, errors = [], [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def run(offset: int) -> None:
        client = Client(port)
        for i in range(offset, total, threads):
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            elapsed, status, _body = client.call("GET", "/api/v1/device/deletions/", token(i % devices_n))
            with lock:
                latencies.append(elapsed)
                errors[0] += status != 200

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies, time.perf_counter() - start, errors[0]


def sql_limit(tokens: list[str], rounds: int = 2000) -> float:
    """The poll's one statement alone (orgs.devices.POLL_SQL), in a loop: the median in ms."""
    from django.db import connection

    from orgs import devices

    times = []
    with connection.cursor() as cursor:
        for i in range(rounds):
            digest = hashlib.sha256(tokens[i % len(tokens)].encode()).hexdigest()
            tick = time.perf_counter()
            cursor.execute(devices.POLL_SQL, [digest, devices.BATCH])
            cursor.fetchall()
            times.append(time.perf_counter() - tick)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=10_000, help="gates polling once a minute")
    parser.add_argument("--order-gates", type=int, default=1_000)
    parser.add_argument("--records", type=int, default=1_000_000, help="records in the order, spread over its gates")
    parser.add_argument("--poll-seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from orgs import devices as connector
    from orgs import erasure
    from orgs.models import DeviceDeletion, ErasureOrder

    call_command("migrate", verbosity=0)
    tick = time.perf_counter()
    org, system, activity, poll_devices, order_devices, order_points, keys = build(args.devices, args.order_gates)
    # A tenth of the polling gates have deletions waiting (a request's, a few records each).
    waiting_points = [d.collection_point for d in poll_devices[::100]]
    from orgs.models import ProcessingActivity

    requests_activity = ProcessingActivity.objects.create(
        organisation=org, name="Face entry (requests)", purpose="Entry", legal_basis="separate_consent",
        collection_point="Gates", modality="face", consent_type="separate", retention_days=365)
    fill(org, system, requests_activity, waiting_points, 3)
    from orgs.models import BiometricRecord

    connector.queue_record_deletions(list(BiometricRecord.objects.filter(
        collection_point__in=waiting_points).values_list("pk", flat=True)))
    per_point = args.records // args.order_gates
    records = fill(org, system, activity, order_points, per_point)
    # The limit: the same order over as many records at points where no device keeps copies.
    from orgs.models import CollectionPoint

    limit_activity = ProcessingActivity.objects.create(
        organisation=org, name="Face entry (no devices)", purpose="Entry", legal_basis="separate_consent",
        collection_point="Plain gates", modality="face", consent_type="separate", retention_days=365)
    limit_points = CollectionPoint.objects.bulk_create([
        CollectionPoint(organisation=org, activity=limit_activity, name=f"Plain gate {n}", site="Bench park",
                        place_kind="entrance_gate", necessity="n", notice="n", alternatives=["card"])
        for n in range(args.order_gates)])
    fill(org, system, limit_activity, limit_points, per_point)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"set up {args.devices:,} polling gates, {args.order_gates:,} order gates, {records:,} order records "
          f"and {DeviceDeletion.objects.count():,} waiting deletions in {time.perf_counter() - tick:.1f} s")

    port = free_port()
    connection.close()
    web = start_web(port)
    try:
        # 1. the poll
        Client(port).call("GET", "/api/v1/device/deletions/", token(0))  # warm the process
        latencies, elapsed, errors = poll_load(port, args.devices, args.poll_seconds, args.threads)
        latencies.sort()
        median, p95 = statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.95)] * 1000
        limit = sql_limit([token(n) for n in range(args.devices)])
        with open("/proc/loadavg") as f:
            load = f.read().split()[0]
        print(f"poll: {len(latencies):,} polls in {elapsed:.1f} s = {len(latencies) / elapsed:.0f}/s "
              f"(asked {args.devices / 60:.0f}/s), {errors} errors; median {median:.2f} ms, p95 {p95:.2f} ms "
              f"(target median < {POLL_TARGET_MS} ms: {'met' if median < POLL_TARGET_MS else 'MISSED'}); "
              f"its SQL alone {limit:.2f} ms; load average {load}")

        # 2. the limit: the same order where no device holds a copy (the records' erasure alone)
        plain = ErasureOrder.objects.create(organisation=org, activity=limit_activity, reason="Bench limit")
        tick, more = time.perf_counter(), True
        while more:
            more = erasure.run_next_chunk(plain.pk)
        limit_time = time.perf_counter() - tick
        print(f"limit: the same order over {records:,} records with no device at their points: {limit_time:.1f} s "
              f"({records / limit_time:,.0f} records/s)")

        # 3. the order over every record of the order's gates
        order = ErasureOrder.objects.create(organisation=org, activity=activity, reason="Bench order")
        wall = time.perf_counter()
        chunk_time = 0.0
        more = True
        while more:
            tick = time.perf_counter()
            more = erasure.run_next_chunk(order.pk)
            chunk_time += time.perf_counter() - tick
        queued = DeviceDeletion.objects.filter(order=order).count()
        connection.close()
        from bench.gates import signed_receipt  # the gates' own signing, as the simulator's

        def gates(offset: int) -> None:
            client = Client(port)
            for n in range(offset, len(order_devices), args.threads):
                device, device_token = order_devices[n], token(args.devices + n)
                while True:
                    _took, _status, body = client.call("GET", "/api/v1/device/deletions/", device_token)
                    ids = [d["id"] for d in body["deletions"]]
                    if not ids:
                        break
                    _took, status, answer = client.call("POST", "/api/v1/device/receipts/", device_token,
                                                        signed_receipt(device.serial, keys[device.pk], ids))
                    assert status == 201, answer

        cpu_before, confirm = cpu_seconds(web.pid), time.perf_counter()
        workers = [threading.Thread(target=gates, args=(t,)) for t in range(args.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        confirm = time.perf_counter() - confirm
        web_cpu = cpu_seconds(web.pid) - cpu_before
        wall = time.perf_counter() - wall
        order.refresh_from_db()
        # The one web process served the gates' calls back to back, so the phase's wall time
        # bounds its time; its CPU is the part spent in Python, the rest waited on PostgreSQL.
        server = chunk_time + confirm
        print(f"order: {order.processed:,} records erased in {chunk_time:.1f} s of chunks (with {queued:,} "
              f"deletions queued on {len(order_devices):,} gates); the gates pulled and confirmed them in "
              f"{confirm:.1f} s of the web process ({web_cpu:.1f} s of its CPU); server time {server:.1f} s "
              f"(target < {ORDER_TARGET_S:.0f} s: {'met' if server < ORDER_TARGET_S and order.status == 'done' else 'MISSED'}); "
              f"wall {wall:.1f} s; order {order.status}, certificate "
              f"{order.certificate.number if order.certificate else '-'}; {server / limit_time:.2f}x the limit")
        if order.status != ErasureOrder.Status.DONE or order.processed != records:
            sys.exit("FAILED: the order did not finish with every record erased")
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(web.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()

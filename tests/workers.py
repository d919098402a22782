"""Real Celery workers (and a private Redis) for end-to-end tests.

A worker is a `celery worker` subprocess on the test database, consuming a queue of its
own on the machine's Redis, so tests never see another run's messages. Tests that use
it need committed data: use the `transactional_db` fixture.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))
# One process, and none of the chatter between workers: what most tests need.
QUIET = ("--pool=solo", "--without-heartbeat", "--without-gossip", "--without-mingle")
# As the Procfile and docs/deploy/ run it: a prefork pool, with heartbeats.
AS_DEPLOYED = ("--pool=prefork", "--concurrency=2", "--without-gossip", "--without-mingle")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float = 30, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


class Worker:
    def __init__(self, broker_url: str, queue: str, var_dir: Path, extra_env: dict | None = None,
                 args: tuple = QUIET):
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": broker_url,
            "CELERY_VISIBILITY_TIMEOUT": "5",
            # Tasks the worker queues itself (fulfilment chains) stay on the test's queue.
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "VAR_DIR": str(var_dir),
            "SMS_BACKEND": "requests_app.delivery.sms.ConsoleBackend",
            **(extra_env or {}),
        }
        self.log = open(var_dir / f"worker-{uuid.uuid4().hex[:6]}.log", "w")
        self.process = subprocess.Popen(
            [CELERY, "-A", "config", "worker", "-Q", queue, *args, "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        wait_for(lambda: "ready" in Path(self.log.name).read_text(), message="the worker to start")

    def kill(self) -> None:
        """SIGKILL: no clean-up, no ack, as if the machine lost the process."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def output(self) -> str:
        return Path(self.log.name).read_text()


class PrivateRedis:
    """A redis-server of the test's own on a free port, to stop and start at will."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        wait_for(lambda: _pings(redis.Redis(port=self.port)), timeout=10, message="redis to start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def _pings(client) -> bool:
    try:
        return client.ping()
    except Exception:  # noqa: BLE001 - not up yet
        return False


def point_app_at(broker_url: str, queue: str) -> None:
    """Make this process publish to `broker_url`, on `queue`."""
    celery_app.conf.broker_url = broker_url
    # Celery reads a CELERY_BROKER_URL environment variable (set by `make test`) before
    # conf.broker_url; the explicit read and write URLs come before both.
    celery_app.conf.broker_write_url = broker_url
    celery_app.conf.broker_read_url = broker_url
    celery_app.conf.task_default_queue = queue
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def celery_queue(tmp_path):
    """A queue of this test's own on the machine's Redis; this process publishes to it."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    saved = celery_app.conf.broker_url, celery_app.conf.task_default_queue
    point_app_at(settings.CELERY_BROKER_URL, queue)
    yield queue
    point_app_at(*saved)


@pytest.fixture
def start_worker(transactional_db, celery_queue, tmp_path):
    """Start real workers on the test's queue: `start_worker()` returns a running Worker."""
    workers = []

    def start(broker_url: str | None = None, args: tuple = QUIET, **extra_env) -> Worker:
        worker = Worker(broker_url or settings.CELERY_BROKER_URL, celery_queue, tmp_path, extra_env, args)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


def mails_in(var_dir: Path) -> list[str]:
    """The emails the workers wrote with the file-based backend, oldest first."""
    mail_dir = var_dir / "mail"
    if not mail_dir.exists():
        return []
    return [path.read_text() for path in sorted(mail_dir.iterdir(), key=lambda p: p.stat().st_mtime)]

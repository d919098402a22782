"""The worker rides out the loss of its broker and goes back to consuming by itself.

The test runs a redis-server of its own on a free port (never the shared one) and a real
prefork worker against it, files requests while mails are being sent, and kills Redis
(SIGKILL, nothing saved) and starts it again ten times. Whatever was queued in Redis when
it died is gone with it: the re-queue sweep finds that work from the database.
"""

import re
import time
from collections import Counter
from datetime import timedelta

import kombu
import pytest
from django.utils import timezone

from requests_app.models import VerificationChallenge
from requests_app.workflow import sweeps
from tests import factories
from tests.workers import AS_DEPLOYED, celery_queue, mails_in, point_app_at, private_redis, start_worker, wait_for  # noqa: F401

KILLS = 10


def _addressees(var_dir) -> Counter:
    """How many code mails each address got. The file backend names a file by the second and
    its own id(), which two forked pool processes can share: one file may hold two mails."""
    return Counter(to for mail in mails_in(var_dir) for to in re.findall(r"^To: (\S+)$", mail, re.M))


def test_the_worker_survives_ten_redis_kills_under_load_and_sends_every_code_exactly_once(
    start_worker, celery_queue, private_redis, org_a, tmp_path
):
    point_app_at(private_redis.url, celery_queue)
    worker = start_worker(
        broker_url=private_redis.url, args=AS_DEPLOYED,
        EMAIL_BACKEND="tests.slow_mail.SlowFileBackend",
    )
    emails = []

    def file(label: str) -> str:
        email = f"load-{label}@example.com"
        factories.submitted_request(org_a, email=email)  # on commit: the nudge, or a logged refusal
        emails.append(email)
        return email

    for kill in range(KILLS):
        for n in range(4):  # the worker is busy sending these when Redis dies
            file(f"{kill}-{n}")
        time.sleep(0.3)
        private_redis.stop()  # SIGKILL
        file(f"{kill}-down")  # filed while Redis is down: stored, the nudge refused
        private_redis.start()  # same port, empty
        # Consuming again, by itself: a request filed now gets its code from its own nudge.
        back = file(f"{kill}-back")
        wait_for(lambda: _addressees(tmp_path)[back] == 1, timeout=20,
                 message=f"the worker to consume again after kill {kill + 1}")
        assert worker.process.poll() is None, worker.output()[-3000:]

    # What Redis lost with each kill is owed in the database; the sweep queues it again.
    def all_sent() -> bool:
        if not VerificationChallenge.objects.filter(sent_at__isnull=True).exists():
            return True
        sweeps.requeue_stale_work(now=timezone.now() + timedelta(minutes=3))  # past every lease
        return False

    wait_for(all_sent, timeout=30, interval=1, message="every code to be sent")
    time.sleep(1)  # a duplicate, were there one, would be on its way by now
    sent = _addressees(tmp_path)
    assert sent == Counter({email: 1 for email in emails})
    assert len(emails) == KILLS * 6
    assert worker.process.poll() is None
    assert "Unrecoverable error" not in worker.output()


def test_a_consuming_channel_closes_whole_when_redis_died_under_it(private_redis):
    # The worker's crash, step by step, without the worker: a BRPOP pending and a message
    # unacknowledged when Redis dies; Celery then collects the connection and its
    # bootsteps close the channel (kombu 5.7.0: AttributeError 'hostname', worker ends).
    connection = kombu.Connection(private_redis.url, transport_options={"socket_connect_timeout": 1})
    connection.connect()
    queue = kombu.Queue("survive-probe")
    with connection.Producer() as producer:
        producer.publish({"n": 1}, routing_key=queue.name, declare=[queue])
    channel = connection.channel()
    received = []
    consumer = kombu.Consumer(channel, [queue], callbacks=[lambda body, message: received.append(message)],
                              accept=["json"])
    channel.basic_qos(0, 5, False)
    consumer.consume()
    connection.drain_events(timeout=5)
    channel._brpop_start()  # what the event loop does next, while the task runs
    assert received and not received[0].acknowledged

    private_redis.stop()
    connection.collect(socket_timeout=0.1)  # Consumer.on_connection_error_after_connected

    assert channel.closed
    channel.close()  # a bootstep's stop: must not raise (it raised AttributeError)
    with pytest.raises(connection.connection_errors):  # the late ack of a task that finished
        received[0].ack()

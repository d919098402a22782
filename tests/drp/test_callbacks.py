"""Status callbacks (DRP 2.03): one row in the outbox per change of what the agent is
told, each POSTed once to its status_callback (a real HTTP server on 127.0.0.1), signed by
the PIP's key; an agent that is down gets it again; an address inside the network is
refused unless the settings allow it; two workers racing send it once."""

import base64
import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from nacl.encoding import Base64Encoder
from nacl.signing import VerifyKey

from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, member
from requests_app.delivery import drp_callbacks as callbacks
from requests_app.errors import Unavailable
from requests_app.models import DrpCallback, RightsRequest
from requests_app.workflow import sweeps
from tests import factories


def deliver_all() -> None:
    """Each row's task, as workers would run it (twice: the second run sends nothing)."""
    for _round in range(2):
        for pk in DrpCallback.objects.order_by("pk").values_list("pk", flat=True):
            tasks.deliver_drp_callback(pk)


def statuses(receiver) -> list[tuple[str, str | None]]:
    return [(json.loads(body)["status"], json.loads(body).get("reason")) for _headers, body in receiver.received]


def _file(agent, client, receiver, exercise="deletion"):
    response = agent.file(client, agent.exercise_message(exercise=exercise, callback=receiver.url))
    assert response.status_code == 200, response.content
    return RightsRequest.objects.get(), response.json()["request_id"]


@pytest.mark.django_db
def test_each_change_the_agent_sees_is_posted_once_and_others_are_not(paired, client, receiver, ggf):
    officer = factories.member(ggf, "officer", username="ggf_officer")
    rr, request_id = _file(paired, client, receiver)
    tasks.send_verification_code(rr.challenges.get().pk)
    workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox())  # open -> in_progress
    workflow.assign(rr, actor=member(officer), assignee=officer)  # still in_progress: nothing to tell
    workflow.extend(rr, actor=member(officer), reason="Records in three systems.")  # expected_by moves
    workflow.ask_for_information(rr, actor=member(officer), question="Which club?")  # need_user_verification

    deliver_all()

    assert statuses(receiver) == [("open", None), ("in_progress", None), ("in_progress", None),
                                  ("in_progress", "need_user_verification")]
    bodies = [json.loads(body) for _h, body in receiver.received]
    assert {b["request_id"] for b in bodies} == {request_id}
    assert bodies[2]["expected_by"] > bodies[1]["expected_by"]
    assert "Records in three systems." in bodies[2]["processing_details"]
    assert bodies[3]["user_verification_url"].endswith("/status/")
    assert DrpCallback.objects.filter(sent_at__isnull=False, last_status=200).count() == 4


@pytest.mark.django_db
def test_a_callback_is_json_signed_by_the_pips_key(paired, client, receiver):
    _file(paired, client, receiver)
    deliver_all()

    [(headers, body)] = receiver.received
    assert headers["Content-Type"] == "application/json"
    pip_key = paired.info(client).json()["pip-verify-key"]
    VerifyKey(pip_key.encode(), encoder=Base64Encoder).verify(body, base64.b64decode(headers["X-DRP-Signature"]))
    assert json.loads(body)["status"] == "open"


@pytest.mark.django_db
def test_without_a_status_callback_nothing_is_queued(paired, client):
    assert paired.file(client, paired.exercise_message(exercise="deletion")).status_code == 200
    assert not DrpCallback.objects.exists()


@pytest.mark.django_db
def test_an_agent_that_is_down_gets_the_callback_again_later(paired, client, receiver):
    receiver.status = 503
    _file(paired, client, receiver)
    row = DrpCallback.objects.get()

    with pytest.raises(Unavailable):
        callbacks.deliver(row.pk)
    row.refresh_from_db()
    assert row.sent_at is None and row.last_status == 503 and row.lease_until is None
    later = timezone.now() + timedelta(minutes=3)
    assert list(callbacks.unsent_ids(later)) == [row.pk]
    assert sweeps.requeue_stale_work(now=later)["drp_callbacks"] == 1

    receiver.status = 200
    assert callbacks.deliver(row.pk) is True
    assert len(receiver.received) == 2 and not list(callbacks.unsent_ids(later))


@pytest.mark.django_db
def test_a_callback_to_an_address_inside_the_network_is_not_sent_in_production(paired, client, receiver, settings):
    _file(paired, client, receiver)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    deliver_all()

    assert receiver.received == []
    assert DrpCallback.objects.get().sent_at is not None  # settled: sending again would not help


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_send_a_callback_once(ggf, other_business, receiver, client):
    from tests.drp.agent import Agent
    from tests.drp.conftest import AGENT_ID, register

    agent = Agent(AGENT_ID, ggf.slug)
    register(agent, ggf)
    agent.register(client)
    _file(agent, client, receiver)
    row = DrpCallback.objects.get()
    start, results = threading.Barrier(2), []

    def worker():
        try:
            start.wait()
            results.append(callbacks.deliver(row.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, True]
    assert len(receiver.received) == 1
    row.refresh_from_db()
    assert row.attempts == 1 and row.sent_at is not None


@pytest.mark.django_db
def test_a_retried_callback_is_not_sent_after_a_newer_status_reached_the_agent(paired, client, receiver):
    """DRP 2.03.1: the agent's last 200 should be for the most recent status. A retry of an
    older one after a newer was delivered would leave the agent with a stale status."""
    receiver.status = 503
    rr, _request_id = _file(paired, client, receiver)
    older = DrpCallback.objects.get()
    with pytest.raises(Unavailable):
        callbacks.deliver(older.pk)
    receiver.status = 200
    tasks.send_verification_code(rr.challenges.get().pk)
    workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox())  # open -> in_progress
    newer = DrpCallback.objects.exclude(pk=older.pk).get()
    assert callbacks.deliver(newer.pk) is True

    assert callbacks.deliver(older.pk) is True  # the retry settles it

    assert statuses(receiver)[-1] == ("in_progress", None)
    older.refresh_from_db()
    assert older.sent_at is not None and older.last_status == 503

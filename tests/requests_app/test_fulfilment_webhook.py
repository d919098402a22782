"""The webhook connector: a signed POST out, a signed callback in, both checked.

The external system is a real HTTP server on 127.0.0.1 (a thread of this test); the
callback goes through Django's test client. `run_task` is called directly, as the
Celery task calls it."""

import json
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.utils import timezone

from requests_app import fulfilment, tasks
from requests_app.delivery import signing
from requests_app.errors import Unavailable
from requests_app.fulfilment import webhook
from requests_app.models import FulfilmentTask, Notification, RightsRequest
from tests import factories
from tests.workers import free_port

Status = RightsRequest.Status
TaskStatus = FulfilmentTask.Status
SECRET = "crm-shared-secret-6f1c2a9e8b7d"


class ExternalSystem:
    """An HTTP endpoint answering every POST with `status`, keeping what it received."""

    def __init__(self):
        self.status = 202
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/rightsdesk"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def external():
    system = ExternalSystem()
    yield system
    system.close()


@pytest.fixture
def crm(org_a, external):
    return factories.webhook_system(org_a, url=external.url, secret=SECRET, webhook_timeout_hours=48)


@pytest.fixture
def deciders(owner_a, officer_a):
    return {owner_a.pk, officer_a.pk}


def _task(org, officer) -> FulfilmentTask:
    rr = factories.approved_request(org, officer, email="Guo.Bing@Example.com")
    fulfilment.begin(rr.pk)
    return rr.fulfilment_tasks.get()


def _sent(org, officer) -> FulfilmentTask:
    """A webhook task whose POST the system accepted: waiting for the callback."""
    task = _task(org, officer)
    fulfilment.run_task(task.pk)
    task.refresh_from_db()
    assert task.status == TaskStatus.AWAITING_CALLBACK
    return task


def _callback(client, task, body, *, secret=SECRET, timestamp=None, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    headers = signing.sign(secret, data, timestamp)
    return client.post(f"/hooks/fulfilment/{task.public_id}/", data=data, content_type="application/json",
                       headers=headers)


DONE = {"status": "done", "note": "Deleted from the CRM and its backups",
        "records": [{"external_id": "member-4411", "outcome": "deleted"},
                    {"external_id": "photo-99", "outcome": "storage_only", "reason": "Tax law: 5 years"}]}


def _state(task) -> tuple:
    fresh = FulfilmentTask.objects.get(pk=task.pk)
    rr = RightsRequest.objects.get(pk=task.request_id)
    return fresh.status, fresh.result, rr.status, rr.event_count


# --- out -----------------------------------------------------------------------------------


def test_the_system_gets_a_signed_request_and_the_task_waits_for_its_answer(org_a, officer_a, crm, external):
    task = _task(org_a, officer_a)

    fulfilment.run_task(task.pk)

    [(headers, body)] = external.received
    signing.verify(SECRET, body, headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER])
    with pytest.raises(signing.BadSignature):
        signing.verify("another-secret", body, headers[signing.TIMESTAMP_HEADER], headers[signing.SIGNATURE_HEADER])
    sent = json.loads(body)
    rr = task.request
    assert sent["task"] == str(task.public_id)
    assert (sent["request"], sent["kind"], sent["jurisdiction"]) == (rr.reference, "deletion", "CN")
    assert sent["subject"]["email"] == "guo.bing@example.com"  # normalised
    assert sent["subject"]["identifier_hashes"] == {"email": rr.subject.email_hash}
    assert sent["callback_url"] == f"{settings.SITE_URL}/hooks/fulfilment/{task.public_id}/"
    task.refresh_from_db()
    assert (task.status, task.attempts, task.lease_expires_at) == (TaskStatus.AWAITING_CALLBACK, 1, None)
    assert abs(task.deadline_at - (timezone.now() + timedelta(hours=48))) < timedelta(minutes=1)


def test_a_waiting_task_is_not_sent_twice(org_a, officer_a, crm, external):
    task = _sent(org_a, officer_a)

    fulfilment.run_task(task.pk)

    assert len(external.received) == 1


@pytest.mark.parametrize("why", ["endpoint down", "HTTP 503"])
def test_an_unreachable_endpoint_is_retried(org_a, officer_a, crm, external, why):
    if why == "endpoint down":
        type(crm).objects.filter(pk=crm.pk).update(webhook_url=f"http://127.0.0.1:{free_port()}/gone")
    else:
        external.status = 503
    task = _task(org_a, officer_a)

    for attempt in (1, 2):
        with pytest.raises(Unavailable) as raised:
            fulfilment.run_task(task.pk)
        assert isinstance(raised.value, tasks.TRANSIENT)  # the Celery task's autoretry retries it
        task.refresh_from_db()
        assert (task.status, task.attempts, task.lease_expires_at) == (TaskStatus.PENDING, attempt, None)

    assert not Notification.objects.filter(kind="task_flagged").exists()


def test_an_endpoint_unreachable_too_often_fails_the_task(org_a, officer_a, crm, external, deciders):
    external.status = 502
    task = _task(org_a, officer_a)
    FulfilmentTask.objects.filter(pk=task.pk).update(attempts=webhook.MAX_ATTEMPTS - 1)

    fulfilment.run_task(task.pk)  # no retry left: fails instead of raising

    task.refresh_from_db()
    assert task.status == TaskStatus.FAILED and "unreachable" in task.result["error"]
    flagged = Notification.objects.filter(kind="task_flagged", task=task)
    assert set(flagged.values_list("user", flat=True)) == deciders


def test_a_refusal_fails_the_task_and_tells_the_officers(org_a, officer_a, crm, external, deciders, auditor_a):
    external.status = 404
    task = _task(org_a, officer_a)

    fulfilment.run_task(task.pk)

    task.refresh_from_db()
    assert task.status == TaskStatus.FAILED and task.result["status_code"] == 404
    event = task.request.events.get(action="record_task_outcome")
    assert event.data["failed"] is True
    flagged = Notification.objects.filter(kind="task_flagged", task=task, event=event)
    assert set(flagged.values_list("user", flat=True)) == deciders
    fulfilment.run_task(task.pk)  # a failed task is not run again
    assert len(external.received) == 1


# --- in ------------------------------------------------------------------------------------


def test_a_signed_callback_completes_the_task_and_the_request(client, org_a, officer_a, crm, external):
    task = _sent(org_a, officer_a)

    response = _callback(client, task, DONE)

    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.result == {"connector": "webhook", "records": DONE["records"], "note": DONE["note"]}
    fulfilment.complete_if_done(task.request_id)
    rr = RightsRequest.objects.get(pk=task.request_id)
    assert rr.status == Status.FULFILLED
    [system] = rr.certificate.body["systems"]
    assert (system["system"], system["connector"]) == ("Membership CRM", "webhook")
    assert [(r["external_id"], r["outcome"]) for r in system["records"]] == [
        ("member-4411", "deleted"), ("photo-99", "storage_only"),
    ]


def test_a_callback_reporting_failure_fails_the_task_and_tells_the_officers(
    client, org_a, officer_a, crm, external, deciders
):
    task = _sent(org_a, officer_a)

    response = _callback(client, task, {"status": "failed", "note": "Member not in our system's scope"})

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == TaskStatus.FAILED
    assert set(Notification.objects.filter(kind="task_flagged", task=task).values_list("user", flat=True)) == deciders


def test_a_forged_callback_is_refused_and_changes_nothing(client, org_a, officer_a, crm, external):
    task = _sent(org_a, officer_a)
    before = _state(task)

    forged = _callback(client, task, DONE, secret="guessed-secret")
    unsigned = client.post(f"/hooks/fulfilment/{task.public_id}/", data=json.dumps(DONE),
                           content_type="application/json")

    assert (forged.status_code, unsigned.status_code) == (400, 400)
    assert "error" in forged.json()
    assert _state(task) == before


def test_a_replayed_callback_is_refused(client, org_a, officer_a, crm, external):
    task = _sent(org_a, officer_a)
    data = json.dumps(DONE).encode()
    headers = signing.sign(SECRET, data)
    url = f"/hooks/fulfilment/{task.public_id}/"
    assert client.post(url, data=data, content_type="application/json", headers=headers).status_code == 200
    after_first = _state(task)

    replay = client.post(url, data=data, content_type="application/json", headers=headers)

    assert replay.status_code == 409
    assert _state(task) == after_first


def test_a_stale_callback_is_refused(client, org_a, officer_a, crm, external):
    task = _sent(org_a, officer_a)
    before = _state(task)

    response = _callback(client, task, DONE, timestamp=int(timezone.now().timestamp()) - 3600)

    assert response.status_code == 400
    assert _state(task) == before


@pytest.mark.parametrize("raw", [
    b"not json at all", b"\xff\xfe", b"[]", b"null",
    b'{"status": "finished"}',
    b'{"status": "done", "records": "all of them"}',
    b'{"status": "done", "records": [{"external_id": "m-1", "outcome": "vaporised"}]}',
    b'{"status": "done", "records": [{"outcome": "deleted"}]}',
    b'{"status": "done", "note": 42}',
])
def test_a_callback_that_is_not_a_valid_answer_is_refused(client, org_a, officer_a, crm, external, raw):
    task = _sent(org_a, officer_a)
    before = _state(task)

    response = _callback(client, task, None, raw=raw)

    assert response.status_code == 400
    assert _state(task) == before


def test_a_callback_for_an_unknown_task_is_not_found(client, org_a, officer_a, crm, external):
    task = _sent(org_a, officer_a)

    response = client.post(f"/hooks/fulfilment/{uuid.uuid4()}/", data=b"{}", content_type="application/json",
                           headers=signing.sign(SECRET, b"{}"))

    assert response.status_code == 404
    assert client.get(f"/hooks/fulfilment/{task.public_id}/").status_code == 405


def test_a_callback_for_a_vault_task_is_not_found(client, org_a, officer_a):
    factories.system(org_a, name="Gate vault")
    rr = factories.approved_request(org_a, officer_a)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get()

    assert _callback(client, task, DONE).status_code == 404


# --- silence -------------------------------------------------------------------------------


def test_a_task_silent_past_its_deadline_is_flagged_once(org_a, officer_a, crm, external, deciders, auditor_a):
    task = _sent(org_a, officer_a)
    assert fulfilment.flag_silent_tasks() == 0  # not yet due
    FulfilmentTask.objects.filter(pk=task.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))

    assert fulfilment.flag_silent_tasks() == 1
    assert fulfilment.flag_silent_tasks() == 0

    task.refresh_from_db()
    assert task.flagged_at is not None and task.status == TaskStatus.AWAITING_CALLBACK
    flagged = Notification.objects.filter(kind="task_flagged", task=task)
    assert sorted(flagged.values_list("user", flat=True)) == sorted(deciders)


def test_a_late_callback_still_completes_a_flagged_task(client, org_a, officer_a, crm, external):
    task = _sent(org_a, officer_a)
    FulfilmentTask.objects.filter(pk=task.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    fulfilment.flag_silent_tasks()

    assert _callback(client, task, DONE).status_code == 200
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


# --- where the worker may call ---------------------------------------------------------------


@pytest.fixture
def production_destinations(settings):
    """As in production: https and public addresses only (the suite itself allows this machine)."""
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize("url", [
    "http://crm.example.com/hook",  # personal data in the clear
    "https://127.0.0.1/hook",
    "https://10.1.2.3/hook",
    "https://169.254.169.254/latest/meta-data/",  # a cloud metadata service
    "https://[::1]/hook",
    "https://localhost/hook",
    "ftp://crm.example.com/hook",
])
def test_an_owner_cannot_point_the_worker_inside_the_network(production_destinations, url):
    from requests_app.delivery import destinations

    with pytest.raises(destinations.UnsafeDestination):
        destinations.check(url)


def test_a_webhook_to_this_machine_is_refused_in_production_and_nothing_is_sent(
    org_a, officer_a, crm, external, production_destinations
):
    task = _task(org_a, officer_a)

    fulfilment.run_task(task.pk)

    task.refresh_from_db()
    assert task.status == TaskStatus.FAILED
    assert task.result["error"].startswith("destination refused")
    assert external.received == []

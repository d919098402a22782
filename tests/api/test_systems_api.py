"""The webhook connector's signed callback through the API's route
(/api/v1/systems/fulfilment-tasks/{public_id}/callback/): the same function as
/hooks/fulfilment/, answering in the API's one error format."""

import json
import time
import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from requests_app import fulfilment
from requests_app.delivery import signing
from requests_app.models import FulfilmentTask, RightsRequest
from tests import factories
from tests.requests_app.test_fulfilment_webhook import ExternalSystem

SECRET = "crm-shared-secret-6f1c2a9e8b7d"
DONE = {"status": "done", "note": "Deleted from the CRM",
        "records": [{"external_id": "member-4411", "outcome": "deleted"}]}


@pytest.fixture
def external():
    system = ExternalSystem()
    yield system
    system.close()


@pytest.fixture
def waiting_task(org_a, officer_a, external) -> FulfilmentTask:
    factories.webhook_system(org_a, url=external.url, secret=SECRET, webhook_timeout_hours=48)
    rr = factories.approved_request(org_a, officer_a)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get()
    fulfilment.run_task(task.pk)
    task.refresh_from_db()
    assert task.status == FulfilmentTask.Status.AWAITING_CALLBACK
    return task


def callback(task_id, body, *, secret=SECRET, timestamp=None, headers=None):
    data = json.dumps(body).encode()
    signed = signing.sign(secret, data, timestamp) if headers is None else headers
    return APIClient(enforce_csrf_checks=True).post(
        reverse("api:systems-fulfilment-callback", args=[task_id]), data=data, content_type="application/json",
        headers=signed,
    )


def error(response, status_code, code):
    assert response.status_code == status_code, response.content
    assert set(response.json()) == {"code", "message", "fields"} and response.json()["code"] == code
    return response.json()


def test_a_signed_answer_records_the_task_done_and_closes_the_request(waiting_task):
    response = callback(waiting_task.public_id, DONE)

    assert response.status_code == 200 and response.json() == {"status": "recorded"}
    waiting_task.refresh_from_db()
    assert waiting_task.status == FulfilmentTask.Status.DONE
    assert waiting_task.result["records"] == DONE["records"]
    fulfilment.complete_if_done(waiting_task.request_id)
    assert RightsRequest.objects.get(pk=waiting_task.request_id).status == RightsRequest.Status.FULFILLED


def test_a_forged_signature_is_400_and_changes_nothing(waiting_task):
    error(callback(waiting_task.public_id, DONE, secret="not-the-secret"), 400, "bad_signature")
    error(callback(waiting_task.public_id, DONE, headers={}), 400, "bad_signature")
    assert FulfilmentTask.objects.get(pk=waiting_task.pk).status == FulfilmentTask.Status.AWAITING_CALLBACK


def test_a_stale_signature_is_400(waiting_task):
    stale = int(time.time()) - signing.TOLERANCE_SECONDS - 60
    error(callback(waiting_task.public_id, DONE, timestamp=stale), 400, "bad_signature")
    assert FulfilmentTask.objects.get(pk=waiting_task.pk).status == FulfilmentTask.Status.AWAITING_CALLBACK


def test_a_replayed_answer_is_409(waiting_task):
    data = json.dumps(DONE).encode()
    headers = signing.sign(SECRET, data)
    url = reverse("api:systems-fulfilment-callback", args=[waiting_task.public_id])
    first = APIClient().post(url, data=data, content_type="application/json", headers=headers)
    replay = APIClient().post(url, data=data, content_type="application/json", headers=headers)

    assert first.status_code == 200
    error(replay, 409, "transition_not_allowed")


def test_a_signed_but_invalid_answer_is_400_with_its_fields(waiting_task):
    body = error(callback(waiting_task.public_id, {"status": "maybe"}), 400, "invalid")
    assert "status" in body["fields"]


def test_an_unknown_task_is_404(waiting_task):
    error(callback(uuid.uuid4(), DONE), 404, "not_found")


def test_the_web_hook_still_answers_as_before(waiting_task, client):
    data = json.dumps(DONE).encode()
    response = client.post(f"/hooks/fulfilment/{waiting_task.public_id}/", data=data,
                           content_type="application/json", headers=signing.sign("wrong", data))
    assert response.status_code == 400 and "error" in response.json()

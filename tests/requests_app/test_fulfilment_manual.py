"""Manual systems: the owner carries the request out by hand and confirms it at /tasks/.

Three kinds of people: the system's owner (sees and confirms their own systems' tasks),
the organisation's officers and owners (every manual task of the organisation), and
everyone else — another system's owner, an auditor, another organisation's officer —
who sees nothing and gets a 404."""

import pytest
from django.test import Client

from orgs.models import DataSystem
from requests_app import fulfilment
from requests_app.models import FulfilmentTask, Notification, RightsRequest
from tests import factories

TaskStatus = FulfilmentTask.Status


@pytest.fixture
def ledger(org_a, system_owner_a):
    return factories.system(org_a, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=system_owner_a)


@pytest.fixture
def archive(org_a):
    keeper = factories.member(org_a, "system_owner", username="archivist_a")
    return factories.system(org_a, name="Paper archive", connector=DataSystem.Connector.MANUAL, owner=keeper)


@pytest.fixture
def rr(org_a, officer_a, ledger, archive):
    rr = factories.approved_request(org_a, officer_a)
    fulfilment.begin(rr.pk)
    return rr


def _task(rr, system) -> FulfilmentTask:
    return rr.fulfilment_tasks.get(system=system)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(task) -> str:
    return f"/tasks/{task.public_id}/"


def test_the_owner_is_told_of_the_task(rr, ledger, system_owner_a):
    assert Notification.objects.filter(
        kind="task_assigned", task=_task(rr, ledger), user=system_owner_a
    ).count() == 1


def test_the_system_owner_confirms_through_the_page(rr, ledger, system_owner_a):
    client = _client(system_owner_a)
    task = _task(rr, ledger)

    listing = client.get("/tasks/")
    assert listing.status_code == 200
    assert rr.reference in listing.content.decode() and _url(task) in listing.content.decode()
    page = client.get(_url(task))
    assert page.status_code == 200 and "guo@example.com" in page.content.decode()

    response = client.post(_url(task), {"outcome": "deleted", "note": "Struck from the ledger, page 12"})

    assert response.status_code == 302 and response["Location"] == "/tasks/"
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.result == {"connector": "manual", "records": [{"outcome": "deleted"}],
                           "internal_note": "Struck from the ledger, page 12"}
    event = rr.events.get(action="record_task_outcome")
    assert (event.actor_id, event.data["task"]) == (system_owner_a.pk, task.pk)
    after = client.get("/tasks/")
    assert _url(task) not in after.content.decode()
    assert "Recorded" in after.content.decode()
    assert client.get(_url(task)).status_code == 404  # done: nothing left to confirm


def test_storage_only_needs_the_retention_duty(rr, ledger, system_owner_a):
    client = _client(system_owner_a)
    task = _task(rr, ledger)

    refused = client.post(_url(task), {"outcome": "storage_only"})
    assert refused.status_code == 200 and refused.context["form"].errors["detail"]
    assert FulfilmentTask.objects.get(pk=task.pk).status == TaskStatus.PENDING

    client.post(_url(task), {"outcome": "storage_only", "detail": "Accounting law, 10 years"})
    task.refresh_from_db()
    assert task.result["records"] == [{"outcome": "storage_only", "reason": "Accounting law, 10 years"}]


def test_a_system_owner_sees_only_the_systems_they_own(rr, ledger, archive, system_owner_a):
    client = _client(system_owner_a)

    listing = client.get("/tasks/").content.decode()

    assert _url(_task(rr, ledger)) in listing and _url(_task(rr, archive)) not in listing
    archive_task = _task(rr, archive)
    assert client.get(_url(archive_task)).status_code == 404
    assert client.post(_url(archive_task), {"outcome": "deleted"}).status_code == 404
    assert FulfilmentTask.objects.get(pk=archive_task.pk).status == TaskStatus.PENDING


def test_an_officer_sees_and_may_confirm_every_manual_task_of_the_organisation(rr, ledger, archive, officer_a):
    client = _client(officer_a)

    listing = client.get("/tasks/").content.decode()

    assert _url(_task(rr, ledger)) in listing and _url(_task(rr, archive)) in listing
    client.post(_url(_task(rr, archive)), {"outcome": "not_found"})
    assert _task(rr, archive).status == TaskStatus.DONE


def test_another_organisations_officer_gets_404(rr, ledger, officer_b):
    client = _client(officer_b)
    task = _task(rr, ledger)

    assert rr.reference not in client.get("/tasks/").content.decode()
    assert client.get(_url(task)).status_code == 404
    assert client.post(_url(task), {"outcome": "deleted"}).status_code == 404
    assert FulfilmentTask.objects.get(pk=task.pk).status == TaskStatus.PENDING


def test_an_auditor_cannot_confirm(rr, ledger, auditor_a):
    client = _client(auditor_a)
    task = _task(rr, ledger)

    assert rr.reference not in client.get("/tasks/").content.decode()
    assert client.post(_url(task), {"outcome": "deleted"}).status_code == 404
    assert FulfilmentTask.objects.get(pk=task.pk).status == TaskStatus.PENDING


def test_the_pages_need_a_sign_in(rr, ledger):
    client = Client()

    for response in (client.get("/tasks/"), client.post(_url(_task(rr, ledger)), {"outcome": "deleted"})):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert _task(rr, ledger).status == TaskStatus.PENDING


def test_signing_in_leads_to_the_tasks(rr, ledger, system_owner_a):
    client = Client()
    page = client.get("/accounts/login/?next=/tasks/")
    assert page.status_code == 200

    response = client.post("/accounts/login/", {"username": "sysowner_a", "password": factories.PASSWORD,
                                                "next": "/tasks/"})

    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert rr.reference in client.get("/tasks/").content.decode()


def test_a_confirmation_without_the_csrf_token_is_refused(rr, ledger, system_owner_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(system_owner_a)

    assert client.post(_url(_task(rr, ledger)), {"outcome": "deleted"}).status_code == 403
    assert _task(rr, ledger).status == TaskStatus.PENDING


def test_when_every_manual_task_is_confirmed_the_request_is_fulfilled(rr, ledger, archive, officer_a):
    client = _client(officer_a)
    client.post(_url(_task(rr, ledger)), {"outcome": "deleted"})
    client.post(_url(_task(rr, archive)), {"outcome": "storage_only", "detail": "Court order"})

    fulfilment.complete_if_done(rr.pk)

    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.FULFILLED
    systems = {s["system"]: s for s in rr.certificate.body["systems"]}
    assert systems["Pass ledger"]["records"] == [{"outcome": "deleted"}]
    assert systems["Paper archive"]["records"] == [{"outcome": "storage_only", "reason": "Court order"}]
    assert {s["connector"] for s in systems.values()} == {"manual"}

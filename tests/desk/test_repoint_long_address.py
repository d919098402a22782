"""A new webhook address longer than the data system's column (200 characters) is a form
error on the case page, not a 500, and the system keeps its old address."""

import pytest
from django.urls import reverse

from requests_app import workflow
from requests_app.actors import SYSTEM
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_address_longer_than_the_system_holds_is_a_form_error(officer_client, org_a, officer_a):
    system = factories.webhook_system(org_a, name="Gate vendor cloud", url="http://127.0.0.1:9/nothing")
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get()
    workflow.record_task_outcome(task, actor=SYSTEM, failed=True, outcome={"error": "unreachable"})
    long_url = "https://gate-vendor.example.com/hooks/" + "a" * 250

    response = officer_client.post(reverse("desk:case_action", args=[rr.reference, "repoint_task"]),
                                   {"task": task.pk, "webhook_url": long_url})

    assert response.status_code == 400
    form = next(step["form"] for step in response.context["steps"] if step["name"] == "repoint_task")
    assert form.errors["webhook_url"]
    system.refresh_from_db()
    assert system.webhook_url == "http://127.0.0.1:9/nothing"

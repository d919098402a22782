"""Re-pointing a failed webhook task at an address whose port is out of range (the URL
field lets five digits through) is a form error on the case page, not a 500, and the
system keeps its address."""

import pytest
from django.urls import reverse

from requests_app import workflow
from requests_app.actors import SYSTEM
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("allow_private", [False, True])
def test_a_port_out_of_range_is_a_form_error_and_changes_nothing(officer_client, org_a, officer_a, settings,
                                                                   allow_private):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = allow_private  # production: False
    system = factories.webhook_system(org_a, name="Gate vendor cloud", url="http://127.0.0.1:9/nothing")
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get()
    workflow.record_task_outcome(task, actor=SYSTEM, failed=True, outcome={"error": "unreachable"})

    response = officer_client.post(reverse("desk:case_action", args=[rr.reference, "repoint_task"]),
                                   {"task": task.pk, "webhook_url": "https://gate-vendor.example.com:99999/hooks"})

    assert response.status_code == 400
    assert "port" in " ".join(response.context["steps"][0]["form"].errors.get("webhook_url", [""])) or \
        "port" in response.content.decode()
    system.refresh_from_db()
    assert system.webhook_url == "http://127.0.0.1:9/nothing"

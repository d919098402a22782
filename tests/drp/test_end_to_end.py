"""A DRP agent files a deletion for a Golden Gate Fitness member, the member confirms it with
the code from their own mail, an officer approves, fulfilment runs in the vault, and the
agent is told open -> in_progress -> fulfilled by its callbacks, then GETs the final status."""

import json
import re

import pytest
from django.core import mail

from orgs.models import BiometricRecord
from requests_app import tasks, workflow
from requests_app.actors import member
from requests_app.models import DrpCallback, FulfilmentTask, RightsRequest
from tests import factories

pytestmark = pytest.mark.django_db
MEMBER = "jordan.lee@example.com"


def run_workers() -> None:
    """What the worker would do after each commit, in order, once."""
    for pk in DrpCallback.objects.filter(sent_at__isnull=True).order_by("pk").values_list("pk", flat=True):
        tasks.deliver_drp_callback(pk)


def test_an_agent_files_follows_and_gets_a_deletion_fulfilled(paired, client, receiver, ggf):
    officer = factories.member(ggf, "officer", username="ggf_officer")
    record = factories.person_record(factories.activity(ggf, name="Club entry", collection_point="Front desk"),
                                     email=MEMBER)

    filed = paired.file(client, paired.exercise_message(exercise="deletion", callback=receiver.url))
    assert filed.status_code == 200 and filed.json()["status"] == "open"
    request_id = filed.json()["request_id"]
    rr = RightsRequest.objects.get()
    run_workers()

    # The member confirms with the code mailed to their own address, on the public page.
    mail.outbox.clear()
    tasks.send_verification_code(rr.challenges.get().pk)
    [code_mail] = mail.outbox
    assert code_mail.to == [MEMBER]
    code = re.search(r"\b(\d{6})\b", code_mail.body).group(1)
    page = client.post(f"/verify/{rr.submission}/", {"code": code})
    assert page.status_code in (200, 302)
    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.VERIFIED
    run_workers()

    workflow.assign(rr, actor=member(officer), assignee=officer)
    workflow.approve(rr, actor=member(officer))
    tasks.begin_fulfilment(rr.pk)
    for task in FulfilmentTask.objects.filter(request=rr):
        tasks.run_fulfilment_task(task.pk)
    tasks.complete_fulfilment(rr.pk)
    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.FULFILLED
    record.refresh_from_db()
    assert record.state == BiometricRecord.State.DELETED
    run_workers()

    told = [json.loads(body) for _headers, body in receiver.received]
    assert [b["status"] for b in told] == ["open", "in_progress", "fulfilled"]
    assert {b["request_id"] for b in told} == {request_id}
    final = paired.status(client, request_id)
    assert final.status_code == 200
    assert final.json()["status"] == "fulfilled" and final.json()["agent_request_id"] == "foo"
    assert "expected_by" not in final.json()

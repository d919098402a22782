"""GET and DELETE /v1/data-rights-request/{id} (DRP 2.02, 2.04): only the agent managing a
request sees or revokes it (another agent's: 403; unknown: 404); a revocation is the
requester's declared `withdraw` step, from the states it allows."""

from datetime import datetime, timedelta, timezone

import pytest
from nacl.signing import SigningKey

from requests_app.actors import member
from requests_app import workflow
from requests_app.models import DrpRequest, RightsRequest
from tests import factories

pytestmark = pytest.mark.django_db
Status = RightsRequest.Status


@pytest.fixture
def filed(paired, client):
    response = paired.file(client, paired.exercise_message(exercise="deletion"))
    assert response.status_code == 200
    return response.json()["request_id"]


def test_the_managing_agent_gets_the_status(paired, client, filed):
    response = paired.status(client, filed)

    assert response.status_code == 200
    assert response.json()["request_id"] == filed and response.json()["status"] == "open"


def test_another_agents_request_is_403_and_an_unknown_one_404(paired, outsider, client, filed):
    outsider.register(client)

    assert outsider.status(client, filed).status_code == 403
    assert outsider.revoke(client, filed).status_code == 403
    assert paired.status(client, "c789ff35-7644-4ceb-9981-4b35c264aac3").status_code == 404
    assert paired.status(client, "not-a-uuid").status_code == 404
    assert client.get("/v1/no-such-path").json() == {"code": "404", "message": "Not found."}
    assert RightsRequest.objects.get().status == Status.SUBMITTED


def test_the_same_agents_token_for_another_business_does_not_reach_the_request(paired, client, filed, other_business):
    paired.business_id = other_business.slug
    paired.register(client)

    assert paired.status(client, filed).status_code == 403


def test_revoking_withdraws_the_request_by_its_declared_step(paired, client, filed):
    response = paired.revoke(client, filed)

    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    rr = RightsRequest.objects.get()
    assert rr.status == Status.WITHDRAWN
    assert list(rr.events.values_list("action", flat=True))[-2:] == ["subject_message", "withdraw"]
    assert rr.messages.get().body == "I don't want my account deleted"
    assert paired.status(client, filed).json()["status"] == "revoked"


def test_a_replayed_revocation_is_refused_and_a_new_one_answers_revoked_again(paired, client, filed):
    message = paired.revoke_message()
    assert paired.revoke(client, filed, message).status_code == 200

    assert paired.revoke(client, filed, message).status_code == 403
    assert paired.revoke(client, filed).json()["status"] == "revoked"


@pytest.mark.parametrize("broken", ["signature", "expired", "agent"])
def test_a_revocation_that_fails_the_chain_changes_nothing(paired, client, filed, broken):
    message, key = paired.revoke_message(), None
    if broken == "signature":
        key = SigningKey.generate()
    elif broken == "expired":
        message.update(paired.envelope(issued_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    else:
        message["agent-id"] = "OTHER_AGENT"

    response = paired.revoke(client, filed, message, key=key)

    assert response.status_code == 403
    assert RightsRequest.objects.get().status == Status.SUBMITTED


def test_a_request_being_carried_out_cannot_be_revoked(paired, client, filed, ggf):
    officer = factories.member(ggf, "officer", username="ggf_officer")
    factories.system(ggf)
    rr = RightsRequest.objects.get()
    tasks_code = rr.challenges.get()
    from requests_app import tasks
    from requests_app.actors import SUBJECT

    tasks.send_verification_code(tasks_code.pk)
    workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox())
    workflow.assign(rr, actor=member(officer), assignee=officer)
    workflow.approve(rr, actor=member(officer))
    workflow.start_fulfilment(rr, actor=member(officer))

    response = paired.revoke(client, filed)

    assert response.status_code == 409 and response.json()["code"] == "409"
    rr.refresh_from_db()
    assert rr.status == Status.FULFILLING and not rr.messages.exists()
    assert DrpRequest.objects.get().rights_request.status == Status.FULFILLING

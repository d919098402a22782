"""POST /v1/agent/{id} (DRP 2.05, pair-wise key setup) and GET /v1/agent/{id} (2.06)."""

from datetime import datetime, timedelta, timezone

import pytest
from nacl.signing import SigningKey

from requests_app.models import DrpAgent, DrpMessage, DrpToken, RightsRequest

pytestmark = pytest.mark.django_db


def test_a_setup_signed_by_the_agents_key_returns_its_agent_id_and_a_token(agent, client, ggf):
    response = agent.register(client)

    assert response.status_code == 200
    body = response.json()
    assert body["agent-id"] == agent.agent_id and len(body["token"]) > 40
    row = DrpToken.objects.get()
    assert (row.agent.agent_id, row.organisation) == (agent.agent_id, ggf)
    assert body["token"] not in row.token_hash  # stored only as a hash


@pytest.mark.parametrize("broken", [
    "signed by another key", "unknown agent", "url names another agent", "business not allowed",
    "issued in the future", "expired", "other version", "not base64",
])
def test_a_setup_that_fails_validation_is_403_with_no_body(agent, client, ggf, broken):
    now = datetime.now(timezone.utc)
    message, key, url_agent = agent.setup_message(), None, agent.agent_id
    if broken == "signed by another key":
        key = SigningKey.generate()
    elif broken == "unknown agent":
        message, url_agent = agent.setup_message(**{"agent-id": "NOBODY"}), "NOBODY"
    elif broken == "url names another agent":
        url_agent = "OTHER_AGENT"
    elif broken == "business not allowed":
        message = agent.setup_message(**{"business-id": "hangzhou-wildlife-world"})
    elif broken == "issued in the future":
        message = {**message, **agent.envelope(issued_at=now + timedelta(minutes=5))}
    elif broken == "expired":
        message = {**message, **agent.envelope(issued_at=now - timedelta(minutes=20))}
    elif broken == "other version":
        message["drp.version"] = "0.9"
    body = b"%%%not base64" if broken == "not base64" else agent.sign(message, key)

    response = client.post(f"/v1/agent/{url_agent}", body, content_type="text/plain")

    assert response.status_code == 403
    assert response.content == b""
    assert not DrpToken.objects.exists()


def test_a_replayed_setup_is_refused(agent, client):
    message = agent.setup_message()
    assert agent.register(client, message).status_code == 200

    assert agent.register(client, message).status_code == 403
    assert DrpMessage.objects.count() == 1


def test_a_new_setup_replaces_the_token_of_the_pair(agent, client):
    agent.register(client)
    first = agent.token
    agent.register(client)

    assert agent.token != first
    assert agent.info(client, token=first).status_code == 403
    assert agent.info(client).status_code == 200
    assert DrpToken.objects.count() == 1


def test_agent_information_is_200_for_its_own_token_and_403_otherwise(paired, outsider, client):
    mine = paired.info(client)
    assert mine.status_code == 200 and "pip-verify-key" in mine.json()

    assert paired.info(client, agent_id=outsider.agent_id).status_code == 403
    assert paired.info(client, token="drp_forged").status_code == 403
    assert client.get(f"/v1/agent/{paired.agent_id}").status_code == 403
    assert client.get(f"/v1/agent/{paired.agent_id}", HTTP_AUTHORIZATION="Basic abc").json()["code"] == "403"


def test_an_inactive_agent_cannot_set_up_or_use_its_token(paired, client):
    from requests_app.models import DrpAgent

    DrpAgent.objects.update(active=False)

    assert paired.info(client).status_code == 403
    assert paired.register(client).status_code == 403


def test_a_token_stops_working_once_the_agent_may_no_longer_address_the_business(paired, client, ggf):
    """The administrator's list of organisations an agent may address is the authority,
    not the token issued while the organisation was on it."""
    message = paired.exercise_message(exercise="deletion")
    DrpAgent.objects.get(agent_id=paired.agent_id).organisations.remove(ggf)

    assert paired.info(client).status_code == 403
    refused = paired.file(client, message)
    assert refused.status_code == 403 and refused.json()["code"] == "403"
    assert not RightsRequest.objects.exists()


def test_an_administrator_registers_an_agent_by_its_base64_or_hex_verify_key(ggf):
    from nacl.encoding import HexEncoder

    from requests_app.drp.admin import DrpAgentForm
    from tests.drp.agent import Agent

    agent = Agent("NEW_AGENT", ggf.slug)
    data = {"agent_id": agent.agent_id, "name": "New", "contact_email": "tech@new.example", "active": "on",
            "callback_prefixes": "https://new.example/drp/\n", "organisations": [ggf.pk]}
    for key in (agent.verify_key, agent.key.verify_key.encode(HexEncoder).decode()):
        form = DrpAgentForm({**data, "verify_key": key})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["verify_key"] == agent.verify_key
    for bad in ("abc", "A" * 44, agent.verify_key[:-4]):
        assert "verify_key" in DrpAgentForm({**data, "verify_key": bad}).errors
    assert "callback_prefixes" in DrpAgentForm({**data, "verify_key": agent.verify_key,
                                                "callback_prefixes": "ftp://x"}).errors

"""Careless or hostile input to every DRP endpoint: signed messages with every claim of
every wrong type, unsigned junk, odd headers and paths. Never a 500; always the
protocol's JSON error (or the pair-wise setup's empty 403); nothing filed by a refusal."""

import base64
import json
import random

import pytest

from requests_app.models import DrpRequest, RightsRequest
from tests.fuzz import OVERSIZED, SEED, UNICODE, WRONG_TYPED

pytestmark = pytest.mark.django_db
VALUES = [None, True, 0, -1, 1.5, [], {}, ["x"], {"a": 1}, *WRONG_TYPED[:8], *UNICODE[:6], OVERSIZED[0][:5000]]
CLAIMS = ["agent-id", "business-id", "issued-at", "expires-at", "agent-request-id", "drp.version", "exercise",
          "regime", "relationships", "status_callback", "name", "email", "phone_number", "email_verified",
          "power_of_attorney", "reason"]


def test_signed_messages_with_wrong_claims_never_500(paired, client):
    rng = random.Random(SEED)
    seen = set()
    for _ in range(120):
        message = paired.exercise_message(exercise="deletion", person={"email": "fuzz@example.com"})
        for claim in rng.sample(CLAIMS, rng.randint(1, 3)):
            if rng.random() < 0.2:
                message.pop(claim, None)
            else:
                message[claim] = rng.choice(VALUES)
        response = paired.file(client, message)
        seen.add(response.status_code)
        # 429: the refusals as already open count in the person's rate limit, as the public forms' do
        assert response.status_code in (200, 400, 403, 409, 429), (message, response.content[:300])
        if response.status_code != 200:
            assert set(response.json()) <= {"code", "message", "fatal"}
    assert {400, 403} <= seen
    # only messages that passed every check filed anything, one per request
    assert RightsRequest.objects.count() == DrpRequest.objects.count() <= 1


@pytest.mark.parametrize("body", [b"\x00\xff", "郭兵".encode(), base64.b64encode(b"x" * 63), base64.b64encode(b""),
                                  b"====", b"{\"agent-id\": 1}"])
@pytest.mark.parametrize("method,path", [("post", "/v1/data-rights-request"), ("post", "/v1/data-rights-request/"),
                                         ("delete", "/v1/data-rights-request/c789ff35-7644-4ceb-9981-4b35c264aac3"),
                                         ("post", "/v1/agent/CONSUMER_AGENT")])
def test_unsigned_junk_never_500(paired, client, body, method, path):
    response = getattr(client, method)(path, body, content_type="text/plain",
                                       HTTP_AUTHORIZATION=f"Bearer {paired.token}")
    assert response.status_code in (400, 403, 404)
    assert not RightsRequest.objects.exists()


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "bearer x y", "Bearer " + "a" * 5000, "Token abc", "\u202e"])
def test_odd_authorization_headers_are_a_403(paired, client, header):
    for response in (client.get("/v1/data-rights-request/c789ff35-7644-4ceb-9981-4b35c264aac3",
                                HTTP_AUTHORIZATION=header),
                     client.get("/v1/agent/CONSUMER_AGENT", HTTP_AUTHORIZATION=header)):
        assert response.status_code == 403 and response.json()["code"] == "403"


@pytest.mark.parametrize("method,path", [("put", "/v1/data-rights-request"), ("get", "/v1/data-rights-request"),
                                         ("patch", "/v1/agent/X"), ("get", "/v1/agent/%00"),
                                         ("get", "/v1/data-rights-request/%2e%2e")])
def test_odd_methods_and_paths_are_4xx(paired, client, method, path):
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {paired.token}")
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("claims", [{"name": "Jo\u0000rdan"}, {"agent-request-id": "ref\u0000"},
                                    {"relationships": ["customer\u0000"]}, {"power_of_attorney": "poa\u0000"}])
def test_a_nul_character_anywhere_in_a_signed_message_is_a_400(paired, client, claims):
    """PostgreSQL's text and jsonb refuse U+0000: caught when the message is read, not at the INSERT."""
    message = paired.exercise_message(exercise="deletion", person={"email": "fuzz@example.com"}, **claims)

    response = paired.file(client, message)

    assert response.status_code == 400 and response.json()["code"] == "400"
    assert not RightsRequest.objects.exists() and not DrpRequest.objects.exists()


def test_a_setup_naming_a_business_with_a_nul_character_is_403_with_no_body(agent, client):
    response = agent.register(client, agent.setup_message(**{"business-id": "golden\u0000gate"}))

    assert response.status_code == 403 and response.content == b""


def test_a_signed_message_nested_too_deep_is_a_400(paired, client):
    body = base64.b64encode(paired.key.sign(b"[" * 40000))

    response = paired.file(client, None, body=body)

    assert response.status_code == 400 and response.json()["code"] == "400"


def test_a_body_larger_than_django_reads_is_the_protocols_json_error(paired, client, settings):
    response = paired.file(client, None, body=b"A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 4))

    assert response.status_code == 413 and response.json()["code"] == "413"


def test_a_nul_character_nested_as_deep_as_json_allows_is_a_400(paired, client):
    message = paired.exercise_message(exercise="deletion", person={"email": "fuzz@example.com"})
    document = json.dumps(message)[:-1] + ', "x-deep": ' + "[" * 400 + '"\\u0000"' + "]" * 400 + "}"

    response = paired.file(client, None, body=base64.b64encode(paired.key.sign(document.encode())))

    assert response.status_code == 400 and "NUL" in response.json()["message"]

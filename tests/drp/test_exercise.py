"""POST /v1/data-rights-request (DRP 2.01): the signed message checked in DRP 3.07's order,
then filed as an authorised agent's request (CCPA regs §7063) through the public intake."""

from datetime import datetime, timedelta, timezone

import pytest
from django.core import mail
from nacl.signing import SigningKey

from requests_app import tasks
from requests_app.models import DrpMessage, DrpRequest, RightsRequest
from requests_app.public import limits
from requests_app.public.views import person_limits

pytestmark = pytest.mark.django_db
NOW = datetime.now


def _no_request_filed():
    assert not RightsRequest.objects.exists() and not DrpRequest.objects.exists()


def test_the_specs_example_opt_out_is_filed_and_in_progress_at_once(paired, client, ggf):
    """DRP 2.01's example (sale:opt-out, ccpa, relationships) with the person's claims: an
    opt-out needs no verification under the CCPA, so it is acknowledged and in progress."""
    message = paired.exercise_message()
    response = paired.file(client, message)

    assert response.status_code == 200, response.content
    body = response.json()
    drp = DrpRequest.objects.get()
    assert body["request_id"] == str(drp.request_id)
    assert body["status"] == "in_progress" and "reason" not in body
    assert body["agent_request_id"] == "foo"
    assert body["received_at"] and body["expected_by"]
    rr = drp.rights_request
    assert (rr.organisation, rr.kind, rr.status) == (ggf, RightsRequest.Kind.OPT_OUT_SALE, RightsRequest.Status.VERIFIED)
    assert (drp.exercise, drp.regime, drp.relationships) == ("sale:opt-out", "ccpa", ["customer", "marketing"])


def test_a_deletion_is_an_agents_request_and_the_code_goes_to_the_persons_own_mailbox(paired, client):
    response = paired.file(client, paired.exercise_message(exercise="deletion"))

    assert response.status_code == 200
    assert response.json()["status"] == "open"
    rr = RightsRequest.objects.get()
    assert rr.filed_by == RightsRequest.FiledBy.AGENT
    assert (rr.requester_name, rr.requester_email) == (f"{paired.agent_id} app", "drp@agent.example")
    assert rr.subject.full_name == "Jordan Lee" and rr.subject.email == "jordan.lee@example.com"
    assert rr.subject.phone_hash  # the phone_number claim is one of the person's identifiers
    assert "email_verified" in rr.details  # what the agent says it verified, for the officer
    mail.outbox.clear()
    tasks.send_verification_code(rr.challenges.get().pk)
    [code_mail] = mail.outbox
    assert code_mail.to == ["jordan.lee@example.com"]  # never drp@agent.example


@pytest.mark.parametrize("exercise,kind", [
    ("access", "access"), ("access:categories", "access"), ("access:specific", "copy"), ("deletion", "deletion"),
])
def test_each_right_becomes_its_kind(paired, client, exercise, kind):
    assert paired.file(client, paired.exercise_message(exercise=exercise)).status_code == 200
    assert RightsRequest.objects.get().kind == kind


def _broken(agent, broken: str):
    """A message broken in one way of DRP 3.07's chain, and the key to sign it with."""
    now = NOW(timezone.utc)
    if broken == "signature":
        return agent.exercise_message(), SigningKey.generate()
    if broken == "agent":
        return agent.exercise_message(**{"agent-id": "OTHER_AGENT"}), None
    if broken == "business":
        return agent.exercise_message(**{"business-id": "mission-climbing"}), None
    if broken == "issued-at":
        return agent.exercise_message(**agent.envelope(issued_at=now + timedelta(minutes=2))), None
    if broken == "expires-at":
        return agent.exercise_message(**agent.envelope(issued_at=now - timedelta(minutes=11))), None
    raise AssertionError(broken)


@pytest.mark.parametrize("broken,message_part", [
    ("signature", "signature"), ("agent", "agent-id"), ("business", "business-id"), ("issued-at", "future"),
    ("expires-at", "expired"),
])
def test_each_failure_of_the_chain_is_a_403_with_the_protocols_error_body(paired, client, broken, message_part):
    message, key = _broken(paired, broken)

    response = paired.file(client, message, key=key)

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "403" and message_part in body["message"]
    assert body.get("fatal") is (True if broken == "expires-at" else None)
    _no_request_filed()


def test_the_chain_is_checked_in_the_protocols_order(paired, client):
    """Broken in every way at once, a message fails at the first check of DRP 3.07; mended
    one by one, at the next."""
    now = NOW(timezone.utc)
    message = paired.exercise_message(**{"agent-id": "OTHER_AGENT", "business-id": "mission-climbing"},
                                      **{"issued-at": (now + timedelta(minutes=2)).isoformat(),
                                         "expires-at": (now - timedelta(minutes=1)).isoformat()})
    seen = []
    for mend in ["key", "agent-id", "business-id", "issued-at", "expires-at", None]:
        key = SigningKey.generate() if mend == "key" else None
        seen.append(paired.file(client, message, key=key).json().get("message", "filed"))
        if mend == "agent-id":
            message["agent-id"] = paired.agent_id
        elif mend == "business-id":
            message["business-id"] = paired.business_id
        elif mend == "issued-at":
            message["issued-at"] = (now - timedelta(minutes=2)).isoformat()
        elif mend == "expires-at":
            message["expires-at"] = (now + timedelta(minutes=5)).isoformat()

    assert ["signature" in seen[0], "agent-id" in seen[1], "business-id" in seen[2], "future" in seen[3],
            "expired" in seen[4], seen[5]] == [True] * 5 + ["filed"]


def test_a_replayed_message_is_refused_and_files_nothing_twice(paired, client):
    message = paired.exercise_message(exercise="deletion")
    assert paired.file(client, message).status_code == 200

    again = paired.file(client, message)

    assert again.status_code == 403 and "received before" in again.json()["message"]
    assert RightsRequest.objects.count() == 1 and DrpMessage.objects.count() == 2  # the setup, the exercise


def test_a_message_for_another_business_is_refused_with_this_businesss_token(paired, client, other_business):
    """The token is pair-wise: a message naming the other business the agent may address is still refused."""
    response = paired.file(client, paired.exercise_message(**{"business-id": other_business.slug}))

    assert response.status_code == 403
    _no_request_filed()


@pytest.mark.parametrize("token", ["", "drp_unknown"])
def test_without_a_valid_bearer_token_nothing_is_filed(paired, client, token):
    response = client.post("/v1/data-rights-request", paired.sign(paired.exercise_message()),
                           content_type="text/plain", **({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}))

    assert response.status_code == 403 and response.json()["code"] == "403"
    _no_request_filed()


@pytest.mark.parametrize("change,status,words", [
    ({"exercise": "sale:opt-in"}, 400, "Unsupported rights actions"),
    ({"exercise": "fly"}, 400, "Unsupported rights actions"),
    ({"drp.version": "0.9.4"}, 400, "drp.version"),
    ({"regime": "gdpr"}, 400, "regime"),
    ({"relationships": "customer"}, 400, "relationships"),
    ({"status_callback": "https://evil.example/steal"}, 400, "status_callback"),
    ({"email": "", "phone_number": ""}, 400, "email or phone_number"),
    ({"email": "not-an-email"}, 400, ""),
    ({"email": ["a@b.c"]}, 400, "email"),
    ({"issued-at": "yesterday"}, 400, "issued-at"),
    ({"agent-request-id": 7}, 400, "agent-request-id"),
])
def test_bad_fields_are_a_400_and_change_nothing(paired, client, change, status, words):
    response = paired.file(client, {**paired.exercise_message(), **change})

    assert response.status_code == status, response.content
    assert words in response.json()["message"]
    _no_request_filed()


@pytest.mark.parametrize("body", [b"", b"not base64 at all!", b"aGVsbG8=", b"A" * 200000])
def test_a_body_that_is_no_signed_message_is_a_400_or_403_never_a_500(paired, client, body):
    response = paired.file(client, {}, body=body)

    assert response.status_code in (400, 403)
    assert response.json()["code"] == str(response.status_code)


def test_a_signed_body_that_is_not_json_is_a_400(paired, client):
    body = __import__("base64").b64encode(paired.key.sign(b"\xff\xfe not json"))
    assert paired.file(client, {}, body=body).status_code == 400


def test_ccpa_is_refused_for_a_business_outside_california(client, db):
    from tests import factories
    from tests.drp.agent import Agent
    from tests.drp.conftest import register

    berlin = factories.jurisdiction_org("EU")
    agent = Agent("EU_AGENT", berlin.slug)
    register(agent, berlin)
    agent.register(client)

    refused = agent.file(client, agent.exercise_message(exercise="deletion"))
    voluntary = agent.file(client, {k: v for k, v in agent.exercise_message(exercise="deletion").items()
                                    if k != "regime"})

    assert refused.status_code == 400 and "CCPA" in refused.json()["message"]
    assert voluntary.status_code == 200 and RightsRequest.objects.get().jurisdiction == "EU"


def test_an_open_request_of_the_same_person_and_kind_is_not_filed_again(paired, client):
    assert paired.file(client, paired.exercise_message(exercise="deletion")).status_code == 200

    again = paired.file(client, paired.exercise_message(exercise="deletion"))

    assert again.status_code == 409 and again.json()["code"] == "409"
    assert RightsRequest.objects.count() == 1


def test_the_persons_own_rate_limit_counts_drp_filings_with_the_public_forms(paired, client, rf, ggf):
    """Five filings an hour for one person, whichever way they come (public/limits.py)."""
    request = rf.post("/")
    for _ in range(5):
        limits.spend(request, limits.SUBMIT, keys=person_limits("jordan.lee@example.com", "", ggf))

    response = paired.file(client, paired.exercise_message(exercise="deletion"))

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    _no_request_filed()


def test_filings_refused_as_already_open_count_in_the_persons_rate_limit(paired, client):
    """As the citizens' API: the intake ran and answered about the person, so it is a try;
    else an agent could ask without end whether someone has a request open here."""
    assert paired.file(client, paired.exercise_message(exercise="deletion")).status_code == 200
    answers = [paired.file(client, paired.exercise_message(exercise="deletion")).status_code for _ in range(5)]

    assert answers == [409] * 4 + [429]
    assert RightsRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_message_arriving_at_once_file_one_request(ggf, other_business):
    """The unique digest of DrpMessage, not a look before the insert, decides: the second
    copy waits for the first transaction and is refused once it commits."""
    import threading

    from django.db import connection
    from django.test import Client

    from tests.drp.agent import Agent
    from tests.drp.conftest import AGENT_ID, register

    agent = Agent(AGENT_ID, ggf.slug)
    register(agent, ggf)
    assert agent.register(Client()).status_code == 200
    message = agent.exercise_message(exercise="deletion")
    start, answers = threading.Barrier(2), []

    def send():
        try:
            start.wait()
            response = agent.file(Client(), message)
            answers.append((response.status_code, response.json().get("message", "filed")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(status for status, _words in answers) == [200, 403]
    assert any(status == 403 and "received before" in words for status, words in answers)
    assert RightsRequest.objects.count() == DrpRequest.objects.count() == 1

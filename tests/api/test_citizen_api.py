"""The citizens' API (/api/v1/public/): the web's steps, limits and answers, as JSON.

Codes are sent by running the queued task here (as a worker would) and read from the
test outbox; state beyond filing is built through the workflow (tests/factories.py)."""

import base64
import secrets
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from requests_app import tasks
from requests_app.actors import member as as_member
from requests_app.cases import tokens
from requests_app.models import Attachment, CompensationClaim, Message, RightsRequest, VerificationChallenge
from tests import factories
from tests.public import citizen

Status = RightsRequest.Status


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def park(db):
    return factories.organisation(name="Hangzhou Safari Park", slug="hangzhou-safari-park", jurisdiction="CN")


@pytest.fixture
def park_officer(park):
    return factories.member(park, "officer", username="park_officer")


@pytest.fixture
def still_clock():
    """Rate limits count in fixed windows: hold the clock so none ends mid-test."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def payload(**overrides) -> dict:
    data = {
        "organisation": "hangzhou-safari-park",
        "kinds": ["deletion"],
        "identity": {"email": "guo@example.com", "full_name": "Guo Bing"},
        "data_description": "Face scan at the north gate with my annual pass.",
    }
    data.update(overrides)
    return data


def file(api, ip="127.0.0.1", **overrides):
    return api.post(reverse("api:public-requests"), payload(**overrides), format="json", REMOTE_ADDR=ip)


def verify(api, submission, code, ip="127.0.0.1"):
    return api.post(reverse("api:public-verify", args=[submission]), {"code": code}, format="json", REMOTE_ADDR=ip)


def send_code(submission) -> str:
    challenge = VerificationChallenge.objects.filter(request__submission=submission).latest("created_at")
    tasks.send_verification_code(challenge.pk)
    return factories.code_from_outbox()


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def action(api, token, rr, name, body=None, ip="127.0.0.1"):
    url = reverse(f"api:public-{name}", args=[token, rr.reference])
    return api.post(url, body or {}, format="json", REMOTE_ADDR=ip)


def assert_error(response, status_code, code=None):
    assert response.status_code == status_code, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    if code:
        assert body["code"] == code
    return body


# --- filing and verifying -------------------------------------------------------------


def test_a_person_files_verifies_with_the_code_and_reads_the_status(api, park):
    response = file(api, kinds=["deletion", "access"], language="zh-hans")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [r["kind"] for r in body["requests"]] == ["deletion", "access"] and body["already_open"] == []
    filed = RightsRequest.objects.filter(submission=body["submission"])
    assert filed.count() == 2 and {rr.status for rr in filed} == {Status.SUBMITTED}
    assert filed.first().subject.preferred_language == "zh-hans"

    token = verify(api, body["submission"], send_code(body["submission"])).json()["token"]

    status = api.get(reverse("api:public-status", args=[token]))
    assert status.status_code == 200
    cases = status.json()["requests"]
    assert status.json()["organisation"] == "Hangzhou Safari Park"
    assert {case["status"] for case in cases} == {Status.VERIFIED}
    assert [e["action"] for e in cases[0]["events"]] == ["submit", "verify"]
    assert cases[0]["due_at"] and cases[0]["can_withdraw"] and not cases[0]["can_appeal"]


def test_bad_fields_are_400_with_each_field_named(api, park):
    body = assert_error(file(api, identity={"full_name": "Guo"}, data_description=""), 400, "invalid")
    assert "data_description" in body["fields"]
    body = assert_error(file(api, identity={"full_name": "Guo"}), 400, "invalid")
    assert "identity.email" in body["fields"]  # the web form's rule: an email or a phone
    assert "organisation" in assert_error(file(api, organisation="nowhere"), 400)["fields"]
    assert "kinds.0" in assert_error(file(api, kinds=["everything"]), 400)["fields"]
    assert not RightsRequest.objects.exists()


def test_an_agent_attaches_the_authorisation_as_base64_checked_like_an_upload(api, park):
    agent = {"filed_by": "agent", "requester_name": "Li Lawyer", "requester_email": "li@law.example"}
    assert "authorisation" in assert_error(file(api, **agent), 400)["fields"]
    not_a_pdf = {"name": "auth.pdf", "content": b64(b"just some text")}
    assert "authorisation" in assert_error(file(api, **agent, authorisation=not_a_pdf), 400)["fields"]
    bad_base64 = {"name": "auth.pdf", "content": "***"}
    assert "authorisation.content" in assert_error(file(api, **agent, authorisation=bad_base64), 400)["fields"]

    pdf = {"name": "authorisation.pdf", "content": b64(citizen.pdf_bytes())}
    response = file(api, **agent, authorisation=pdf, evidence=[{"name": "pass.png", "content": b64(citizen.png_bytes())}])

    assert response.status_code == 201, response.content
    rr = RightsRequest.objects.get(reference=response.json()["requests"][0]["reference"])
    assert sorted(rr.attachments.values_list("purpose", "content_type")) == [
        (Attachment.Purpose.AUTHORISATION, "application/pdf"), (Attachment.Purpose.EVIDENCE, "image/png"),
    ]


def test_a_claim_is_filed_with_the_request(api, park):
    response = file(api, claim={"amount": "1038.00", "currency": "CNY", "covers": "Annual pass"})
    assert response.status_code == 201
    claim = CompensationClaim.objects.get()
    assert (claim.claimed_minor, claim.currency) == (103800, "CNY")


def test_a_repeat_of_an_open_request_is_409_and_reveals_nothing(api, park):
    existing = factories.submitted_request(park, email="guo@example.com")

    body = assert_error(file(api, identity={"email": "GUO@example.com"}), 409, "already_open")

    assert existing.reference not in str(body) and existing.status not in body["message"]
    assert RightsRequest.objects.count() == 1

    partly = file(api, kinds=["deletion", "access"])
    assert partly.status_code == 201
    assert [r["kind"] for r in partly.json()["requests"]] == ["access"]
    assert partly.json()["already_open"] == ["deletion"]


def test_thirty_people_from_one_address_get_through_one_person_repeating_does_not(api, park, still_clock):
    for n in range(30):
        assert file(api, ip="203.0.113.9", identity={"email": f"p{n}@example.com"}).status_code == 201
    for kind in ["access", "copy", "correction", "explanation"]:
        assert file(api, ip="203.0.113.9", identity={"email": "p0@example.com"}, kinds=[kind]).status_code == 201

    response = file(api, ip="198.51.100.2", identity={"email": "P0@example.com"}, kinds=["restriction"])

    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_six_submissions_for_one_email_are_too_many_counted_with_the_web_form(api, client, park, still_clock):
    kinds = ["deletion", "access", "copy", "correction", "explanation"]
    for n in range(3):
        client.post(citizen.form_url(park), citizen.form_data(email="Guo@Example.com", kinds=[kinds[n]]),
                    REMOTE_ADDR=f"10.0.0.{n}")
    for n in range(3):  # bad input is sent back to be corrected: it is not another attempt
        assert file(api, ip=f"10.0.1.{n}", identity={"email": "guo@example.com"}, kinds=[]).status_code == 400
    for n in (3, 4):
        assert file(api, ip=f"10.0.1.{n}", identity={"email": "guo@example.com"}, kinds=[kinds[n]]).status_code == 201
    assert_error(file(api, ip="10.0.2.1", identity={"email": " GUO@example.com "}, kinds=["restriction"]), 429)


def test_the_code_verifies_once_and_wrong_codes_are_400(api, park):
    submission = file(api).json()["submission"]
    code = send_code(submission)
    wrong = "000000" if code != "000000" else "111111"

    assert_error(verify(api, submission, wrong), 400, "verification_failed")
    assert "code" in assert_error(verify(api, submission, "12ab"), 400, "invalid")["fields"]
    assert verify(api, submission, code).status_code == 200
    assert_error(verify(api, submission, code), 409)
    import uuid

    assert_error(verify(api, uuid.uuid4(), code), 404, "not_found")


def test_five_wrong_codes_use_up_the_code(api, park):
    submission = file(api).json()["submission"]
    code = send_code(submission)
    wrong = "000000" if code != "000000" else "111111"
    for _i in range(5):
        verify(api, submission, wrong)
    body = assert_error(verify(api, submission, code), 400, "verification_failed")
    assert "Too many" in body["message"]


def test_thirty_code_checks_an_hour_for_one_submission_then_429(api, park, still_clock):
    submission = file(api).json()["submission"]
    for n in range(30):
        assert verify(api, submission, "000000", ip=f"203.0.113.{n}").status_code in (400, 409)
    assert_error(verify(api, submission, "000000", ip="198.51.100.5"), 429, "throttled")
    other = file(api, identity={"email": "neighbour@example.com"}).json()["submission"]
    assert verify(api, other, send_code(other), ip="203.0.113.5").status_code == 200


def test_a_new_code_waits_a_minute_and_replaces_the_old(api, park, still_clock):
    submission = file(api).json()["submission"]
    old = send_code(submission)
    url = reverse("api:public-resend", args=[submission])

    assert_error(api.post(url, {}, format="json"), 429, "throttled")
    still_clock.shift(timedelta(seconds=61))
    assert api.post(url, {}, format="json").status_code == 202
    new = send_code(submission)

    if new != old:
        assert_error(verify(api, submission, old), 400)
    assert verify(api, submission, new).status_code == 200
    still_clock.shift(timedelta(seconds=61))
    assert_error(api.post(url, {}, format="json"), 409)
    import uuid

    assert_error(api.post(reverse("api:public-resend", args=[uuid.uuid4()]), {}, format="json"), 404)


# --- the status token and the subject's steps -------------------------------------------


def test_unknown_tokens_are_404_and_thirty_of_them_lock_the_address(api, park, still_clock):
    rr = factories.verified_request(park)
    token = tokens.issue_status_link(rr.submission)
    for _i in range(30):
        assert_error(api.get(reverse("api:public-status", args=[secrets.token_urlsafe(24)]),
                         REMOTE_ADDR="203.0.113.7"), 404)
    assert_error(api.get(reverse("api:public-status", args=[token]), REMOTE_ADDR="203.0.113.7"), 429)
    assert_error(action(api, token, rr, "withdraw", ip="203.0.113.7"), 429)
    assert api.get(reverse("api:public-status", args=[token]), REMOTE_ADDR="198.51.100.1").status_code == 200


def test_an_unknown_reference_is_404(api, park):
    rr = factories.verified_request(park)
    other = factories.verified_request(park, email="other@example.com")
    token = tokens.issue_status_link(rr.submission)
    assert_error(action(api, token, other, "withdraw"), 404)
    assert RightsRequest.objects.get(pk=other.pk).status == Status.VERIFIED


def test_a_reply_answers_the_officers_question_or_is_a_message(api, park, park_officer):
    rr = factories.awaiting_subject_request(park, park_officer)
    token = tokens.issue_status_link(rr.submission)

    response = action(api, token, rr, "reply", {"body": "Pass number 2019-0042."})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.IN_REVIEW
    assert [m["direction"] for m in response.json()["messages"]] == [Message.Direction.TO_SUBJECT,
                                                                      Message.Direction.FROM_SUBJECT]
    assert action(api, token, rr, "reply", {"body": "One more thing."}).json()["status"] == Status.IN_REVIEW
    assert "body" in assert_error(action(api, token, rr, "reply", {"body": ""}), 400)["fields"]
    assert "body" in assert_error(action(api, token, rr, "reply", {"body": "x" * 4001}), 400)["fields"]


def test_withdraw_then_withdraw_again_is_409(api, park):
    rr = factories.verified_request(park)
    token = tokens.issue_status_link(rr.submission)
    assert action(api, token, rr, "withdraw").json()["status"] == Status.WITHDRAWN
    assert_error(action(api, token, rr, "withdraw"), 409, "transition_not_allowed")
    assert_error(action(api, token, rr, "reply", {"body": "Hello?"}), 409)


def test_an_appeal_reopens_a_refusal_and_needs_grounds(api, park, park_officer):
    refused = factories.refused_request(park, park_officer)
    token = tokens.issue_status_link(refused.submission)
    assert "grounds" in assert_error(action(api, token, refused, "appeal", {"grounds": ""}), 400)["fields"]
    response = action(api, token, refused, "appeal", {"grounds": "The fraud case closed in May."})
    assert response.json()["status"] == Status.IN_REVIEW
    assert_error(action(api, token, refused, "appeal", {"grounds": "Again."}), 409)


def test_an_offer_is_accepted_or_declined_once(api, park, park_officer):
    rr = factories.in_review_request(park, park_officer)
    token = tokens.issue_status_link(rr.submission)
    assert_error(action(api, token, rr, "accept-offer"), 409)  # nothing offered yet
    claim = factories.claim_in_state(CompensationClaim.Status.OFFERED, rr, park_officer)
    assert "claim" in assert_error(action(api, token, rr, "decline-offer", {"claim": claim.pk + 100}), 400)["fields"]

    response = action(api, token, rr, "accept-offer", {"claim": claim.pk})

    assert response.status_code == 200
    assert response.json()["claims"][0]["status"] == CompensationClaim.Status.ACCEPTED
    assert_error(action(api, token, rr, "decline-offer", {"claim": claim.pk}), 409)


def test_declining_without_naming_the_claim_answers_the_open_offer(api, park, park_officer):
    rr = factories.in_review_request(park, park_officer)
    claim = factories.claim_in_state(CompensationClaim.Status.OFFERED, rr, park_officer)
    token = tokens.issue_status_link(rr.submission)
    assert action(api, token, rr, "decline-offer").status_code == 200
    claim.refresh_from_db()
    assert claim.status == CompensationClaim.Status.DECLINED


def test_the_status_shows_only_what_the_subject_may_see(api, park, park_officer):
    rr = factories.in_review_request(park, park_officer)
    from requests_app import workflow

    workflow.add_note(rr, actor=as_member(park_officer), body="Internal: check the gate logs.")
    token = tokens.issue_status_link(rr.submission)
    body = api.get(reverse("api:public-status", args=[token])).json()
    assert "Internal" not in str(body)
    assert "assign" not in [e["action"] for e in body["requests"][0]["events"]]
    assert "park_officer" not in str(body) and "guo@example.com" not in str(body)


def test_no_session_or_csrf_is_needed_and_a_form_post_is_refused(park):
    api = APIClient(enforce_csrf_checks=True)
    assert file(api).status_code == 201
    response = api.post(reverse("api:public-requests"), {"organisation": "x"}, REMOTE_ADDR="10.9.9.9")
    assert_error(response, 415)

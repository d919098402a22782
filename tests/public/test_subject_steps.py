"""The requester's steps, declared once (requests_app/workflow/steps.py SUBJECT_STEPS): the
status page and the citizens' API each have an input for exactly those steps, under the
same names, and offer each exactly when its rules and `when` allow. State is built
through the workflow (tests/factories.py)."""

import base64

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from requests_app.api.citizen_serializers import INPUT_FOR
from requests_app.cases import tokens
from requests_app.models import CompensationClaim, RightsRequest
from requests_app.public.forms import FORM_FOR
from requests_app.public.views import abilities
from requests_app.workflow.steps import SUBJECT_STEPS
from requests_app.workflow.transitions import RULES
from tests import factories
from tests.public.pages import messages_shown, page

pytestmark = pytest.mark.django_db
Status = RightsRequest.Status


def test_each_surface_has_an_input_for_exactly_the_requester_s_steps():
    assert set(FORM_FOR) == set(SUBJECT_STEPS) == set(INPUT_FOR)
    for name, step in SUBJECT_STEPS.items():
        assert all(rule in RULES for rule in step.rules)
        assert reverse("public:status_action", args=["T", "R", name]) == f"/status/T/R/{name}/"
        assert reverse(f"api:public-{step.api_path}", args=["T", "R"]) == (
            f"/api/v1/public/status/T/R/{name.replace('_', '-')}/")


@pytest.mark.parametrize("status", Status.values)
def test_the_page_and_the_api_offer_a_step_exactly_when_its_rules_allow(status, org_a, officer_a):
    rr = factories.request_in_state(status, org_a, officer_a)
    if status not in (Status.SUBMITTED, Status.EXPIRED):  # no status page before verification
        page_shows = abilities(rr)
        body = APIClient().get(reverse("api:public-status", args=[tokens.issue_status_link(rr.submission)])).json()
        assert {key: body["requests"][0][key] for key in page_shows} == page_shows
    assert abilities(rr)["can_withdraw"] == (status in RULES["withdraw"].sources)
    assert abilities(rr)["can_write"] == (status in RULES["subject_message"].sources)
    assert abilities(rr)["can_claim"] == (status in RULES["claim_compensation"].sources)
    assert abilities(rr)["can_appeal"] == (status == Status.REFUSED)  # inside its window


def test_a_claim_for_compensation_made_on_the_status_page(client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    token = tokens.issue_status_link(rr.submission)
    case = page(client.get(reverse("public:status", args=[token]))).find("article", id=f"case-{rr.reference}")
    assert "Claim compensation" in case.text

    too_precise = client.post(reverse("public:status_action", args=[token, rr.reference, "claim_compensation"]),
                              {"amount": "10.001", "currency": "CNY"}, follow=True)
    response = client.post(reverse("public:status_action", args=[token, rr.reference, "claim_compensation"]),
                           {"amount": "1038.00", "currency": "CNY", "covers": "Annual pass and travel"}, follow=True)

    assert not rr.claims.filter(claimed_minor=1000).exists() and messages_shown(too_precise)
    assert "Your claim was sent to the organisation." in messages_shown(response)
    claim = rr.claims.get()
    assert (claim.claimed_minor, claim.currency, claim.status) == (103800, "CNY", CompensationClaim.Status.CLAIMED)
    assert "Claim compensation" not in page(response).find("article", id=f"case-{rr.reference}").text


def test_evidence_and_a_claim_sent_through_the_citizens_api(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    token = tokens.issue_status_link(rr.submission)
    api = APIClient()

    def post(name, body):
        return api.post(reverse(f"api:public-{name}", args=[token, rr.reference]), body, format="json",
                        REMOTE_ADDR="127.0.0.1")

    pdf = {"name": "pass.pdf", "content": base64.b64encode(b"%PDF-1.4 annual pass").decode()}
    not_a_pdf = {"name": "pass.exe", "content": base64.b64encode(b"MZ\x90\x00").decode()}
    assert post("add-evidence", {"evidence": [not_a_pdf]}).status_code == 400
    added = post("add-evidence", {"evidence": [pdf]})
    claimed = post("claim-compensation", {"amount": "1038.00", "currency": "CNY", "covers": "Pass and travel"})
    again = post("claim-compensation", {"amount": "1.00", "currency": "CNY"})

    assert added.status_code == 200, added.content
    assert rr.attachments.get(original_name="pass.pdf").from_subject
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["claims"][0]["claimed_minor"] == 103800 and claimed.json()["can_claim"] is False
    assert again.status_code == 409

"""The three tables of requests_app/cases/drp_states.py are whole: every right of DRP 3.01, every
status of a RightsRequest, every refusal ground of every law maps to something the
protocol knows; and a request's status reads as its DRP state in each case."""

import pytest
from django.utils import translation

from orgs.law import LAW
from requests_app.actors import member
from requests_app.cases import drp_states as mapping
from requests_app.cases.drp_status import status_body
from requests_app import workflow
from requests_app.models import DrpRequest, RightsRequest
from tests import factories

Status = RightsRequest.Status
DRP_RIGHTS = {"sale:opt-out", "sale:opt-in", "deletion", "access", "access:categories", "access:specific"}


def test_every_right_of_the_protocol_has_a_kind_or_is_refused_on_purpose():
    assert set(mapping.KIND_FOR_RIGHT) == DRP_RIGHTS
    assert {k for k, v in mapping.KIND_FOR_RIGHT.items() if v is None} == {"sale:opt-in"}
    assert all(v in RightsRequest.Kind.values for v in mapping.KIND_FOR_RIGHT.values() if v)


def test_every_status_maps_to_a_drp_state_and_reason():
    assert set(mapping.STATE_FOR_STATUS) == set(Status.values)
    for state, reason in mapping.STATE_FOR_STATUS.values():
        assert state in mapping.STATES and (reason is None or reason in mapping.REASONS)
    closed = {mapping.STATE_FOR_STATUS[s][0] for s in RightsRequest.CLOSED_STATUSES}
    assert closed <= set(mapping.FINAL_STATES)
    open_ = {mapping.STATE_FOR_STATUS[s][0] for s in Status.values if s not in RightsRequest.CLOSED_STATUSES}
    assert not open_ & set(mapping.FINAL_STATES)


def test_every_refusal_ground_of_every_law_maps_to_a_denial_reason():
    grounds = {code for texts in LAW.values() for code, _label in texts.refusal_grounds}
    assert set(mapping.REASON_FOR_GROUND) == grounds
    assert set(mapping.REASON_FOR_GROUND.values()) <= set(mapping.REASONS) - {mapping.NEED_USER_VERIFICATION}


@pytest.mark.django_db
@pytest.mark.parametrize("jurisdiction", sorted(LAW))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_refusal_is_denied_for_the_reason_of_its_ground_in_either_language(jurisdiction, language):
    org = factories.jurisdiction_org(jurisdiction)
    officer = factories.member(org, "officer", username="officer")
    for index, (code, label) in enumerate(LAW[jurisdiction].refusal_grounds):
        rr = factories.in_review_request(org, officer, email=f"p{index}@example.com", language=language)
        with translation.override(language):
            ground = str(label)
        workflow.refuse(rr, actor=member(officer), reason="Because.", legal_ground=ground)
        rr.refresh_from_db()
        assert mapping.state_of(rr) == ("denied", mapping.REASON_FOR_GROUND[code]), code


@pytest.mark.django_db
def test_a_ground_cited_by_hand_is_denied_as_other(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.refuse(rr, actor=member(officer_a), reason="Because.", legal_ground="Some other statute §1")
    rr.refresh_from_db()

    assert mapping.state_of(rr) == ("denied", "other")


@pytest.mark.django_db
@pytest.mark.parametrize("status", Status.values)
def test_each_status_reads_as_its_state_in_the_status_body(status, org_a, officer_a):
    rr = factories.request_in_state(status, org_a, officer_a)
    agent = __import__("requests_app.models", fromlist=["DrpAgent"]).DrpAgent.objects.create(
        agent_id="A", name="A", verify_key="x", contact_email="a@example.com")
    drp = DrpRequest.objects.create(agent=agent, organisation=org_a, rights_request=rr, exercise="deletion")

    body = status_body(drp)

    state, reason = mapping.state_of(rr)
    assert body["status"] == state and body.get("reason") == reason
    assert ("expected_by" in body) == (state not in mapping.FINAL_STATES and rr.due_at is not None)
    assert ("user_verification_url" in body) == (reason == mapping.NEED_USER_VERIFICATION)
    if status == Status.REFUSED:
        assert body["processing_details"].startswith(rr.refusal_reason)

"""The request for another way in than a face scan through the APIs: filed through the
citizens' API (a Chinese organisation only: 400 elsewhere), provided through the officers'
API (another organisation's member: 404; no token: 401), answered through the citizens' API
(another person's link: 404)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from requests_app import workflow
from requests_app.actors import SUBJECT
from requests_app.actors import member as as_member
from requests_app.cases import tokens
from requests_app.models import RightsRequest
from tests import factories
from tests.api.test_citizen_api import payload

pytestmark = pytest.mark.django_db
Kind, Status = RightsRequest.Kind, RightsRequest.Status
DETAILS = "Door code sent by text message; it works from tomorrow."


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def park(db):
    return factories.organisation(name="Hangzhou Safari Park", slug="hangzhou-safari-park", jurisdiction="CN")


def in_review(org, officer, **kwargs) -> RightsRequest:
    return factories.in_review_request(org, officer, kind=Kind.ALTERNATIVE, alternative_wanted="code", **kwargs)


def provide_url(rr) -> str:
    return reverse("api:request-provide-alternative", args=[rr.reference])


def confirm_url(token, rr) -> str:
    return reverse("api:public-confirm-alternative", args=[token, rr.reference])


def test_filed_through_the_citizens_api(api, park):
    response = api.post(reverse("api:public-requests"),
                        payload(kinds=["alternative"], alternative_wanted="code"), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["requests"][0]["kind"] == "alternative"
    assert RightsRequest.objects.get().alternative_wanted == "code"


def test_the_citizens_api_asks_which_way_in(api, park):
    response = api.post(reverse("api:public-requests"), payload(kinds=["alternative"]), format="json")

    assert response.status_code == 400
    assert "alternative_wanted" in response.json()["fields"]
    assert not RightsRequest.objects.exists()


@pytest.mark.parametrize("jurisdiction", ["EU", "US-CA"])
def test_the_citizens_api_refuses_it_under_another_law(api, jurisdiction):
    org = factories.jurisdiction_org(jurisdiction)

    response = api.post(reverse("api:public-requests"),
                        payload(organisation=org.slug, kinds=["alternative"], alternative_wanted="card"),
                        format="json")

    assert response.status_code == 400
    assert "kinds" in response.json()["fields"]
    assert not RightsRequest.objects.exists()


def test_the_officer_provides_it_through_the_api(org_a, officer_a):
    rr = in_review(org_a, officer_a)

    response = factories.member_api(officer_a, org_a).post(
        provide_url(rr), {"alternative": "code", "details": DETAILS, "available_from": "2026-12-09"}, format="json")

    assert response.status_code == 200, response.content
    rr.refresh_from_db()
    assert rr.status == Status.FULFILLING
    assert rr.events.order_by("-seq").first().opened["available_from"] == "2026-12-09"
    detail = factories.member_api(officer_a, org_a).get(reverse("api:request-detail", args=[rr.reference])).json()
    assert detail["alternative_wanted"] == "code" and detail["events"][-1]["action"] == "provide_alternative"


def test_a_bad_input_is_a_400_and_changes_nothing(org_a, officer_a):
    rr = in_review(org_a, officer_a)
    client = factories.member_api(officer_a, org_a)

    unknown = client.post(provide_url(rr), {"alternative": "retina", "details": DETAILS}, format="json")
    blank = client.post(provide_url(rr), {"alternative": "code", "details": ""}, format="json")

    assert (unknown.status_code, blank.status_code) == (400, 400)
    rr.refresh_from_db()
    assert rr.status == Status.IN_REVIEW


def test_refusing_through_the_api_needs_a_ground(org_a, officer_a):
    rr = in_review(org_a, officer_a)
    client = factories.member_api(officer_a, org_a)
    url = reverse("api:request-refuse", args=[rr.reference])

    no_ground = client.post(url, {"reason": "The terminal is the only way in."}, format="json")
    grounded = client.post(url, {"reason": "The terminal is the only way in.",
                                 "legal_ground": factories.REFUSAL_GROUND}, format="json")

    assert no_ground.status_code == 400 and grounded.status_code == 200
    rr.refresh_from_db()
    assert rr.status == Status.REFUSED and rr.refusal_legal_ground == factories.REFUSAL_GROUND


def test_another_organisation_s_member_gets_404_and_no_token_401(org_a, officer_a, org_b, officer_b):
    rr = in_review(org_a, officer_a)

    other = factories.member_api(officer_b, org_b).post(provide_url(rr), {"alternative": "code", "details": DETAILS},
                                                        format="json")
    anonymous = APIClient().post(provide_url(rr), {"alternative": "code", "details": DETAILS}, format="json")

    assert (other.status_code, anonymous.status_code) == (404, 401)
    rr.refresh_from_db()
    assert rr.status == Status.IN_REVIEW


def test_the_person_confirms_through_the_citizens_api(api, org_a, officer_a):
    rr = in_review(org_a, officer_a)
    token = tokens.issue_status_link(rr.submission)
    before = api.get(reverse("api:public-status", args=[token])).json()["requests"][0]
    assert before["can_confirm_alternative"] is False and before["alternative_wanted"] == "code"
    workflow.provide_alternative(rr, actor=as_member(officer_a), alternative="code", details=DETAILS)
    assert api.get(reverse("api:public-status", args=[token])).json()["requests"][0]["can_confirm_alternative"]

    no_words = api.post(confirm_url(token, rr), {"works": False}, format="json")
    response = api.post(confirm_url(token, rr), {"works": True, "comment": "Works."}, format="json")

    assert no_words.status_code == 400
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "fulfilled" and body["can_confirm_alternative"] is False


def test_subscribers_hear_the_request_fulfilled_when_the_person_confirms(api, org_a, officer_a):
    from orgs.models import EventSubscription
    from requests_app.models import EventDelivery

    factories.event_subscription(org_a, url="https://hooks.example.com/rd",
                                 events=[EventSubscription.Event.FULFILLED])
    rr = in_review(org_a, officer_a)
    workflow.provide_alternative(rr, actor=as_member(officer_a), alternative="code", details=DETAILS)
    assert not EventDelivery.objects.filter(request=rr).exists()

    workflow.confirm_alternative(rr, actor=SUBJECT)

    delivery = EventDelivery.objects.get(request=rr)
    assert delivery.event == EventSubscription.Event.FULFILLED


def test_another_person_s_link_cannot_confirm_through_the_api(api, org_a, officer_a):
    rr = in_review(org_a, officer_a)
    workflow.provide_alternative(rr, actor=as_member(officer_a), alternative="code", details=DETAILS)
    other = factories.in_review_request(org_a, officer_a, email="neighbour@example.com")

    response = api.post(confirm_url(tokens.issue_status_link(other.submission), rr), {"works": True}, format="json")

    assert response.status_code == 404
    rr.refresh_from_db()
    assert rr.status == Status.FULFILLING

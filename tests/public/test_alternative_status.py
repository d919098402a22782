"""The request for another way in than a face scan on the public pages: filed on the form of
a Chinese organisation (not offered under the other laws), and answered on the status page
(it works: fulfilled; it does not: back to the officer). A status link opens only its own
requests."""

import pytest
from django.urls import reverse

from requests_app import workflow
from requests_app.actors import member as as_member
from requests_app.cases import tokens
from requests_app.models import RightsRequest
from requests_app.public.forms import RequestForm
from tests import factories
from tests.public import citizen
from tests.public.pages import messages_shown, page

pytestmark = pytest.mark.django_db
Kind, Status = RightsRequest.Kind, RightsRequest.Status
DETAILS = "Card no. ****4821: collect it at the property office."


def provided(org, officer, *, email="resident@example.com") -> RightsRequest:
    rr = factories.in_review_request(org, officer, kind=Kind.ALTERNATIVE, alternative_wanted="code", email=email)
    workflow.provide_alternative(rr, actor=as_member(officer), alternative="card", details=DETAILS)
    return rr


def test_filed_on_the_form_of_a_chinese_organisation(client, org_a):
    form_page = client.get(citizen.form_url(org_a)).content.decode()
    assert 'value="alternative"' in form_page and "Which other way in would you like?" in form_page

    token, requests = citizen.file_and_verify(client, org_a, kinds=["alternative"], alternative_wanted="staff",
                                              details="The terminal does not recognise me with my glasses.")

    assert [(rr.kind, rr.alternative_wanted) for rr in requests] == [(Kind.ALTERNATIVE, "staff")]
    assert requests[0].details == "The terminal does not recognise me with my glasses."


def test_filed_about_the_scanner_chosen_on_the_register(client, org_a):
    point = factories.collection_point(factories.activity(org_a), published=True)

    response = client.post(citizen.form_url(org_a) + f"?point={point.public_id}",
                           citizen.form_data(kinds=["alternative"], alternative_wanted="card"))

    assert response.status_code == 302
    assert RightsRequest.objects.get().collection_point == point


def test_the_form_asks_which_way_in(client, org_a):
    response = citizen.file_request(client, org_a, kinds=["alternative"])

    assert response.status_code == 200
    assert "Say which other way in you would like." in response.content.decode()
    assert not RightsRequest.objects.exists()


@pytest.mark.parametrize("jurisdiction", ["EU", "US-CA"])
def test_not_offered_under_another_law(client, jurisdiction):
    org = factories.jurisdiction_org(jurisdiction)

    assert Kind.ALTERNATIVE not in dict(RequestForm(organisation=org).fields["kinds"].choices)
    assert "alternative_wanted" not in RequestForm(organisation=org).fields
    response = citizen.file_request(client, org, kinds=["alternative"], alternative_wanted="card")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not RightsRequest.objects.exists()


def test_the_status_page_shows_the_way_in_and_confirming_fulfils_it(client, org_a, officer_a):
    rr = provided(org_a, officer_a)
    token = tokens.issue_status_link(rr.submission)

    case = page(client.get(citizen.status_url(token))).find("article", id=f"case-{rr.reference}")
    assert "The other way in provided" in case.text and DETAILS in case.text and "Card or pass" in case.text
    assert "Does the other way in work for you?" in case.text

    response = client.post(citizen.action_url(token, rr, "confirm_alternative"),
                           {"works": "yes", "comment": "It opens the gate."}, follow=True)

    assert "you confirmed the other way in works" in messages_shown(response)
    rr.refresh_from_db()
    assert rr.status == Status.FULFILLED
    case = page(client.get(citizen.status_url(token))).find("article", id=f"case-{rr.reference}")
    assert "Does the other way in work for you?" not in case.text
    assert "You confirmed the other way in works." in case.text
    letter = client.get(reverse("public:document_html", args=[token, rr.reference, "fulfilment"]))
    assert letter.status_code == 200 and "It opens the gate." in letter.content.decode()


def test_it_does_not_work_returns_it_to_the_officer(client, org_a, officer_a):
    rr = provided(org_a, officer_a)
    token = tokens.issue_status_link(rr.submission)

    silent = client.post(citizen.action_url(token, rr, "confirm_alternative"), {"works": "no"}, follow=True)
    rr.refresh_from_db()
    assert rr.status == Status.FULFILLING and "Say what does not work" in messages_shown(silent)

    response = client.post(citizen.action_url(token, rr, "confirm_alternative"),
                           {"works": "no", "comment": "The office is closed at weekends."}, follow=True)

    assert "does not work" in messages_shown(response)
    rr.refresh_from_db()
    assert rr.status == Status.IN_REVIEW
    assert rr.events.order_by("-seq").first().opened["comment"] == "The office is closed at weekends."
    case = page(client.get(citizen.status_url(token))).find("article", id=f"case-{rr.reference}")
    assert "The other way in provided" not in case.text  # it did not work: the officer looks again
    assert "You said the other way in does not work." in case.text


def test_another_person_s_link_cannot_confirm(client, org_a, officer_a):
    rr = provided(org_a, officer_a)
    other = factories.in_review_request(org_a, officer_a, email="someone-else@example.com")
    other_token = tokens.issue_status_link(other.submission)

    response = client.post(citizen.action_url(other_token, rr, "confirm_alternative"), {"works": "yes"})

    assert response.status_code == 404
    rr.refresh_from_db()
    assert rr.status == Status.FULFILLING


def test_the_status_page_in_chinese(client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a, kind=Kind.ALTERNATIVE, alternative_wanted="card",
                                     language="zh-hans")
    workflow.provide_alternative(rr, actor=as_member(officer_a), alternative="staff", details="在门岗出示门禁卡")
    token = tokens.issue_status_link(rr.submission)

    case = page(client.get(citizen.status_url(token))).find("article", id=f"case-{rr.reference}")

    assert "另一种" in case.text and "在门岗出示门禁卡" in case.text
    assert "Does the other way in work for you?" not in case.text

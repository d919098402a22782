"""Every public page in Chinese and on a phone: the language switch, the language kept for
the person's emails, the viewport, a label for every field, unique ids."""

import re
import secrets

import pytest
from django.core import mail
from django.urls import reverse

from requests_app.cases import tokens
from requests_app.models import CompensationClaim, DataSubject, RightsRequest
from tests import factories
from tests.public import citizen
from tests.public.pages import has_viewport_meta, html_lang, inputs_without_labels, page

pytestmark = pytest.mark.django_db

PAGES = ["landing", "organisations", "form", "form_with_errors", "thanks", "verify", "already_open", "lookup",
         "lookup_with_errors", "status", "certificate", "certificate_check", "rate_limited"]


def _render(client, name, park, officer) -> object:
    """The page `name` as the person would see it, in the client's language."""
    if name == "landing":
        return client.get("/")
    if name == "organisations":
        return client.get(reverse("public:organisations"), {"city": "Hangzhou"})
    if name == "form":
        return client.get(citizen.form_url(park))
    if name == "form_with_errors":
        return citizen.file_request(client, park, kinds=None, email="bad", claim_amount="-1")
    if name == "thanks":
        return client.get(reverse("public:thanks"))
    if name == "verify":
        return client.get(citizen.file_request(client, park, email="verify@example.com")["Location"])
    if name == "already_open":
        citizen.file_request(client, park, email="twice@example.com")
        return citizen.file_request(client, park, email="twice@example.com")
    if name == "lookup":
        return client.get(reverse("public:lookup"))
    if name == "lookup_with_errors":
        return client.post(reverse("public:lookup"), {"reference": "", "email": "x"})
    if name == "status":
        return client.get(citizen.status_url(_busy_status_token(park, officer)))
    if name == "certificate":
        rr = factories.fulfilled_request(park, officer, email="done@example.com")
        token = tokens.issue_status_link(rr.submission)
        return client.get(reverse("public:certificate", kwargs={"token": token, "reference": rr.reference}))
    if name == "certificate_check":
        certificate = factories.fulfilled_request(park, officer, email="checked@example.com").certificate
        return client.get(reverse("public:certificate_check"),
                          {"number": certificate.number, "sha256": certificate.body_sha256})
    if name == "rate_limited":
        for _guess in range(30):
            client.get(citizen.status_url(secrets.token_urlsafe(24)), REMOTE_ADDR="203.0.113.66")
        return client.get(citizen.status_url(secrets.token_urlsafe(24)), REMOTE_ADDR="203.0.113.66")
    raise AssertionError(name)


def _busy_status_token(park, officer) -> str:
    """A status page with every form on it: two requests of one submission, one refused
    (appeal), one with a compensation offer, messages and files."""
    from requests_app import workflow
    from requests_app.actors import SUBJECT, member
    from requests_app.cases.subjects import Identity

    refused, offered = workflow.submit_many(organisation=park, kinds=["deletion", "access"],
                                            identity=Identity(email="busy@example.com", full_name="Guo"))
    from requests_app import tasks

    tasks.send_verification_code(refused.challenges.get().pk)
    workflow.verify_identity(refused, actor=SUBJECT, code=factories.code_from_outbox())
    for rr in (refused, offered):
        workflow.assign(rr, actor=member(officer), assignee=officer)
    workflow.refuse(refused, actor=member(officer), reason=factories.REFUSAL_REASON,
                    legal_ground=factories.REFUSAL_GROUND)
    factories.claim_in_state(CompensationClaim.Status.OFFERED, offered, officer)
    workflow.message_subject(offered, actor=member(officer), body="We are looking at the gate logs.")
    return tokens.issue_status_link(refused.submission)


@pytest.fixture
def chinese(client):
    client.cookies["django_language"] = "zh-hans"
    return client


@pytest.mark.parametrize("name", PAGES)
def test_each_page_in_chinese_says_so(chinese, park, park_officer, still_clock, name):
    response = _render(chinese, name, park, park_officer)

    assert response.status_code in (200, 429), response.status_code
    assert html_lang(response) == "zh-hans"
    switch = page(response).find("select", name="language")
    assert [o.get("value") for o in switch.find_all("option") if "selected" in o.attrs] == ["zh-hans"]
    assert "简体中文" in switch.text


@pytest.mark.parametrize("name", PAGES)
def test_each_page_fits_a_phone_and_labels_every_field(client, park, park_officer, still_clock, name):
    response = _render(client, name, park, park_officer)

    assert html_lang(response) == "en"
    assert has_viewport_meta(response)
    assert inputs_without_labels(response) == []
    ids = [element.get("id") for element in page(response).iter() if element.get("id")]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_the_language_switch_changes_the_page_and_comes_back(client, park):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": citizen.form_url(park)})

    assert response.status_code == 302 and response["Location"] == citizen.form_url(park)
    assert html_lang(client.get(response["Location"])) == "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert html_lang(client.get("/")) == "en"


def test_a_phone_set_to_chinese_gets_chinese_pages(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")

    assert html_lang(response) == "zh-hans"


def test_the_persons_language_is_kept_for_their_emails(chinese, park):
    response = citizen.file_request(chinese, park, data_description="北门人脸识别闸机采集的人脸数据")

    assert response.status_code == 302
    subject = DataSubject.objects.get()
    assert subject.preferred_language == "zh-hans"
    assert RightsRequest.objects.get().data_description == "北门人脸识别闸机采集的人脸数据"


def test_an_english_person_stays_english(client, park):
    citizen.file_request(client, park)

    assert DataSubject.objects.get().preferred_language == "en"


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_pages_and_the_code_email_are_translated(chinese, park):
    landing = page(chinese.get("/"))
    assert "Make a request" not in landing.text
    assert CJK.search(landing.find("h1").text)

    submission = citizen.submission_of(citizen.file_request(chinese, park))
    citizen.send_code(submission)
    assert CJK.search(mail.outbox[-1].subject) and CJK.search(mail.outbox[-1].body)

"""Organisations have an English and a Chinese name and city: each visitor reads them in
their own language, and the finder finds an organisation by either."""

import pytest
from django.core import mail
from django.urls import reverse

from requests_app.delivery import notifications, status_links
from requests_app.models import Notification
from tests import factories
from tests.public import citizen
from tests.public.pages import page

pytestmark = pytest.mark.django_db


@pytest.fixture
def zoo(db):
    return factories.organisation(
        name="Hangzhou Wildlife World", name_zh="杭州野生动物世界", slug="hangzhou-wildlife-world",
        city="Hangzhou", city_zh="杭州", jurisdiction="CN", kind="park",
    )


@pytest.fixture
def museum(db):
    return factories.organisation(name="Amsterdam Museum Pass", slug="amsterdam-museum-pass", city="Amsterdam",
                                  jurisdiction="EU", kind="park")


def _found(client, **query) -> list[str]:
    response = client.get(reverse("public:organisations"), query)
    return [a.text for li in page(response).find("main").find_all("li") for a in li.find_all("a")]


@pytest.mark.parametrize("query", [{"q": "Wildlife"}, {"q": "野生动物"}, {"city": "Hangzhou"}, {"city": "杭州"}],
                         ids=["english-name", "chinese-name", "english-city", "chinese-city"])
def test_the_finder_finds_an_organisation_by_either_name_or_city(client, zoo, museum, query):
    assert _found(client, **query) == ["Hangzhou Wildlife World"]


def test_a_chinese_reader_sees_the_chinese_name_and_city(client, zoo, museum):
    client.cookies["django_language"] = "zh-hans"

    assert _found(client, q="野生动物") == ["杭州野生动物世界"]
    results = page(client.get(reverse("public:organisations"), {"q": "Wildlife"})).find("main").find("ul").text
    form = page(client.get(citizen.form_url(zoo))).find("main").text
    assert "杭州" in results and "Hangzhou" not in results
    assert "杭州野生动物世界" in form and "Hangzhou Wildlife World" not in form


def test_without_a_chinese_name_the_english_one_is_shown_to_everyone(client, museum):
    client.cookies["django_language"] = "zh-hans"

    assert _found(client, q="Museum") == ["Amsterdam Museum Pass"]


def test_the_mail_names_the_organisation_in_the_requesters_language(client, zoo):
    client.cookies["django_language"] = "zh-hans"
    _token, (rr,) = citizen.file_and_verify(client, zoo, email="zhang@example.com")
    mail.outbox.clear()

    status_links.send_status_link(rr)
    notifications.deliver(Notification.objects.get(request=rr, kind=Notification.Kind.STATUS_LINK).pk)

    [message] = mail.outbox
    assert "杭州野生动物世界" in message.body and "Hangzhou Wildlife World" not in message.body


def test_the_code_is_sent_naming_the_organisation_in_the_requesters_language(client, zoo):
    client.cookies["django_language"] = "zh-hans"
    submission = citizen.submission_of(citizen.file_request(client, zoo, email="zhang@example.com"))

    citizen.send_code(submission)

    assert "杭州野生动物世界" in mail.outbox[-1].body

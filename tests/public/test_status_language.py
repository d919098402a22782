"""The status page speaks the language the request was filed in, whatever the browser the
person opens the link in; the language switch still lets them choose."""

import pytest

from tests.public import citizen
from tests.public.pages import html_lang, page

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed_in_chinese(client, park):
    client.cookies["django_language"] = "zh-hans"
    token, _requests = citizen.file_and_verify(client, park)
    client.cookies.clear()  # the link opened later, on another device
    return token


def test_a_request_filed_in_chinese_shows_its_status_in_chinese_in_an_english_browser(client, filed_in_chinese):
    response = client.get(citizen.status_url(filed_in_chinese), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    assert html_lang(response) == "zh-hans"
    assert response["Content-Language"] == "zh-hans"
    switch = page(response).find("select", name="language")
    assert [o.get("value") for o in switch.find_all("option") if "selected" in o.attrs] == ["zh-hans"]


def test_a_request_filed_in_english_stays_english_in_a_chinese_browser(client, park):
    token, _requests = citizen.file_and_verify(client, park)

    response = client.get(citizen.status_url(token), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")

    assert html_lang(response) == "en"


def test_the_switch_still_changes_the_status_page(client, filed_in_chinese):
    url = citizen.status_url(filed_in_chinese)

    response = client.post("/i18n/setlang/", {"language": "en", "next": url})

    assert response["Location"] == url
    assert html_lang(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN")) == "en"


def test_a_message_after_an_action_is_in_the_requests_language(client, park, filed_in_chinese):
    from requests_app.models import RightsRequest

    rr = RightsRequest.objects.get()
    response = client.post(citizen.action_url(filed_in_chinese, rr, "reply"), {"body": "Gate 3"},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)

    assert html_lang(response) == "zh-hans"
    assert "Your message was sent." not in response.content.decode()

"""When something goes wrong the person gets a page that says what happened and how to
go on, in their language: not found, too many attempts (with the wait), a server error.
All with DEBUG off, as in production."""

import secrets

import pytest

from tests.public import citizen
from tests.public.pages import html_lang, page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production")]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.public.error_urls"


@pytest.fixture
def chinese(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def _links(response) -> list[str]:
    return [a.get("href") for a in page(response).find("main").find_all("a")]


def test_an_unknown_page_is_a_friendly_404_with_ways_on(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    text = page(response).find("main").text
    assert "Page not found" in text and "status links stop working after 180 days" in text
    assert {"/status/", "/organisations/", "/"} <= set(_links(response))
    assert page(response).find("select", name="language") is not None


def test_a_dead_status_link_gets_the_same_404(client, park):
    response = client.get(citizen.status_url(secrets.token_urlsafe(24)))

    assert response.status_code == 404 and "Ask for a new link to your request" in page(response).text


def test_the_404_page_in_chinese(chinese):
    response = chinese.get("/no-such-page/")

    assert response.status_code == 404 and html_lang(response) == "zh-hans"
    assert "Page not found" not in page(response).text


def test_a_server_error_is_a_friendly_500(client):
    client.raise_request_exception = False

    response = client.get("/broken/")

    assert response.status_code == 500
    text = page(response).text
    assert "Something went wrong on our side" in text and "This is our fault, not yours" in text
    assert "RuntimeError" not in text and "Traceback" not in text


def test_the_500_page_in_chinese(chinese):
    chinese.raise_request_exception = False

    response = chinese.get("/broken/")

    assert response.status_code == 500 and html_lang(response) == "zh-hans"
    assert "Something went wrong on our side" not in page(response).text


def test_too_many_attempts_says_how_long_to_wait(client, park, still_clock):
    for _guess in range(30):
        client.get(citizen.status_url(secrets.token_urlsafe(24)), REMOTE_ADDR="203.0.113.66")

    response = client.get(citizen.status_url(secrets.token_urlsafe(24)), REMOTE_ADDR="203.0.113.66")

    assert response.status_code == 429
    text = page(response).find("main").text
    assert "Too many attempts" in text and "Please try again in" in text and "minute" in text


def test_too_many_attempts_in_chinese(chinese, park, still_clock):
    for _guess in range(31):
        response = chinese.get(citizen.status_url(secrets.token_urlsafe(24)), REMOTE_ADDR="203.0.113.67")

    assert response.status_code == 429 and html_lang(response) == "zh-hans"
    assert "Please try again in" not in page(response).text

"""The certificate check's limit (twenty checks an hour per address) holds whatever the
method: the page reads its number and hash from the query string, so a POST carrying
them (with a CSRF token any visitor can get) is a check too and is counted."""

import pytest
from django.test import Client

from tests.public.pages import page
from tests.requests_app.test_documents import certified

pytestmark = pytest.mark.django_db
URL = "/certificates/check/"
ADDRESS = "203.0.113.9"


def test_a_post_with_the_query_string_is_counted_and_refused_once_the_limit_is_reached(park, park_officer,
                                                                                        still_clock):
    certificate = certified(park, park_officer).certificate
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR=ADDRESS)
    browser.get(URL)  # the language switch's form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    for attempt in range(20):
        assert browser.get(URL, {"number": f"EC-20200101-AAAA{attempt:02d}", "sha256": "0" * 64}).status_code == 200
    assert browser.get(URL, {"number": certificate.number, "sha256": certificate.body_sha256}).status_code == 429

    query = f"?number={certificate.number}&sha256={certificate.body_sha256}"
    posted = browser.post(URL + query, {"csrfmiddlewaretoken": token})

    assert posted.status_code == 429 and "Genuine" not in page(posted).text

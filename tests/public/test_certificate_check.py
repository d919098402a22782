"""The public check page: anyone with a certificate's number and hash can confirm it is
genuine and see what it certifies, without any personal data; a wrong pair says so."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from requests_app.cases import documents
from tests import factories
from tests.public.pages import field_errors, page
from tests.requests_app.test_documents import certified

pytestmark = pytest.mark.django_db
URL = "/certificates/check/"
NOT_CONFIRMED = "No certificate issued here has this number and this SHA-256."


def _check(client, number, sha256, **extra):
    return client.get(URL, {"number": number, "sha256": sha256}, **extra)


def test_the_check_page_has_a_fixed_address_and_opens_empty(client, db):
    assert reverse("public:certificate_check") == URL
    response = client.get(URL)

    assert response.status_code == 200
    assert page(response).find("input", name="number") is not None and NOT_CONFIRMED not in response.content.decode()


def test_a_genuine_certificate_shows_what_it_certifies_and_nothing_personal(client, park, park_officer):
    rr = certified(park, park_officer, email="guo.bing@example.com")
    certificate = rr.certificate

    response = _check(client, certificate.number.lower(), certificate.body_sha256.upper())

    text = page(response).text
    assert response.status_code == 200
    assert "Genuine" in text and certificate.number in text
    assert "Hangzhou Safari Park" in text and "Deletion" in text and "Gate vault" in text
    assert "Deleted: 1" in text and "Kept for storage only: 1" in text
    assert "(Asia/Shanghai)" in text
    for personal in (rr.subject.masked_identifiers, "guo.bing", rr.reference, "Face entry", "East gate"):
        assert personal not in text


def test_the_address_printed_on_the_certificate_checks_it(client, park, park_officer):
    certificate = certified(park, park_officer).certificate

    address = urlsplit(documents.check_url(certificate))
    response = client.get(f"{address.path}?{address.query}")

    assert "Genuine" in page(response).text


def test_a_wrong_hash_and_an_unknown_number_get_the_same_plain_answer(client, park, park_officer):
    certificate = certified(park, park_officer).certificate
    wrong_hash = ("0" if certificate.body_sha256[0] != "0" else "1") + certificate.body_sha256[1:]

    wrong = _check(client, certificate.number, wrong_hash)
    unknown = _check(client, "EC-20200101-AAAAAA", certificate.body_sha256)

    for response in (wrong, unknown):
        assert response.status_code == 200
        text = page(response).text
        assert NOT_CONFIRMED in text and "Genuine" not in text and "Hangzhou Safari Park" not in text
    strip = [certificate.number, "EC-20200101-AAAAAA", wrong_hash, certificate.body_sha256]

    def without_input(response):
        html = response.content.decode()
        for value in strip:
            html = html.replace(value, "")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)

    assert without_input(wrong) == without_input(unknown)


def test_a_certificate_whose_stored_content_was_altered_is_not_confirmed(client, park, park_officer):
    from orgs.models import ErasureCertificate

    certificate = certified(park, park_officer).certificate
    ErasureCertificate.objects.filter(pk=certificate.pk).update(body={**certificate.body, "totals": {"deleted": 9}})

    assert NOT_CONFIRMED in page(_check(client, certificate.number, certificate.body_sha256)).text


def test_a_hash_that_is_not_a_sha256_is_a_form_error(client, db):
    response = _check(client, "EC-20261201-ABCDEF", "not-a-hash")

    assert response.status_code == 200
    assert "A SHA-256 is 64 characters, each 0-9 or a-f." in field_errors(response, "sha256")
    assert NOT_CONFIRMED not in page(response).text


def test_the_check_page_is_in_chinese_too(client, park, park_officer):
    certificate = certified(park, park_officer).certificate
    client.cookies["django_language"] = "zh-hans"

    response = _check(client, certificate.number, certificate.body_sha256)

    text = page(response).text
    assert "真实" in text and "核验删除证明" in text


def test_checks_are_rate_limited_per_address(client, park, park_officer, still_clock):
    certificate = certified(park, park_officer).certificate
    for attempt in range(20):
        response = _check(client, f"EC-20200101-AAAA{attempt:02d}", certificate.body_sha256, REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 200

    blocked = _check(client, certificate.number, certificate.body_sha256, REMOTE_ADDR="203.0.113.9")
    other = _check(client, certificate.number, certificate.body_sha256, REMOTE_ADDR="203.0.113.10")

    assert blocked.status_code == 429 and "Genuine" not in page(blocked).text
    assert other.status_code == 200 and "Genuine" in page(other).text
    assert client.get(URL, REMOTE_ADDR="203.0.113.9").status_code == 200  # the empty page still opens


def test_an_erasure_orders_certificate_is_checked_too(client, park):
    activity = factories.activity(park, name="Sales office cameras")
    factories.vault_records(activity, 3)
    order = factories.erasure_order(park, activity=activity)
    factories.run_order(order)

    response = _check(client, order.certificate.number, order.certificate.body_sha256)

    text = page(response).text
    assert "Genuine" in text and "Deleted: 3" in text and "Gate vault" in text
    assert "Ordered by the city" not in text  # the order's reason stays off the public page

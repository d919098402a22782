"""The requester's documents on the desk and through the status link: who may download
them (the organisation's desk, the holder of the status link) and who gets nothing."""

import pytest
from django.urls import reverse

from requests_app.cases import tokens
from tests import factories
from tests.requests_app.test_documents import certified, pdf_text

pytestmark = pytest.mark.django_db


def _desk_url(rr, name, fmt="pdf"):
    return reverse(f"desk:document_{fmt}", kwargs={"reference": rr.reference, "name": name})


def test_an_officer_downloads_the_certificate_and_letters_from_the_case_page(officer_client, org_a, officer_a):
    rr = certified(org_a, officer_a)

    case = officer_client.get(reverse("desk:case", kwargs={"reference": rr.reference})).content.decode()
    pdf = officer_client.get(_desk_url(rr, "certificate"))
    letter = officer_client.get(_desk_url(rr, "fulfilment", "html"))

    assert _desk_url(rr, "certificate") in case and _desk_url(rr, "fulfilment") in case
    assert pdf.status_code == 200 and rr.certificate.number in pdf_text(pdf.content)
    assert letter.status_code == 200 and rr.certificate.number in letter.content.decode()
    assert pdf["Cache-Control"].startswith("max-age=0")  # personal data: never cached


def test_the_case_file_links_the_documents(officer_client, org_a, officer_a):
    rr = certified(org_a, officer_a)

    casefile = officer_client.get(reverse("desk:casefile_html", kwargs={"reference": rr.reference}))

    html = casefile.content.decode()
    assert _desk_url(rr, "certificate") in html and _desk_url(rr, "fulfilment", "html") in html


def test_an_officer_of_another_organisation_gets_404(signed_in, org_a, officer_a, officer_b):
    rr = certified(org_a, officer_a)
    client = signed_in(officer_b)

    for name in ("certificate", "fulfilment"):
        for fmt in ("html", "pdf"):
            assert client.get(_desk_url(rr, name, fmt)).status_code == 404


def test_a_system_owner_or_a_stranger_gets_nothing_from_the_desk(client, signed_in, org_a, officer_a,
                                                                  system_owner_a):
    rr = certified(org_a, officer_a)

    anonymous = client.get(_desk_url(rr, "certificate"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert signed_in(system_owner_a).get(_desk_url(rr, "certificate")).status_code == 404


def test_a_requester_without_the_token_gets_nothing(client, org_a, officer_a):
    rr = certified(org_a, officer_a)
    other = factories.verified_request(org_a, email="someone@example.com")
    others_token = tokens.issue_status_link(other.submission)

    for token in ("not-a-token", others_token):
        for name, fmt in (("certificate", "pdf"), ("certificate", "html"), ("fulfilment", "pdf")):
            url = reverse(f"public:document_{fmt}", kwargs={"token": token, "reference": rr.reference, "name": name})
            assert client.get(url).status_code == 404
        url = reverse("public:certificate", kwargs={"token": token, "reference": rr.reference})
        assert client.get(url).status_code == 404

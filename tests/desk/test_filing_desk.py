"""The filing threshold on the desk (/desk/filing/): the live count, the obligations and
their clocks, marking one filed, the filing pack as page, PDF and JSON; for the desk's
roles of the organisation only; and for organisations in China only. The owners' API
(GET /api/v1/filing/) reads the same."""

import io
import json
import re

import pypdf
import pytest
from django.urls import reverse

from orgs import filing
from orgs.models import BiometricRecord, FilingObligation, FilingStatus
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("desk:filing")


def pack_url(fmt):
    return reverse(f"desk:filing_pack_{fmt}")


@pytest.fixture
def low_threshold(monkeypatch):
    """The rule at a threshold of 3 people, so a page's test needs no 100,000 rows (one test has them)."""
    monkeypatch.setattr(filing, "THRESHOLD", 3)


@pytest.fixture
def register_a(org_a, owner_a):
    """A face gate, live on an approved assessment, with the face records of three people (Guo twice)."""
    faces = factories.activity(org_a, name="Annual pass entry")
    point = factories.collection_point(faces, name="North gate", signage=True, area="The two entry lanes")
    factories.live_device(point, owner_a, serial="GATE-1")
    for email in ("guo@example.com", "guo@example.com", "zhao@example.com", "qian@example.com"):
        BiometricRecord.objects.filter(pk=factories.person_record(faces, email=email).pk).update(
            collection_point=point)
    return faces, point


@pytest.fixture
def obligation_a(low_threshold, register_a, org_a):
    return filing.check(org_a).opened


def test_the_page_shows_the_count_the_threshold_and_the_open_obligation(obligation_a, signed_in, officer_a):
    page = signed_in(officer_a).get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r"<strong>3</strong> distinct people, of a threshold of 3", html)
    row = re.search(rf'<tr id="obligation-{obligation_a.pk}" data-status="open">(.*?)</tr>', html, re.S).group(1)
    assert "First filing" in row and "30 working days left" in row and "Mark filed" in row
    assert pack_url("pdf") in html and pack_url("json") in html


def test_an_officer_marks_it_filed_with_the_reference(obligation_a, signed_in, officer_a):
    client = signed_in(officer_a)

    missing = client.post(URL, {"obligation": obligation_a.pk, "reference": ""})
    assert missing.status_code == 400
    done = client.post(URL, {"obligation": obligation_a.pk, "reference": "ZJ-CAC-2026-0042"}, follow=True)

    obligation_a.refresh_from_db()
    assert obligation_a.status == FilingStatus.FILED and obligation_a.reference == "ZJ-CAC-2026-0042"
    assert obligation_a.filed_by == officer_a
    assert "Marked filed" in done.content.decode() and "Filed: ZJ-CAC-2026-0042" in done.content.decode()
    again = client.post(URL, {"obligation": obligation_a.pk, "reference": "ZJ-CAC-2026-0043"})
    assert again.status_code == 400  # no longer an open obligation to choose


def test_an_auditor_reads_but_cannot_mark_filed(obligation_a, signed_in, auditor_a):
    client = signed_in(auditor_a)

    page = client.get(URL)
    refused = client.post(URL, {"obligation": obligation_a.pk, "reference": "ZJ-CAC-2026-0042"})

    assert page.status_code == 200 and "Mark filed" not in page.content.decode()
    assert refused.status_code == 403 and "not mark them filed" in refused.content.decode()
    obligation_a.refresh_from_db()
    assert obligation_a.status == FilingStatus.OPEN


def test_another_organisations_officer_cannot_reach_it(obligation_a, signed_in, officer_b, org_a):
    client = signed_in(officer_b)

    post = client.post(URL, {"obligation": obligation_a.pk, "reference": "ZJ-CAC-2026-0042"})
    page = client.get(URL)
    pack = client.get(pack_url("json"))

    assert post.status_code == 400
    obligation_a.refresh_from_db()
    assert obligation_a.status == FilingStatus.OPEN
    assert org_a.name not in page.content.decode() and f"obligation-{obligation_a.pk}" not in page.content.decode()
    assert json.loads(pack.content)["counts"]["people"] == 0 and org_a.name not in pack.content.decode()


def test_anonymous_is_sent_to_sign_in_and_a_system_owner_gets_404(obligation_a, client, signed_in, system_owner_a):
    for url in (URL, pack_url("html"), pack_url("pdf"), pack_url("json")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    system_owner = signed_in(system_owner_a)
    assert system_owner.get(URL).status_code == 404
    assert system_owner.get(pack_url("json")).status_code == 404


def test_outside_china_the_measures_do_not_apply(client):
    org = factories.jurisdiction_org("EU")
    officer = factories.member(org, "officer", username="officer_eu")
    factories.face_people(factories.activity(org), 5)
    client.force_login(officer)

    page = client.get(URL)

    assert page.status_code == 200 and "the Measures apply to organisations processing face data in China" in \
        page.content.decode().replace("The Measures", "the Measures")
    assert "Mark filed" not in page.content.decode()
    assert client.get(pack_url("json")).status_code == 404
    assert not FilingObligation.objects.exists()


# --- the pack ------------------------------------------------------------------------------------


def test_the_pack_page_shows_the_register_and_counts_and_no_personal_data(obligation_a, register_a, signed_in,
                                                                         officer_a):
    page = signed_in(officer_a).get(pack_url("html"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Hangzhou Wildlife Park" in html and "North gate" in html and "GATE-1" in html
    assert "The two entry lanes" in html and "Annual pass entry" in html
    assert "3 distinct people (threshold 3)" in html
    assert html.count("to be attached by the organisation") == 6 and "business licence" in html
    assert "owner_a" in html  # the assessment's approver
    for record in BiometricRecord.objects.all():
        assert record.person_hash not in html and record.email_hash not in html
    assert "@example.com" not in html.replace("owner_a@example.com", "") and "***" not in html


def test_the_pack_as_json(obligation_a, signed_in, officer_a):
    response = signed_in(officer_a).get(pack_url("json"))

    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    pack = json.loads(response.content)
    assert set(pack) >= {"organisation", "counted_at", "counts", "collection_points", "storage",
                         "impact_assessments", "obligations", "attachments"}
    assert pack["counts"]["people"] == 3 and pack["counts"]["by_point"] == [{"point": "North gate", "people": 3}]
    assert pack["counts"]["by_activity"][0]["people"] == 3
    assert pack["collection_points"][0]["devices"][0]["serial"] == "GATE-1"
    assert pack["impact_assessments"][0]["approver"] == "owner_a"
    assert [a["code"] for a in pack["attachments"]] == ["filing_form", "business_licence", "legal_representative_id",
                                                        "filer_id", "power_of_attorney", "commitment"]
    assert pack["obligations"][0]["status"] == "Open"
    assert "_hash" not in response.content.decode() and "example.com\"" not in response.content.decode()


def test_the_pack_as_pdf_in_chinese(obligation_a, org_a, signed_in, officer_a):
    org_a.name_zh = "杭州野生动物世界"
    org_a.save()
    client = signed_in(officer_a)

    response = client.get(pack_url("pdf"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "杭州野生动物世界" in text and "备案" in text and "North gate" in text


def test_the_scanners_page_links_to_the_filing_page(obligation_a, signed_in, officer_a):
    html = signed_in(officer_a).get(reverse("desk:scanners")).content.decode()

    assert URL in html and "1 filing open." in html


def test_an_overdue_filing_is_flagged_on_both_pages(obligation_a, signed_in, officer_a):
    FilingObligation.objects.filter(pk=obligation_a.pk).update(due_at=obligation_a.opened_at)
    client = signed_in(officer_a)

    assert 'data-flag="filing_overdue"' in client.get(URL).content.decode()
    assert "1 filing overdue." in client.get(reverse("desk:scanners")).content.decode()


# --- at the real threshold, and in the owners' API ---------------------------------------------


def test_the_owner_api_reads_the_count_and_obligations_at_100000_people(org_a, owner_a, officer_a):
    factories.face_people(factories.activity(org_a), filing.THRESHOLD)
    filing.check(org_a)

    response = factories.member_api(owner_a, org_a).get("/api/v1/filing/")
    officer = factories.member_api(officer_a, org_a).get("/api/v1/filing/")
    anonymous = factories.api_client().get("/api/v1/filing/")

    assert response.status_code == 200
    body = response.json()
    assert body["applies"] is True and body["people"] == 100_000 and body["threshold"] == 100_000
    [obligation] = body["obligations"]
    assert obligation["kind"] == "first" and obligation["status"] == "open" and obligation["working_days_left"] == 30
    assert officer.status_code == 404 and anonymous.status_code in (401, 403)

"""The CSV of a filtered queue: the queue's scoping and filters, masked identifiers
only, cells a spreadsheet would run as formulas defused."""

import csv
import io

import pytest
from django.urls import reverse

from requests_app import workflow
from requests_app.actors import member as as_member
from requests_app.desk.csv_export import safe_cell
from tests import factories

URL = "/desk/export.csv"


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def queue_a(org_a, officer_a):
    return {
        "deletion": factories.in_review_request(org_a, officer_a, kind="deletion", email="guo.bing@example.com"),
        "access": factories.verified_request(org_a, kind="access", email="zhao@example.com"),
        "submitted": factories.submitted_request(org_a, kind="access", email="qian@example.com"),
        "fulfilled": factories.fulfilled_request(org_a, officer_a, kind="copy", email="sun@example.com"),
    }


@pytest.fixture
def queue_b(org_b, officer_b):
    return factories.in_review_request(org_b, officer_b, kind="deletion", email="li@example.com")


def test_url_is_named():
    assert reverse("desk:queue_csv") == URL


def test_default_export_is_the_open_queue_of_the_members_organisation(client, officer_a, queue_a, queue_b):
    factories.force_sign_in(client, officer_a)
    rows = read_csv(client.get(URL))
    assert {r["Reference"] for r in rows} == {queue_a[k].reference for k in ("deletion", "access", "submitted")}
    assert queue_b.reference not in {r["Reference"] for r in rows}


def test_export_honours_the_queue_filters(client, officer_a, queue_a):
    factories.force_sign_in(client, officer_a)
    assert [r["Reference"] for r in read_csv(client.get(URL, {"kind": "deletion"}))] == [
        queue_a["deletion"].reference
    ]
    assert [r["Reference"] for r in read_csv(client.get(URL, {"status": "fulfilled"}))] == [
        queue_a["fulfilled"].reference
    ]
    assert {r["Reference"] for r in read_csv(client.get(URL, {"status": ["submitted", "verified"]}))} == {
        queue_a["access"].reference, queue_a["submitted"].reference,
    }
    assert [r["Reference"] for r in read_csv(client.get(URL, {"mine": "on"}))] == [queue_a["deletion"].reference]
    assert [r["Reference"] for r in read_csv(client.get(URL, {"q": "Guo.Bing@example.com"}))] == [
        queue_a["deletion"].reference
    ]


def test_another_organisations_officer_gets_only_their_own(client, officer_b, queue_a, queue_b):
    factories.force_sign_in(client, officer_b)
    rows = read_csv(client.get(URL, {"status": ["in_review", "verified", "submitted", "fulfilled"]}))
    assert [r["Reference"] for r in rows] == [queue_b.reference]
    # Searching for A's reference finds nothing rather than A's row.
    assert read_csv(client.get(URL, {"q": queue_a["deletion"].reference})) == []


def test_export_carries_masked_identifiers_and_no_contact_details(client, officer_a, queue_a):
    factories.force_sign_in(client, officer_a)
    response = client.get(URL, {"kind": "deletion"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "guo.bing@example.com" not in text and "Guo" not in text
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["Subject (masked)"] == "g***@example.com"
    assert row["Assigned to"] == "officer_a"
    assert row["Status"] == "In review"
    assert row["Due"].endswith("+08:00")  # the organisation's time zone


def test_cells_that_would_run_as_formulas_are_defused(client, org_a, officer_a):
    sneaky = factories.member(org_a, "officer", username="=HYPERLINK(\"http://x\")")
    rr = factories.verified_request(org_a, kind="deletion", email="zhou@example.com")
    workflow.assign(rr, actor=as_member(officer_a), assignee=sneaky)
    phone = factories.phone_only_request(org_a)  # masked as +86******8000
    factories.force_sign_in(client, officer_a)
    rows = {r["Reference"]: r for r in read_csv(client.get(URL, {"status": ["in_review", "submitted"]}))}
    assert rows[rr.reference]["Assigned to"] == "'=HYPERLINK(\"http://x\")"
    assert rows[phone.reference]["Subject (masked)"].startswith("'+86")


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+86123", "'+86123"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("A=1", "A=1"), ("", ""), (None, ""), (3, "3"),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


@pytest.mark.parametrize("who", ["system_owner_a", "nobody"])
def test_export_is_404_for_who_does_not_work_the_desk(client, request, queue_a, who):
    if who == "nobody":
        user = factories.member(factories.organisation(name="Other", slug="other"), "officer", username="x")
        from orgs.models import Membership

        Membership.objects.filter(user=user).delete()
    else:
        user = request.getfixturevalue(who)
    factories.force_sign_in(client, user)
    assert client.get(URL).status_code == 404


def test_export_needs_signing_in(client, queue_a):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response.url


def test_auditor_may_export(client, auditor_a, queue_a):
    factories.force_sign_in(client, auditor_a)
    assert len(read_csv(client.get(URL))) == 3

"""The case file: every event with its hash in order, the chain's verdict, the rest of
the case, as JSON and as a printable page; for members of the organisation only."""

import json

import pytest
from django.urls import reverse

from requests_app import workflow
from requests_app.actors import member as as_member
from requests_app.cases import casefile
from requests_app.models import Attachment, RequestEvent
from tests import factories, tampering


@pytest.fixture
def closed_case(org_a, officer_a):
    """A deletion request walked to fulfilled, with an internal note, a message to the
    subject and an attachment: every part of the case file has something in it."""
    rr = factories.in_review_request(org_a, officer_a, email="guo.bing@example.com")
    actor = as_member(officer_a)
    workflow.add_note(rr, actor=actor, body="Checked the gate logs: two face templates.")
    workflow.message_subject(rr, actor=actor, body="We are deleting your face data.")
    Attachment.objects.create(
        request=rr, purpose=Attachment.Purpose.EVIDENCE, original_name="annual-pass.pdf",
        content_type="application/pdf", size=2048, sha256="ab" * 32, from_subject=True,
    )
    workflow.approve(rr, actor=actor)
    workflow.start_fulfilment(rr, actor=actor)
    workflow.finish_fulfilment(rr, actor=actor)
    rr.refresh_from_db()
    return rr


def load(rr):
    return casefile.casefile_queryset().get(pk=rr.pk)


def test_case_file_lists_every_event_with_its_hash_in_order(closed_case):
    case = casefile.case_file(load(closed_case))
    events = list(RequestEvent.objects.filter(request=closed_case).order_by("seq"))
    assert [(e["seq"], e["action"], e["hash"], e["prev_hash"]) for e in case["events"]] == [
        (e.seq, e.action, e.hash, e.prev_hash) for e in events
    ]
    assert case["events"][0]["prev_hash"] == ""
    assert all(e["hash_matches_content"] and e["follows_previous"] for e in case["events"])
    assert case["chain"] == {
        "holds": True, "events_checked": len(events), "event_count_on_request": len(events),
        "head": events[-1].hash, "break": None,
    }


def test_case_file_carries_the_request_outcome_messages_attachments_and_certificate(closed_case):
    case = casefile.case_file(load(closed_case))
    assert case["request"]["reference"] == closed_case.reference
    assert case["request"]["subject"] == "g***@example.com"
    assert case["outcome"]["status"] == "fulfilled"
    assert [(m["internal"], m["body"]) for m in case["messages"]] == [
        (True, "Checked the gate logs: two face templates."), (False, "We are deleting your face data."),
    ]
    assert case["attachments"] == [{
        "name": "annual-pass.pdf", "purpose": "evidence", "purpose_label": "Evidence",
        "content_type": "application/pdf", "size": 2048, "sha256": "ab" * 32, "from_requester": True,
        "at": case["attachments"][0]["at"],
    }]
    assert case["certificate"]["number"] == closed_case.certificate.number
    assert case["certificate"]["body_intact"] is True


def test_case_file_never_carries_contact_details(closed_case):
    page = casefile.as_html(casefile.case_file(load(closed_case)))
    data = casefile.as_json(casefile.case_file(load(closed_case))).decode()
    for text in (page, data):
        assert "guo.bing@example.com" not in text
        assert "Guo" not in text  # the subject's full name
        assert "g***@example.com" in text


def test_agent_email_is_masked(org_a):
    rr = factories.submitted_request(
        org_a, filed_by="agent", requester_name="Li Lawyer", requester_email="li.lawyer@firm.example",
    )
    case = casefile.case_file(load(rr))
    assert case["request"]["requester"] == {"name": "Li Lawyer", "email": "l***@firm.example"}
    assert "li.lawyer@firm.example" not in casefile.as_json(case).decode()


def test_tampered_event_is_reported(closed_case):
    third = RequestEvent.objects.get(request=closed_case, seq=3)
    tampering.update_event(third.pk, data={"assignee": 999})
    case = casefile.case_file(load(closed_case))
    assert case["chain"]["holds"] is False
    assert case["chain"]["break"]["seq"] == 3
    assert case["chain"]["break"]["problem"] == "content changed after it was written"
    assert [e["seq"] for e in case["events"] if not e["hash_matches_content"]] == [3]
    page = casefile.as_html(case)
    assert "The audit chain is BROKEN." in page
    assert "hash does not match the content" in page


def test_deleted_event_is_reported(closed_case):
    tampering.delete_event(closed_case.pk, 2)
    case = casefile.case_file(load(closed_case))
    assert case["chain"]["holds"] is False
    assert case["chain"]["break"]["seq"] == 2
    assert case["events"][1]["seq"] == 3 and case["events"][1]["seq_in_order"] is False
    assert case["events"][1]["follows_previous"] is False


def test_json_export_is_the_case_file(closed_case):
    data = json.loads(casefile.as_json(casefile.case_file(load(closed_case))))
    assert data["format"] == "rightsdesk-casefile/1"
    assert [e["hash"] for e in data["events"]] == list(
        closed_case.events.order_by("seq").values_list("hash", flat=True)
    )
    assert data["events"][0]["at"]["utc"].endswith("Z")
    assert data["events"][0]["at"]["local"].endswith("+08:00")  # Asia/Shanghai
    assert data["chain"]["holds"] is True


def test_printable_page_shows_every_hash_in_order(closed_case):
    page = casefile.as_html(casefile.case_file(load(closed_case)))
    history = page[page.index('id="h-events"'):page.index('id="h-messages"')]
    hashes = list(closed_case.events.order_by("seq").values_list("hash", flat=True))
    positions = [history.index(h) for h in hashes]
    assert positions == sorted(positions)
    assert "The audit chain holds" in page
    assert "INTERNAL NOTE" in page
    assert closed_case.certificate.number in page
    assert "@media print" in page


# --- through the desk and the admin -------------------------------------------------------


def desk_url(rr, extension):
    return reverse(f"desk:casefile_{extension}", args=[rr.reference])


@pytest.mark.parametrize("who", ["officer_a", "auditor_a", "owner_a"])
def test_members_of_the_organisation_get_both_case_files(client, request, closed_case, who):
    factories.force_sign_in(client, request.getfixturevalue(who))
    page = client.get(desk_url(closed_case, "html"))
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert closed_case.reference in page.content.decode()
    data = client.get(desk_url(closed_case, "json"))
    assert data.status_code == 200
    assert data["Content-Disposition"] == f'attachment; filename="casefile-{closed_case.reference}.json"'
    assert json.loads(data.content)["request"]["reference"] == closed_case.reference


@pytest.mark.parametrize("extension", ["html", "json"])
def test_another_organisations_case_file_is_404(client, officer_b, closed_case, extension):
    factories.force_sign_in(client, officer_b)
    assert client.get(desk_url(closed_case, extension)).status_code == 404


@pytest.mark.parametrize("extension", ["html", "json"])
def test_system_owner_gets_no_case_file(client, system_owner_a, closed_case, extension):
    factories.force_sign_in(client, system_owner_a)
    assert client.get(desk_url(closed_case, extension)).status_code == 404


def test_unknown_reference_is_404(client, officer_a, closed_case):
    factories.force_sign_in(client, officer_a)
    assert client.get(reverse("desk:casefile_json", args=["NOSUCHREF"])).status_code == 404


def test_administrator_downloads_any_organisations_case_file_from_the_admin(client, administrator, closed_case,
                                                                              org_b, officer_b):
    other = factories.in_review_request(org_b, officer_b, email="li@example.com")
    factories.force_sign_in(client, administrator)
    for rr in (closed_case, other):
        page = client.get(reverse("admin:requests_app_rightsrequest_casefile_html", args=[rr.pk]))
        assert page.status_code == 200 and rr.reference in page.content.decode()
        data = client.get(reverse("admin:requests_app_rightsrequest_casefile_json", args=[rr.pk]))
        assert json.loads(data.content)["events"][0]["seq"] == 1
    change = client.get(reverse("admin:requests_app_rightsrequest_change", args=[closed_case.pk]))
    assert reverse("admin:requests_app_rightsrequest_casefile_json", args=[closed_case.pk]) in change.content.decode()


def test_admin_action_downloads_the_selected_case_files(client, administrator, closed_case, org_b, officer_b):
    other = factories.in_review_request(org_b, officer_b, email="li@example.com")
    factories.force_sign_in(client, administrator)
    response = client.post(reverse("admin:requests_app_rightsrequest_changelist"), {
        "action": "download_case_files", "_selected_action": [closed_case.pk, other.pk],
    })
    assert response.status_code == 200
    data = json.loads(response.content)
    assert [c["request"]["reference"] for c in data["case_files"]] == [closed_case.reference, other.reference]


def test_admin_case_file_is_for_superusers_only(client, closed_case):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    staff = get_user_model().objects.create_user("clerk", "clerk@example.com", factories.PASSWORD, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_rightsrequest"))
    factories.force_sign_in(client, staff)
    url = reverse("admin:requests_app_rightsrequest_casefile_json", args=[closed_case.pk])
    assert client.get(url).status_code == 403
    change = client.get(reverse("admin:requests_app_rightsrequest_change", args=[closed_case.pk]))
    assert change.status_code == 200 and url not in change.content.decode()


def test_the_printable_case_file_names_the_law_in_words(officer_client, closed_case):
    from django.urls import reverse as url_for

    rr = closed_case
    page = officer_client.get(url_for("desk:casefile_html", args=[rr.reference])).content.decode()

    assert "China (PIPL)" in page and "<dd>CN</dd>" not in page

"""The whole journey of a person through the public pages, with Django's test client:
find the organisation, file two requests and a compensation claim at once, confirm with
the code from the mail outbox, follow the status page, answer, write, upload, withdraw,
appeal, answer an offer, download what the organisation sends back, see the certificate."""

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from requests_app import workflow
from requests_app.actors import member
from requests_app.cases import tokens
from requests_app.models import (
    Attachment,
    CompensationClaim,
    DataSubject,
    Message,
    RightsRequest,
)
from tests import factories
from tests.public import citizen
from tests.public.pages import field_value, messages_shown, page

Status = RightsRequest.Status
pytestmark = pytest.mark.django_db


# --- finding the organisation ------------------------------------------------------------


@pytest.fixture
def organisations(park):
    mall = factories.organisation(name="West Lake Mall", slug="west-lake-mall", city="Hangzhou", kind="retail")
    sales = factories.organisation(name="Nanjing Sales Office", slug="nanjing-sales", city="Nanjing",
                                   kind="property_sales")
    hidden = factories.organisation(name="Hangzhou Hidden Zoo", slug="hidden-zoo", city="Hangzhou", kind="park",
                                    accepts_public_requests=False)
    return {"park": park, "mall": mall, "sales": sales, "hidden": hidden}


def _listed(client, **query) -> list[str]:
    response = client.get(reverse("public:organisations"), query)
    assert response.status_code == 200
    results = page(response).find(id="results")
    return [a.text for a in results.find_all("a") if "/request/" in a.get("href", "")]


def test_the_landing_page_explains_the_rights_and_leads_to_the_finder(client):
    response = client.get("/")

    assert response.status_code == 200
    text = page(response).text
    # Each jurisdiction's rights, in its own law's words (orgs/law.py).
    assert "deleted (art. 47)" in text and "claim compensation for harm (art. 69)" in text
    assert "erased (art. 17)" in text and "deleted (§1798.105)" in text
    assert "GDPR" in text and "CCPA" in text and "LGPD" in text and "VCDPA" in text
    assert reverse("public:organisations") in [a.get("href") for a in page(response).find_all("a")]


def test_the_finder_filters_by_name_city_and_kind_and_hides_closed_organisations(client, organisations):
    assert _listed(client) == ["Hangzhou Safari Park", "Nanjing Sales Office", "West Lake Mall"]
    assert _listed(client, q="safari") == ["Hangzhou Safari Park"]
    assert _listed(client, city="hangzhou") == ["Hangzhou Safari Park", "West Lake Mall"]
    assert _listed(client, kind="property_sales") == ["Nanjing Sales Office"]
    assert _listed(client, city="Hangzhou", kind="park") == ["Hangzhou Safari Park"]
    assert _listed(client, q="zoo") == []  # does not take public requests
    assert "No organisation matches" in page(client.get(reverse("public:organisations"), {"q": "zoo"})).text

    assert client.get(citizen.form_url(organisations["hidden"])).status_code == 404
    response = citizen.file_request(client, organisations["hidden"])
    assert response.status_code == 404 and not RightsRequest.objects.exists()


def test_the_finder_answers_htmx_with_only_the_results(client, organisations):
    response = client.get(reverse("public:organisations"), {"city": "Nanjing"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert b"<html" not in response.content and b"Nanjing Sales Office" in response.content


def test_the_finders_next_page_keeps_the_city_and_kind_filters(client, db):
    for n in range(23):
        factories.organisation(name=f"Gate {n:02d}", slug=f"gate-{n:02d}", city="Suzhou", kind="park")
    factories.organisation(name="Gate elsewhere", slug="gate-elsewhere", city="Wuhan", kind="park")

    first = client.get(reverse("public:organisations"), {"city": "Suzhou", "kind": "park"})
    next_link = [a.get("href") for a in page(first).find_all("a") if a.text == "Next"][0]
    second = client.get(reverse("public:organisations") + next_link)

    assert _listed(client, city="Suzhou", kind="park")[:1] == ["Gate 00"]
    names = [a.text for a in page(second).find(id="results").find_all("a") if "/request/" in a.get("href", "")]
    assert names == ["Gate 20", "Gate 21", "Gate 22"]  # page 2 of Suzhou only, not of every organisation


# --- the whole journey --------------------------------------------------------------------


def test_a_person_files_two_requests_with_a_claim_confirms_and_follows_them(
    client, park, park_officer, published, django_capture_on_commit_callbacks
):
    # The form of the park, found in the finder.
    assert "Hangzhou Safari Park" in _listed(client, q="Safari")
    form = client.get(citizen.form_url(park))
    assert form.status_code == 200 and "Request to Hangzhou Safari Park" in page(form).text

    # Two kinds at once, evidence, and a compensation claim of 1,038 yuan.
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen.file_request(
            client, park, kinds=["deletion", "access"], member_number="YP-2019-0042",
            claim_amount="1038.00", claim_currency="CNY", claim_covers="Annual pass and travel costs",
            evidence=[citizen.upload("annual-pass.png", citizen.png_bytes(), "image/png")],
        )
    assert response.status_code == 302
    submission = citizen.submission_of(response)
    deletion, access = RightsRequest.objects.filter(submission=submission).order_by("pk")
    assert (deletion.kind, access.kind) == ("deletion", "access")
    assert deletion.status == access.status == Status.SUBMITTED
    assert DataSubject.objects.count() == 1
    assert deletion.data_description == citizen.DESCRIPTION
    claim = deletion.claims.get()
    assert (claim.claimed_minor, claim.currency, claim.covers) == (103800, "CNY", "Annual pass and travel costs")
    assert [a.original_name for a in deletion.attachments.all()] == ["annual-pass.png"]
    assert [a.original_name for a in access.attachments.all()] == ["annual-pass.png"]
    # The code is sent by a task queued after commit; no mail before it runs.
    challenge = deletion.challenges.get()
    assert ("requests.send_verification_code", (challenge.pk,)) in published
    assert mail.outbox == []

    # The verify page names both references; the code arrives by email.
    verify = client.get(response["Location"])
    assert deletion.reference in page(verify).text and access.reference in page(verify).text
    assert published.run("requests.send_verification_code") == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["guo@example.com"]
    code = citizen.code_in(mail.outbox[0])
    assert deletion.reference in mail.outbox[0].body

    response = client.post(citizen.verify_url(submission), {"code": code})
    assert response.status_code == 302
    token = citizen.token_of(response)
    deletion.refresh_from_db(), access.refresh_from_db()
    assert deletion.status == access.status == Status.VERIFIED

    # The status page: both requests, the due date, the timeline, the claim.
    status = client.get(citizen.status_url(token))
    assert status.status_code == 200
    doc = page(status)
    for rr in (deletion, access):
        case = doc.find("article", id=f"case-{rr.reference}")
        assert case is not None
        due = date_format(timezone.localtime(rr.due_at, park.time_zone), "DATE_FORMAT")
        assert f"must answer by {due}." in case.text
        timeline = case.find("ol", cls="timeline").text
        assert "You sent the request." in timeline and "Your identity was confirmed" in timeline
    assert "Deletion" in doc.find(id=f"case-{deletion.reference}").find("h2").text
    assert "1,038" in doc.find(id=f"case-{deletion.reference}").text

    # The officer asks a question about the deletion: the person answers it on the page.
    workflow.assign(deletion, actor=member(park_officer), assignee=park_officer)
    workflow.ask_for_information(deletion, actor=member(park_officer), question="Which gate did you use?",
                                 reason="clarification")
    status = client.get(citizen.status_url(token))
    case = page(status).find("article", id=f"case-{deletion.reference}")
    assert "Which gate did you use?" in case.text and "Answer the organisation's question" in case.text
    assert "The clock is paused until you answer." in case.text

    response = client.post(citizen.action_url(token, deletion, "reply"), {"body": "The north gate, in 2019."},
                           follow=True)
    assert "Your message was sent." in messages_shown(response)
    deletion.refresh_from_db()
    assert deletion.status == Status.IN_REVIEW and deletion.paused_at is None
    assert deletion.events.filter(action="answer").exists()
    assert "The north gate, in 2019." in page(response).find(id=f"case-{deletion.reference}").text

    # Outside a question, a reply is a plain message.
    response = client.post(citizen.action_url(token, access, "reply"), {"body": "Please include gate logs."},
                           follow=True)
    assert "Your message was sent." in messages_shown(response)
    access.refresh_from_db()
    assert access.status == Status.VERIFIED
    assert access.events.filter(action="subject_message").exists()
    assert Message.objects.filter(request=access, direction="from_subject", body="Please include gate logs.").exists()

    # Evidence added later: a real PDF.
    response = client.post(
        citizen.action_url(token, deletion, "add_evidence"),
        {"evidence": [citizen.upload("receipt.pdf", citizen.pdf_bytes(), "application/pdf")]}, follow=True,
    )
    assert "Your files were added." in messages_shown(response)
    added = deletion.attachments.get(original_name="receipt.pdf")
    assert added.content_type == "application/pdf" and added.from_subject
    assert "receipt.pdf" in page(response).find(id=f"case-{deletion.reference}").text

    # Withdraw the access request; the deletion goes on.
    response = client.post(citizen.action_url(token, access, "withdraw"), follow=True)
    assert "Your request was withdrawn." in messages_shown(response)
    access.refresh_from_db(), deletion.refresh_from_db()
    assert access.status == Status.WITHDRAWN and deletion.status == Status.IN_REVIEW
    case = page(response).find("article", id=f"case-{access.reference}")
    assert "Withdraw this request" not in case.text and "You withdrew the request." in case.text

    # The park refuses; the person appeals within the window.
    workflow.refuse(deletion, actor=member(park_officer), reason=factories.REFUSAL_REASON,
                    legal_ground=factories.REFUSAL_GROUND)
    status = client.get(citizen.status_url(token))
    case = page(status).find("article", id=f"case-{deletion.reference}")
    assert factories.REFUSAL_REASON in case.text and factories.REFUSAL_GROUND in case.text
    assert case.find("form", action=citizen.action_url(token, deletion, "appeal")) is not None
    response = client.post(citizen.action_url(token, deletion, "appeal"),
                           {"grounds": "The fraud case was closed in 2020."}, follow=True)
    assert "Your appeal was sent." in messages_shown(response)
    deletion.refresh_from_db()
    assert deletion.status == Status.IN_REVIEW


def test_an_answer_with_no_text_is_refused_with_a_message_and_changes_nothing(client, park, park_officer):
    token, (rr,) = citizen.file_and_verify(client, park)
    workflow.assign(rr, actor=member(park_officer), assignee=park_officer)
    workflow.ask_for_information(rr, actor=member(park_officer), question="Which gate?")

    response = client.post(citizen.action_url(token, rr, "reply"), {"body": "  "}, follow=True)

    assert response.status_code == 200
    assert "Write a message" in messages_shown(response)
    rr.refresh_from_db()
    assert rr.status == Status.AWAITING_SUBJECT


# --- appeal window --------------------------------------------------------------------------


def _token(rr) -> str:
    return tokens.issue_status_link(rr.submission)


def test_the_appeal_form_is_gone_after_the_window_and_a_late_appeal_is_refused(client, park, park_officer):
    rr = factories.refused_request(park, park_officer)
    token = _token(rr)
    appeal_action = citizen.action_url(token, rr, "appeal")
    assert page(client.get(citizen.status_url(token))).find("form", action=appeal_action) is not None

    with time_machine.travel(rr.appeal_closes_at + timedelta(minutes=1), tick=False):
        status = client.get(citizen.status_url(token))
        assert status.status_code == 200
        assert page(status).find("form", action=appeal_action) is None
        assert "Appeal the refusal" not in page(status).text
        response = client.post(appeal_action, {"grounds": "Too late, but please."}, follow=True)

    assert "The time to appeal this refusal has passed." in messages_shown(response)
    rr.refresh_from_db()
    assert rr.status == Status.REFUSED


# --- compensation offers ------------------------------------------------------------------


@pytest.mark.parametrize("answer, expected", [("accept", "accepted"), ("decline", "declined")])
def test_the_person_accepts_or_declines_the_offer(client, park, park_officer, answer, expected):
    token, (rr,) = citizen.file_and_verify(client, park, claim_amount="1038", claim_currency="CNY",
                                           claim_covers="Pass and travel")
    claim = rr.claims.get()
    workflow.assess_claim(claim, actor=member(park_officer), basis=CompensationClaim.Basis.LOSS, amount_minor=103800)
    workflow.offer_compensation(claim, actor=member(park_officer), amount_minor=90000)

    status = client.get(citizen.status_url(token))
    case = page(status).find("article", id=f"case-{rr.reference}")
    assert "The organisation offers" in case.text and "900" in case.text
    assert "Accept the offer" in case.text and "Decline the offer" in case.text

    response = client.post(citizen.action_url(token, rr, f"{answer}_offer"), {"claim": claim.pk}, follow=True)

    assert f"You {expected} the offer." in messages_shown(response)
    claim.refresh_from_db()
    assert claim.status == expected
    assert "Accept the offer" not in page(response).find("article", id=f"case-{rr.reference}").text


def test_an_offer_of_another_request_cannot_be_answered_through_this_link(client, park, park_officer):
    token, (mine,) = citizen.file_and_verify(client, park)
    other = factories.verified_request(park, email="someone@example.com")
    claim = factories.claim_in_state(CompensationClaim.Status.OFFERED, other, park_officer)

    response = client.post(citizen.action_url(token, mine, "accept_offer"), {"claim": claim.pk}, follow=True)

    assert "Choose to accept or decline" in messages_shown(response)
    claim.refresh_from_db()
    assert claim.status == CompensationClaim.Status.OFFERED


# --- documents sent back -----------------------------------------------------------------


def _export(rr, content=b'{"face_scans": 3}', name="data-export.json") -> Attachment:
    attachment = Attachment(request=rr, purpose=Attachment.Purpose.EXPORT, original_name=name,
                            content_type="application/json", size=len(content),
                            sha256=hashlib.sha256(content).hexdigest())
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def test_the_person_downloads_the_export_the_organisation_sent(client, park, park_officer):
    token, (rr,) = citizen.file_and_verify(client, park, kinds=["copy"])
    export = _export(rr)
    download = reverse("public:download", kwargs={"token": token, "reference": rr.reference,
                                                  "attachment_id": export.pk})

    status = client.get(citizen.status_url(token))
    link = page(status).find("a", href=download)
    assert link is not None and link.text == "data-export.json"

    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b'{"face_scans": 3}'
    assert response["Content-Disposition"] == 'attachment; filename="data-export.json"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_file_of_another_request_is_not_found_through_this_link(client, park):
    token, (mine,) = citizen.file_and_verify(client, park)
    other = factories.verified_request(park, email="someone@example.com")
    theirs = _export(other)

    url = reverse("public:download", kwargs={"token": token, "reference": mine.reference, "attachment_id": theirs.pk})
    assert client.get(url).status_code == 404
    url = reverse("public:download", kwargs={"token": token, "reference": other.reference, "attachment_id": theirs.pk})
    assert client.get(url).status_code == 404


def test_the_certificate_page_shows_the_erasure_certificate_and_is_404_without_one(client, park, park_officer):
    rr = factories.fulfilled_request(park, park_officer)
    token = _token(rr)
    certificate_url = reverse("public:certificate", kwargs={"token": token, "reference": rr.reference})

    status = client.get(citizen.status_url(token))
    assert page(status).find("a", href=certificate_url) is not None

    response = client.get(certificate_url)
    assert response.status_code == 200
    text = page(response).text
    assert f"Erasure certificate {rr.certificate.number}" in text and rr.reference in text
    assert rr.certificate.body_sha256 in text

    without = factories.verified_request(park, email="someone@example.com")
    url = reverse("public:certificate", kwargs={"token": _token(without), "reference": without.reference})
    assert client.get(url).status_code == 404


def test_a_submitted_request_sends_back_to_the_lookup_once_verified(client, park):
    response = citizen.file_request(client, park)
    submission = citizen.submission_of(response)
    code = citizen.send_code(submission)
    client.post(citizen.verify_url(submission), {"code": code})

    response = client.get(citizen.verify_url(submission), follow=True)

    assert response.redirect_chain[-1][0] == reverse("public:lookup")
    assert "already verified" in messages_shown(response)


def test_the_subjects_answer_reaches_the_officer_as_a_message(client, park, park_officer):
    token, (rr,) = citizen.file_and_verify(client, park)
    client.post(citizen.action_url(token, rr, "reply"), {"body": "Hello from the gate."})

    assert list(rr.messages.values_list("direction", "body")) == [("from_subject", "Hello from the gate.")]
    assert field_value(client.get(citizen.status_url(token)), "body") == ""


def test_a_person_with_only_a_phone_gets_the_code_by_text_message(client, park, sms_outbox):
    response = citizen.file_request(client, park, email="", phone="138 0013 8000")
    submission = citizen.submission_of(response)

    verify = client.get(response["Location"])
    assert "by text message" in page(verify).text
    challenge = RightsRequest.objects.get().challenges.get()
    from requests_app import tasks

    tasks.send_verification_code(challenge.pk)
    assert mail.outbox == [] and len(sms_outbox) == 1
    code = re.search(r"\b(\d{6})\b", str(sms_outbox[0])).group(1)
    response = client.post(citizen.verify_url(submission), {"code": code})

    assert response.status_code == 302 and response["Location"].startswith("/status/")



def test_uploading_nothing_says_so_rather_than_that_files_were_added(client, park):
    token, (rr,) = citizen.file_and_verify(client, park)
    events = rr.events.count()

    response = client.post(citizen.action_url(token, rr, "add_evidence"), {}, follow=True)

    assert "Your files were added." not in response.content.decode()
    assert rr.attachments.count() == 0 and rr.events.count() == events

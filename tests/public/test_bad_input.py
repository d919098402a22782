"""Every bad value on the request form: a message next to the field and in the error
summary, what was typed kept, a page (not a crash), and nothing filed."""

import pytest
from django.core import mail

from requests_app.models import Attachment, DataSubject, RightsRequest, VerificationChallenge
from tests.public import citizen
from tests.public.pages import error_summary, field_errors, field_value, page

pytestmark = pytest.mark.django_db

TYPED = {
    "data_description": "人脸识别 at the north gate, 2019",
    "details": "I no longer hold the pass.",
    "full_name": "郭兵",
    "member_number": "YP-2019-0042",
}


def _nothing_filed():
    assert not RightsRequest.objects.exists()
    assert not DataSubject.objects.exists()
    assert not Attachment.objects.exists()
    assert not VerificationChallenge.objects.exists()
    assert mail.outbox == []


def _assert_refused(response, field: str, message: str, *, kept: dict | None = None):
    assert response.status_code == 200, response.status_code
    assert message in field_errors(response, field), (field, field_errors(response, field), error_summary(response))
    assert message in error_summary(response)
    # The summary links to the field, so a keyboard or screen-reader user lands on it.
    summary = page(response).find("div", cls="error-summary")
    assert summary.get("role") == "alert"
    targets = [a.get("href", "")[1:] for a in summary.find_all("a") if a.get("href", "").startswith(f"#id_{field}")]
    assert targets and page(response).find(id=targets[0]).tag in ("input", "select", "textarea"), targets
    for name, value in (kept or TYPED).items():
        assert field_value(response, name) == value, (name, field_value(response, name))
    _nothing_filed()


def _post(client, park, **overrides):
    return citizen.file_request(client, park, **{**TYPED, **overrides})


@pytest.mark.parametrize(
    "field, overrides, message",
    [
        ("kinds", {"kinds": None}, "Choose at least one thing you are asking for."),
        ("kinds", {"kinds": ["face_cloning"]}, "Select a valid choice."),
        ("data_description", {"data_description": None}, "This field is required."),
        ("filed_by", {"filed_by": None}, "This field is required."),
        ("email", {"email": "guo at example"}, "Enter a valid email address."),
        ("email", {"email": "", "phone": ""}, "Give an email address or a phone number"),
        ("phone", {"phone": "12345"}, "Enter a valid phone number."),
        ("phone", {"email": "", "phone": "call me maybe"}, "Enter a valid phone number."),
        ("requester_name", {"filed_by": "next_of_kin", "requester_email": "son@example.com",
                            "death_evidence": "pdf"}, "Required when you file for someone else."),
        ("requester_email", {"filed_by": "agent", "requester_name": "Li Lawyer", "authorisation": "pdf"},
         "Required when you file for someone else."),
        ("requester_email", {"filed_by": "agent", "requester_name": "Li Lawyer", "requester_email": "li@",
                             "authorisation": "pdf"}, "Enter a valid email address."),
        ("death_evidence", {"filed_by": "next_of_kin", "requester_name": "Guo Jr",
                            "requester_email": "son@example.com"}, "Attach evidence of the death"),
        ("authorisation", {"filed_by": "agent", "requester_name": "Li Lawyer",
                           "requester_email": "li@example.com"}, "Attach the person's signed authorisation."),
        ("claim_currency", {"claim_amount": "1038", "claim_currency": None}, "Choose the currency of the amount."),
        ("claim_currency", {"claim_amount": "1038", "claim_currency": "BTC"}, "Select a valid choice."),
        ("claim_amount", {"claim_amount": "-5", "claim_currency": "CNY"}, "greater than or equal to 0.01"),
        ("claim_amount", {"claim_amount": "a lot", "claim_currency": "CNY"}, "Enter a number."),
    ],
    ids=["no-kind", "unknown-kind", "no-description", "no-filer", "bad-email", "no-contact", "bad-phone",
         "only-a-bad-phone", "relative-without-name", "agent-without-email", "agent-bad-email",
         "relative-without-evidence", "agent-without-authorisation", "claim-without-currency",
         "claim-unknown-currency", "claim-negative", "claim-not-a-number"],
)
def test_a_bad_value_is_shown_next_to_its_field_and_nothing_is_filed(client, park, field, overrides, message):
    for name, value in list(overrides.items()):
        if value == "pdf":  # a valid document for the other file fields of the case
            overrides[name] = citizen.upload(f"{name}.pdf", citizen.pdf_bytes(), "application/pdf")

    response = _post(client, park, **overrides)

    kept = {name: value for name, value in TYPED.items() if name not in overrides}
    for name in ("email", "phone", "requester_name", "requester_email", "claim_amount"):
        if isinstance(overrides.get(name), str):
            kept[name] = overrides[name]
    _assert_refused(response, field, message, kept=kept)


def test_several_bad_values_are_all_listed_at_once(client, park):
    response = _post(client, park, kinds=None, data_description="", email="nope")

    summary = error_summary(response)
    assert "Choose at least one thing you are asking for." in summary
    assert "This field is required." in summary and "Enter a valid email address." in summary
    assert field_value(response, "email") == "nope"
    assert field_value(response, "kinds") == []
    _nothing_filed()


def test_the_chosen_kinds_filer_and_currency_are_kept(client, park):
    response = _post(client, park, kinds=["deletion", "explanation"], email="bad", filed_by="self",
                     claim_amount="12.50", claim_currency="EUR")

    assert response.status_code == 200
    assert field_value(response, "kinds") == ["deletion", "explanation"]
    assert field_value(response, "filed_by") == "self"
    assert field_value(response, "claim_amount") == "12.50"
    assert field_value(response, "claim_currency") == "EUR"
    _nothing_filed()


# --- files ---------------------------------------------------------------------------------


def test_a_file_too_large_is_refused_with_its_size_and_the_limit(client, park, settings):
    settings.MAX_UPLOAD_BYTES = 100
    big = citizen.upload("gate-photo.png", citizen.png_bytes() + b"\0" * 200, "image/png")

    response = _post(client, park, evidence=[big])

    _assert_refused(response, "evidence", "“gate-photo.png” is ")
    assert "files may be at most 100" in field_errors(response, "evidence")


@pytest.mark.parametrize(
    "name, content, what",
    [
        ("contract.pdf", b"MZ\x90\x00 this is a Windows program", "garbage named .pdf"),
        ("contract.pdf", b"<html><script>alert(1)</script></html>", "html named .pdf"),
        ("notes.txt", b"plain text notes", "text"),
        ("contract.pdf", citizen.png_bytes(), "a PNG named .pdf"),
        ("photo.png", citizen.pdf_bytes(), "a PDF named .png"),
    ],
    ids=["garbage-named-pdf", "html-named-pdf", "text", "png-named-pdf", "pdf-named-png"],
)
def test_a_file_that_is_not_what_it_says_or_not_a_pdf_or_image_is_refused(client, park, name, content, what):
    response = _post(client, park, evidence=[citizen.upload(name, content, "application/pdf")])

    _assert_refused(response, "evidence", f"“{name}”")
    assert "PDF or an image" in field_errors(response, "evidence")


def test_files_whose_content_matches_their_name_are_accepted(client, park):
    files = [
        citizen.upload("pass.PNG", citizen.png_bytes(), "image/png"),
        citizen.upload("receipt.pdf", citizen.pdf_bytes(), "application/pdf"),
        citizen.upload("gate.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 32, "image/jpeg"),
        citizen.upload("scan", citizen.pdf_bytes(), "application/octet-stream"),
    ]

    response = _post(client, park, evidence=files)

    assert response.status_code == 302
    rr = RightsRequest.objects.get()
    assert sorted(rr.attachments.values_list("original_name", "content_type")) == [
        ("gate.jpg", "image/jpeg"), ("pass.PNG", "image/png"), ("receipt.pdf", "application/pdf"),
        ("scan", "application/pdf"),
    ]


def test_too_many_files_are_refused(client, park, settings):
    files = [citizen.upload(f"page-{n}.png", citizen.png_bytes(), "image/png")
             for n in range(settings.MAX_UPLOAD_FILES + 1)]

    response = _post(client, park, evidence=files)

    _assert_refused(response, "evidence", f"Attach at most {settings.MAX_UPLOAD_FILES} files.")


def test_a_bad_authorisation_document_is_refused_on_its_field(client, park):
    response = _post(client, park, filed_by="agent", requester_name="Li Lawyer", requester_email="li@example.com",
                     authorisation=citizen.upload("signed.pdf", b"not really a pdf", "application/pdf"))

    _assert_refused(response, "authorisation", "“signed.pdf” is not a PDF or an image",
                    kept={**TYPED, "requester_name": "Li Lawyer", "requester_email": "li@example.com"})


# --- on the status page -------------------------------------------------------------------


def test_a_bad_upload_on_the_status_page_is_a_message_not_a_file(client, park):
    token, (rr,) = citizen.file_and_verify(client, park)
    before = rr.attachments.count()

    response = client.post(citizen.action_url(token, rr, "add_evidence"),
                           {"evidence": [citizen.upload("virus.pdf", b"MZ\x90\x00", "application/pdf")]},
                           follow=True)

    assert response.status_code == 200
    assert "“virus.pdf” is not a PDF or an image" in page(response).find("ul", cls="messages").text
    assert rr.attachments.count() == before


def test_an_empty_appeal_is_a_message_and_the_refusal_stands(client, park, park_officer):
    from requests_app.cases import tokens
    from tests import factories

    rr = factories.refused_request(park, park_officer)
    token = tokens.issue_status_link(rr.submission)

    response = client.post(citizen.action_url(token, rr, "appeal"), {"grounds": ""}, follow=True)

    assert "Say why the decision should be looked at again." in page(response).find("ul", cls="messages").text
    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.REFUSED


def test_an_unknown_action_is_not_found(client, park):
    token, (rr,) = citizen.file_and_verify(client, park)

    assert client.post(citizen.action_url(token, rr, "delete_everything")).status_code == 404
    assert client.get(citizen.action_url(token, rr, "withdraw")).status_code == 405

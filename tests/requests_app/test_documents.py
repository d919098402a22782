"""The requester's printable documents: the erasure certificate and the decision letters,
as HTML and as real PDFs (text and fonts read back with pypdf), in the requester's
language and the law of the request's jurisdiction."""

import io
import re

import pypdf
import pytest
from django.urls import reverse

from orgs.models import DataSystem
from requests_app import fulfilment, workflow
from requests_app.actors import member
from requests_app.cases import tokens
from requests_app.models import Attachment, RightsRequest
from tests import factories

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_fonts(content: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    fonts = set()
    for pdf_page in reader.pages:
        for font in pdf_page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for descendant in descendants:
                descendant = descendant.get_object()
                descriptor = descendant.get("/FontDescriptor")
                embedded = descriptor is not None and any(
                    key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3"))
                if embedded:
                    fonts.add(str(font["/BaseFont"]))
    return fonts


def squashed(text: str) -> str:
    """Long hashes and addresses wrap across lines in a PDF; compare without whitespace."""
    return "".join(text.split())


def certified(org, officer, **kwargs) -> RightsRequest:
    """A deletion run to its certificate by the vault, as the worker would: Guo's face is
    deleted, her fingerprint kept for storage only (a retention duty)."""
    vault = factories.system(org, name="Gate vault")
    face = factories.activity(org, name="Face entry", modality="face", collection_point="East gate")
    kept = factories.activity(org, name="Fingerprint entry", modality="fingerprint", collection_point="Old gate",
                              statutory_retention=True)
    email = kwargs.pop("email", "guo@example.com")
    factories.person_record(face, data_system=vault, email=email)
    factories.person_record(kept, data_system=vault, email=email)
    rr = factories.approved_request(org, officer, email=email, **kwargs)
    fulfilment.begin(rr.pk)
    for task in rr.fulfilment_tasks.filter(connector=DataSystem.Connector.VAULT):
        fulfilment.run_task(task.pk)
    fulfilment.complete_if_done(rr.pk)
    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.FULFILLED and rr.certificate is not None
    return rr


def public_document(client, rr, name, fmt):
    token = tokens.issue_status_link(rr.submission)
    return client.get(reverse(f"public:document_{fmt}", kwargs={"token": token, "reference": rr.reference,
                                                                  "name": name}))


# --- the certificate ----------------------------------------------------------------------


def test_the_certificate_pdf_states_the_number_hash_and_each_records_outcome(client, org_a, officer_a):
    rr = certified(org_a, officer_a)

    response = public_document(client, rr, "certificate", "pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{rr.certificate.number}.pdf"'
    text = pdf_text(response.content)
    assert rr.certificate.number in text and rr.reference in text
    assert "Hangzhou Wildlife Park" in text and "Gate vault" in text
    assert "Deleted" in text and "Kept for storage only" in text and "Face entry" in text
    assert "PIPL art. 47(2)" in text  # the storage-only duty, from the request's law
    assert rr.certificate.body_sha256 in squashed(text)
    assert "/certificates/check/?number=" in squashed(text)
    assert "(Asia/Shanghai)" in text
    assert rr.subject.masked_identifiers in text and "guo@example.com" not in text


def test_a_chinese_requesters_certificate_is_in_chinese_with_a_cjk_font_embedded(client, org_a, officer_a):
    rr = certified(org_a, officer_a, language="zh-hans")

    content = public_document(client, rr, "certificate", "pdf").content

    text = pdf_text(content)
    assert "删除证明" in text and rr.certificate.number in text
    assert "Erasure certificate" not in text
    assert any("CJK" in font for font in pdf_fonts(content)), pdf_fonts(content)


def test_the_certificate_html_is_a_printable_page_in_the_requesters_language(client, org_a, officer_a):
    rr = certified(org_a, officer_a, language="zh-hans")

    response = public_document(client, rr, "certificate", "html")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html and "@page" in html  # its own print stylesheet
    assert "删除证明" in html and rr.certificate.number in html and rr.certificate.body_sha256 in html
    assert "Gate vault" in html and "(Asia/Shanghai)" in html


def test_rendering_leaves_the_hashed_certificate_untouched(client, org_a, officer_a):
    rr = certified(org_a, officer_a)
    body, digest = rr.certificate.body, rr.certificate.body_sha256

    public_document(client, rr, "certificate", "pdf")
    public_document(client, rr, "certificate", "html")

    rr.certificate.refresh_from_db()
    assert (rr.certificate.body, rr.certificate.body_sha256) == (body, digest)


def test_the_certificate_names_the_relative_who_filed(client, org_a, officer_a):
    rr = certified(org_a, officer_a, filed_by="next_of_kin", requester_name="Guo Jr.",
                   requester_email="junior@example.com")

    text = pdf_text(public_document(client, rr, "certificate", "pdf").content)

    assert "Close relative of a deceased person" in text and "Guo Jr." in text


def test_the_status_page_links_the_certificate_and_the_letter_and_no_longer_prints_a_dict(client, org_a, officer_a):
    rr = certified(org_a, officer_a)
    token = tokens.issue_status_link(rr.submission)
    kwargs = {"token": token, "reference": rr.reference}

    status = client.get(reverse("public:status", kwargs={"token": token})).content.decode()
    page = client.get(reverse("public:certificate", kwargs=kwargs)).content.decode()

    assert reverse("public:certificate", kwargs=kwargs) in status
    assert reverse("public:document_pdf", kwargs={**kwargs, "name": "certificate"}) in status
    assert reverse("public:document_pdf", kwargs={**kwargs, "name": "fulfilment"}) in status
    assert "{&#x27;" not in page and "{'" not in page
    assert "Kept for storage only" in page and rr.certificate.body_sha256 in page


# --- the letters --------------------------------------------------------------------------


def _refused(jurisdiction, **kwargs):
    org = factories.jurisdiction_org(jurisdiction)
    officer = factories.member(org, "officer", username=f"officer_{jurisdiction}")
    rr = factories.in_review_request(org, officer, **kwargs)
    from orgs import law

    ground = str(law.texts(jurisdiction).refusal_grounds[0][1])
    workflow.refuse(rr, actor=member(officer), reason="The same request was answered last week.", legal_ground=ground)
    rr.refresh_from_db()
    return rr, ground


def test_an_eu_refusal_letter_cites_the_gdpr_and_the_supervisory_authority(client):
    rr, ground = _refused("EU")

    text = pdf_text(public_document(client, rr, "refusal", "pdf").content)

    assert "The same request was answered last week." in text and ground in text
    assert "GDPR art. 12(4)" in text  # the duty to give reasons
    assert "supervisory authority" in text
    assert "PIPL" not in text
    assert rr.appeal_closes_at.astimezone(rr.organisation.time_zone).strftime("%Y") in text
    assert "(Europe/Berlin)" in text


def test_a_chinese_refusal_letter_cites_pipl_the_court_and_the_cyberspace_administration(client):
    rr, ground = _refused("CN")

    text = pdf_text(public_document(client, rr, "refusal", "pdf").content)

    assert ground in text and "PIPL art. 50" in text
    assert "cyberspace administration" in text and "people's court" in text
    assert "GDPR" not in text


def test_a_californian_refusal_letter_points_to_the_privacy_agency(client):
    rr, _ground = _refused("US-CA")

    text = pdf_text(public_document(client, rr, "refusal", "pdf").content)

    assert "§7022" in text and "California Privacy Protection Agency" in text
    assert "PIPL" not in text and "GDPR" not in text


def test_a_refusal_letter_in_chinese_for_a_chinese_requester(client):
    rr, _ground = _refused("CN", language="zh-hans")

    text = pdf_text(public_document(client, rr, "refusal", "pdf").content)

    assert "拒绝" in text and CJK.search(text)


def test_the_extension_letter_gives_the_new_due_date_and_the_reason(client):
    org = factories.jurisdiction_org("EU")
    officer = factories.member(org, "officer", username="officer_eu")
    rr = factories.in_review_request(org, officer)
    previous = rr.due_at
    workflow.extend(rr, actor=member(officer), reason="The gate vendor must search its archive tapes.")
    rr.refresh_from_db()

    text = pdf_text(public_document(client, rr, "extension", "pdf").content)

    local = rr.due_at.astimezone(org.time_zone)
    assert "The gate vendor must search its archive tapes." in text
    assert "New due date" in text and f"{local:%B} {local.day}, {local.year}" in text
    assert previous != rr.due_at


def test_the_fulfilment_letter_of_a_deletion_names_its_certificate(client, org_a, officer_a):
    rr = certified(org_a, officer_a)

    text = pdf_text(public_document(client, rr, "fulfilment", "pdf").content)

    assert rr.certificate.number in text and "Gate vault" in text
    assert "Deleted: 1" in text and "Kept for storage only: 1" in text


def test_the_fulfilment_letter_of_an_access_request_lists_the_files_provided(client, org_a, officer_a):
    vault = factories.system(org_a, name="Gate vault")
    factories.person_record(factories.activity(org_a, name="Face entry"), data_system=vault)
    rr = factories.approved_request(org_a, officer_a, kind="access")
    fulfilment.begin(rr.pk)
    fulfilment.run_task(rr.fulfilment_tasks.get().pk)
    fulfilment.complete_if_done(rr.pk)
    rr.refresh_from_db()
    exports = list(rr.attachments.filter(purpose=Attachment.Purpose.EXPORT))

    text = pdf_text(public_document(client, rr, "fulfilment", "pdf").content)

    assert rr.status == RightsRequest.Status.FULFILLED and len(exports) == 2
    for export in exports:
        assert export.original_name in text, text
    assert "Files provided to you" in text and "certificate" not in text.lower()


def test_a_letter_that_was_never_sent_is_not_found(client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)

    for name in ("refusal", "extension", "fulfilment", "certificate", "nonsense"):
        assert public_document(client, rr, name, "pdf").status_code == 404


def test_a_certificate_from_a_system_that_names_no_record_still_prints(client, org_a, officer_a, system_owner_a):
    factories.system(org_a, name="Paper archive", connector=DataSystem.Connector.MANUAL, owner=system_owner_a)
    rr = factories.approved_request(org_a, officer_a)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get()
    workflow.record_task_outcome(task, actor=member(system_owner_a),
                                 outcome={"records": [{"modality": "face", "outcome": "deleted"}], "note": "Shredded"})
    workflow.finish_fulfilment(rr, actor=member(officer_a))
    rr.refresh_from_db()

    text = pdf_text(public_document(client, rr, "certificate", "pdf").content)

    assert "Paper archive" in text and "Shredded" in text and "Deleted" in text

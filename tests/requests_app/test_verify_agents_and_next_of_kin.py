"""Who verifies a request filed for someone else.

An agent (CCPA regs §7063, and the same idea under every law): the person's OWN email or
phone gets the code; the agent's mailbox never verifies; a power of attorney is checked
by an officer as a recorded step. A close relative of a deceased person (PIPL art. 49,
CN only): the relative's own mailbox gets the code, which only confirms it; the request
is verified by an officer's recorded check of the death and relationship evidence, for
the kinds art. 49 covers, and never where the deceased arranged otherwise.
"""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from orgs.law import texts as law_texts
from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, member
from requests_app.cases.subjects import Identity
from requests_app.delivery import notifications
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import Attachment, Notification, RightsRequest
from tests import factories
from tests.public import citizen

Status = RightsRequest.Status
JURISDICTIONS = ["CN", "EU", "US-CA", "BR", "US-VA"]
AGENT = {"filed_by": "agent", "requester_name": "Zhao Lawyer", "requester_email": "zhao@law.example"}
DECEASED = Identity(full_name="Guo Lao", id_number="330106194501011234")
RELATIVE = {"filed_by": "next_of_kin", "requester_name": "Guo Ming", "requester_email": "ming@example.com"}


def _pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, citizen.pdf_bytes(), content_type="application/pdf")


def _send_code(rr):
    tasks.send_verification_code(rr.challenges.order_by("-pk").first().pk)


def _deliver_all():
    for pk in Notification.objects.values_list("pk", flat=True):
        notifications.deliver(pk)


def _agent_request(org, *, identity=None, **extra):
    identity = identity or Identity(email="guo@example.com", full_name="Guo Bing")
    return workflow.submit(organisation=org, kind="deletion", identity=identity, **AGENT, **extra)


def _relative_request(org, *, kind="deletion", arranged=False, evidence=True, **extra):
    rr = workflow.submit(organisation=org, kind=kind, identity=DECEASED, deceased_arranged_otherwise=arranged,
                         **{**RELATIVE, **extra})
    if evidence:
        workflow.add_evidence(rr, actor=SUBJECT, upload=_pdf("death.pdf"), purpose=Attachment.Purpose.DEATH_EVIDENCE)
    return rr


# --- agents ---------------------------------------------------------------------------


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_agents_code_goes_to_the_persons_own_mailbox_never_the_agents(db, jurisdiction, language):
    org = factories.jurisdiction_org(jurisdiction)
    rr = _agent_request(org, language=language)
    mail.outbox.clear()

    _send_code(rr)

    [code_mail] = mail.outbox
    assert code_mail.to == ["guo@example.com"]
    assert "zhao@law.example" not in code_mail.to
    assert f"/verify/{rr.submission}/" in code_mail.body  # the person enters it themselves
    assert factories.code_from_outbox() in code_mail.body
    if language == "en":
        assert "Zhao Lawyer filed request" in code_mail.body and "gave them permission" in code_mail.body
        assert code_mail.subject == "Your Rightsdesk code"
    else:
        assert code_mail.subject != "Your Rightsdesk code"  # the requester's own language


def test_an_agent_with_only_the_persons_phone_gets_nothing_the_person_gets_a_text(org_a, sms_outbox):
    rr = _agent_request(org_a, identity=Identity(phone="13800138000", full_name="Guo Bing"))
    mail.outbox.clear()

    _send_code(rr)

    assert mail.outbox == []
    [text] = sms_outbox
    assert text.to == "+8613800138000" and "Zhao Lawyer" in text.body


def test_an_agent_cannot_verify_and_is_mailed_only_once_the_person_confirmed(org_a, officer_a):
    rr = _agent_request(org_a)
    _send_code(rr)
    code = factories.code_from_outbox()
    _deliver_all()
    assert [m.to for m in mail.outbox] == [["guo@example.com"]]  # the code; nothing to the agent before

    mail.outbox.clear()
    workflow.verify_identity(rr, actor=SUBJECT, code=code)  # the person, with the code from their mailbox
    _deliver_all()

    rr.refresh_from_db()
    assert rr.status == Status.VERIFIED
    assert rr.events.get(action="verify").data["method"] == "code"
    assert ["zhao@law.example"] in [m.to for m in mail.outbox]  # from now on the agent hears


def test_a_power_of_attorney_is_an_officers_recorded_check_with_the_document(org_a, officer_a):
    rr = _agent_request(org_a)
    poa = workflow.add_evidence(rr, actor=SUBJECT, upload=_pdf("poa.pdf"), purpose=Attachment.Purpose.AUTHORISATION)

    workflow.verify_power_of_attorney(rr, actor=member(officer_a), attachment=poa,
                                      check_performed="Durable power of attorney, notarised 2026-05-02")

    rr.refresh_from_db()
    assert rr.status == Status.VERIFIED and rr.verified_at is not None
    event = rr.events.get(action="verify")
    assert event.opened == {"method": "power_of_attorney", "check_performed": "Durable power of attorney, notarised "
                          "2026-05-02", "attachment": poa.pk, "sha256": poa.sha256}
    assert event.actor == officer_a


def test_a_power_of_attorney_needs_the_document_attached_and_an_agents_request(org_a, officer_a):
    rr = _agent_request(org_a)
    evidence = workflow.add_evidence(rr, actor=SUBJECT, upload=_pdf(), purpose=Attachment.Purpose.EVIDENCE)
    with pytest.raises(InvalidInput):
        workflow.verify_power_of_attorney(rr, actor=member(officer_a), attachment=evidence, check_performed="x")
    own = factories.submitted_request(org_a, email="li@example.com")
    doc = workflow.add_evidence(own, actor=SUBJECT, upload=_pdf(), purpose=Attachment.Purpose.AUTHORISATION)
    with pytest.raises(TransitionNotAllowed):
        workflow.verify_power_of_attorney(own, actor=member(officer_a), attachment=doc, check_performed="x")

    rr.refresh_from_db()
    own.refresh_from_db()
    assert (rr.status, own.status) == (Status.SUBMITTED, Status.SUBMITTED)


def test_the_desk_verifies_on_a_power_of_attorney(client, org_a, officer_a):
    rr = _agent_request(org_a)
    poa = workflow.add_evidence(rr, actor=SUBJECT, upload=_pdf("poa.pdf"), purpose=Attachment.Purpose.AUTHORISATION)
    factories.force_sign_in(client, officer_a)

    page = client.get(f"/desk/requests/{rr.reference}/")
    assert "Verify on a power of attorney" in page.content.decode()
    client.post(f"/desk/requests/{rr.reference}/verify_power_of_attorney/",
                {"attachment": poa.pk, "check_performed": "Power of attorney seen"})

    rr.refresh_from_db()
    assert rr.status == Status.VERIFIED
    assert rr.events.get(action="verify").data["method"] == "power_of_attorney"


def test_the_api_verifies_on_a_power_of_attorney_attached_to_the_request_only(org_a, officer_a):
    rr, other = _agent_request(org_a), _agent_request(org_a, identity=Identity(email="li@example.com"))
    poa = workflow.add_evidence(rr, actor=SUBJECT, upload=_pdf("poa.pdf"), purpose=Attachment.Purpose.AUTHORISATION)
    elsewhere = workflow.add_evidence(other, actor=SUBJECT, upload=_pdf("poa.pdf"),
                                      purpose=Attachment.Purpose.AUTHORISATION)
    api = factories.member_api(officer_a, org_a)
    url = f"/api/v1/requests/{rr.reference}/verify-power-of-attorney/"

    refused = api.post(url, {"attachment": elsewhere.pk, "check_performed": "Seen"}, format="json")
    response = api.post(url, {"attachment": poa.pk, "check_performed": "Seen, notarised"}, format="json")

    assert refused.status_code == 400 and "attachment" in refused.json()["fields"]
    assert response.status_code == 200, response.content
    rr.refresh_from_db()
    assert rr.status == Status.VERIFIED and rr.events.get(action="verify").data["attachment"] == poa.pk


# --- next of kin (PIPL art. 49) --------------------------------------------------------


def test_a_relative_names_the_deceased_and_gets_the_code_at_their_own_mailbox(org_a):
    rr = _relative_request(org_a)
    mail.outbox.clear()

    _send_code(rr)

    rr.refresh_from_db()
    assert (rr.subject.full_name, rr.subject.email, rr.subject.phone) == ("Guo Lao", "", "")
    assert rr.subject.id_number_hash and rr.deceased_arranged_otherwise is False
    [code_mail] = mail.outbox
    assert code_mail.to == ["ming@example.com"]
    assert "evidence of the death and of your relationship" in code_mail.body


def test_the_relatives_code_confirms_their_mailbox_but_does_not_verify(org_a, officer_a):
    rr = _relative_request(org_a)
    _send_code(rr)
    code = factories.code_from_outbox()
    mail.outbox.clear()

    workflow.verify_identity(rr, actor=SUBJECT, code=code)
    _deliver_all()

    rr.refresh_from_db()
    assert rr.status == Status.SUBMITTED and rr.verified_at is None
    assert rr.contact_confirmed_at is not None and rr.expires_at is None
    assert rr.events.get(action="confirm_contact").visible_to_subject is False
    assert [m.to for m in mail.outbox] == [[officer_a.email]]  # the officers: evidence to check; the relative: nothing
    assert "check the evidence" in mail.outbox[0].body
    with pytest.raises(TransitionNotAllowed):
        workflow.verify_identity(rr, actor=SUBJECT, code=code)


def test_the_officers_check_of_the_evidence_verifies_and_says_what_was_checked(org_a, officer_a):
    rr = _relative_request(org_a)
    _send_code(rr)
    workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox())
    mail.outbox.clear()

    workflow.verify_next_of_kin(rr, actor=member(officer_a), death_checked=True, relationship_checked=True,
                                arranged_otherwise=False, check_performed="Death certificate; household register")
    _deliver_all()

    rr.refresh_from_db()
    assert rr.status == Status.VERIFIED and rr.clock_started_at == rr.verified_at and rr.due_at is not None
    event = rr.events.get(action="verify_next_of_kin")
    evidence = rr.attachments.get(purpose=Attachment.Purpose.DEATH_EVIDENCE)
    assert event.opened == {
        "method": "next_of_kin_check", "check_performed": "Death certificate; household register",
        "death_checked": True, "relationship_checked": True, "arranged_otherwise": False,
        "evidence": [evidence.pk], "contact_confirmed": True,
    }
    assert ["ming@example.com"] in [m.to for m in mail.outbox]  # verified: now the relative hears


@pytest.mark.parametrize(("death", "relationship", "arranged", "evidence", "error"), [
    (True, False, False, True, InvalidInput),
    (False, True, False, True, InvalidInput),
    (True, True, True, True, TransitionNotAllowed),  # the deceased arranged otherwise: never verified
    (True, True, False, False, TransitionNotAllowed),  # no evidence attached
])
def test_the_check_does_not_verify_short_of_both_checks_the_evidence_and_no_arrangement(
    org_a, officer_a, death, relationship, arranged, evidence, error
):
    rr = _relative_request(org_a, evidence=evidence)
    with pytest.raises(error):
        workflow.verify_next_of_kin(rr, actor=member(officer_a), death_checked=death,
                                    relationship_checked=relationship, arranged_otherwise=arranged,
                                    check_performed="Looked at it")
    rr.refresh_from_db()
    assert rr.status == Status.SUBMITTED and not rr.events.filter(action="verify_next_of_kin").exists()


def test_a_relatives_request_is_not_verified_by_hand_nor_is_a_persons_by_the_relatives_check(org_a, officer_a):
    rr = _relative_request(org_a)
    with pytest.raises(TransitionNotAllowed):
        workflow.verify_identity(rr, actor=member(officer_a), check_performed="Phoned the son")
    own = factories.submitted_request(org_a, email="li@example.com")
    with pytest.raises(TransitionNotAllowed):
        workflow.verify_next_of_kin(own, actor=member(officer_a), death_checked=True, relationship_checked=True,
                                    arranged_otherwise=False, check_performed="x")


def test_where_the_deceased_arranged_otherwise_nothing_is_filed(org_a):
    with pytest.raises(InvalidInput) as exc:
        _relative_request(org_a, arranged=True, evidence=False)
    assert list(exc.value.errors) == ["deceased_arranged_otherwise"]
    with pytest.raises(InvalidInput):
        _relative_request(org_a, arranged=None, evidence=False)
    assert not RightsRequest.objects.exists()


@pytest.mark.parametrize("kind", ["portability", "restriction", "withdraw_consent", "explanation"])
def test_art_49_covers_only_consulting_copying_correcting_and_deleting(org_a, kind):
    with pytest.raises(InvalidInput) as exc:
        _relative_request(org_a, kind=kind, evidence=False)
    assert list(exc.value.errors) == ["kinds"]


@pytest.mark.parametrize("kind", ["access", "copy", "correction", "deletion"])
def test_a_relative_may_consult_copy_correct_or_delete(org_a, kind):
    assert _relative_request(org_a, kind=kind, evidence=False).status == Status.SUBMITTED


@pytest.mark.parametrize("jurisdiction", ["EU", "US-CA", "BR", "US-VA"])
def test_no_relative_files_for_a_deceased_person_outside_china(db, client, jurisdiction):
    org = factories.jurisdiction_org(jurisdiction)
    with pytest.raises(InvalidInput) as exc:
        _relative_request(org, evidence=False)
    assert list(exc.value.errors) == ["filed_by"]

    page = client.get(citizen.form_url(org)).content.decode()
    assert 'value="next_of_kin"' not in page and "deceased_arranged_otherwise" not in page
    response = client.post(citizen.form_url(org), citizen.form_data(
        filed_by="next_of_kin", email="", full_name="Guo Lao", id_number="330106194501011234",
        requester_name="Guo Ming", requester_email="ming@example.com", death_evidence=_pdf()))
    assert response.status_code == 200 and not RightsRequest.objects.exists()


def test_the_chinese_form_takes_the_relatives_contact_and_the_deceaseds_identifiers(client, org_a):
    page = client.get(citizen.form_url(org_a)).content.decode()
    assert 'value="next_of_kin"' in page and "deceased_arranged_otherwise" in page

    response = client.post(citizen.form_url(org_a), citizen.form_data(
        kinds=["copy"], filed_by="next_of_kin", email="", full_name="Guo Lao", id_number="330106194501011234",
        requester_name="Guo Ming", requester_email="ming@example.com", death_evidence=_pdf(),
        deceased_arranged_otherwise="no"))

    rr = RightsRequest.objects.get()
    assert response.status_code == 302
    assert (rr.filed_by, rr.requester_email, rr.subject.email, rr.deceased_arranged_otherwise) == (
        "next_of_kin", "ming@example.com", "", False)
    assert rr.attachments.filter(purpose=Attachment.Purpose.DEATH_EVIDENCE).exists()


@pytest.mark.parametrize(("overrides", "field"), [
    ({"deceased_arranged_otherwise": "yes"}, "deceased_arranged_otherwise"),
    ({"deceased_arranged_otherwise": ""}, "deceased_arranged_otherwise"),
    ({"kinds": ["portability"]}, "kinds"),
    ({"id_number": ""}, "id_number"),
    ({"full_name": ""}, "full_name"),
])
def test_the_form_refuses_a_relatives_request_art_49_does_not_allow(client, org_a, overrides, field):
    data = {"kinds": ["deletion"], "filed_by": "next_of_kin", "email": "", "full_name": "Guo Lao",
            "id_number": "330106194501011234", "requester_name": "Guo Ming", "requester_email": "ming@example.com",
            "death_evidence": _pdf(), "deceased_arranged_otherwise": "no", **overrides}

    response = client.post(citizen.form_url(org_a), citizen.form_data(**data))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not RightsRequest.objects.exists()


def test_the_desk_and_the_api_record_the_officers_check(client, org_a, officer_a):
    by_desk, by_api = _relative_request(org_a), _relative_request(org_a, requester_email="hua@example.com")
    factories.force_sign_in(client, officer_a)

    page = client.get(f"/desk/requests/{by_desk.reference}/").content.decode()
    assert "Check the evidence of death and relationship" in page and "Verify the identity by hand" not in page
    client.post(f"/desk/requests/{by_desk.reference}/verify_next_of_kin/", {
        "death_checked": "on", "relationship_checked": "on", "arranged_otherwise": "no",
        "check_performed": "Death certificate no. 123"})
    api = factories.member_api(officer_a, org_a)
    response = api.post(f"/api/v1/requests/{by_api.reference}/verify-next-of-kin/", {
        "death_checked": True, "relationship_checked": True, "arranged_otherwise": False,
        "check_performed": "Death certificate no. 456"}, format="json")

    assert response.status_code == 200, response.content
    for rr, note in ((by_desk, "no. 123"), (by_api, "no. 456")):
        rr.refresh_from_db()
        assert rr.status == Status.VERIFIED
        assert rr.events.get(action="verify_next_of_kin").opened["check_performed"].endswith(note)


# --- a relative's request the check cannot verify; nothing but the code before that -----


def _confirmed_relative_request(org):
    rr = _relative_request(org)
    _send_code(rr)
    workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox())
    rr.refresh_from_db()
    return rr


def test_a_relatives_request_whose_deceased_arranged_otherwise_is_refused_and_the_relative_told(
    org_a, officer_a
):
    rr = _confirmed_relative_request(org_a)
    with pytest.raises(TransitionNotAllowed):
        workflow.verify_next_of_kin(rr, actor=member(officer_a), death_checked=True, relationship_checked=True,
                                    arranged_otherwise=True, check_performed="His will leaves no one his data")
    mail.outbox.clear()

    ground = str(dict(law_texts("CN").refusal_grounds)["cn_49_arranged"])
    workflow.refuse(rr, actor=member(officer_a), reason="His will says his data may not be consulted.",
                    legal_ground=ground)
    _deliver_all()

    rr.refresh_from_db()
    assert rr.status == Status.REFUSED and rr.refusal_legal_ground == ground
    (letter,) = [m for m in mail.outbox if m.to == [RELATIVE["requester_email"]]]
    assert "His will says his data may not be consulted." in letter.body and ground in letter.body


def test_an_unverified_request_can_be_neither_refused_nor_written_to(client, org_a, officer_a):
    rr = factories.submitted_request(org_a)
    with pytest.raises(TransitionNotAllowed):
        workflow.refuse(rr, actor=member(officer_a), reason="Unknown", legal_ground="GB/T 35273-2020 s8.7")
    with pytest.raises(TransitionNotAllowed):
        workflow.message_subject(rr, actor=member(officer_a), body="Please call us")
    rr.refresh_from_db()
    assert rr.status == Status.SUBMITTED and not rr.messages.exists()

    client.force_login(officer_a)
    page = client.get(f"/desk/requests/{rr.reference}/")
    assert page.status_code == 200
    assert "refuse" not in page.context["offered"] and "message_subject" not in page.context["offered"]


def test_a_relative_whose_mailbox_is_confirmed_can_be_asked_for_better_evidence(org_a, officer_a):
    rr = _confirmed_relative_request(org_a)
    mail.outbox.clear()

    workflow.message_subject(rr, actor=member(officer_a), body="The death certificate scan is unreadable.")
    _deliver_all()

    (letter,) = [m for m in mail.outbox if m.to == [RELATIVE["requester_email"]]]
    assert "The death certificate scan is unreadable." in letter.body

"""Mails that say only what they should (issue 10, item 9).

Before verification the requester gets the code and nothing else: no update, no status
link, no claim mail. Under the CCPA the code mail is the acknowledgement owed within 10
business days (regs §7021(a)): it says how verification works and when the answer is
due, and is recorded so the ACKNOWLEDGE reminder sends no second one. The requester gets
no mail about their own steps. Verifying a submission of several requests is one
transaction. Every mail test runs the real outbox sender and reads Django's outbox.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, member
from requests_app.cases.subjects import Identity
from requests_app.delivery import notifications
from requests_app.errors import TransitionNotAllowed, VerificationFailed
from requests_app.models import Attachment, Notification, Reminder, RightsRequest, VerificationChallenge
from requests_app.workflow import intake, sweeps, verification
from tests import factories
from tests.public import citizen

Status, Kind, Threshold = RightsRequest.Status, Notification.Kind, Reminder.Threshold


def _deliver_all() -> None:
    for pk in Notification.objects.order_by("pk").values_list("pk", flat=True):
        notifications.deliver(pk)


def _send_code(rr) -> str:
    tasks.send_verification_code(rr.challenges.order_by("-pk").first().pk)
    return factories.code_from_outbox()


# --- before verification: the code and nothing else -----------------------------------


@pytest.mark.parametrize("jurisdiction", ["CN", "EU", "US-CA", "BR", "US-VA"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_before_verification_the_requester_gets_only_the_code(db, jurisdiction, language):
    org = factories.jurisdiction_org(jurisdiction)
    officer = factories.member(org, "officer", username="officer_x")
    rr = factories.submitted_request(org, language=language)
    factories.claim(rr)
    with pytest.raises(TransitionNotAllowed):  # refused, not silently dropped
        workflow.message_subject(rr, actor=member(officer), body="Please confirm your email first.")
    sweeps.sweep_deadlines(now=timezone.now())
    mail.outbox.clear()

    _send_code(rr)
    _deliver_all()

    [code_mail] = mail.outbox
    assert code_mail.to == ["guo@example.com"]
    assert "/status/" not in code_mail.body and "Please confirm your email first." not in code_mail.body


def test_an_unverified_request_that_expires_gets_only_its_expiry_letter(org_a):
    rr = factories.expired_request(org_a)
    mail.outbox.clear()

    _deliver_all()

    # The letter says why the case closed and what to do; it links to no status page,
    # since nobody proved who they are.
    assert rr.status == Status.EXPIRED
    assert [n.kind for n in rr.notifications.filter(user=None)] == ["unverified_expired"]
    assert len(mail.outbox) == 1 and "/status/" not in mail.outbox[0].body


def test_the_status_lookup_sends_a_link_only_for_a_verified_case(client, org_a):
    unverified = factories.submitted_request(org_a)
    verified = factories.verified_request(org_a, kind="access", email="li@example.com")
    _deliver_all()  # what verification itself sent
    mail.outbox.clear()

    for rr, email in ((unverified, "guo@example.com"), (verified, "li@example.com")):
        client.post(reverse("public:lookup"), {"reference": rr.reference, "email": email})
    _deliver_all()

    links = [m for m in mail.outbox if "/status/" in m.body]
    assert [m.to for m in links] == [["li@example.com"]]


def test_filing_again_sends_no_link_to_a_request_still_unverified(org_a):
    rr = factories.submitted_request(org_a)
    mail.outbox.clear()

    result = intake.file_requests(organisation=org_a, kinds=["deletion"],
                                  identity=Identity(email="guo@example.com", full_name="Guo"),
                                  data_description="Face scan")
    _deliver_all()

    assert result.existing == [rr] and result.created == []
    assert mail.outbox == []


# --- no mail about the requester's own steps ------------------------------------------


def _own_steps(rr, officer):
    """Every step a requester takes after verification, with the officers' steps between."""
    actor = member(officer)
    workflow.subject_message(rr, actor=SUBJECT, body="I also used the east gate.")
    workflow.add_evidence(rr, actor=SUBJECT, upload=citizen.upload("pass.pdf", citizen.pdf_bytes(), "application/pdf"),
                          purpose=Attachment.Purpose.EVIDENCE)
    claim = factories.claim(rr)
    workflow.ask_for_information(rr, actor=actor, question="Which gate?")
    workflow.answer(rr, actor=SUBJECT, body="North gate")
    workflow.assess_claim(claim, actor=actor, basis="loss", amount_minor=100)
    workflow.offer_compensation(claim, actor=actor, amount_minor=100)
    workflow.decline_offer(claim, actor=SUBJECT)
    workflow.offer_compensation(claim, actor=actor, amount_minor=200)
    workflow.accept_offer(claim, actor=SUBJECT)
    workflow.refuse(rr, actor=actor, reason=factories.REFUSAL_REASON, legal_ground=factories.REFUSAL_GROUND)
    workflow.appeal(rr, actor=SUBJECT, grounds="The case is closed.")
    workflow.withdraw(rr, actor=SUBJECT)


def test_the_requester_gets_no_mail_about_their_own_steps(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    _own_steps(rr, officer_a)

    told = set(Notification.objects.filter(request=rr, kind=Kind.SUBJECT_UPDATE, user__isnull=True)
               .values_list("event__action", flat=True))

    assert told == {"verify", "ask_info", "offer_compensation", "refuse"}
    own = {"subject_message", "add_evidence", "claim_compensation", "answer", "decline_offer", "accept_offer",
           "appeal", "withdraw"}
    assert own <= set(rr.events.values_list("action", flat=True))


# --- CCPA: the code mail is the acknowledgement ---------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_ccpa_code_mail_acknowledges_receipt_and_says_how_verification_works(db, language):
    org = factories.jurisdiction_org("US-CA")
    rr = factories.submitted_request(org, email="consumer@example.com", language=language)
    mail.outbox.clear()

    _send_code(rr)

    [code_mail] = mail.outbox
    rr.refresh_from_db()
    assert rr.acknowledged_at is not None and rr.acknowledged_at <= rr.acknowledge_by
    event = rr.events.get(action="acknowledge")
    assert event.data == {"by": "verification_code", "channel": "email"} and not event.visible_to_subject
    assert code_mail.to == ["consumer@example.com"]
    if language == "en":
        assert "§7021(a)" in code_mail.body and "§§7060-7062" in code_mail.body
        assert "declaration under penalty of perjury" in code_mail.body
        with timezone.override(org.time_zone):
            due = date_format(timezone.localtime(rr.due_at), "DATE_FORMAT")
        assert f"by {due}, however long verification takes" in code_mail.body
    else:
        assert code_mail.subject != "Your Rightsdesk code"


@pytest.mark.parametrize("jurisdiction", ["CN", "EU", "BR", "US-VA"])
def test_elsewhere_the_code_mail_acknowledges_nothing(db, jurisdiction):
    rr = factories.submitted_request(factories.jurisdiction_org(jurisdiction))
    mail.outbox.clear()

    _send_code(rr)

    rr.refresh_from_db()
    assert rr.acknowledged_at is None and not rr.events.filter(action="acknowledge").exists()
    # The citations themselves: a bare "7060" could be inside the random six-digit code.
    assert "§7021" not in mail.outbox[0].body and "§§7060" not in mail.outbox[0].body


def test_no_second_acknowledgement_is_sent_before_or_after_verification(db):
    org = factories.jurisdiction_org("US-CA")
    factories.member(org, "officer", username="officer_ca")
    rr = factories.submitted_request(org, email="consumer@example.com")
    code = _send_code(rr)
    rr.refresh_from_db()

    for moment in (timezone.now(), rr.acknowledge_by, rr.acknowledge_by + timedelta(days=1)):
        sweeps.sweep_deadlines(now=moment)  # waiting for verification: the last allowed day and the day after
    workflow.verify_identity(rr, actor=SUBJECT, code=code)
    sweeps.sweep_deadlines(now=timezone.now() + timedelta(days=20))
    mail.outbox.clear()
    _deliver_all()

    assert not rr.reminders.filter(threshold=Threshold.ACKNOWLEDGE).exists()
    assert not Notification.objects.filter(request=rr, kind=Kind.ACKNOWLEDGEMENT).exists()
    assert "consumer@example.com" not in [m.to[0] for m in mail.outbox if "received your request" in m.body]


def test_a_ccpa_request_verified_before_any_code_went_out_is_still_acknowledged_once(db):
    org = factories.jurisdiction_org("US-CA")
    officer = factories.member(org, "officer", username="officer_ca")
    rr = factories.submitted_request(org, email="consumer@example.com")  # the code task never ran
    sweeps.sweep_deadlines(now=timezone.now())
    assert not rr.reminders.exists()  # nothing but the code before verification

    workflow.verify_identity(rr, actor=member(officer), check_performed="Called the number on the account")
    rr.refresh_from_db()
    sweeps.sweep_deadlines(now=timezone.now())
    sweeps.sweep_deadlines(now=timezone.now() + timedelta(minutes=5))
    mail.outbox.clear()
    _deliver_all()

    assert rr.reminders.filter(threshold=Threshold.ACKNOWLEDGE).count() == 1
    assert [m.to for m in mail.outbox if "confirms it received your request" in m.body] == [["consumer@example.com"]]


# --- one submission, one transaction ---------------------------------------------------


def test_verifying_a_submission_is_all_or_nothing_and_a_failure_leaves_the_code_unused(org_a, monkeypatch):
    filed = workflow.submit_many(organisation=org_a, kinds=["access", "copy", "deletion"],
                                 identity=Identity(email="guo@example.com", full_name="Guo"))
    code = _send_code(filed[0])
    real, calls = verification._mark_verified, []

    def fails_on_the_second(rr, actor, **kwargs):
        calls.append(rr.pk)
        if len(calls) == 2:
            raise RuntimeError("the database went away mid-submission")
        return real(rr, actor, **kwargs)

    monkeypatch.setattr(verification, "_mark_verified", fails_on_the_second)
    with pytest.raises(RuntimeError):
        workflow.verify_identity(filed[0], actor=SUBJECT, code=code)

    assert set(RightsRequest.objects.values_list("status", flat=True)) == {Status.SUBMITTED}
    assert not RightsRequest.objects.filter(verified_at__isnull=False).exists()
    assert VerificationChallenge.objects.get().used_at is None
    assert not Notification.objects.exists()

    monkeypatch.setattr(verification, "_mark_verified", real)
    workflow.verify_identity(filed[0], actor=SUBJECT, code=code)  # the same code still works

    assert set(RightsRequest.objects.values_list("status", flat=True)) == {Status.VERIFIED}
    assert VerificationChallenge.objects.get().used_at is not None


def test_a_wrong_code_still_costs_an_attempt(org_a):
    rr = factories.submitted_request(org_a)
    code = _send_code(rr)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    with pytest.raises(VerificationFailed):
        workflow.verify_identity(rr, actor=SUBJECT, code=wrong)

    assert VerificationChallenge.objects.get().attempts == 1
    assert RightsRequest.objects.get().status == Status.SUBMITTED


# --- each mail says what its own event said --------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_note_written_after_the_question_before_the_mail_goes_stays_internal(org_a, officer_a, language):
    rr = factories.in_review_request(org_a, officer_a, language=language)
    _deliver_all()  # what verification itself sent
    workflow.ask_for_information(rr, actor=member(officer_a), question="Which pass number did you use?")
    workflow.add_note(rr, actor=member(officer_a), body="Internal: check with legal before answering")
    mail.outbox.clear()

    _deliver_all()

    [question] = [m for m in mail.outbox if m.to == ["guo@example.com"]]  # the officers' copies aside
    assert "Which pass number did you use?" in question.body
    assert "Internal: check with legal" not in question.body
    assert ('<html lang="zh-hans"' in question.alternatives[0][0]) == (language == "zh-hans")


def test_a_refusal_mail_gives_the_reason_of_its_own_refusal(org_a, officer_a, second_officer_a):
    rr = factories.refused_request(org_a, officer_a)
    workflow.appeal(rr, actor=SUBJECT, grounds="The fraud case was closed in May.")
    workflow.refuse(rr, actor=member(second_officer_a), reason="A second reason, given on appeal.",
                    legal_ground=factories.REFUSAL_GROUND)
    first = Notification.objects.filter(request=rr, kind=Kind.SUBJECT_UPDATE, event__action="refuse").order_by("pk")[0]
    mail.outbox.clear()

    notifications.deliver(first.pk)  # the worker was slow: the second refusal is already on the request

    [message] = mail.outbox
    assert factories.REFUSAL_REASON in message.body and "A second reason" not in message.body


def test_filing_again_on_the_page_says_an_unconfirmed_request_gets_no_link(client, org_a):
    factories.submitted_request(org_a)
    mail.outbox.clear()

    response = client.post(citizen.form_url(org_a), citizen.form_data())
    _deliver_all()

    assert response.status_code == 200
    assert "no link is sent" in response.content.decode()
    assert mail.outbox == [] and not Notification.objects.filter(kind=Kind.STATUS_LINK).exists()

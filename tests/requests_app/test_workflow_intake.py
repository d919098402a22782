"""Intake: filing a request from the public form, and proving who you are.

The subject verifies with a one-time code sent by email; an officer may verify by
hand, stating the check performed. Requests are built through the workflow.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db.models import Model

from orgs.identifiers import IdentifierKind, identifier_hash
from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, SYSTEM, member
from requests_app.cases.subjects import Identity
from requests_app.delivery import sms
from requests_app.errors import InvalidInput, NotPermitted, TransitionNotAllowed, VerificationFailed
from requests_app.models import DataSubject, RequestEvent, RightsRequest, VerificationChallenge
from requests_app.cases import tokens
from tests import factories

Status = RightsRequest.Status
START = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)  # Monday 1 March 2027, 10:00 in Shanghai



def _submit(org, **kwargs):
    kwargs.setdefault("kind", "deletion")
    kwargs.setdefault("identity", Identity(email="guo@example.com", full_name="Guo Bing"))
    return workflow.submit(organisation=org, **kwargs)


def _nothing_filed():
    return not RightsRequest.objects.exists() and not DataSubject.objects.exists()


def _send_code(rr) -> str:
    tasks.send_verification_code(rr.challenges.get().pk)
    return factories.code_from_outbox()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def _column_values(*rows: Model) -> list[str]:
    return [str(v) for row in rows for v in type(row).objects.filter(pk=row.pk).values().get().values()]


# --- submit ------------------------------------------------------------------------------


def test_submit_files_a_submitted_request_with_its_first_event_and_a_challenge(org_a):
    rr = _submit(org_a)

    assert rr.status == Status.SUBMITTED
    assert rr.organisation == org_a and rr.jurisdiction == "CN" and rr.kind == "deletion"
    event = RequestEvent.objects.get(request=rr)
    assert (event.seq, event.action, event.from_status, event.to_status) == (1, "submit", "", Status.SUBMITTED)
    assert event.actor_id is None and event.actor_kind == "subject"
    assert rr.event_count == 1 and rr.chain_head == event.hash
    challenge = rr.challenges.get()
    assert challenge.sent_at is None and challenge.code_hash == ""  # the code is made by the task


def test_submit_without_email_or_phone_is_refused_on_the_email_field(org_a):
    with pytest.raises(InvalidInput) as exc:
        _submit(org_a, identity=Identity(member_number="YP-0042", full_name="Guo Bing"))

    assert "email" in exc.value.errors
    assert _nothing_filed()


def test_submit_with_a_bad_phone_number_is_refused_on_the_phone_field(org_a):
    with pytest.raises(InvalidInput) as exc:
        _submit(org_a, identity=Identity(email="guo@example.com", phone="12345"))

    assert list(exc.value.errors) == ["phone"]
    assert _nothing_filed()


def test_submit_with_a_bad_email_is_refused_on_the_email_field(org_a):
    with pytest.raises(InvalidInput) as exc:
        _submit(org_a, identity=Identity(email="guo-at-example.com"))

    assert list(exc.value.errors) == ["email"]
    assert _nothing_filed()


def test_submit_by_phone_only_keeps_the_number_in_international_form(org_a):
    rr = _submit(org_a, identity=Identity(phone="138 0013 8000"))

    assert rr.subject.phone == "+8613800138000"
    assert rr.subject.phone_hash == identifier_hash(IdentifierKind.PHONE, "+8613800138000")
    assert rr.subject.email == "" and rr.subject.email_hash == ""


@pytest.mark.parametrize("kind", ["", "delete_everything", "DELETION"])
def test_submit_of_an_unknown_kind_is_refused(org_a, kind):
    with pytest.raises(InvalidInput) as exc:
        _submit(org_a, kind=kind)

    assert list(exc.value.errors) == ["kind"]
    assert _nothing_filed()


@pytest.mark.parametrize("filed_by", [RightsRequest.FiledBy.AGENT, RightsRequest.FiledBy.NEXT_OF_KIN])
@pytest.mark.parametrize(
    ("name", "email", "missing"),
    [
        ("", "", {"requester_name", "requester_email"}),
        ("Guo Ming", "", {"requester_email"}),
        ("  ", "ming@example.com", {"requester_name"}),
    ],
)
def test_agent_or_relative_must_give_their_name_and_email(org_a, filed_by, name, email, missing):
    with pytest.raises(InvalidInput) as exc:
        _submit(org_a, filed_by=filed_by, requester_name=name, requester_email=email)

    assert set(exc.value.errors) == missing
    assert _nothing_filed()


@pytest.mark.parametrize("filed_by", [RightsRequest.FiledBy.AGENT, RightsRequest.FiledBy.NEXT_OF_KIN])
def test_agent_or_relative_with_an_unusable_email_is_refused(org_a, filed_by):
    with pytest.raises(InvalidInput) as exc:
        _submit(org_a, filed_by=filed_by, requester_name="Guo Ming", requester_email="ming-at-example")

    assert list(exc.value.errors) == ["requester_email"]
    assert _nothing_filed()


def test_submit_by_an_unknown_kind_of_filer_is_refused(org_a):
    with pytest.raises(InvalidInput) as exc:
        _submit(org_a, filed_by="lawyer", requester_name="Guo Ming", requester_email="ming@example.com")

    assert list(exc.value.errors) == ["filed_by"]
    assert _nothing_filed()


def test_relative_filing_for_a_deceased_person_is_recorded_with_who_filed(org_a):
    rr = _submit(
        org_a, filed_by=RightsRequest.FiledBy.NEXT_OF_KIN, requester_name=" Guo Ming ",
        requester_email="ming@example.com", deceased_arranged_otherwise=False,
        identity=Identity(full_name="Guo Lao", member_number="HWW-2019-0427"),
    )

    assert (rr.filed_by, rr.requester_name, rr.requester_email) == ("next_of_kin", "Guo Ming", "ming@example.com")
    assert rr.events.get().data == {"kind": "deletion", "filed_by": "next_of_kin"}


def test_organisation_not_taking_public_requests_refuses_the_filing(db):
    closed = factories.organisation(slug="closed-org", accepts_public_requests=False)

    with pytest.raises(NotPermitted):
        _submit(closed)

    assert _nothing_filed()


def test_identifiers_are_kept_as_keyed_hashes_and_masks_never_the_raw_member_number(org_a):
    rr = _submit(
        org_a,
        identity=Identity(email="Guo.Bing@Example.com", member_number="yp 2019 0042", full_name="Guo Bing"),
    )

    subject = DataSubject.objects.get(pk=rr.subject_id)
    assert subject.member_number_hash == identifier_hash(IdentifierKind.MEMBER_NUMBER, "YP20190042")
    assert subject.email_hash == identifier_hash(IdentifierKind.EMAIL, "guo.bing@example.com")
    assert subject.email == "guo.bing@example.com"  # kept to write to them, purged later
    assert subject.masked_identifiers == "g***@example.com, ******0042"
    stored = " ".join(_column_values(subject, rr, *rr.events.all(), *rr.challenges.all()))
    for raw in ("20190042", "2019 0042", "YP2019"):
        assert raw not in stored.upper()


def test_reference_is_ten_readable_characters_and_unique(org_a):
    references = [_submit(org_a).reference for _i in range(25)]

    assert all(re.fullmatch(r"[A-HJ-NP-Z2-9]{10}", ref) for ref in references), references
    assert len(set(references)) == len(references)


def test_reference_already_taken_is_drawn_again(org_a, monkeypatch):
    first = _submit(org_a)
    draws = iter([first.reference, "ABCDEFGH23"])
    monkeypatch.setattr(tokens, "new_reference", lambda: next(draws))

    second = _submit(org_a)

    assert second.reference == "ABCDEFGH23"
    assert RightsRequest.objects.count() == 2


# --- the one-time code ---------------------------------------------------------------------


def test_code_is_emailed_once_even_if_the_task_runs_twice(org_a):
    rr = _submit(org_a)
    challenge = rr.challenges.get()

    tasks.send_verification_code(challenge.pk)
    tasks.send_verification_code(challenge.pk)

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["guo@example.com"]
    assert rr.reference in email.body and org_a.name in email.body
    assert re.search(r"\b\d{6}\b", email.body)


def test_code_is_stored_only_as_a_hash(org_a):
    rr = _submit(org_a)
    code = _send_code(rr)

    challenge = VerificationChallenge.objects.get(request=rr)
    assert len(challenge.code_hash) == 64 and code not in challenge.code_hash
    assert not any(code in value for value in _column_values(challenge, rr))
    assert challenge.expires_at == challenge.sent_at + timedelta(minutes=15)


def test_right_code_verifies_the_request(org_a):
    rr = _submit(org_a)
    code = _send_code(rr)
    before = factories.snapshot(rr)

    workflow.verify_identity(rr, actor=SUBJECT, code=f" {code} ")

    assert rr.status == Status.VERIFIED and rr.verified_at is not None and rr.expires_at is None
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("verify", Status.SUBMITTED, Status.VERIFIED)
    assert (event.actor_id, event.actor_kind) == (None, "subject")
    assert event.data["method"] == "code"
    assert rr.challenges.get().used_at is not None


def test_code_cannot_be_used_twice(org_a):
    rr = _submit(org_a)
    code = _send_code(rr)
    workflow.verify_identity(rr, actor=SUBJECT, code=code)
    before = factories.snapshot(rr)

    with pytest.raises(TransitionNotAllowed):
        workflow.verify_identity(rr, actor=SUBJECT, code=code)

    assert factories.snapshot(rr) == before


def test_no_code_is_accepted_before_one_was_sent(org_a):
    rr = _submit(org_a)
    before = factories.snapshot(rr)

    with pytest.raises(VerificationFailed):
        workflow.verify_identity(rr, actor=SUBJECT, code="")

    assert factories.snapshot(rr) == before


def test_wrong_code_counts_an_attempt_that_stays_counted(org_a):
    rr = _submit(org_a)
    code = _send_code(rr)
    before = factories.snapshot(rr)

    with pytest.raises(VerificationFailed):
        workflow.verify_identity(rr, actor=SUBJECT, code=_wrong(code))

    assert VerificationChallenge.objects.get(request=rr).attempts == 1
    assert factories.snapshot(rr) == before
    workflow.verify_identity(rr, actor=SUBJECT, code=code)
    assert rr.status == Status.VERIFIED
    assert VerificationChallenge.objects.get(request=rr).attempts == 1


def test_five_wrong_codes_lock_the_challenge_even_for_the_right_code(org_a):
    rr = _submit(org_a)
    code = _send_code(rr)
    for _i in range(VerificationChallenge.MAX_ATTEMPTS):
        with pytest.raises(VerificationFailed):
            workflow.verify_identity(rr, actor=SUBJECT, code=_wrong(code))
    before = factories.snapshot(rr)

    with pytest.raises(VerificationFailed):
        workflow.verify_identity(rr, actor=SUBJECT, code=code)

    assert VerificationChallenge.objects.get(request=rr).attempts == VerificationChallenge.MAX_ATTEMPTS
    assert factories.snapshot(rr) == before
    assert rr.status == Status.SUBMITTED


def test_code_expires_after_fifteen_minutes(org_a, time_machine):
    time_machine.move_to(START, tick=False)
    rr = _submit(org_a)
    code = _send_code(rr)
    time_machine.move_to(START + timedelta(minutes=16), tick=False)
    before = factories.snapshot(rr)

    with pytest.raises(VerificationFailed):
        workflow.verify_identity(rr, actor=SUBJECT, code=code)

    assert factories.snapshot(rr) == before


def test_code_still_works_within_fifteen_minutes(org_a, time_machine):
    time_machine.move_to(START, tick=False)
    rr = _submit(org_a)
    code = _send_code(rr)
    time_machine.move_to(START + timedelta(minutes=14, seconds=59), tick=False)

    workflow.verify_identity(rr, actor=SUBJECT, code=code)

    assert rr.status == Status.VERIFIED


# --- verification by an officer ------------------------------------------------------------


@pytest.mark.parametrize("check", ["", "   "])
def test_officer_verification_requires_the_check_performed(org_a, officer_a, check):
    rr = _submit(org_a)
    before = factories.snapshot(rr)

    with pytest.raises(InvalidInput) as exc:
        workflow.verify_identity(rr, actor=member(officer_a), check_performed=check)

    assert list(exc.value.errors) == ["check_performed"]
    assert factories.snapshot(rr) == before


def test_officer_verifies_by_hand_stating_the_check(org_a, officer_a):
    rr = _submit(org_a)
    before = factories.snapshot(rr)

    workflow.verify_identity(rr, actor=member(officer_a), check_performed=" Saw the annual pass and ID card ")

    assert rr.status == Status.VERIFIED and rr.verified_at is not None
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == ("verify", Status.SUBMITTED, Status.VERIFIED)
    assert (event.actor_id, event.actor_kind) == (officer_a.pk, "user")
    assert event.opened == {"method": "manual", "check_performed": "Saw the annual pass and ID card"}


def test_system_cannot_verify_an_identity(org_a):
    rr = _submit(org_a)
    before = factories.snapshot(rr)

    with pytest.raises(NotPermitted):
        workflow.verify_identity(rr, actor=SYSTEM, check_performed="automatic")

    assert factories.snapshot(rr) == before


WRONG_STATES_FOR_VERIFY = [s for s in Status.values if s != Status.SUBMITTED]


@pytest.mark.parametrize("status", WRONG_STATES_FOR_VERIFY)
def test_verification_only_of_a_submitted_request(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    before = factories.snapshot(rr)

    with pytest.raises(TransitionNotAllowed):
        workflow.verify_identity(rr, actor=member(officer_a), check_performed="Saw the pass")

    assert factories.snapshot(rr) == before


def test_right_code_does_not_revive_a_withdrawn_request(org_a):
    rr = _submit(org_a)
    code = _send_code(rr)
    workflow.withdraw(rr, actor=SUBJECT)
    before = factories.snapshot(rr)

    with pytest.raises((TransitionNotAllowed, VerificationFailed)):
        workflow.verify_identity(rr, actor=SUBJECT, code=code)

    assert factories.snapshot(rr) == before


def test_an_id_card_number_is_kept_only_as_hash_and_mask(org_a):
    rr = _submit(org_a, identity=Identity(email="guo@example.com", id_number="330106199001011234"))

    subject = DataSubject.objects.get(pk=rr.subject_id)
    assert subject.id_number_hash == identifier_hash(IdentifierKind.ID_NUMBER, "330106199001011234")
    assert subject.masked_identifiers.endswith("1234")
    assert not any("33010619900101" in value for value in _column_values(subject, rr, *rr.events.all()))


def test_a_subject_who_gave_only_a_phone_number_gets_the_code_by_text_message(org_a):
    rr = _submit(org_a, identity=Identity(phone="138 0013 8000"))
    challenge = rr.challenges.get()

    tasks.send_verification_code(challenge.pk)
    tasks.send_verification_code(challenge.pk)  # a task run twice sends once

    assert challenge.channel == VerificationChallenge.Channel.SMS
    assert mail.outbox == []
    assert [m.to for m in sms.outbox] == ["+8613800138000"]
    code = re.search(r"\b(\d{6})\b", sms.outbox[0].body).group(1)
    workflow.verify_identity(rr, actor=SUBJECT, code=code)
    assert rr.status == "verified"

"""Purgeable texts in the history are sealed under the person's own key (requests_app/models/sealed.py).

For each kind of text sealed: the desk timeline, the case file (and the mail or letter
that carries it) show it while the key exists; the event row in the database never
holds it in clear; the contact purge destroys the key, after which every reader shows
the removed marker, and `verify_audit_chain` still passes. A purge in one case leaves
another person's texts readable.

Each case is built through the workflow 1000 days ago (past every policy's retention of
contact details), so the purge runs now as the sweep would run it.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils import translation

from orgs.models import DataSystem
from requests_app import fulfilment, workflow
from requests_app.actors import SUBJECT, SYSTEM, member
from requests_app.cases.subjects import Identity
from requests_app.delivery import notifications
from requests_app.models import CompensationClaim, Notification, RightsRequest, SubjectKey, sealed
from requests_app.workflow import sweeps, task_steps
from tests import factories
from tests.requests_app.test_fulfilment_webhook import SECRET, ExternalSystem, _callback

REMOVED = "[removed when the contact details were purged]"
LONG_AGO = timedelta(days=1000)


@dataclass
class Case:
    rr: RightsRequest
    texts: list[str]  # what was typed (or sent back) and must be sealed
    mails: list[str] = field(default_factory=list)  # bodies of the mails that carried them
    letter: str = ""  # a printable document that quotes them ("refusal", "extension")
    on_desk: list[str] | None = None  # those the desk timeline quotes (None: all; some are in the case file only)
    viewer: object = None  # the officer who reads the desk, when not officer_a

    @property
    def desk_texts(self) -> list[str]:
        return self.texts if self.on_desk is None else self.on_desk


def _deliver_subject_mails(rr) -> list[str]:
    mail.outbox.clear()
    for pk in Notification.objects.filter(request=rr, user__isnull=True).values_list("pk", flat=True):
        notifications.deliver(pk)
    return [m.body for m in mail.outbox]


# --- one builder per kind of sealed text ----------------------------------------------------


def identity_check(org, officer, client):
    text = "Saw passport E12345678 of Guo Bing at the gate office"
    rr = factories.submitted_request(org, email="check@example.com")
    workflow.verify_identity(rr, actor=member(officer), check_performed=text)
    workflow.withdraw(rr, actor=SUBJECT)
    return Case(rr, [text])


def next_of_kin_check(org, officer, client):
    rr = factories.verified_request(org, email="kin@example.com", filed_by="next_of_kin",
                                    requester_name="Guo Junior", requester_email="junior@example.com")
    workflow.withdraw(rr, actor=SUBJECT)
    return Case(rr, ["Death certificate and household register"])  # the factory's words


def approval_note(org, officer, client):
    text = "Guo Bing showed the pass receipt from 2019"
    rr = factories.in_review_request(org, officer, email="approve@example.com")
    workflow.approve(rr, actor=member(officer), note=text)
    workflow.start_fulfilment(rr, actor=member(officer))
    workflow.finish_fulfilment(rr, actor=member(officer))
    return Case(rr, [text])


def refusal_reason(org, officer, client):
    text = "Mr Guo still owes the park for pass 2019-0427"
    rr = factories.in_review_request(org, officer, email="refuse@example.com")
    workflow.refuse(rr, actor=member(officer), reason=text, legal_ground=factories.REFUSAL_GROUND)
    return Case(rr, [text], mails=_deliver_subject_mails(rr), letter="refusal")


def extension_reason(org, officer, client):
    text = "Mrs Li sent three addresses in Hangzhou to search"
    eu = factories.jurisdiction_org("EU", slug="eu-park")
    eu_officer = factories.member(eu, "officer", username="eu_officer")
    rr = factories.in_review_request(eu, eu_officer, email="extend@example.com")
    workflow.extend(rr, actor=member(eu_officer), reason=text)
    mails = _deliver_subject_mails(rr)
    workflow.withdraw(rr, actor=SUBJECT)
    return Case(rr, [text], mails=mails, letter="extension", viewer=eu_officer)


def erasure_reason_and_internal_note(org, officer, client):
    reason, note = "Erased after call with Guo Bing on 138 0013 8000", "Guo asked us to hurry"
    activity = factories.activity(org)
    factories.person_record(activity, email="erase@example.com")
    rr = factories.fulfilling_request(org, officer, email="erase@example.com")
    task_steps.record_by_hand(rr.fulfilment_tasks.get(), actor=member(officer),
                              hand=task_steps.HandOutcome(outcome="deleted", detail=reason, note=note))
    workflow.finish_fulfilment(rr, actor=member(officer))
    # The reason is on the desk (the erase_record event); the internal note in the case file.
    return Case(rr, [reason, note], on_desk=[reason])


def correction_detail(org, officer, client):
    text = "Name corrected from Guo Bin to Guo Bing; address 12 Wensan Road"
    factories.system(org, name="Membership files", connector=DataSystem.Connector.MANUAL)
    rr = factories.fulfilling_request(org, officer, kind="correction", email="correct@example.com")
    task_steps.record_by_hand(rr.fulfilment_tasks.get(), actor=member(officer),
                              hand=task_steps.HandOutcome(outcome="corrected", detail=text))
    workflow.finish_fulfilment(rr, actor=member(officer))
    return Case(rr, [text], on_desk=[])


def webhook_callback_texts(org, officer, client):
    note, reason, external_id = "Deleted member Guo Bing, card 4411", "Tax law keeps the invoice", "guo.bing@crm"
    external = ExternalSystem()
    try:
        factories.webhook_system(org, url=external.url, secret=SECRET, webhook_timeout_hours=48)
        rr = factories.approved_request(org, officer, email="hook@example.com")
        fulfilment.begin(rr.pk)
        task = rr.fulfilment_tasks.get()
        fulfilment.run_task(task.pk)
    finally:
        external.close()
    body = {"status": "done", "note": note,
            "records": [{"external_id": external_id, "outcome": "storage_only", "reason": reason}]}
    assert _callback(client, task, body).status_code == 200
    workflow.finish_fulfilment(rr, actor=member(officer))
    return Case(rr, [note, reason, external_id], on_desk=[])


def payment_reference_and_difference(org, officer, client):
    reference, why = "ICBC transfer to Guo Bing 6222-0202", "Guo Bing asked for the bus fare too"
    rr = factories.refused_request(org, officer, email="pay@example.com")
    claim = factories.claim_in_state(CompensationClaim.Status.ACCEPTED, rr, officer)
    workflow.record_payment(claim, actor=member(officer), amount_minor=104000, reference=reference,
                            difference_reason=why)
    return Case(rr, [why], mails=_deliver_subject_mails(rr)), reference


def claim_closing_note(org, officer, client):
    text = "Guo Bing was refunded in cash at the park office"
    rr = factories.refused_request(org, officer, email="close@example.com")
    claim = factories.claim_in_state(CompensationClaim.Status.DECLINED, rr, officer)
    workflow.close_claim(claim, actor=member(officer), note=text)
    return Case(rr, [text], mails=_deliver_subject_mails(rr))


def payment(org, officer, client):
    case, reference = payment_reference_and_difference(org, officer, client)
    # The desk shows why the payment differs; the reference is in the mail and the case file.
    case.on_desk = list(case.texts)
    case.texts.append(reference)
    return case


BUILDERS = {
    "identity check": identity_check,
    "next-of-kin check": next_of_kin_check,
    "approval note": approval_note,
    "refusal reason": refusal_reason,
    "extension reason": extension_reason,
    "erasure reason and internal note": erasure_reason_and_internal_note,
    "correction detail": correction_detail,
    "webhook callback texts": webhook_callback_texts,
    "payment reference and difference": payment,
    "claim closing note": claim_closing_note,
}


# --- the readers ----------------------------------------------------------------------------


def desk_timeline(client, rr) -> str:
    page = client.get(reverse("desk:case", args=[rr.reference]))
    assert page.status_code == 200
    html = page.content.decode()
    return html[html.index('<ol class="timeline">'):].split("</ol>", 1)[0]


def casefile_events(client, rr) -> str:
    """The events of the case file: as JSON, and as the printable page renders them."""
    response = client.get(reverse("desk:casefile_json", args=[rr.reference]))
    assert response.status_code == 200
    details = [event["details"] for event in json.loads(response.content)["events"]]
    page = client.get(reverse("desk:casefile_html", args=[rr.reference])).content.decode()
    return json.dumps(details, ensure_ascii=False) + "\n" + page[page.index('aria-labelledby="h-events"'):].split("</section>")[0]


def letter(client, rr, name) -> str:
    response = client.get(reverse("desk:document_html", args=[rr.reference, name]))
    assert response.status_code == 200
    return response.content.decode()


def stored_event_data(rr) -> str:
    """The request's events as the database holds them, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data::text FROM requests_app_requestevent WHERE request_id = %s ORDER BY seq", [rr.pk])
        return "\n".join(row[0] for row in cursor.fetchall())


def chain_verifies() -> None:
    out = StringIO()
    call_command("verify_audit_chain", stdout=out, stderr=StringIO())  # raises CommandError on a break
    assert "Audit chain holds" in out.getvalue()


@pytest.fixture
def desk(client, officer_a):
    client.force_login(officer_a)
    return client


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BUILDERS)
def test_a_sealed_text_is_read_until_the_purge_never_stored_in_clear_and_removed_by_it(kind, org_a, officer_a, desk):
    with time_machine.travel(timezone.now() - LONG_AGO, tick=False):
        case = BUILDERS[kind](org_a, officer_a, desk)
    rr = case.rr
    if case.viewer is not None:
        desk.force_login(case.viewer)

    # Before the purge: every reader shows the words.
    timeline, casefile = desk_timeline(desk, rr), casefile_events(desk, rr)
    for text in case.texts:
        assert text in casefile, text
    for text in case.desk_texts:
        assert text in timeline, text
    if case.mails:
        assert any(case.texts[0] in body for body in case.mails), case.mails
    if case.letter:
        assert case.texts[0] in letter(desk, rr, case.letter)

    # The event rows never held them: only their sealed envelopes.
    stored = stored_event_data(rr)
    assert '"sealed": "v1.' in stored
    for text in case.texts:
        assert text not in stored
        assert json.dumps(text)[1:-1] not in stored

    chain_verifies()
    workflow.purge_contact_details(rr, actor=SYSTEM)

    # After it: the key is gone, the readers show the marker, the chain still holds.
    key = SubjectKey.objects.get(subject_id=rr.subject_id)
    assert key.destroyed_at is not None and bytes(key.wrapped) == b""
    timeline, casefile = desk_timeline(desk, rr), casefile_events(desk, rr)
    for text in case.texts:
        assert text not in timeline and text not in casefile
    assert REMOVED in casefile
    if case.desk_texts:
        assert REMOVED in timeline
    if case.letter:
        page = letter(desk, rr, case.letter)
        assert case.texts[0] not in page and REMOVED in page
    assert stored_event_data(rr).startswith(stored + "\n")  # not a byte of the history changed
    chain_verifies()


def test_the_raw_row_holds_no_text_in_chinese_either(org_a, officer_a):
    text = "郭兵出示了2019年的年卡收据"
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a), note=text)

    assert text not in stored_event_data(rr)
    assert rr.events.get(action="approve").opened["note"] == text


def test_a_purge_in_one_case_leaves_another_persons_texts_readable(org_a, officer_a, desk):
    with time_machine.travel(timezone.now() - LONG_AGO, tick=False):
        purged = refusal_reason(org_a, officer_a, desk)
    other = factories.in_review_request(org_a, officer_a, email="someone.else@example.com")
    workflow.refuse(other, actor=member(officer_a), reason="Mrs Wang asked us to keep her card",
                    legal_ground=factories.REFUSAL_GROUND)
    assert purged.rr.subject_id != other.subject_id

    assert sweeps.purge_closed_contacts() == 1  # only the case closed long ago

    assert SubjectKey.objects.get(subject_id=purged.rr.subject_id).destroyed_at is not None
    assert SubjectKey.objects.get(subject_id=other.subject_id).destroyed_at is None
    assert REMOVED in desk_timeline(desk, purged.rr)
    assert "Mrs Wang asked us to keep her card" in desk_timeline(desk, other)
    assert "Mrs Wang asked us to keep her card" in casefile_events(desk, other)
    chain_verifies()


def test_a_text_written_after_the_purge_is_not_kept_for_the_purged_person(org_a, officer_a, desk):
    with time_machine.travel(timezone.now() - LONG_AGO, tick=False):
        rr = factories.refused_request(org_a, officer_a, email="late@example.com")
        claim = factories.claim_in_state(CompensationClaim.Status.DECLINED, rr, officer_a)
    workflow.purge_contact_details(rr, actor=SYSTEM)

    workflow.close_claim(claim, actor=member(officer_a), note="Guo Bing phoned after the purge")

    assert "Guo Bing" not in stored_event_data(rr)
    assert rr.events.get(action="close_claim").opened["note"] == REMOVED
    assert SubjectKey.objects.get(subject_id=rr.subject_id).destroyed_at is not None  # no new key made
    chain_verifies()


def test_a_sealed_envelope_copied_into_another_request_does_not_open(org_a, officer_a):
    # Two requests filed together: one person, one key; the envelope is bound to its request.
    first, second = workflow.submit_many(organisation=org_a, kinds=["deletion", "access"],
                                         identity=Identity(email="two@example.com", full_name="Guo"))
    assert first.subject_id == second.subject_id
    workflow.verify_identity(first, actor=member(officer_a), check_performed="Guo Bing's pass seen")
    envelope = first.events.get(action="verify").data["check_performed"]

    assert sealed.opened_data({"check": envelope}, first.pk) == {"check": "Guo Bing's pass seen"}
    assert sealed.opened_data({"check": envelope}, second.pk) == {"check": sealed.UNREADABLE}


def test_the_api_shows_the_texts_opened(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a, email="api@example.com")
    workflow.approve(rr, actor=member(officer_a), note="Guo Bing's pass receipt")
    api = factories.member_api(officer_a, org_a)

    body = api.get(reverse("api:request-detail", args=[rr.reference])).json()

    [approve] = [event for event in body["events"] if event["action"] == "approve"]
    assert approve["data"]["note"] == "Guo Bing's pass receipt"


def test_keys_are_rewrapped_under_a_new_wrapping_key(org_a, officer_a, settings):
    from cryptography.fernet import Fernet

    rr = factories.in_review_request(org_a, officer_a, email="rotate@example.com")
    workflow.approve(rr, actor=member(officer_a), note="Guo Bing before rotation")
    old_wrapped = bytes(SubjectKey.objects.get(subject_id=rr.subject_id).wrapped)
    new = Fernet.generate_key().decode()
    settings.SUBJECT_WRAPPING_KEYS = [new, *settings.SUBJECT_WRAPPING_KEYS]

    call_command("rotate_subject_keys", stdout=StringIO())

    settings.SUBJECT_WRAPPING_KEYS = [new]
    assert bytes(SubjectKey.objects.get(subject_id=rr.subject_id).wrapped) != old_wrapped
    assert RightsRequest.objects.get(pk=rr.pk).events.get(action="approve").opened["note"] == "Guo Bing before rotation"


def test_without_the_wrapping_key_a_sealed_text_is_marked_unreadable(org_a, officer_a, settings):
    from cryptography.fernet import Fernet

    rr = factories.in_review_request(org_a, officer_a, email="lost@example.com")
    workflow.approve(rr, actor=member(officer_a), note="Guo Bing lost key")
    settings.SUBJECT_WRAPPING_KEYS = [Fernet.generate_key().decode()]

    assert rr.events.get(action="approve").opened["note"] == sealed.UNREADABLE


def test_the_removed_marker_is_in_the_readers_language(org_a, officer_a):
    with time_machine.travel(timezone.now() - LONG_AGO, tick=False):
        rr = factories.in_review_request(org_a, officer_a, email="zh@example.com")
        workflow.approve(rr, actor=member(officer_a), note="Guo Bing's receipt")
        workflow.start_fulfilment(rr, actor=member(officer_a))
        workflow.finish_fulfilment(rr, actor=member(officer_a))
    workflow.purge_contact_details(rr, actor=SYSTEM)

    note = rr.events.get(action="approve").opened["note"]
    with translation.override("zh-hans"):
        assert str(note) == "[已在清除联系方式时删除]"
    assert str(note) == REMOVED

"""A request to withdraw consent (PIPL art. 15), carried out by the vault as the worker
does: only the records resting on consent are deleted; a record held on another basis is
kept, and the requester's certificate, status page and the officer's case page say so,
with the basis. The withdrawal is written into the consent ledger, once per activity.
A deletion request still deletes every record."""

import pytest
from django.urls import reverse

from orgs import consent
from orgs.identifiers import read_identifiers
from orgs.models import BiometricRecord, ConsentEvent, DataSystem, ProcessingActivity
from requests_app import fulfilment
from requests_app.cases import tokens
from requests_app.models import DataSubject, RightsRequest
from tests import factories

pytestmark = pytest.mark.django_db
State = BiometricRecord.State
Basis = ProcessingActivity.LegalBasis
EMAIL = "guo@example.com"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def held(org_a):
    """Guo's face template, collected on his consent at the kiosk; his pass photo, held
    for the pass contract; someone else's face."""
    vault = factories.system(org_a, name="Gate vault")
    face = factories.activity(org_a, name="Face entry", collection_point="North gate")
    photo = factories.activity(org_a, name="Pass photo", collection_point="Ticket office",
                               legal_basis=Basis.CONTRACT, consent_type="none")
    given = consent.give(org_a, face, read_identifiers({"email": EMAIL}, jurisdiction="CN"), channel="kiosk",
                         separate=True, wording="Face entry: I agree.", wording_version="2025-06")
    on_consent = factories.person_record(face, data_system=vault, email=EMAIL)
    BiometricRecord.objects.filter(pk=on_consent.pk).update(consent=given)
    return {"vault": vault, "face": face, "photo": photo, "given": given, "on_consent": on_consent,
            "on_contract": factories.person_record(photo, data_system=vault, email=EMAIL),
            "other": factories.person_record(face, data_system=vault, email="someone@example.com")}


def carried_out(org, officer, kind) -> RightsRequest:
    rr = factories.approved_request(org, officer, kind=kind, email=EMAIL)
    fulfilment.begin(rr.pk)
    for task in rr.fulfilment_tasks.filter(connector=DataSystem.Connector.VAULT):
        fulfilment.run_task(task.pk)
    fulfilment.complete_if_done(rr.pk)
    rr.refresh_from_db()
    return rr


def state(record) -> str:
    return BiometricRecord.objects.get(pk=record.pk).state


def test_withdrawal_deletes_only_the_consent_based_records_and_keeps_the_others_with_the_basis(
        org_a, officer_a, held):
    rr = carried_out(org_a, officer_a, "withdraw_consent")

    assert rr.status == RightsRequest.Status.FULFILLED and rr.certificate is not None
    assert state(held["on_consent"]) == State.DELETED
    assert state(held["on_contract"]) == State.ACTIVE
    assert state(held["other"]) == State.ACTIVE
    entries = {e["id"]: e for e in rr.fulfilment_tasks.get().result["records"]}
    assert entries[held["on_consent"].pk]["outcome"] == "deleted"
    assert entries[held["on_consent"].pk]["reason"] == f"Deleted: consent withdrawn on request {rr.reference}"
    assert entries[held["on_contract"].pk] == {
        "id": held["on_contract"].pk, "modality": "face", "activity": "Pass photo", "collection_point": "Ticket office",
        "outcome": "kept", "reason": "Held on another basis: necessary for a contract"}
    assert rr.certificate.body["totals"] == {"deleted": 1, "kept": 1}
    # Only the deletion writes an erase_record event: the kept record was not touched.
    assert [e.data.get("record") for e in rr.events.filter(action="erase_record")] == [held["on_consent"].pk]


def test_the_withdrawal_is_written_into_the_ledger_once_per_activity(org_a, officer_a, held):
    factories.system(org_a, name="Second vault")  # a second vault task of the same request
    rr = carried_out(org_a, officer_a, "withdraw_consent")

    withdrawals = ConsentEvent.objects.filter(organisation=org_a, action="withdrawn")
    assert list(withdrawals.values_list("activity__name", "channel", "reference", "masked_identifiers")) == [
        ("Face entry", "request", rr.reference, "g***@example.com")]
    hashes = read_identifiers({"email": EMAIL}, jurisdiction="CN").hashes_by_kind()
    assert consent.current(org_a, held["face"], hashes).action == "withdrawn"
    assert consent.current(org_a, held["photo"], hashes) is None  # the contract's: no consent to withdraw


def test_the_certificate_shows_the_kept_record_and_why(client, org_a, officer_a, held):
    rr = carried_out(org_a, officer_a, "withdraw_consent")
    token = tokens.issue_status_link(rr.submission)

    html = client.get(reverse("public:document_html", kwargs={
        "token": token, "reference": rr.reference, "name": "certificate"})).content.decode()

    assert "Kept: held on another basis" in html
    assert "Held on another basis: necessary for a contract" in html
    assert f"Deleted: consent withdrawn on request {rr.reference}" in html


def test_the_status_page_and_the_officers_case_page_show_the_kept_record_and_why(client, org_a, officer_a, held):
    rr = carried_out(org_a, officer_a, "withdraw_consent")

    status = client.get(reverse("public:status", kwargs={"token": tokens.issue_status_link(rr.submission)}))
    assert "Held on another basis: necessary for a contract" in status.content.decode()

    client.force_login(officer_a)
    case = client.get(reverse("desk:case", args=[rr.reference])).content.decode()
    assert "Kept: held on another basis" in case
    assert "Held on another basis: necessary for a contract" in case
    # The case file prints the certificate's content, each record's outcome and reason in it.
    casefile = client.get(reverse("desk:casefile_html", args=[rr.reference])).content.decode()
    assert "&quot;outcome&quot;: &quot;kept&quot;" in casefile
    assert "Held on another basis: necessary for a contract" in casefile


def test_a_chinese_requester_reads_the_basis_in_chinese(client, org_a, officer_a, held):
    rr = factories.approved_request(org_a, officer_a, kind="withdraw_consent", email=EMAIL)
    DataSubject.objects.filter(pk=rr.subject_id).update(preferred_language="zh-hans")
    fulfilment.begin(rr.pk)
    fulfilment.run_task(rr.fulfilment_tasks.get().pk)

    entries = rr.fulfilment_tasks.get().result["records"]
    assert "其他依据" in next(e["reason"] for e in entries if e["outcome"] == "kept")


def test_a_deletion_request_still_deletes_every_record_whatever_its_basis(org_a, officer_a, held):
    rr = carried_out(org_a, officer_a, "deletion")

    assert state(held["on_consent"]) == State.DELETED and state(held["on_contract"]) == State.DELETED
    assert state(held["other"]) == State.ACTIVE
    assert not ConsentEvent.objects.filter(action="withdrawn").exists()  # a deletion is not a withdrawal
    assert rr.certificate.body["totals"] == {"deleted": 2}

"""Deleted means deleted (issue 10 item 8): a deleted record's tombstone keeps what its
certificate needs (which record, which system, when, why, by whose order) and not the
keyed identifier hashes or masked identifiers that still single the person out
(pseudonymous data is personal data, GDPR recital 26), unless a retention duty the
organisation names, with its legal basis, requires them; then the certificate says why.
Storage-only records keep them: their data is kept."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from orgs.models import BiometricRecord, DataSystem, RetentionDuty
from requests_app import fulfilment
from requests_app.cases import documents
from requests_app.models import RightsRequest
from tests import factories

State = BiometricRecord.State
IDENTIFIERS = ("email_hash", "phone_hash", "member_number_hash", "id_number_hash", "masked_identifiers")
DUTY = "Anti-money-laundering customer records"
BASIS = "AML Law art. 19 (five years)"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def vault(org_a):
    return factories.system(org_a, name="Gate vault")


@pytest.fixture
def face(org_a):
    return factories.activity(org_a, name="Face entry", modality="face", collection_point="East gate")


@pytest.fixture
def finger(org_a):
    return factories.activity(org_a, name="Fingerprint entry", modality="fingerprint", collection_point="Old gate")


def fulfil_deletion(org, officer) -> RightsRequest:
    """Guo's deletion request, approved, its vault task run and the request finished as the worker does."""
    rr = factories.approved_request(org, officer)
    fulfilment.begin(rr.pk)
    for task in rr.fulfilment_tasks.filter(connector=DataSystem.Connector.VAULT):
        fulfilment.run_task(task.pk)
    fulfilment.complete_if_done(rr.pk)
    return RightsRequest.objects.get(pk=rr.pk)


def identifiers(record) -> dict:
    return {field: getattr(BiometricRecord.objects.get(pk=record.pk), field) for field in IDENTIFIERS}


def certificate_records(rr) -> list[dict]:
    return [record for system in rr.certificate.body["systems"] for record in system["records"]]


# --- the request path ----------------------------------------------------------------------


def test_deleted_records_cannot_be_found_by_the_persons_hashes(org_a, officer_a, vault, face, finger):
    guo = [factories.person_record(face, data_system=vault), factories.person_record(finger, data_system=vault)]
    other = factories.person_record(face, data_system=vault, email="li@example.com")

    rr = fulfil_deletion(org_a, officer_a)

    assert rr.status == RightsRequest.Status.FULFILLED
    assert not BiometricRecord.objects.matching(rr.subject.identifier_hashes()).exists()
    for record in guo:
        assert identifiers(record) == dict.fromkeys(IDENTIFIERS, "")
        tomb = BiometricRecord.objects.get(pk=record.pk)
        # What the certificate needs is still there: which record, system, activity, when, why.
        assert (tomb.state, tomb.system_id, tomb.activity_id) == (State.DELETED, vault.pk, record.activity_id)
        assert tomb.tombstoned_at is not None and rr.reference in tomb.tombstone_reason
    assert identifiers(other)["email_hash"] == other.email_hash  # someone else's record is untouched
    listed = {(entry["id"], entry["outcome"]) for entry in certificate_records(rr)}
    assert listed == {(guo[0].pk, "deleted"), (guo[1].pk, "deleted")}
    assert all("identifiers_kept" not in entry for entry in certificate_records(rr))


def test_storage_only_records_keep_their_identifiers(org_a, officer_a, vault):
    kept = factories.activity(org_a, name="Ticket fraud register", statutory_retention=True)
    record = factories.person_record(kept, data_system=vault)

    rr = fulfil_deletion(org_a, officer_a)

    assert BiometricRecord.objects.get(pk=record.pk).state == State.RESTRICTED
    assert identifiers(record)["email_hash"] == record.email_hash
    assert list(BiometricRecord.objects.matching(rr.subject.identifier_hashes())) == [record]


def test_a_named_duty_of_the_activity_keeps_its_identifiers_and_the_certificate_says_why(
    org_a, officer_a, vault, face, finger
):
    RetentionDuty.objects.create(organisation=org_a, activity=face, name=DUTY, legal_basis=BASIS)
    face_record = factories.person_record(face, data_system=vault)
    finger_record = factories.person_record(finger, data_system=vault)

    rr = fulfil_deletion(org_a, officer_a)

    assert identifiers(face_record)["email_hash"] == face_record.email_hash
    assert identifiers(face_record)["masked_identifiers"] == face_record.masked_identifiers
    assert identifiers(finger_record) == dict.fromkeys(IDENTIFIERS, "")  # the duty is the face activity's only
    entries = {entry["id"]: entry for entry in certificate_records(rr)}
    assert entries[face_record.pk]["identifiers_kept"] == [{"duty": DUTY, "legal_basis": BASIS}]
    assert "identifiers_kept" not in entries[finger_record.pk]
    page = documents.render_html(documents.for_request(rr, "certificate"))
    assert f"Its identifiers are kept: {DUTY} ({BASIS})." in page


def test_a_duty_of_the_organisation_covers_every_activity(org_a, officer_a, vault, face, finger):
    RetentionDuty.objects.create(organisation=org_a, name=DUTY, legal_basis=BASIS)
    records = [factories.person_record(face, data_system=vault), factories.person_record(finger, data_system=vault)]

    rr = fulfil_deletion(org_a, officer_a)

    assert BiometricRecord.objects.matching(rr.subject.identifier_hashes()).count() == 2
    assert all(entry["identifiers_kept"] for entry in certificate_records(rr))
    assert all(BiometricRecord.objects.get(pk=r.pk).state == State.DELETED for r in records)


def test_another_organisations_duty_keeps_nothing(org_a, org_b, officer_a, vault, face):
    RetentionDuty.objects.create(organisation=org_b, name=DUTY, legal_basis=BASIS)
    record = factories.person_record(face, data_system=vault)
    fulfil_deletion(org_a, officer_a)
    assert identifiers(record) == dict.fromkeys(IDENTIFIERS, "")


# --- erasure orders and the retention sweep ---------------------------------------------------


def test_an_erasure_order_clears_the_identifiers_and_its_certificate_still_counts_them(org_a, administrator, face):
    records = [factories.person_record(face), factories.person_record(face, email="li@example.com")]
    order = factories.erasure_order(org_a, activity=face, ordered_by=administrator)

    factories.run_order(order)

    assert all(identifiers(r) == dict.fromkeys(IDENTIFIERS, "") for r in records)
    assert not BiometricRecord.objects.filter(email_hash=records[0].email_hash).exists()
    body = order.certificate.body
    assert body["records_erased"] == 2 and body["ordered_by"] == administrator.get_username()
    assert body["first_record_id"] == records[0].pk and body["last_record_id"] == records[1].pk
    assert body["by_system"][0]["records"] == 2 and body["reason"] == order.reason
    assert body["identifiers_kept"] == []


def test_an_erasure_order_under_a_named_duty_keeps_them_and_says_why(org_a, administrator, face):
    RetentionDuty.objects.create(organisation=org_a, activity=face, name=DUTY, legal_basis=BASIS)
    finger = factories.activity(org_a, name="Fingerprint entry", modality="fingerprint", collection_point="East gate")
    kept, cleared = factories.person_record(face), factories.person_record(finger)
    order = factories.erasure_order(org_a, collection_point="East gate", ordered_by=administrator)

    factories.run_order(order)

    assert identifiers(kept)["email_hash"] == kept.email_hash
    assert identifiers(cleared) == dict.fromkeys(IDENTIFIERS, "")
    assert order.certificate.body["identifiers_kept"] == [
        {"duty": DUTY, "legal_basis": BASIS, "activity": face.pk, "records": 1}
    ]
    certificate = order.certificate
    page = documents.render_html(documents.Document(
        "certificate.html", certificate.number, "en", org_a.time_zone,
        {"organisation": org_a, **documents.certificate_context(certificate)},
    ))
    assert f"The identifiers of 1 erased record are kept: {DUTY} ({BASIS})." in page


# --- existing tombstones -------------------------------------------------------------------------


def test_the_data_migration_clears_existing_tombstones_only(org_a, face):
    old_tomb, active = factories.person_record(face), factories.person_record(face, email="li@example.com")
    BiometricRecord.objects.filter(pk=old_tomb.pk).update(
        state=State.DELETED, template_ciphertext=None, tombstoned_at=old_tomb.collected_at, tombstone_reason="old"
    )
    restricted = factories.vault_records(face, state=State.RESTRICTED)[0]
    migration = importlib.import_module("orgs.migrations.0008_calendar_deleted_identifiers")

    migration.clear_tombstone_identifiers(apps, None)

    assert identifiers(old_tomb) == dict.fromkeys(IDENTIFIERS, "")
    assert identifiers(active)["email_hash"] == active.email_hash
    assert identifiers(restricted)["masked_identifiers"] == "p***@example.com"


def test_the_data_migration_spares_tombstones_a_named_duty_keeps(org_a, face):
    RetentionDuty.objects.create(organisation=org_a, name=DUTY, legal_basis=BASIS)
    tomb = factories.person_record(face)
    BiometricRecord.objects.filter(pk=tomb.pk).update(
        state=State.DELETED, template_ciphertext=None, tombstoned_at=tomb.collected_at, tombstone_reason="old"
    )
    importlib.import_module("orgs.migrations.0008_calendar_deleted_identifiers").clear_tombstone_identifiers(
        apps, None
    )
    assert identifiers(tomb)["email_hash"] == tomb.email_hash


# --- the admin -------------------------------------------------------------------------------------


def test_an_administrator_records_a_duty_with_its_legal_basis(client, administrator, org_a, face):
    factories.force_sign_in(client, administrator)
    response = client.post(reverse("admin:orgs_retentionduty_add"), {
        "organisation": org_a.pk, "activity": face.pk, "name": DUTY, "legal_basis": BASIS,
    })
    assert response.status_code == 302
    duty = RetentionDuty.objects.get()
    assert (duty.name, duty.legal_basis, duty.recorded_by) == (DUTY, BASIS, administrator)

    response = client.post(reverse("admin:orgs_retentionduty_add"), {"organisation": org_a.pk, "name": DUTY})
    assert response.status_code == 200 and RetentionDuty.objects.count() == 1  # no legal basis: a form error


def test_a_duty_names_an_activity_of_its_own_organisation(client, administrator, org_a, org_b):
    factories.force_sign_in(client, administrator)
    theirs = factories.activity(org_b, name="Sales office faces")
    response = client.post(reverse("admin:orgs_retentionduty_add"), {
        "organisation": org_a.pk, "activity": theirs.pk, "name": DUTY, "legal_basis": BASIS,
    })
    assert response.status_code == 200
    assert "This activity belongs to another organisation." in response.content.decode()
    assert not RetentionDuty.objects.exists()


def test_the_case_page_still_lists_the_records_this_request_deleted(client, org_a, officer_a, vault, face):
    record = factories.person_record(face, data_system=vault)
    rr = fulfil_deletion(org_a, officer_a)
    other = factories.verified_request(org_a, email="li@example.com")

    client.force_login(officer_a)
    page = client.get(reverse("desk:case", args=[rr.reference])).content.decode()
    section = page.split('id="records-title"')[1].split("</section>")[0]
    assert "Face entry" in section and "Deleted" in section and rr.reference in section

    # Another person's case never lists it: it is found by this request's own erasures only.
    page = client.get(reverse("desk:case", args=[other.reference])).content.decode()
    assert "Face entry" not in page.split('id="records-title"')[1].split("</section>")[0]
    assert BiometricRecord.objects.get(pk=record.pk).state == State.DELETED

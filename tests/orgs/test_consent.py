"""The consent ledger (orgs/consent.py): each rule allowed and refused, the ledger's
append-only promise held by the database, the withdrawal that erases only the records
resting on consent, what a record is held on, and the register's flags for a bundled
consent and for templates sent centrally without separate consent."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from orgs import consent, register
from orgs.identifiers import read_identifiers
from orgs.models import BiometricRecord, ConsentEvent, ProcessingActivity
from tests import factories

pytestmark = pytest.mark.django_db
State = BiometricRecord.State
Basis = ProcessingActivity.LegalBasis


def who(email="guo@example.com", jurisdiction="CN"):
    return read_identifiers({"email": email}, jurisdiction=jurisdiction)


@pytest.fixture
def face(org_a):
    return factories.activity(org_a, name="Face entry")


def give(org, activity, **extra):
    fields = dict(channel="kiosk", separate=True, wording="I agree to face entry.", wording_version="2025-06")
    return consent.give(org, activity, extra.pop("person", who()), **{**fields, **extra})


def codes(exc) -> dict:
    return {field: [e.code for e in errors] for field, errors in exc.value.error_dict.items()}


# --- giving ------------------------------------------------------------------------------


def test_a_separate_consent_is_recorded_with_the_person_masked(org_a, face, owner_a):
    entry = give(org_a, face, recorded_by=owner_a)

    assert entry.action == "given" and entry.separate and entry.channel == "kiosk"
    assert entry.masked_identifiers == "g***@example.com" and entry.email_hash
    assert "guo@example.com" not in str(ConsentEvent.objects.filter(pk=entry.pk).values().get())
    assert entry.wording_version == "2025-06" and entry.recorded_by == owner_a.username
    assert consent.current(org_a, face, who().hashes_by_kind()) == entry


def test_a_bundled_consent_is_refused_citing_the_law(org_a, face):
    with pytest.raises(ValidationError) as refused:
        give(org_a, face, separate=False)

    assert codes(refused) == {"separate": ["bundled"]}
    assert "PIPL arts. 14, 29" in refused.value.message_dict["separate"][0]
    assert not ConsentEvent.objects.exists()


def test_a_bundled_consent_in_the_eu_cites_the_gdpr(db):
    org = factories.organisation(name="Museum", slug="museum", jurisdiction="EU")
    with pytest.raises(ValidationError) as refused:
        give(org, factories.activity(org), separate=False, person=who(jurisdiction="EU"))
    assert "GDPR arts. 7(2), 9(2)(a)" in refused.value.message_dict["separate"][0]
    assert "PIPL" not in refused.value.message_dict["separate"][0]


def test_a_childs_consent_without_a_guardian_is_refused(org_a, face):
    with pytest.raises(ValidationError) as refused:
        give(org_a, face, under_14=True, guardian_relation="mother")
    assert codes(refused) == {"guardian_name": ["no_guardian"]}
    assert "PIPL art. 31" in refused.value.message_dict["guardian_name"][0]
    assert not ConsentEvent.objects.exists()


def test_a_childs_consent_by_a_guardian_is_recorded_with_the_name_masked(org_a, face):
    entry = give(org_a, face, under_14=True, guardian_name="Zhang Wei", guardian_relation="father")

    assert entry.under_14 and entry.guardian_relation == "father"
    assert entry.guardian_masked_name == "Z********" and "Zhang" not in entry.guardian_masked_name


def test_consent_to_an_activity_not_resting_on_consent_or_of_another_org_is_refused(org_a, org_b, face):
    contract = factories.activity(org_a, name="Pass photo", legal_basis=Basis.CONTRACT, consent_type="none")
    with pytest.raises(ValidationError) as refused:
        give(org_a, contract)
    assert codes(refused) == {"activity": ["not_on_consent"]}

    with pytest.raises(ValidationError) as refused:
        give(org_b, face)
    assert codes(refused) == {"activity": ["other_org"]}
    assert not ConsentEvent.objects.exists()


def test_the_database_refuses_a_bundled_consent_and_a_childs_without_guardian(org_a, face):
    hashes = who().model_fields()
    for fields in ({"separate": False}, {"separate": True, "under_14": True}):
        with pytest.raises(DatabaseError), transaction.atomic():
            ConsentEvent.objects.create(organisation=org_a, activity=face, action="given", channel="app",
                                        **hashes, **fields)


# --- append-only ---------------------------------------------------------------------------


def test_the_ledger_is_append_only_at_the_database(org_a, face):
    entry = give(org_a, face)
    for sql in ("UPDATE orgs_consentevent SET separate = false, action = 'withdrawn' WHERE id = %s",
                "DELETE FROM orgs_consentevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        ConsentEvent.objects.filter(pk=entry.pk).delete()
    assert ConsentEvent.objects.get(pk=entry.pk).action == "given"


# --- withdrawing ---------------------------------------------------------------------------


def test_withdrawal_erases_only_the_records_resting_on_consent(org_a, face):
    given = give(org_a, face)
    on_consent = factories.person_record(face)
    BiometricRecord.objects.filter(pk=on_consent.pk).update(consent=given)
    contract = factories.activity(org_a, name="Pass photo", legal_basis=Basis.CONTRACT, consent_type="none")
    on_contract = factories.person_record(contract)
    someone_else = factories.person_record(face, email="someone@example.com")

    withdrawal = consent.withdraw(org_a, face, who(), channel="kiosk")
    # The contract's activity is not the consent's: withdrawing consent to face entry leaves it.
    assert (withdrawal.deleted, withdrawal.restricted) == (1, 0)
    assert BiometricRecord.objects.get(pk=on_consent.pk).state == State.DELETED
    assert BiometricRecord.objects.get(pk=on_consent.pk).tombstone_reason == (
        f"Consent withdrawn: consent ledger entry #{withdrawal.event.pk}")
    assert BiometricRecord.objects.get(pk=on_contract.pk).state == State.ACTIVE
    assert BiometricRecord.objects.get(pk=someone_else.pk).state == State.ACTIVE
    assert consent.current(org_a, face, who().hashes_by_kind()).action == "withdrawn"


def test_withdrawal_keeps_records_of_the_activity_held_on_another_basis(org_a):
    # The activity once rested on consent; it now rests on a legal obligation. A record
    # collected on the person's consent goes; one collected under the obligation stays.
    activity = factories.activity(org_a, name="Staff entry")
    given = give(org_a, activity)
    on_consent = factories.person_record(activity)
    BiometricRecord.objects.filter(pk=on_consent.pk).update(consent=given)
    on_duty = factories.person_record(activity)
    activity.legal_basis = Basis.LEGAL_OBLIGATION
    register.save_activity(activity)

    assert consent.record_basis(BiometricRecord.objects.get(pk=on_duty.pk)) == consent.RecordBasis(
        consent=False, label="Legal obligation")
    assert consent.record_basis(BiometricRecord.objects.get(pk=on_consent.pk)).consent
    assert consent.record_basis(BiometricRecord.objects.get(pk=on_duty.pk)).kept_reason() == (
        "Held on another basis: legal obligation")
    # Not resting on consent any more: a withdrawal through the ledger is refused for it...
    with pytest.raises(ValidationError):
        consent.withdraw(org_a, activity, who(), channel="kiosk")
    # ...but the set-based rule still tells the two records apart.
    records = BiometricRecord.objects.filter(pk__in=[on_consent.pk, on_duty.pk])
    assert list(consent.consent_based(records).values_list("pk", flat=True)) == [on_consent.pk]


def test_withdrawal_under_a_statutory_duty_keeps_the_record_for_storage_only(org_a):
    activity = factories.activity(org_a, name="Bank entry", statutory_retention=True)
    record = factories.person_record(activity)

    withdrawal = consent.withdraw(org_a, activity, who(), channel="staff")

    assert (withdrawal.deleted, withdrawal.restricted) == (0, 1)
    assert BiometricRecord.objects.get(pk=record.pk).state == State.RESTRICTED


def test_a_withdrawal_of_a_consent_never_recorded_is_recorded_and_erases(org_a, face):
    # Consent given before the ledger was kept is withdrawn as easily (PIPL art. 15).
    record = factories.person_record(face)

    withdrawal = consent.withdraw(org_a, face, who(), channel="app")

    assert withdrawal.event.action == "withdrawn" and withdrawal.deleted == 1
    assert BiometricRecord.objects.get(pk=record.pk).state == State.DELETED


def test_a_second_withdrawal_is_refused_and_a_new_consent_reopens_it(org_a, face):
    give(org_a, face)
    consent.withdraw(org_a, face, who(), channel="kiosk")

    with pytest.raises(ValidationError) as refused:
        consent.withdraw(org_a, face, who(), channel="kiosk")
    assert codes(refused) == {"action": ["already_withdrawn"]}
    assert ConsentEvent.objects.filter(action="withdrawn").count() == 1

    again = give(org_a, face)
    assert consent.current(org_a, face, who().hashes_by_kind()) == again
    assert consent.withdraw(org_a, face, who(), channel="kiosk").event.action == "withdrawn"


def test_a_withdrawal_reaches_the_person_by_any_identifier_they_gave(org_a, face):
    both = read_identifiers({"email": "guo@example.com", "phone": "13812345678"}, jurisdiction="CN")
    give(org_a, face, person=both)
    record = factories.person_record(face)  # enrolled by email
    by_phone = read_identifiers({"phone": "+86 138 1234 5678"}, jurisdiction="CN")

    withdrawal = consent.withdraw(org_a, face, by_phone, channel="kiosk")

    assert consent.current(org_a, face, who().hashes_by_kind()).action == "withdrawn"
    assert withdrawal.event.masked_identifiers == "g***@example.com, +86*******5678"
    assert withdrawal.deleted == 1 and BiometricRecord.objects.get(pk=record.pk).state == State.DELETED


# --- the register's flags ---------------------------------------------------------------------


def test_an_activity_on_consent_that_bundles_it_is_flagged_until_it_asks_separately(org_a, org_b):
    bundled = factories.activity(org_a, name="Residents' entry", consent_type="bundled")
    factories.activity(org_a, name="Staff entry", legal_basis=Basis.LEGAL_OBLIGATION, consent_type="bundled")
    factories.activity(org_b, name="B's entry", consent_type="bundled")

    flags = [f for f in register.flags_for(org_a) if f.code == "bundled_consent"]
    assert [(f.activity_id, f.message) for f in flags] == [(bundled.pk, (
        "The activity “Residents' entry” rests on consent but asks for it bundled with other terms: ask for it "
        "separately. (PIPL arts. 14, 29; Measures for the Application of Facial Recognition Technology art. 6)"))]

    bundled.consent_type = "separate"
    register.save_activity(bundled)
    assert "bundled_consent" not in {f.code for f in register.flags_for(org_a)}


def test_a_live_device_sending_templates_centrally_needs_separate_consent(org_a, owner_a):
    activity = factories.activity(org_a, name="Gate entry", consent_type="implied")
    factories.assessment(activity, approved_by=owner_a)
    point = factories.collection_point(activity)
    central = factories.device(point, serial="GATE-C", template_storage="central")
    on_device = factories.device(point, serial="GATE-D", template_storage="on_device")

    def central_flags():
        return [(f.device_id, f.message) for f in register.flags_for(org_a)
                if f.code == "central_templates_without_separate_consent"]

    assert central_flags() == []  # planned: nothing is sent yet
    register.set_live(central)
    register.set_live(on_device)
    assert central_flags() == [(central.pk, "Device GATE-C at North gate sends face templates to a central "
                                            "system, but the activity “Gate entry” does not ask for separate "
                                            "consent (Measures art. 8).")]

    activity.consent_type = "written"
    register.save_activity(activity)
    assert central_flags() == []


def test_the_central_templates_flag_is_the_measures_and_so_chinese_only(db):
    org = factories.organisation(name="Museum", slug="museum", jurisdiction="EU")
    owner = factories.member(org, "owner", username="museum_owner")
    activity = factories.activity(org, consent_type="implied")
    factories.assessment(activity, approved_by=owner)
    register.set_live(factories.device(factories.collection_point(activity), template_storage="central"))
    assert "central_templates_without_separate_consent" not in {f.code for f in register.flags_for(org)}


# --- the admin's listing ---------------------------------------------------------------------


def test_the_admin_lists_the_ledger_read_only_with_masked_identifiers(client, administrator, org_a, face, settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    entry = give(org_a, face, under_14=True, guardian_name="Zhang Wei", guardian_relation="father")
    factories.force_sign_in(client, administrator)

    listing = client.get(reverse("admin:orgs_consentevent_changelist")).content.decode()
    page = client.get(reverse("admin:orgs_consentevent_change", args=[entry.pk])).content.decode()

    assert "g***@example.com" in listing and "g***@example.com" in page and "Z********" in page
    for secret in (entry.email_hash, "guo@example.com", "Zhang Wei"):
        assert secret not in listing and secret not in page
    assert 'name="_save"' not in page  # nothing to change
    assert client.get(reverse("admin:orgs_consentevent_add")).status_code == 403
    assert client.post(reverse("admin:orgs_consentevent_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert ConsentEvent.objects.filter(pk=entry.pk).exists()


def test_an_entry_dated_before_the_persons_latest_is_refused(org_a, face):
    from datetime import timedelta

    from django.utils import timezone

    latest = give(org_a, face)
    with pytest.raises(ValidationError) as refused:
        consent.withdraw(org_a, face, who(), channel="paper", at=latest.at - timedelta(days=1))
    assert codes(refused) == {"at": ["out_of_order"]}
    with pytest.raises(ValidationError) as refused:
        give(org_a, face, at=latest.at - timedelta(days=1))
    assert codes(refused) == {"at": ["out_of_order"]}
    assert consent.withdraw(org_a, face, who(), channel="paper", at=timezone.now()).event.action == "withdrawn"

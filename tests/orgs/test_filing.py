"""The filing threshold of the face-recognition Measures (art. 15): the live count of
distinct people, the obligation it opens and closes, the re-filing a substantive change
opens once filed, and the reminders and escalation, each once."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from orgs import erasure, filing, filing_reminders, register, tasks
from orgs.models import BiometricRecord, FilingKind, FilingObligation, FilingReminder, FilingStatus, FilingTrigger
from orgs.models.biometric_records import person_key
from tests import factories

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
THRESHOLD = filing.THRESHOLD


@pytest.fixture
def faces(org_a):
    return factories.activity(org_a, name="Annual pass entry")


def over_threshold(activity, **kwargs) -> FilingObligation:
    factories.face_people(activity, THRESHOLD, **kwargs)
    return filing.check(activity.organisation).opened


# --- the count -----------------------------------------------------------------------------------


def test_two_records_of_one_person_count_once(faces):
    factories.person_record(faces, email="guo@example.com")
    factories.person_record(faces, email="GUO@example.com ")  # the same address, normalised alike
    factories.person_record(faces, email="zhao@example.com")

    assert BiometricRecord.objects.count() == 3
    assert filing.people_count(faces.organisation) == 2


def test_the_strongest_identifier_names_the_person_on_save_and_on_bulk_create(faces):
    both = factories.person_record(faces, email="guo@example.com")
    both.phone_hash, both.id_number_hash = "p" * 64, "i" * 64
    both.save(update_fields=["phone_hash", "id_number_hash"])
    [bulk] = factories.vault_records(faces)

    both.refresh_from_db()
    bulk.refresh_from_db()
    assert both.person_hash == "i" * 64 == person_key(both)  # the ID number before phone and email
    assert bulk.person_hash == ""  # no identifier at all: a person of its own


def test_records_without_identifiers_count_each_and_only_stored_face_data_counts(faces, org_a):
    factories.vault_records(faces, 2)  # no identifiers: two people
    factories.vault_records(faces, 1, state=BiometricRecord.State.RESTRICTED)  # kept for storage: still stored
    factories.vault_records(faces, 3, state=BiometricRecord.State.DELETED)  # tombstones hold no face data
    factories.vault_records(factories.activity(org_a, name="Old gates", modality="fingerprint"), 4)

    assert filing.people_count(org_a) == 3


def test_erasure_clears_the_person_key_with_the_identifiers(faces):
    record = factories.person_record(faces)
    assert record.person_hash

    erasure.tombstone(BiometricRecord.objects.filter(pk=record.pk), reason="Deletion request")

    record.refresh_from_db()
    assert record.person_hash == "" and record.email_hash == ""


@pytest.mark.django_db(transaction=True)  # VACUUM, which sets the visibility map, runs outside a transaction
def test_an_index_only_scan_counts_among_other_organisations_records(org_a, org_b):
    factories.face_people(factories.activity(org_a), 40_000)
    factories.face_people(factories.activity(org_b), 10_000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE orgs_biometricrecord")
        sql, params = filing.face_records(org_b.pk).values("person_hash").query.sql_with_params()
        cursor.execute(f"EXPLAIN SELECT COUNT(DISTINCT person_hash) FROM ({sql}) AS s", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Only Scan using biometric_face_person_idx" in plan, plan
    assert filing.people_count(org_b) == 10_000


# --- the threshold -------------------------------------------------------------------------------


def test_a_first_filing_opens_at_exactly_100000_distinct_people(faces, org_a):
    factories.face_people(faces, THRESHOLD - 1)
    assert filing.check(org_a).opened is None

    factories.face_people(faces, 1, first=THRESHOLD - 1)
    started = datetime.now(UTC)
    with time_machine.travel(datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI), tick=False):
        result = filing.check(org_a)
    assert datetime.now(UTC) - started < timedelta(seconds=3)  # counting 100,000 people: a fraction of a second

    obligation = result.opened
    assert result.count == THRESHOLD
    assert obligation.kind == FilingKind.FIRST and obligation.trigger == FilingTrigger.THRESHOLD
    assert obligation.people_counted == THRESHOLD and obligation.status == FilingStatus.OPEN
    # 30 working days on China's calendar: the National Day week off, its two make-up weekend days worked.
    assert obligation.due_at.astimezone(SHANGHAI).date().isoformat() == "2025-11-13"
    assert filing.check(org_a).opened is None  # not opened again while one is open
    assert FilingObligation.objects.count() == 1


def test_100000_records_of_fewer_people_open_nothing(faces, org_a):
    factories.face_people(faces, THRESHOLD // 2, records_each=2)

    assert BiometricRecord.objects.count() == THRESHOLD
    assert filing.check(org_a).opened is None
    assert not FilingObligation.objects.exists()


def test_an_open_first_filing_closes_when_the_count_falls_below(faces, org_a):
    obligation = over_threshold(faces)
    BiometricRecord.objects.filter(pk__in=BiometricRecord.objects.values("pk")[:1]).delete()

    result = filing.check(org_a)

    obligation.refresh_from_db()
    assert result.closed == obligation
    assert obligation.status == FilingStatus.CLOSED_BELOW and obligation.people_when_closed == THRESHOLD - 1
    assert obligation.get_status_display() == "Closed, below threshold"
    assert filing.check(org_a).closed is None


def test_a_filed_first_filing_stands_and_is_not_opened_again(faces, org_a, owner_a):
    obligation = over_threshold(faces)
    filing.mark_filed(obligation, user=owner_a, reference="ZJ-CAC-2025-0042")
    BiometricRecord.objects.filter(pk__in=BiometricRecord.objects.values("pk")[:1]).delete()

    assert filing.check(org_a).closed is None
    factories.face_people(faces, 5, first=THRESHOLD)
    assert filing.check(org_a).opened is None
    assert list(FilingObligation.objects.values_list("status", flat=True)) == [FilingStatus.FILED]


def test_the_measures_do_not_apply_outside_china(settings):
    org = factories.jurisdiction_org("EU")
    activity = factories.activity(org)
    factories.face_people(activity, THRESHOLD)

    assert filing.check(org).opened is None
    assert tasks.check_filings() == 0
    assert not FilingObligation.objects.exists()


def test_the_beat_task_opens_the_obligation_and_is_wired_hourly(faces, org_a):
    from config.celery import app

    factories.face_people(faces, THRESHOLD)
    tasks.check_filings()
    tasks.check_filings()

    assert FilingObligation.objects.filter(organisation=org_a, status=FilingStatus.OPEN).count() == 1
    entry = app.conf.beat_schedule["check-filings"]
    assert entry["task"] == "orgs.check_filings" == tasks.check_filings.name


# --- filing --------------------------------------------------------------------------------------


def test_marking_filed_needs_the_reference_and_an_open_obligation(faces, owner_a):
    obligation = over_threshold(faces, records_each=1)

    with pytest.raises(ValidationError) as missing:
        filing.mark_filed(obligation, user=owner_a, reference="  ")
    assert "reference" in missing.value.message_dict
    filed = filing.mark_filed(obligation, user=owner_a, reference="ZJ-CAC-2025-0042")
    assert filed.status == FilingStatus.FILED and filed.filed_by == owner_a and filed.filed_at
    with pytest.raises(ValidationError) as again:
        filing.mark_filed(obligation, user=owner_a, reference="ZJ-CAC-2025-0043")
    assert again.value.code == "wrong_status"


# --- re-filing on a substantive change -----------------------------------------------------------


@pytest.fixture
def filed(faces, owner_a):
    """Over the threshold, with a gate at the north gate, and filed."""
    point = factories.collection_point(faces, name="North gate")
    factories.device(point, serial="GATE-1")
    obligation = over_threshold(faces)
    return filing.mark_filed(obligation, user=owner_a, reference="ZJ-CAC-2025-0042")


def refilings():
    return FilingObligation.objects.filter(kind=FilingKind.REFILING)


def test_before_filing_a_change_opens_no_refiling(faces):
    over_threshold(faces)
    factories.collection_point(faces, name="South gate")

    assert not refilings().exists()


def test_a_new_collection_point_opens_a_refiling_due_in_30_working_days(filed, faces):
    with time_machine.travel(datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI), tick=False):
        factories.collection_point(faces, name="South gate")

    [refiling] = refilings()
    assert refiling.trigger == FilingTrigger.NEW_POINT and refiling.status == FilingStatus.OPEN
    assert refiling.changes == [{"trigger": "new_point", "what": "South gate"}]
    assert refiling.due_at.astimezone(SHANGHAI).date().isoformat() == "2025-11-13"
    assert refiling.people_counted == THRESHOLD


def test_a_changed_purpose_opens_a_refiling_and_a_second_change_joins_it(filed, faces):
    faces.purpose = "Entry with an annual pass, and tracking visitors' routes through the park"
    register.save_activity(faces)
    point = factories.collection_point(faces, name="Aviary gate")

    [refiling] = refilings()
    assert refiling.trigger == FilingTrigger.NEW_PURPOSE
    assert [c["trigger"] for c in refiling.changes] == ["new_purpose", "new_point"]
    assert "tracking visitors" in filing.describe(refiling)[0] and point.name in filing.describe(refiling)[1]


def test_a_new_modality_opens_a_refiling_a_known_one_does_not(filed, faces):
    point = faces.collection_points.get()
    factories.device(point, serial="GATE-2")  # another face gate: nothing new
    assert not refilings().exists()

    factories.device(point, serial="PALM-1", modality="palm")

    [refiling] = refilings()
    assert refiling.trigger == FilingTrigger.NEW_MODALITY and refiling.changes[0]["what"] == "palm"
    assert filing.describe(refiling) == ["New modality: Palm"]


def test_a_new_activity_of_a_new_modality_is_a_new_purpose_and_a_new_modality(filed, org_a):
    from orgs.models import ProcessingActivity

    palms = ProcessingActivity(organisation=org_a, name="Staff palm check", purpose="Staff entry to the keepers' area",
                               legal_basis="consent", collection_point="Keepers' door", modality="palm",
                               consent_type="separate", retention_days=90)
    register.save_activity(palms)

    [refiling] = refilings()
    assert [c["trigger"] for c in refiling.changes] == ["new_purpose", "new_modality"]
    assert filing.describe(refiling) == ["New purpose: Staff palm check: Staff entry to the keepers' area",
                                         "New modality: Palm"]


def test_trivial_edits_open_no_refiling(filed, faces):
    point = faces.collection_points.get()
    point.notice = "A new wording of the sign's notice."
    point.alternatives = ["card", "staff"]
    register.save_point(point)
    device = point.devices.get()
    device.location = "North gate, lane 3"
    register.save_device(device)
    faces.retention_days = 200
    register.save_activity(faces)

    assert not refilings().exists()


# --- reminders and escalation --------------------------------------------------------------------


@pytest.fixture
def open_obligation(faces, owner_a, officer_a, auditor_a):
    with time_machine.travel(datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI), tick=False):
        return over_threshold(faces)  # due 2025-11-13


def sweep_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return filing_reminders.remind_due()


def test_reminders_at_10_and_3_working_days_and_on_the_due_day_each_once(open_obligation, org_a):
    assert sweep_at(datetime(2025, 10, 27, 9, tzinfo=SHANGHAI)) == 0  # 13 working days left: nothing yet

    assert sweep_at(datetime(2025, 10, 30, 9, tzinfo=SHANGHAI)) == 1  # 10 working days left
    assert sweep_at(datetime(2025, 10, 31, 9, tzinfo=SHANGHAI)) == 0  # the same stage: sent already
    ten = mail.outbox[-1]
    assert sorted(ten.to) == ["officer_a@example.com", "owner_a@example.com"]  # no auditor
    assert "10" in ten.subject and "备案" in ten.body and ten.body.index("备案") < ten.body.index("filing")
    assert "2025" in ten.body and "art. 15" in ten.body

    assert sweep_at(datetime(2025, 11, 10, 9, tzinfo=SHANGHAI)) == 1  # 3 working days left
    assert sweep_at(datetime(2025, 11, 13, 9, tzinfo=SHANGHAI)) == 1  # the due day
    assert sweep_at(datetime(2025, 11, 13, 23, tzinfo=SHANGHAI)) == 0
    assert len(mail.outbox) == 3
    assert list(FilingReminder.objects.order_by("pk").values_list("stage", flat=True)) == ["10", "3", "0"]


def test_past_due_it_escalates_once_to_the_owners_and_the_privacy_contact(open_obligation, org_a):
    assert sweep_at(datetime(2025, 11, 14, 9, tzinfo=SHANGHAI)) == 1
    assert sweep_at(datetime(2025, 11, 20, 9, tzinfo=SHANGHAI)) == 0

    [escalation] = mail.outbox
    assert escalation.to == ["owner_a@example.com", org_a.contact_email]
    assert escalation.subject.startswith("逾期") and "OVERDUE" in escalation.subject
    open_obligation.refresh_from_db()
    assert open_obligation.is_overdue()


def test_a_filed_obligation_gets_no_reminder(open_obligation, owner_a):
    filing.mark_filed(open_obligation, user=owner_a, reference="ZJ-CAC-2025-0042")

    assert sweep_at(datetime(2025, 11, 14, 9, tzinfo=SHANGHAI)) == 0
    assert mail.outbox == []

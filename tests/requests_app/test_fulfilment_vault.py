"""Fulfilment in the built-in vault, called as the Celery tasks call it (no broker here:
`db` tests never commit, so nothing is queued). The end-to-end paths through a real
worker are in test_fulfilment_worker.py."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from orgs.models import BiometricRecord, DataSystem, ErasureCertificate
from requests_app import fulfilment, workflow
from requests_app.actors import SYSTEM, member
from requests_app.models import Attachment, FulfilmentTask, RightsRequest
from requests_app.transparency import audit
from tests import factories

Status = RightsRequest.Status
State = BiometricRecord.State
TaskStatus = FulfilmentTask.Status


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def vault(org_a):
    return factories.system(org_a, name="Gate vault")


@pytest.fixture
def records(org_a, vault):
    """Guo's face (entry gate) and fingerprint (old entry gate); someone else's face."""
    face = factories.activity(org_a, name="Face entry", modality="face", collection_point="East gate")
    finger = factories.activity(org_a, name="Fingerprint entry", modality="fingerprint",
                                collection_point="Old east gate")
    return {
        "face": factories.person_record(face, data_system=vault),
        "finger": factories.person_record(finger, data_system=vault),
        "other": factories.person_record(face, data_system=vault, email="someone.else@example.com"),
    }


def _fulfil(org, officer, **kwargs) -> tuple[RightsRequest, FulfilmentTask]:
    """Approved, begun and its vault task run, as the worker would."""
    rr = factories.approved_request(org, officer, **kwargs)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get(connector=DataSystem.Connector.VAULT)
    fulfilment.run_task(task.pk)
    task.refresh_from_db()
    return rr, task


def _fresh(record) -> BiometricRecord:
    return BiometricRecord.objects.get(pk=record.pk)


def _erase_events(rr) -> list:
    return list(RightsRequest.objects.get(pk=rr.pk).events.filter(action="erase_record").order_by("seq"))


# --- begin ---------------------------------------------------------------------------------


def test_begin_creates_the_tasks_of_an_approved_request_once(org_a, officer_a, vault):
    rr = factories.approved_request(org_a, officer_a)

    fulfilment.begin(rr.pk)
    fulfilment.begin(rr.pk)

    rr.refresh_from_db()
    assert rr.status == Status.FULFILLING
    assert rr.fulfilment_tasks.count() == 1
    assert rr.events.filter(action="start_fulfilment").count() == 1
    assert rr.events.get(action="start_fulfilment").actor_kind == "system"


def test_begin_leaves_an_explanation_to_the_officer(org_a, officer_a, vault):
    rr = factories.approved_request(org_a, officer_a, kind="explanation")

    fulfilment.begin(rr.pk)

    rr.refresh_from_db()
    assert rr.status == Status.APPROVED and not rr.fulfilment_tasks.exists()


def test_begin_leaves_a_request_alone_when_the_organisation_has_no_data_system(org_a, officer_a):
    rr = factories.approved_request(org_a, officer_a)

    fulfilment.begin(rr.pk)

    rr.refresh_from_db()
    assert rr.status == Status.APPROVED


def test_begin_ignores_a_request_that_is_not_approved(org_a, officer_a, vault):
    rr = factories.in_review_request(org_a, officer_a)

    fulfilment.begin(rr.pk)

    rr.refresh_from_db()
    assert rr.status == Status.IN_REVIEW and not rr.fulfilment_tasks.exists()


# --- deletion --------------------------------------------------------------------------------


def test_deletion_tombstones_the_persons_records_with_one_event_each(org_a, officer_a, records):
    rr, task = _fulfil(org_a, officer_a)

    for name in ("face", "finger"):
        record = _fresh(records[name])
        assert record.state == State.DELETED
        assert record.template_ciphertext is None
        assert record.tombstoned_at is not None and rr.reference in record.tombstone_reason
    other = _fresh(records["other"])
    assert other.state == State.ACTIVE and other.read_template() == b"face-template-of-someone.else@example.com"

    assert task.status == TaskStatus.DONE and task.completed_at is not None
    assert sorted((r["id"], r["modality"], r["outcome"]) for r in task.result["records"]) == sorted([
        (records["face"].pk, "face", "deleted"), (records["finger"].pk, "fingerprint", "deleted"),
    ])
    events = _erase_events(rr)
    assert sorted(e.data["record"] for e in events) == sorted([records["face"].pk, records["finger"].pk])
    assert all(e.actor_kind == "system" and not e.visible_to_subject for e in events)
    assert {e.data["outcome"] for e in events} == {"deleted"}
    rr.refresh_from_db()
    assert rr.events.filter(action="record_task_outcome").count() == 1
    assert audit.verify_chain(rr) is None


def test_a_record_under_statutory_retention_ends_storage_only_with_its_template(org_a, officer_a, vault):
    kept = factories.activity(org_a, name="Ticket fraud cases", modality="face", statutory_retention=True)
    plain = factories.activity(org_a, name="Face entry", modality="face")
    retained = factories.person_record(kept, data_system=vault, template=b"face-kept-for-the-court")
    deleted = factories.person_record(plain, data_system=vault)

    rr, task = _fulfil(org_a, officer_a)

    retained = _fresh(retained)
    assert retained.state == State.RESTRICTED
    assert retained.read_template() == b"face-kept-for-the-court"
    assert "47(2)" in retained.tombstone_reason
    assert _fresh(deleted).state == State.DELETED
    by_id = {r["id"]: r for r in task.result["records"]}
    assert by_id[retained.pk]["outcome"] == "storage_only" and "47(2)" in by_id[retained.pk]["reason"]
    assert by_id[deleted.pk]["outcome"] == "deleted"
    assert {e.data["record"]: e.data["outcome"] for e in _erase_events(rr)} == {
        retained.pk: "storage_only", deleted.pk: "deleted",
    }


def test_withdrawing_consent_deletes_like_a_deletion(org_a, officer_a, records):
    rr, task = _fulfil(org_a, officer_a, kind="withdraw_consent")

    assert {_fresh(records[n]).state for n in ("face", "finger")} == {State.DELETED}
    assert len(_erase_events(rr)) == 2


def test_restriction_keeps_the_templates_and_stops_processing(org_a, officer_a, records):
    rr, task = _fulfil(org_a, officer_a, kind="restriction")

    for name in ("face", "finger"):
        record = _fresh(records[name])
        assert record.state == State.RESTRICTED and record.template_ciphertext is not None
    assert {r["outcome"] for r in task.result["records"]} == {"storage_only"}
    assert _fresh(records["other"]).state == State.ACTIVE


def test_a_record_already_deleted_is_neither_deleted_again_nor_listed(org_a, officer_a, records):
    BiometricRecord.objects.filter(pk=records["finger"].pk).update(
        state=State.DELETED, template_ciphertext=None, tombstoned_at=timezone.now(), tombstone_reason="Retention"
    )

    rr, task = _fulfil(org_a, officer_a)

    assert [r["id"] for r in task.result["records"]] == [records["face"].pk]
    assert [e.data["record"] for e in _erase_events(rr)] == [records["face"].pk]
    assert _fresh(records["finger"]).tombstone_reason == "Retention"


def test_a_person_with_no_records_gets_an_empty_outcome(org_a, officer_a, vault):
    rr, task = _fulfil(org_a, officer_a, email="nobody@example.com")

    assert task.status == TaskStatus.DONE and task.result["records"] == []
    assert _erase_events(rr) == []


# --- running twice ---------------------------------------------------------------------------


def test_running_a_done_task_again_changes_nothing(org_a, officer_a, records):
    rr, task = _fulfil(org_a, officer_a)
    before = factories.snapshot(rr)

    fulfilment.run_task(task.pk)

    assert factories.snapshot(rr) == before


def test_a_task_another_worker_holds_is_left_alone(org_a, officer_a, records):
    rr = factories.approved_request(org_a, officer_a)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get()
    FulfilmentTask.objects.filter(pk=task.pk).update(
        status=TaskStatus.RUNNING, attempts=1, lease_expires_at=timezone.now() + timedelta(minutes=5)
    )

    fulfilment.run_task(task.pk)

    task.refresh_from_db()
    assert (task.status, task.attempts) == (TaskStatus.RUNNING, 1)
    assert _fresh(records["face"]).state == State.ACTIVE


def test_a_task_whose_lease_ran_out_is_taken_over(org_a, officer_a, records):
    rr = factories.approved_request(org_a, officer_a)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get()
    FulfilmentTask.objects.filter(pk=task.pk).update(
        status=TaskStatus.RUNNING, attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    fulfilment.run_task(task.pk)

    task.refresh_from_db()
    assert (task.status, task.attempts) == (TaskStatus.DONE, 2)
    assert len(_erase_events(rr)) == 2


def test_a_task_claimed_too_often_fails_for_an_officer(org_a, officer_a, records):
    rr = factories.approved_request(org_a, officer_a)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get()
    FulfilmentTask.objects.filter(pk=task.pk).update(
        status=TaskStatus.RUNNING, attempts=fulfilment.MAX_ATTEMPTS, lease_expires_at=timezone.now()
    )

    fulfilment.run_task(task.pk)

    task.refresh_from_db()
    assert task.status == TaskStatus.FAILED and "gave up" in task.result["error"]
    assert _fresh(records["face"]).state == State.ACTIVE
    assert rr.notifications.filter(kind="task_flagged", user=officer_a).count() == 1


# --- access, copy, portability, correction --------------------------------------------------


@pytest.mark.parametrize("kind", ["access", "copy", "portability"])
def test_an_export_describes_the_records_without_template_or_hashes(org_a, officer_a, records, kind):
    rr, task = _fulfil(org_a, officer_a, kind=kind)

    exports = Attachment.objects.filter(request=rr, purpose=Attachment.Purpose.EXPORT).order_by("content_type")
    assert sorted(task.result["attachments"]) == sorted(a.pk for a in exports)
    assert [a.content_type for a in exports] == ["application/json", "text/html"]
    data, page = (a.file.read() for a in exports)
    body = json.loads(data)
    assert body["request"] == rr.reference
    by_id = {r["id"]: r for r in body["records"]}
    assert set(by_id) == {records["face"].pk, records["finger"].pk}
    face = by_id[records["face"].pk]
    assert face["activity"] == "Face entry" and face["collection_point"] == "East gate"
    assert face["modality"] == "face" and face["legal_basis"] == "consent" and face["state"] == "active"
    assert face["purpose"] and face["collected_at"] and face["retain_until"]
    assert set(face) == {"id", "activity", "purpose", "legal_basis", "collection_point", "modality",
                         "collected_at", "retain_until", "state"}
    assert b"Fingerprint entry" in page and b"East gate" in page
    for record in (records["face"], records["finger"]):
        fresh = _fresh(record)
        for secret in (bytes(fresh.template_ciphertext), fresh.read_template(), fresh.email_hash.encode()):
            assert secret not in data and secret not in page
    assert {_fresh(records[n]).state for n in records} == {State.ACTIVE}  # nothing erased by an export
    assert {r["outcome"] for r in task.result["records"]} == {"exported"}
    assert _erase_events(rr) == []


def test_a_correction_is_not_applicable_to_templates(org_a, officer_a, records):
    rr, task = _fulfil(org_a, officer_a, kind="correction")

    assert {r["outcome"] for r in task.result["records"]} == {"not_applicable"}
    assert "re-enrol" in task.result["note"]
    assert _fresh(records["face"]).state == State.ACTIVE


# --- completion and the certificate --------------------------------------------------------


def test_completion_fulfils_the_request_and_issues_the_certificate(org_a, officer_a, records):
    rr, task = _fulfil(org_a, officer_a)

    fulfilment.complete_if_done(rr.pk)
    fulfilment.complete_if_done(rr.pk)

    rr.refresh_from_db()
    assert rr.status == Status.FULFILLED and rr.closed_at is not None
    certificate = rr.certificate
    assert ErasureCertificate.objects.count() == 1
    finish = rr.events.get(action="finish_fulfilment")
    assert finish.data == {"certificate": certificate.number, "certificate_sha256": certificate.body_sha256}
    assert finish.visible_to_subject
    [system] = certificate.body["systems"]
    assert (system["system"], system["connector"]) == ("Gate vault", "vault")
    assert system["completed_at"]
    assert sorted((r["id"], r["modality"], r["outcome"]) for r in system["records"]) == sorted([
        (records["face"].pk, "face", "deleted"), (records["finger"].pk, "fingerprint", "deleted"),
    ])
    assert certificate.body["totals"] == {"deleted": 2}
    assert certificate.body["request"] == rr.reference
    assert rr.notifications.filter(kind="subject_update", event=finish, user=None).count() == 1


def test_completion_waits_for_every_task(org_a, officer_a, records, system_owner_a):
    factories.system(org_a, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=system_owner_a)
    rr, _task = _fulfil(org_a, officer_a)

    fulfilment.complete_if_done(rr.pk)

    rr.refresh_from_db()
    assert rr.status == Status.FULFILLING and rr.certificate is None


def test_an_access_request_is_fulfilled_without_an_erasure_certificate(org_a, officer_a, records):
    rr, _task = _fulfil(org_a, officer_a, kind="access")

    fulfilment.complete_if_done(rr.pk)

    rr.refresh_from_db()
    assert rr.status == Status.FULFILLED and rr.certificate is None


def test_an_officer_finishing_by_hand_also_gets_the_certificate(org_a, officer_a, vault):
    rr = factories.approved_request(org_a, officer_a)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get()
    outcome = {"connector": "vault", "records": [{"id": 7, "outcome": "deleted"}]}
    workflow.record_task_outcome(task, actor=SYSTEM, outcome=outcome)

    workflow.finish_fulfilment(rr, actor=member(officer_a))

    assert rr.certificate.body["systems"][0]["records"] == [{"id": 7, "outcome": "deleted"}]

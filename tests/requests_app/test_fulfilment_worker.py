"""Fulfilment end to end through REAL Celery workers on the real Redis broker.

The workers are subprocesses on the test database (tests/workers.py) that also publish
their follow-up tasks to the test's own queue. The
state is built and the officer approves in this process; everything after that —
begin, the vault task, completion, the certificate, the subject's email — is the
workers' doing.
"""

from datetime import timedelta
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from orgs.models import BiometricRecord, ErasureCertificate
from requests_app import tasks, workflow
from requests_app.actors import member
from requests_app.models import FulfilmentTask, RightsRequest
from tests import factories
from tests.workers import celery_queue, mails_in, start_worker, wait_for  # noqa: F401

Status = RightsRequest.Status
State = BiometricRecord.State


def _start(start_worker, queue):
    return start_worker()


@pytest.fixture
def park(transactional_db, celery_queue):  # noqa: F811  (after the queue: setup's messages go there)
    """The Hangzhou case: Guo's face and fingerprint in the park's vault, another pass
    holder's face beside them, and Guo's deletion request in review."""
    org = factories.organisation(name="Hangzhou Wildlife World", slug="park-w")
    officer = factories.member(org, "officer", username="officer_w")
    vault = factories.system(org, name="Gate vault")
    face = factories.activity(org, name="Face entry", modality="face", collection_point="East gate")
    finger = factories.activity(org, name="Fingerprint entry", modality="fingerprint", collection_point="East gate")
    return SimpleNamespace(
        org=org, officer=officer, vault=vault,
        face=factories.person_record(face, data_system=vault),
        finger=factories.person_record(finger, data_system=vault),
        other=factories.person_record(face, data_system=vault, email="another.holder@example.com"),
        rr=factories.in_review_request(org, officer, email="guo@example.com"),
    )


def _request(park) -> RightsRequest:
    return RightsRequest.objects.get(pk=park.rr.pk)


def _fulfilled(park) -> bool:
    return _request(park).status == Status.FULFILLED


def _erase_events(park) -> list:
    return list(_request(park).events.filter(action="erase_record").order_by("seq"))


def _assert_deleted_once(park) -> None:
    """Guo's two records deleted with one event each; the other holder's untouched."""
    for record in (park.face, park.finger):
        fresh = BiometricRecord.objects.get(pk=record.pk)
        assert fresh.state == State.DELETED
        assert fresh.template_ciphertext is None and fresh.tombstoned_at is not None
    other = BiometricRecord.objects.get(pk=park.other.pk)
    assert other.state == State.ACTIVE and other.read_template() == b"face-template-of-another.holder@example.com"
    events = _erase_events(park)
    assert sorted(e.data["record"] for e in events) == sorted([park.face.pk, park.finger.pk])
    assert {e.data["outcome"] for e in events} == {"deleted"}


def _assert_certified(park) -> ErasureCertificate:
    rr = _request(park)
    certificate = rr.certificate
    [system] = certificate.body["systems"]
    assert (system["system"], system["connector"]) == ("Gate vault", "vault")
    assert sorted((r["id"], r["modality"], r["outcome"]) for r in system["records"]) == sorted([
        (park.face.pk, "face", "deleted"), (park.finger.pk, "fingerprint", "deleted"),
    ])
    assert ErasureCertificate.objects.count() == 1
    assert rr.events.filter(action="finish_fulfilment").count() == 1
    return certificate


def test_an_approved_deletion_is_carried_out_by_a_worker(start_worker, celery_queue, park, tmp_path):  # noqa: F811
    _start(start_worker, celery_queue)

    workflow.approve(park.rr, actor=member(park.officer))

    wait_for(lambda: _fulfilled(park), timeout=30, message="the request to be fulfilled")
    _assert_deleted_once(park)
    certificate = _assert_certified(park)
    mail = wait_for(
        lambda: [m for m in mails_in(tmp_path) if certificate.number in m], timeout=15,
        message="the subject's email quoting the certificate",
    )
    assert "To: guo@example.com" in mail[0]


def _backends(sql_condition: str) -> int:
    """Other sessions on the test database matching the condition (pg_stat_activity)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            f"AND pid <> pg_backend_pid() AND {sql_condition}"
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_mid_task_leaves_nothing_half_done(start_worker, celery_queue, park, tmp_path):  # noqa: F811
    db = connection.settings_dict
    # Another session holds Guo's face record, so the worker blocks inside the vault transaction.
    locker = psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )
    locker.execute("SELECT id FROM orgs_biometricrecord WHERE id = %s FOR UPDATE", [park.face.pk])
    first = _start(start_worker, celery_queue)
    workflow.approve(park.rr, actor=member(park.officer))

    task = wait_for(
        lambda: FulfilmentTask.objects.filter(request=park.rr, status=FulfilmentTask.Status.RUNNING).first(),
        timeout=30, message="the worker to claim the vault task",
    )
    wait_for(lambda: _backends("wait_event_type = 'Lock'"), message="the worker to wait for the record lock")
    first.kill()
    locker.rollback()
    locker.close()
    # The killed worker's session gets the lock, finds its client gone and rolls back.
    wait_for(lambda: _backends("state <> 'idle'") == 0, timeout=15, message="the dead worker's session to end")

    for record in (park.face, park.finger):
        fresh = BiometricRecord.objects.get(pk=record.pk)
        assert fresh.state == State.ACTIVE and fresh.template_ciphertext is not None
    assert _erase_events(park) == []
    assert not _request(park).events.filter(action="record_task_outcome").exists()
    task.refresh_from_db()
    assert (task.status, task.attempts) == (FulfilmentTask.Status.RUNNING, 1)
    assert _request(park).status == Status.FULFILLING

    # The clock: the lease runs out (not the outcome, which is the workers' to produce).
    FulfilmentTask.objects.filter(pk=task.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    # Stands in for sweeps.requeue_stale_work (another engineer's), which re-queues a task
    # whose lease ran out. The killed worker's own unacked message also comes back once the
    # visibility timeout passes; whichever runs first claims the task, the other finds it done.
    tasks.run_fulfilment_task.delay(task.pk)
    _start(start_worker, celery_queue)

    wait_for(lambda: _fulfilled(park), timeout=30, message="the request to be fulfilled after the re-run")
    task.refresh_from_db()
    assert (task.status, task.attempts) == (FulfilmentTask.Status.DONE, 2)
    _assert_deleted_once(park)
    assert _request(park).events.filter(action="record_task_outcome").count() == 1
    _assert_certified(park)

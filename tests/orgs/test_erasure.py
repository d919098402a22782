"""Bulk erasure orders: chunked, claimed, resumable, each record erased exactly once, and a
certificate at the end (as Nanjing ordered face cameras out of property sales offices)."""

import hashlib
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from orgs import erasure
from orgs.certificates import canonical_json
from orgs.models import BiometricRecord, ErasureCertificate, ErasureOrder, Modality
from tests import factories

State = BiometricRecord.State
Status = ErasureOrder.Status


def states(records) -> dict[int, str]:
    return dict(BiometricRecord.objects.filter(pk__in=[r.pk for r in records]).values_list("pk", "state"))


def untouched(records) -> bool:
    """Each record still active, its template still there and readable."""
    fresh = BiometricRecord.objects.filter(pk__in=[r.pk for r in records])
    return len(fresh) == len(records) and all(
        r.state == State.ACTIVE and r.tombstoned_at is None and r.read_template().startswith(b"template-")
        for r in fresh
    )


def erased_by(order, records) -> bool:
    """Each record deleted by this order: no template, a tombstone naming the order."""
    fresh = BiometricRecord.objects.filter(pk__in=[r.pk for r in records])
    return len(fresh) == len(records) and all(
        r.state == State.DELETED and r.template_ciphertext is None and r.tombstoned_at is not None
        and r.tombstone_reason == f"Erasure order #{order.pk}: {order.reason}"
        for r in fresh
    )


@pytest.fixture
def sales_office(org_a, org_b):
    """Org A's sales office has face cameras (two systems) and a fingerprint reader; its main
    gate is elsewhere; org B has a collection point of the same name."""
    gate_vault = factories.system(org_a, name="Gate vault")
    camera_vault = factories.system(org_a, name="Sales office cameras")
    faces = factories.activity(org_a, name="Visitor face capture", collection_point="Sales office")
    prints = factories.activity(org_a, name="Staff fingerprints", collection_point="Sales office",
                                modality=Modality.FINGERPRINT)
    gate = factories.activity(org_a, name="Annual pass entry", collection_point="Main gate")
    other = factories.activity(org_b, name="Visitor face capture", collection_point="Sales office")
    office = (
        factories.vault_records(faces, 3, data_system=camera_vault)
        + factories.vault_records(prints, 2, data_system=gate_vault)
        + factories.vault_records(faces, 2, data_system=gate_vault)
    )
    already = factories.vault_records(faces, 1, data_system=camera_vault, state=State.DELETED,
                                      reason="Deletion request 7K2MQ")
    return {
        "office": office, "already_deleted": already,
        "elsewhere": factories.vault_records(gate, 3, data_system=gate_vault),
        "other_org": factories.vault_records(other, 2),
        "faces": faces,
    }


def test_order_over_a_collection_point_erases_exactly_its_records_across_chunks(org_a, sales_office):
    order = factories.erasure_order(org_a, collection_point="Sales office")

    assert erasure.run_next_chunk(order.pk, chunk_size=3) is True
    order.refresh_from_db()
    assert (order.status, order.processed, order.total) == (Status.RUNNING, 3, 7)
    assert order.last_id == sorted(r.pk for r in sales_office["office"])[2]
    assert order.lease_until is None  # released: the queued next run may claim at once
    assert order.certificate is None

    runs = 1 + factories.run_order(order, chunk_size=3)

    assert runs == 3
    assert (order.status, order.processed, order.total) == (Status.DONE, 7, 7)
    assert order.finished_at is not None and order.lease_until is None
    assert erased_by(order, sales_office["office"])
    assert untouched(sales_office["elsewhere"] + sales_office["other_org"])
    assert BiometricRecord.objects.get(pk=sales_office["already_deleted"][0].pk).tombstone_reason == \
        "Deletion request 7K2MQ"


def test_certificate_summarises_the_order(org_a, sales_office, administrator):
    order = factories.erasure_order(org_a, collection_point="Sales office", ordered_by=administrator)
    office_ids = sorted(r.pk for r in sales_office["office"])

    factories.run_order(order, chunk_size=3)

    certificate = order.certificate
    body = certificate.body
    assert ErasureCertificate.objects.filter(organisation=org_a).get() == certificate
    assert certificate.body_sha256 == hashlib.sha256(canonical_json(body).encode()).hexdigest()
    assert body["number"] == certificate.number
    assert body["order"] == order.pk and body["kind"] == "order" and body["outcome"] == "deleted"
    assert body["what"] == {"activity": None, "collection_point": "Sales office"}
    assert body["reason"] == order.reason and body["ordered_by"] == "admin"
    assert (body["records_selected"], body["records_erased"]) == (7, 7)
    assert [(row["system"], row["connector"], row["modality"], row["records"]) for row in body["by_system"]] == [
        ("Gate vault", "vault", "face", 2),
        ("Gate vault", "vault", "fingerprint", 2),
        ("Sales office cameras", "vault", "face", 3),
    ]
    assert body["by_modality"] == {"face": 5, "fingerprint": 2}
    assert (body["first_record_id"], body["last_record_id"]) == (office_ids[0], office_ids[-1])
    assert body["started_at"] <= body["finished_at"]


def test_order_over_an_activity_erases_only_that_activity(org_a, sales_office):
    order = factories.erasure_order(org_a, activity=sales_office["faces"])

    factories.run_order(order, chunk_size=2)

    faces = [r for r in sales_office["office"] if r.activity_id == sales_office["faces"].pk]
    prints = [r for r in sales_office["office"] if r.activity_id != sales_office["faces"].pk]
    assert (order.processed, order.total) == (5, 5)
    assert erased_by(order, faces)
    assert untouched(prints + sales_office["elsewhere"] + sales_office["other_org"])
    assert order.certificate.body["what"]["activity"] == {"id": sales_office["faces"].pk,
                                                          "name": "Visitor face capture"}


def test_order_also_deletes_records_restricted_to_storage(org_a):
    activity = factories.activity(org_a, collection_point="Sales office")
    restricted = factories.vault_records(activity, 2, state=State.RESTRICTED)

    order = factories.erasure_order(org_a, collection_point="Sales office")
    factories.run_order(order)

    assert erased_by(order, restricted)


def test_order_with_nothing_left_to_erase_finishes_with_a_certificate(org_a):
    activity = factories.activity(org_a, collection_point="Sales office")
    factories.vault_records(activity, 1, state=State.DELETED)
    order = factories.erasure_order(org_a, activity=activity)

    assert factories.run_order(order) == 1

    assert (order.status, order.total, order.processed) == (Status.DONE, 0, 0)
    assert order.certificate.body["by_system"] == []
    assert order.certificate.body["records_erased"] == 0


def test_a_duplicate_run_while_the_order_is_claimed_does_nothing(org_a, sales_office):
    order = factories.erasure_order(org_a, collection_point="Sales office")
    lease = erasure.claim(order.pk)  # a worker holds it, mid-chunk

    assert erasure.run_next_chunk(order.pk, chunk_size=3) is False

    order.refresh_from_db()
    assert (order.status, order.processed, order.last_id, order.lease_until) == (Status.RUNNING, 0, 0, lease)
    assert untouched(sales_office["office"])


def test_a_finished_order_run_again_does_nothing(org_a, sales_office):
    order = factories.erasure_order(org_a, collection_point="Sales office")
    factories.run_order(order)
    finished = (order.finished_at, order.certificate_id, order.processed)

    assert erasure.run_next_chunk(order.pk) is False

    order.refresh_from_db()
    assert (order.finished_at, order.certificate_id, order.processed) == finished
    assert ErasureCertificate.objects.count() == 1


class WorkerKilled(BaseException):
    """Stands for a SIGKILL: not an Exception, nothing catches it on the way out."""


def test_a_run_after_a_crash_mid_chunk_resumes_from_last_id(org_a, sales_office, monkeypatch):
    order = factories.erasure_order(org_a, collection_point="Sales office")
    assert erasure.run_next_chunk(order.pk, chunk_size=3) is True
    real_tombstone = erasure.tombstone

    def tombstone_then_die(records, **how):
        real_tombstone(records, **how)
        raise WorkerKilled  # after the UPDATE, before the commit

    monkeypatch.setattr(erasure, "tombstone", tombstone_then_die)
    with pytest.raises(WorkerKilled):
        erasure.run_next_chunk(order.pk, chunk_size=3)
    monkeypatch.undo()

    order.refresh_from_db()
    assert (order.status, order.processed) == (Status.RUNNING, 3)
    assert order.lease_until > timezone.now()  # the dead worker's lease
    assert sum(state == State.DELETED for state in states(sales_office["office"]).values()) == 3
    assert erasure.stale_order_ids() == []
    assert erasure.run_next_chunk(order.pk, chunk_size=3) is False  # the lease still holds

    with time_machine.travel(order.lease_until + timedelta(seconds=1)):
        assert erasure.stale_order_ids() == [order.pk]
        factories.run_order(order, chunk_size=3)

    assert (order.status, order.processed, order.total) == (Status.DONE, 7, 7)
    assert erased_by(order, sales_office["office"])
    assert order.certificate.body["records_erased"] == 7


def test_stale_orders_are_the_open_ones_no_worker_holds(org_a, org_b):
    activity = factories.activity(org_a)
    factories.vault_records(activity, 3)
    pending = factories.erasure_order(org_a, activity=activity)
    between_chunks = factories.erasure_order(org_a, activity=activity)
    erasure.run_next_chunk(between_chunks.pk, chunk_size=1)
    held = factories.erasure_order(org_a, activity=activity)
    erasure.claim(held.pk)
    done = factories.erasure_order(org_a, activity=activity)
    factories.run_order(done)

    assert erasure.stale_order_ids() == [pending.pk, between_chunks.pk]
    assert erasure.stale_order_ids(now=timezone.now() + erasure.LEASE + timedelta(seconds=1)) == [
        pending.pk, between_chunks.pk, held.pk
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_erase_each_record_once_and_issue_one_certificate():
    org = factories.organisation(slug="sales-c")
    activity = factories.activity(org, collection_point="Sales office")
    records = factories.vault_records(activity, 40)
    order = factories.erasure_order(org, activity=activity)
    start = threading.Barrier(4)
    errors = []

    def worker():
        try:
            start.wait()
            for _attempt in range(200):
                erasure.run_next_chunk(order.pk, chunk_size=3)
                if ErasureOrder.objects.filter(pk=order.pk, status=Status.DONE).exists():
                    return
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    order.refresh_from_db()
    assert errors == []
    assert (order.status, order.processed, order.total) == (Status.DONE, 40, 40)
    assert erased_by(order, records)
    assert ErasureCertificate.objects.filter(organisation=org).count() == 1
    assert order.certificate.body["records_erased"] == 40

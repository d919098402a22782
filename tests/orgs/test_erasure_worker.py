"""Erasure orders end to end on real Celery workers and the real Redis broker."""

from datetime import timedelta

import psycopg
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orgs import erasure, tasks
from orgs.models import BiometricRecord, ErasureOrder
from tests import factories
from tests.workers import celery_queue, start_worker, wait_for  # noqa: F401

State = ErasureOrder.Status
REASON = "Municipal order of 2020-12: face cameras out of property sales offices"


def is_done(order_id: int):
    return ErasureOrder.objects.filter(pk=order_id, status=ErasureOrder.Status.DONE).first()


def test_an_order_made_in_the_admin_is_carried_out_by_a_worker(start_worker, client, administrator):
    start_worker()
    org = factories.organisation(name="Nanjing Sales Office", slug="sales-w")
    office = factories.activity(org, name="Visitor face capture", collection_point="Sales office")
    records = factories.vault_records(office, 25)
    kept = factories.vault_records(factories.activity(org, name="Staff entry", collection_point="Staff door"), 2)
    factories.force_sign_in(client, administrator)

    response = client.post(reverse("admin:orgs_erasureorder_add"),
                           {"organisation": org.pk, "collection_point": "Sales office", "reason": REASON})
    assert response.status_code == 302 and response["Location"].startswith("/admin/orgs/erasureorder/")

    order = wait_for(lambda: is_done(ErasureOrder.objects.get().pk), message="the worker to finish the order")
    assert (order.processed, order.total, order.ordered_by) == (25, 25, administrator)
    assert order.certificate.body["records_erased"] == 25
    assert order.certificate.body["reason"] == REASON
    erased = BiometricRecord.objects.filter(pk__in=[r.pk for r in records])
    assert {(r.state, r.template_ciphertext) for r in erased} == {("deleted", None)}
    assert {r.state for r in BiometricRecord.objects.filter(pk__in=[r.pk for r in kept])} == {"active"}
    page = client.get(reverse("admin:orgs_erasureorder_change", args=[order.pk])).content.decode()
    assert "25 / 25 (100 %)" in page and order.certificate.number in page


def backend_waiting_on_a_lock(database: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'"
            " AND query LIKE 'UPDATE \"orgs_biometricrecord\"%%'", [database],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def backend_gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0


def test_a_worker_killed_mid_chunk_leaves_it_undone_and_a_rerun_erases_each_record_once(start_worker):
    org = factories.organisation(name="Nanjing Sales Office", slug="sales-k")
    office = factories.activity(org, name="Visitor face capture", collection_point="Sales office")
    records = factories.vault_records(office, 30)
    order = factories.erasure_order(org, activity=office, reason=REASON)
    db = connection.settings_dict
    # Another session holds one record of the chunk, so the worker stops inside its
    # chunk's transaction, its UPDATE waiting: that is where it is killed.
    holder = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                             dbname=db["NAME"])
    holder.execute("SELECT 1 FROM orgs_biometricrecord WHERE id = %s FOR UPDATE", [records[10].pk])
    try:
        worker = start_worker()
        tasks.run_erasure_order.delay(order.pk)
        pid = wait_for(lambda: backend_waiting_on_a_lock(db["NAME"]), message="the worker to be mid-chunk")
        worker.kill()
    finally:
        holder.rollback()
        holder.close()
    wait_for(lambda: backend_gone(pid), message="the dead worker's session to end")

    order.refresh_from_db()
    assert (order.status, order.processed, order.last_id) == (State.RUNNING, 0, 0)
    assert order.lease_until > timezone.now()
    assert BiometricRecord.objects.filter(pk__in=[r.pk for r in records], state="deleted").count() == 0

    # Five minutes on, the lease has run out: the re-queue sweep finds the order and queues it.
    ErasureOrder.objects.filter(pk=order.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert erasure.stale_order_ids() == [order.pk]
    start_worker()
    tasks.run_erasure_order.delay(order.pk)

    order = wait_for(lambda: is_done(order.pk), message="the rerun to finish the order")
    assert (order.processed, order.total) == (30, 30)
    assert order.certificate.body["records_erased"] == 30
    assert set(BiometricRecord.objects.filter(pk__in=[r.pk for r in records]).values_list(
        "state", "tombstone_reason")) == {("deleted", f"Erasure order #{order.pk}: {REASON}")}


def _fill_point(point, system, n: int) -> None:
    """`n` records collected at the point, in one INSERT ... SELECT (no templates: what an
    order erases is the row's state, and a template would only slow the fill)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO orgs_biometricrecord (organisation_id, system_id, activity_id, collection_point_id,
                   modality, email_hash, phone_hash, member_number_hash, id_number_hash, person_hash, masked_identifiers,
                   collected_at, retain_until, state, tombstone_reason)
               SELECT %s, %s, %s, %s, 'face', '', '', '', '', '', '', now() - interval '30 days',
                      now() + interval '300 days', 'active', ''
               FROM generate_series(1, %s)""",
            [point.organisation_id, system.pk, point.activity_id, point.pk, n])
        cursor.execute("ANALYZE orgs_biometricrecord")


def test_a_decommission_order_at_100000_records_survives_a_worker_killed_halfway(start_worker, settings, tmp_path):
    """The Nanjing order at scale: the worker dies halfway; the rerun picks up where the last
    committed chunk ended, each record is erased once, both gates wipe and confirm, every
    device is retired and one certificate counts all 100,000."""
    from tests.gate import Gate

    settings.MEDIA_ROOT = tmp_path
    org = factories.organisation(name="Nanjing Sales Office", slug="sales-big")
    owner = factories.member(org, "owner", username="owner.big")
    office = factories.activity(org, name="Visitor face capture", collection_point="Sales office")
    point = factories.collection_point(office, name="Sales office entrance", place_kind="sales_office", signage=True)
    gates = [Gate(factories.live_device(point, owner, serial=f"NJ-CAM-{n}", kind="camera")) for n in (1, 2)]
    _fill_point(point, factories.system(org), 100_000)
    order = erasure.order_decommission(point, reason=REASON, by=owner)
    assert order.total == 100_000

    worker = start_worker()
    tasks.run_erasure_order.delay(order.pk)
    wait_for(lambda: ErasureOrder.objects.get(pk=order.pk).processed >= 40_000, timeout=120,
             message="the worker to be halfway")
    worker.kill()
    halfway = ErasureOrder.objects.get(pk=order.pk)
    assert 40_000 <= halfway.processed < 100_000 and halfway.status == State.RUNNING
    assert BiometricRecord.objects.filter(collection_point=point, state="deleted").count() == halfway.processed

    # The lease runs out; the sweep finds the order and a new worker carries on.
    ErasureOrder.objects.filter(pk=order.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert erasure.stale_order_ids() == [order.pk]
    start_worker()
    tasks.run_erasure_order.delay(order.pk)
    order = wait_for(lambda: ErasureOrder.objects.filter(pk=order.pk, status=State.DEVICES).first(), timeout=120,
                     message="the rerun to erase the rest")
    assert order.processed == 100_000
    assert BiometricRecord.objects.filter(collection_point=point, state="deleted").count() == 100_000
    assert [gate.poll().json()["deletions"][0]["wipe"] for gate in gates] == [True, True]

    for gate in gates:
        assert gate.work().status_code == 201
    order.refresh_from_db()
    assert order.status == State.DONE
    body = order.certificate.body
    assert (body["records_selected"], body["records_erased"]) == (100_000, 100_000)
    assert body["what"]["devices_retired"] == ["NJ-CAM-1", "NJ-CAM-2"]
    assert [len(device["receipts"]) for device in body["devices"]] == [1, 1]

"""Retention (PIPL art. 47(1)): records past their retention date are deleted without anyone
asking, exactly those, restricted ones included, with a certificate per organisation."""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from orgs import erasure, tasks
from orgs.models import BiometricRecord, ErasureOrder
from tests import factories
from tests.workers import celery_queue  # noqa: F401

State = BiometricRecord.State
Status = ErasureOrder.Status


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def vaults(org_a, org_b, now):
    """Records of three organisations: expired or not, active, restricted or already deleted."""
    org_c = factories.organisation(name="Tianjin Credit Bureau", slug="credit-c")
    past, future = now - timedelta(days=1), now + timedelta(days=30)
    a_gate = factories.activity(org_a, name="Annual pass entry")
    a_staff = factories.activity(org_a, name="Staff time clock", collection_point="Staff door",
                                 modality="fingerprint", statutory_retention=True)
    b_office = factories.activity(org_b, name="Visitor face capture", collection_point="Sales office")
    c_kiosk = factories.activity(org_c, name="Kiosk check-in", collection_point="Kiosk")
    return {
        "org_c": org_c,
        "expired": {
            org_a.pk: factories.vault_records(a_gate, 3, retain_until=past)
            + factories.vault_records(a_staff, 1, retain_until=past, state=State.RESTRICTED),
            org_b.pk: factories.vault_records(b_office, 2, retain_until=now - timedelta(seconds=1)),
        },
        "kept": (
            factories.vault_records(a_gate, 2, retain_until=future)
            + factories.vault_records(a_gate, 1, retain_until=now)  # due exactly now: not yet past
            + factories.vault_records(b_office, 1, retain_until=future)
            + factories.vault_records(c_kiosk, 2, retain_until=future)
        ),
        "restricted_kept": factories.vault_records(a_staff, 1, retain_until=future, state=State.RESTRICTED),
        "already_deleted": factories.vault_records(a_gate, 2, retain_until=past, state=State.DELETED,
                                                   reason="Deletion request 7K2MQ"),
    }


def snapshot(records) -> dict:
    return {
        r.pk: (r.state, bytes(r.template_ciphertext) if r.template_ciphertext else None, r.tombstoned_at,
               r.tombstone_reason)
        for r in BiometricRecord.objects.filter(pk__in=[r.pk for r in records])
    }


def test_retention_deletes_exactly_the_expired_records(org_a, org_b, vaults, now):
    untouched = vaults["kept"] + vaults["restricted_kept"] + vaults["already_deleted"]
    before = snapshot(untouched)

    order_ids = erasure.open_retention_orders(now=now)
    for order_id in order_ids:
        factories.run_order(ErasureOrder.objects.get(pk=order_id), chunk_size=2)

    orders = {o.organisation_id: o for o in ErasureOrder.objects.filter(pk__in=order_ids)}
    assert sorted(orders) == sorted([org_a.pk, org_b.pk])
    for org_id, expired in vaults["expired"].items():
        order = orders[org_id]
        assert (order.kind, order.status, order.retain_until_before) == ("retention", Status.DONE, now)
        assert order.reason == "Retention period expired (PIPL art. 47(1))"
        assert (order.total, order.processed) == (len(expired), len(expired))
        for record in BiometricRecord.objects.filter(pk__in=[r.pk for r in expired]):
            assert record.state == State.DELETED
            assert record.template_ciphertext is None
            assert record.tombstoned_at is not None
            assert record.tombstone_reason == f"Erasure order #{order.pk}: Retention period expired (PIPL art. 47(1))"
    assert snapshot(untouched) == before
    assert all(BiometricRecord.objects.get(pk=r.pk).read_template() for r in vaults["kept"])


def test_retention_certificates_count_what_each_organisation_lost(org_a, org_b, vaults, now):
    for order_id in erasure.open_retention_orders(now=now):
        factories.run_order(ErasureOrder.objects.get(pk=order_id), chunk_size=2)

    a = ErasureOrder.objects.get(organisation=org_a).certificate.body
    b = ErasureOrder.objects.get(organisation=org_b).certificate.body
    assert a["kind"] == "retention" and a["reason"] == "Retention period expired (PIPL art. 47(1))"
    assert a["what"]["retained_until_before"].startswith(now.strftime("%Y-%m-%dT%H:%M:%S"))
    assert (a["records_selected"], a["records_erased"], b["records_erased"]) == (4, 4, 2)
    assert a["by_modality"] == {"face": 3, "fingerprint": 1}
    assert b["by_modality"] == {"face": 2}
    expired_a = sorted(r.pk for r in vaults["expired"][org_a.pk])
    assert (a["first_record_id"], a["last_record_id"]) == (expired_a[0], expired_a[-1])


def test_one_retention_order_open_per_organisation_at_a_time(org_a, org_b, vaults, now):
    first = erasure.open_retention_orders(now=now)

    assert len(first) == 2
    assert erasure.open_retention_orders(now=now + timedelta(hours=1)) == []

    a_order = ErasureOrder.objects.get(organisation=org_a)
    factories.run_order(a_order)
    later_expired = factories.vault_records(factories.activity(org_a, name="Lockers"), 1,
                                            retain_until=now + timedelta(minutes=30))
    second = erasure.open_retention_orders(now=now + timedelta(hours=1))

    assert len(second) == 1
    order = ErasureOrder.objects.get(pk=second[0])
    assert order.organisation == org_a
    factories.run_order(order)
    assert order.processed == 2  # the record due at `now`, and the one due half an hour later
    assert BiometricRecord.objects.get(pk=later_expired[0].pk).state == State.DELETED


def test_nothing_expired_opens_no_order(vaults, now):
    for order_id in erasure.open_retention_orders(now=now):
        factories.run_order(ErasureOrder.objects.get(pk=order_id))

    assert erasure.open_retention_orders(now=now) == []
    assert ErasureOrder.objects.count() == 2


def test_enforce_retention_queues_each_order_it_opens(vaults, celery_queue):  # noqa: F811
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    order_ids = tasks.enforce_retention()

    assert len(order_ids) == 2
    assert broker.llen(celery_queue) == 2
    broker.delete(celery_queue)

"""Deletion on the devices themselves (Measures art. 8): a gate that keeps templates pulls
its deletions with its own token, deletes, and confirms with a receipt signed by its own
key; the request waits for every such gate and its certificate lists each receipt. A gate
offline for a week is flagged, and finishes the work when it returns."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orgs import devices, erasure, register
from orgs.models import BiometricRecord, DataSystem, Device, DeviceDeletion, DeviceReceipt, ErasureOrder
from requests_app import fulfilment
from requests_app.cases import tokens
from requests_app.models import FulfilmentTask, RightsRequest
from tests import factories
from tests.gate import Gate

pytestmark = pytest.mark.django_db
TaskStatus = FulfilmentTask.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def point(org_a):
    activity = factories.activity(org_a, name="Face entry", collection_point="North gate")
    return factories.collection_point(activity, signage=True)


@pytest.fixture
def gates(point, owner_a):
    """Two gates keeping templates on themselves, and a camera that sends them centrally."""
    north = Gate(factories.live_device(point, owner_a, serial="HZ-GATE-001", location="North gate, lane 1"))
    south = Gate(factories.live_device(point, owner_a, serial="HZ-GATE-002", location="North gate, lane 2"))
    factories.live_device(point, owner_a, serial="HZ-CAM-001", kind="camera", template_storage="central")
    return north, south


@pytest.fixture
def guo(point, gates):
    vault = factories.system(point.organisation, name="Gate vault")
    record = factories.person_record(point.activity, data_system=vault)
    BiometricRecord.objects.filter(pk=record.pk).update(collection_point=point)
    for gate in gates:
        gate.holds.add(record.pk)
    return record


def _fulfil(org, officer):
    rr = factories.approved_request(org, officer)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get(connector=DataSystem.Connector.VAULT)
    fulfilment.run_task(task.pk)
    task.refresh_from_db()
    return rr, task


def _settle(rr):
    fulfilment.complete_if_done(rr.pk)
    rr.refresh_from_db()
    return rr


def test_the_request_waits_for_every_gate_and_its_certificate_lists_their_receipts(
        org_a, officer_a, guo, gates, client):
    north, south = gates
    rr, task = _fulfil(org_a, officer_a)

    # Erased here at once; the copies on both gates (not the central camera) are queued.
    assert BiometricRecord.objects.get(pk=guo.pk).state == BiometricRecord.State.DELETED
    assert task.status == TaskStatus.AWAITING_CALLBACK
    assert sorted(DeviceDeletion.objects.values_list("device__serial", flat=True)) == ["HZ-GATE-001", "HZ-GATE-002"]
    assert [d["record"] for d in north.poll().json()["deletions"]] == [guo.pk]

    assert north.work().status_code == 201
    assert _settle(rr).status == RightsRequest.Status.FULFILLING  # the second gate has not confirmed
    assert south.work().status_code == 201
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    rr = _settle(rr)
    assert rr.status == RightsRequest.Status.FULFILLED
    assert not north.holds and not south.holds

    listed = rr.certificate.body["systems"][0]["devices"]
    assert [(d["device"], d["location"], d["deletions"]) for d in listed] == [
        ("HZ-GATE-001", "North gate, lane 1", 1), ("HZ-GATE-002", "North gate, lane 2", 1)]
    for entry, other in zip(listed, reversed(listed)):
        proof = entry["receipts"][0]  # as printed on the certificate, checkable by anyone
        assert proof["body"] == DeviceReceipt.objects.get(body_sha256=proof["body_sha256"]).body
        assert devices.verify_receipt(proof)
        assert not devices.verify_receipt({**proof, "body": proof["body"].replace('"deleted":[', '"deleted":[9,')})
        assert not devices.verify_receipt({**proof, "signature": other["receipts"][0]["signature"]})
    # What the officer sees on the case: each gate and its receipt.
    desk = Client()
    factories.force_sign_in(desk, officer_a)
    case = desk.get(reverse("desk:case", args=[rr.reference]))
    assert case.status_code == 200
    assert "Deleted on device HZ-GATE-001 (1 copy)" in case.content.decode()
    # What the person sees on their certificate: each gate and its signed receipt.
    token = tokens.issue_status_link(rr.submission)
    page = client.get(reverse("public:certificate", kwargs={"token": token, "reference": rr.reference}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "On the devices" in text and "HZ-GATE-001" in text and "HZ-GATE-002" in text
    assert listed[0]["receipts"][0]["signature"] in text


def test_a_gate_offline_for_a_week_is_flagged_and_finishes_when_it_returns(org_a, officer_a, owner_a, guo, gates):
    north, south = gates
    rr, task = _fulfil(org_a, officer_a)
    north.work()

    week = timezone.now() + timedelta(days=7)
    with time_machine.travel(week, tick=False):
        flags = [f for f in register.flags_for(org_a) if f.code == "device_overdue"]
        assert [f.device_id for f in flags] == [south.device.pk]
        assert "HZ-GATE-002" in flags[0].message and "1" in flags[0].message
        assert fulfilment.flag_silent_tasks() == 1  # the officers are told the request waits
        task.refresh_from_db()
        assert task.flagged_at is not None and task.status == TaskStatus.AWAITING_CALLBACK

        # Back online: it pulls its queue, deletes, confirms; the request can close.
        assert south.work().status_code == 201
        assert not [f for f in register.flags_for(org_a) if f.code == "device_overdue"]
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert _settle(rr).status == RightsRequest.Status.FULFILLED


def test_receipts_that_do_not_hold_are_refused_and_change_nothing(org_a, officer_a, guo, gates):
    north, south = gates
    _fulfil(org_a, officer_a)
    mine = [d["id"] for d in north.poll().json()["deletions"]]
    theirs = [d["id"] for d in south.poll().json()["deletions"]]

    forged = north.signed(mine, key=south.key)
    assert north.send(forged).status_code == 400
    assert "signature" in north.send(forged).json()["fields"]
    assert north.send(north.signed(mine, serial="HZ-GATE-002")).status_code == 400
    assert north.send(north.signed(theirs)).status_code == 400
    assert north.send({"body": "{}", "signature": "x"}).status_code == 400
    assert north.client.post("/api/v1/device/receipts/", "not json", content_type="application/json",
                             HTTP_AUTHORIZATION=f"Device {north.token}").status_code == 400
    assert not DeviceReceipt.objects.exists()
    assert DeviceDeletion.objects.filter(receipt__isnull=True).count() == 2

    good = north.signed(mine)
    assert north.send(good).status_code == 201
    again = north.send(good)  # a retry after a lost answer: the same receipt
    assert again.status_code == 200 and again.json()["acknowledged"] == 1
    assert DeviceReceipt.objects.count() == 1


def test_no_token_or_a_wrong_one_is_refused(gates):
    north, _south = gates
    assert north.client.get("/api/v1/device/deletions/").status_code == 401
    assert north.client.get("/api/v1/device/deletions/", HTTP_AUTHORIZATION="Device rdd_nope").status_code == 401
    assert north.client.get("/api/v1/device/deletions/",
                            HTTP_AUTHORIZATION=f"Bearer {north.token}").status_code == 401
    # A new credential replaces the old token.
    old = north.token
    north.token = devices.issue_credential(north.device, verify_key=north.verify_key)
    assert north.client.get("/api/v1/device/deletions/", HTTP_AUTHORIZATION=f"Device {old}").status_code == 401
    assert north.poll().status_code == 200


def test_a_device_sees_only_its_own_deletions(org_a, org_b, officer_a, guo, gates):
    owner_b = factories.member(org_b, "owner", username="owner.b")
    activity_b = factories.activity(org_b, name="Face entry", collection_point="Gate")
    point_b = factories.collection_point(activity_b, signage=True)
    other = Gate(factories.live_device(point_b, owner_b, serial="OTHER-1"))
    _fulfil(org_a, officer_a)

    assert other.poll().json()["deletions"] == []
    stolen = [d.pk for d in DeviceDeletion.objects.all()]
    assert other.send(other.signed(stolen)).status_code == 400
    assert DeviceDeletion.objects.filter(receipt__isnull=True).count() == 2


def test_a_bad_verify_key_is_refused(point, owner_a):
    device = factories.live_device(point, owner_a)
    with pytest.raises(Exception) as refused:
        devices.issue_credential(device, verify_key="not a key")
    assert "Ed25519" in str(refused.value)


def test_a_returning_gate_reconciles_what_it_still_holds(org_a, officer_a, point, guo, gates):
    north, _south = gates
    vault = DataSystem.objects.get(organisation=org_a)
    kept = factories.person_record(point.activity, data_system=vault, email="kept@example.com")
    BiometricRecord.objects.filter(pk=kept.pk).update(collection_point=point)
    _fulfil(org_a, officer_a)

    answer = north.inventory([guo.pk, kept.pk, 999_999_999])
    assert answer.status_code == 200
    assert answer.json()["delete"] == [guo.pk, 999_999_999]
    assert north.inventory(["x"]).status_code == 400


# --- orders ------------------------------------------------------------------------------


def test_a_decommission_order_wipes_every_gate_retires_them_and_issues_one_certificate(org_a, owner_a, point, gates):
    north, south = gates
    records = factories.vault_records(point.activity, 25)
    BiometricRecord.objects.filter(pk__in=[r.pk for r in records]).update(collection_point=point)

    order = erasure.order_decommission(point, reason="Order of the city to remove face cameras", by=owner_a)
    with pytest.raises(Exception):
        erasure.order_decommission(point, reason="again")
    factories.run_order(order, chunk_size=10)

    assert order.status == ErasureOrder.Status.DEVICES and order.processed == 25
    assert not BiometricRecord.objects.filter(collection_point=point, state="active").exists()
    assert [d["wipe"] for d in north.poll().json()["deletions"]] == [True]
    north.work()
    order.refresh_from_db()
    assert order.status == ErasureOrder.Status.DEVICES
    south.work()
    order.refresh_from_db()
    assert order.status == ErasureOrder.Status.DONE
    assert set(Device.objects.filter(collection_point=point).values_list("status", flat=True)) == {"retired"}
    body = order.certificate.body
    assert body["what"]["devices_retired"] == ["HZ-CAM-001", "HZ-GATE-001", "HZ-GATE-002"]
    assert [d["device"] for d in body["devices"]] == ["HZ-GATE-001", "HZ-GATE-002"]
    assert all(d["receipts"] for d in body["devices"])
    # Retired and with nothing left to confirm, a gate's token no longer works.
    assert north.poll().status_code == 401


def test_an_ordered_deletion_asks_each_gate_for_ranges_and_certifies_every_record(org_a, owner_a, point, gates):
    north, south = gates
    records = factories.vault_records(point.activity, 25)
    BiometricRecord.objects.filter(pk__in=[r.pk for r in records]).update(collection_point=point)
    other_point = factories.collection_point(factories.activity(org_a, name="Staff entry", collection_point="Staff"),
                                             name="Staff door")
    staff_gate = Gate(factories.live_device(other_point, owner_a, serial="HZ-STAFF-1"))
    for gate in gates:
        gate.holds |= {r.pk for r in records}
    order = factories.erasure_order(org_a, activity=point.activity)

    factories.run_order(order, chunk_size=10)
    assert order.status == ErasureOrder.Status.DEVICES and order.processed == 25
    asked = north.poll().json()["deletions"]
    assert [d["range"] for d in asked] == [[records[0].pk, records[9].pk], [records[10].pk, records[19].pk],
                                           [records[20].pk, records[24].pk]]
    assert staff_gate.poll().json()["deletions"] == []  # another point's gate holds none of them
    north.work(), south.work()
    assert not north.holds and not south.holds
    order.refresh_from_db()
    assert order.status == ErasureOrder.Status.DONE
    assert [(d["device"], d["deletions"]) for d in order.certificate.body["devices"]] == [
        ("HZ-GATE-001", 25), ("HZ-GATE-002", 25)]


def test_a_retention_order_waits_for_the_gates_too(org_a, point, gates):
    north, south = gates
    old = factories.vault_records(point.activity, 3, retain_until=timezone.now() - timedelta(days=1))
    BiometricRecord.objects.filter(pk__in=[r.pk for r in old]).update(collection_point=point)
    [order_id] = erasure.open_retention_orders()
    order = ErasureOrder.objects.get(pk=order_id)
    factories.run_order(order)
    assert order.status == ErasureOrder.Status.DEVICES
    assert len(north.poll().json()["deletions"]) == 3
    north.work(), south.work()
    order.refresh_from_db()
    assert order.status == ErasureOrder.Status.DONE
    assert {d["deletions"] for d in order.certificate.body["devices"]} == {3}


def test_an_order_without_a_reason_is_refused(point):
    with pytest.raises(Exception) as refused:
        erasure.order_decommission(point, reason="  ")
    assert "reason" in json.dumps(refused.value.message_dict)
    assert not ErasureOrder.objects.exists()


def test_the_sweep_moves_on_what_a_receipt_completed_if_nobody_did(org_a, officer_a, point, guo, gates):
    """A receipt accepted by a process that died before moving the request on."""
    from requests_app.fulfilment import devices as device_receipts

    rr, task = _fulfil(org_a, officer_a)
    for gate in gates:
        batch = [d["id"] for d in gate.poll().json()["deletions"]]
        receipt = gate.signed(batch)
        devices.accept_receipt(gate.device.credential, receipt["body"], receipt["signature"])
    task.refresh_from_db()
    assert task.status == TaskStatus.AWAITING_CALLBACK

    assert device_receipts.settle() == {"tasks": 1, "orders": 0}
    assert device_receipts.settle() == {"tasks": 0, "orders": 0}
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert _settle(rr).status == RightsRequest.Status.FULFILLED

"""Orders to remove a collection point from the desk (the Nanjing order): an owner orders
it, the page shows its progress (records erased, devices confirmed) and, once every device
has confirmed, the certificate. Owners only (an officer is answered 404, as for every
owner's page); another organisation's point or order is 404."""

import pytest
from django.test import Client
from django.urls import reverse

from orgs.models import BiometricRecord, Device, ErasureOrder
from tests import factories
from tests.gate import Gate

URL = reverse("desk:scanners")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(user) -> Client:
    client = Client()
    factories.force_sign_in(client, user)
    return client


@pytest.fixture
def sales_office(org_a, owner_a):
    cameras = factories.activity(org_a, name="Visitor capture", collection_point="Sales office")
    point = factories.collection_point(cameras, name="Sales office entrance", place_kind="sales_office",
                                       signage=True)
    gate = Gate(factories.live_device(point, owner_a, serial="NJ-CAM-1", kind="camera"))
    records = factories.vault_records(cameras, 12)
    BiometricRecord.objects.filter(pk__in=[r.pk for r in records]).update(collection_point=point)
    return point, gate


def _order_url(point):
    return reverse("desk:decommission", args=[point.public_id])


def test_an_owner_orders_a_point_removed_and_follows_it_to_its_certificate(sales_office, owner_a, officer_a):
    point, gate = sales_office
    owner = signed_in(owner_a)
    assert "Order this point removed" in owner.get(URL).content.decode()

    answer = owner.post(_order_url(point), {"reason": "Nanjing order: face cameras out of sales offices"})
    assert answer.status_code == 302
    order = ErasureOrder.objects.get(point=point)
    factories.run_order(order)
    page = owner.get(URL).content.decode()
    assert order.status == ErasureOrder.Status.DEVICES
    assert "12 / 12" in page and "0 / 1" in page and "Waiting for the devices" in page
    assert "Order this point removed" not in page  # one order at a time

    gate.work()
    order.refresh_from_db()
    assert order.status == ErasureOrder.Status.DONE
    assert Device.objects.get(serial="NJ-CAM-1").status == Device.Status.RETIRED
    page = signed_in(officer_a).get(URL).content.decode()
    assert "1 / 1" in page and order.certificate.number in page
    certificate = signed_in(officer_a).get(reverse("desk:order_certificate", args=[order.pk, "html"]))
    assert certificate.status_code == 200
    text = certificate.content.decode()
    assert "NJ-CAM-1" in text and "On the devices" in text and "Nanjing order" in text
    pdf = signed_in(officer_a).get(reverse("desk:order_certificate", args=[order.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")


def test_an_order_needs_its_reason_and_an_owner(sales_office, officer_a, owner_a):
    point, _gate = sales_office
    assert signed_in(officer_a).post(_order_url(point), {"reason": "x"}).status_code == 404
    empty = signed_in(owner_a).post(_order_url(point), {"reason": "  "}, follow=True)
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    assert not ErasureOrder.objects.exists()


def test_another_organisations_point_and_order_are_404(sales_office, org_b):
    point, _gate = sales_office
    owner_b = factories.member(org_b, "owner", username="owner.b")
    order = ErasureOrder.objects.create(organisation=point.organisation, kind="decommission", point=point,
                                        reason="x")
    factories.run_order(order)
    stranger = signed_in(owner_b)
    assert stranger.post(_order_url(point), {"reason": "Removal"}).status_code == 404
    assert stranger.get(reverse("desk:order_certificate", args=[order.pk, "html"])).status_code == 404
    assert ErasureOrder.objects.count() == 1
    assert Client().get(reverse("desk:order_certificate", args=[order.pk, "html"])).status_code == 302


def test_the_page_shows_what_each_device_keeps_waiting(sales_office, owner_a, officer_a):
    point, gate = sales_office
    from orgs import devices

    devices.queue_record_deletions(BiometricRecord.objects.values_list("pk", flat=True)[:3])
    gate.poll()
    html = signed_in(officer_a).get(URL).content.decode()
    assert "3 waiting since" in html and "last seen" in html


def test_the_page_shows_times_in_the_organisations_zone(sales_office, officer_a):
    point, gate = sales_office
    gate.poll()
    html = signed_in(officer_a).get(URL).content.decode()
    assert "last seen" in html and "CST" in html and " UTC" not in html

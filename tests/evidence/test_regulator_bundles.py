"""A regulator downloads the same evidence bundles as the organisation's desk, within
its grant: the bundle verifies offline, and the download is written in the
organisation's history of oversight; a regulator without a grant over the organisation
gets 404 and nothing is written."""

import pytest
from django.test import Client
from django.urls import reverse

from orgs import erasure
from orgs.models import AccessKind, BiometricRecord, ErasureOrder, OversightAccess
from tests import factories
from tests.evidence.conftest import members, run_verifier

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    factories.force_sign_in(client, user)
    return client


def test_a_regulator_downloads_a_case_s_bundle_that_verifies_and_the_download_is_recorded(
        finished_case, org_a, regulator_a, regulator_b, tmp_path):
    rr = finished_case
    regulator = signed_in(regulator_a)
    case_page = regulator.get(reverse("oversight:case", args=[org_a.slug, rr.reference])).content.decode()
    url = reverse("oversight:case_evidence", args=[org_a.slug, rr.reference])
    assert url in case_page

    response = regulator.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    bundle = b"".join(response.streaming_content)
    result = run_verifier(bundle, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(name.startswith("attachments/") and name.endswith("annual-pass.pdf") for name in members(bundle))
    assert OversightAccess.objects.filter(
        organisation=org_a, user=regulator_a, kind=AccessKind.EVIDENCE, object_ref=rr.reference).count() == 1

    before = OversightAccess.objects.count()
    assert signed_in(regulator_b).get(url).status_code == 404
    assert OversightAccess.objects.count() == before


def test_a_regulator_downloads_the_bundle_of_an_order_to_remove_scanners(
        org_a, owner_a, point, gates, regulator_a, tmp_path):
    records = factories.vault_records(point.activity, 3)
    BiometricRecord.objects.filter(pk__in=[r.pk for r in records]).update(collection_point=point)
    order = erasure.order_decommission(point, reason="Ordered by the cyberspace administration", by=owner_a)
    factories.run_order(order, chunk_size=5)
    for gate in gates:
        gate.work()
    order.refresh_from_db()
    assert order.status == ErasureOrder.Status.DONE

    regulator = signed_in(regulator_a)
    url = reverse("oversight:order_evidence", args=[org_a.slug, order.pk])
    assert url in regulator.get(reverse("oversight:scanners", args=[org_a.slug])).content.decode()
    response = regulator.get(url)
    assert response.status_code == 200
    result = run_verifier(b"".join(response.streaming_content), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 device receipt signature(s) checked" in result.stdout
    assert OversightAccess.objects.filter(kind=AccessKind.EVIDENCE, object_ref=f"order {order.pk}").exists()
    assert regulator.get(reverse("oversight:order_evidence", args=[org_a.slug, order.pk + 1000])).status_code == 404

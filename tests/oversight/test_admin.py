"""Granting and revoking a regulator's access in the Django admin."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orgs import oversight
from orgs.models import OversightAccess, OversightGrant, Regulator
from tests import factories


@pytest.fixture
def admin_client(client, administrator):
    factories.force_sign_in(client, administrator)
    return client


def test_an_administrator_grants_access_and_is_recorded_as_granting_it(admin_client, administrator, authority,
                                                                       org_a, org_b):
    user = factories.regulator(authority, username="inspector").user
    today = timezone.localtime(timezone.now(), org_b.time_zone).date()
    response = admin_client.post(reverse("admin:orgs_oversightgrant_add"), {
        "authority": authority.pk, "regulator": "", "organisation": org_b.pk, "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=14)).isoformat(), "reason": "Inspection after complaints"})
    assert response.status_code == 302, response.content[:2000]
    grant = OversightGrant.objects.get()
    assert (grant.granted_by, grant.organisation) == (administrator, org_b)
    assert list(oversight.organisations_overseen_by(user)) == [org_b]
    regulator_client = Client()
    factories.force_sign_in(regulator_client, user)
    assert regulator_client.get(reverse("oversight:overview", args=[org_b.slug])).status_code == 200
    # Revoked by the admin action: at once, nothing more opens.
    admin_client.post(reverse("admin:orgs_oversightgrant_changelist"),
                      {"action": "revoke", "_selected_action": [grant.pk]})
    grant.refresh_from_db()
    assert grant.revoked_by == administrator
    assert regulator_client.get(reverse("oversight:overview", args=[org_b.slug])).status_code == 404
    assert OversightAccess.objects.count() == 1


def test_the_admin_refuses_a_period_that_ends_before_it_starts_or_a_regulator_of_another_authority(
        admin_client, authority, org_a):
    other = factories.regulator(factories.authority(name="CPPA", name_zh="", kind="cppa", jurisdiction="US-CA"),
                                username="cppa")
    today = timezone.now().date()
    backwards = admin_client.post(reverse("admin:orgs_oversightgrant_add"), {
        "authority": authority.pk, "organisation": org_a.pk, "starts_on": today.isoformat(),
        "ends_on": (today - timedelta(days=1)).isoformat(), "reason": "x"})
    foreign = admin_client.post(reverse("admin:orgs_oversightgrant_add"), {
        "authority": authority.pk, "regulator": other.pk, "organisation": org_a.pk, "starts_on": today.isoformat(),
        "ends_on": today.isoformat(), "reason": "x"})
    assert backwards.status_code == foreign.status_code == 200
    assert "The last day cannot come before the first." in backwards.content.decode()
    assert "This regulator works for another authority." in foreign.content.decode()
    assert not OversightGrant.objects.exists()


def test_the_record_of_views_is_read_only_in_the_admin(admin_client, client, regulator_a, org_a):
    viewer = Client()
    factories.force_sign_in(viewer, regulator_a)
    viewer.get(reverse("oversight:overview", args=[org_a.slug]))
    access = OversightAccess.objects.get()
    assert admin_client.get(reverse("admin:orgs_oversightaccess_changelist")).status_code == 200
    assert admin_client.post(reverse("admin:orgs_oversightaccess_delete", args=[access.pk]),
                             {"post": "yes"}).status_code == 403
    assert OversightAccess.objects.count() == 1
    assert admin_client.get(reverse("admin:orgs_authority_change", args=[Regulator.objects.get().authority_id])
                            ).status_code == 200

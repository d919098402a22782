"""Who reaches the regulators' desk, which organisations, and when; every page recorded."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from orgs import erasure, oversight
from orgs.models import OversightAccess, OversightGrant
from tests import factories


def _get(client, name, *args):
    return client.get(reverse(f"oversight:{name}", args=args))


@pytest.fixture
def regulator_client(client, regulator_a):
    factories.force_sign_in(client, regulator_a)
    return client


def test_regulator_sees_exactly_the_organisations_granted(regulator_client, regulator_a, org_a, org_b, regulator_b):
    assert list(oversight.organisations_overseen_by(regulator_a)) == [org_a]
    page = _get(regulator_client, "organisations")
    assert page.status_code == 200
    assert b'data-organisation="park-a"' in page.content and b"sales-b" not in page.content
    assert _get(regulator_client, "overview", org_a.slug).status_code == 200
    assert _get(regulator_client, "overview", org_b.slug).status_code == 404
    assert _get(regulator_client, "overview", "no-such-organisation").status_code == 404


@pytest.mark.parametrize("starts, ends", [(2, 10), (-10, -2)], ids=["not started", "ended"])
def test_outside_the_grants_period_everything_is_404(client, authority, org_a, starts, ends):
    user = factories.regulator(authority, username="outside").user
    today = timezone.localtime(timezone.now(), org_a.time_zone).date()
    factories.grant(authority, org_a, starts_on=today + timedelta(days=starts), ends_on=today + timedelta(days=ends))
    factories.force_sign_in(client, user)
    assert list(oversight.organisations_overseen_by(user)) == []
    assert _get(client, "overview", org_a.slug).status_code == 404
    assert _get(client, "queue", org_a.slug).status_code == 404
    assert b'id="overseen-none"' in _get(client, "organisations").content


def test_the_period_is_days_in_the_organisations_time_zone(authority, org_a):
    """A grant ending on a day ends at midnight in Shanghai, not in UTC."""
    user = factories.regulator(authority, username="by_the_day").user
    grant = factories.grant(authority, org_a, starts_on=timezone.now().date() - timedelta(days=3),
                            ends_on=timezone.now().date() + timedelta(days=3))
    last_moment = grant.ends_at
    assert last_moment.utcoffset() == timedelta(hours=8) and (last_moment.hour, last_moment.minute) == (23, 59)
    assert list(oversight.organisations_overseen_by(user, last_moment - timedelta(seconds=1))) == [org_a]
    assert list(oversight.organisations_overseen_by(user, last_moment + timedelta(seconds=1))) == []


def test_a_revoked_grant_opens_nothing(regulator_client, regulator_a, org_a, administrator):
    grant = OversightGrant.objects.get(organisation=org_a)
    assert oversight.revoke(grant, by=administrator)
    assert _get(regulator_client, "overview", org_a.slug).status_code == 404
    assert not oversight.revoke(grant, by=administrator)


def test_a_grant_to_one_regulator_opens_nothing_to_a_colleague(client, authority, org_b):
    named = factories.regulator(authority, username="named")
    colleague = factories.regulator(authority, username="colleague")
    factories.grant(authority, org_b, regulator=named)
    assert list(oversight.organisations_overseen_by(named.user)) == [org_b]
    assert list(oversight.organisations_overseen_by(colleague.user)) == []


def test_officers_cannot_reach_the_regulators_desk(client, officer_a, owner_a, org_a):
    for user in (officer_a, owner_a):
        factories.force_sign_in(client, user)
        assert _get(client, "organisations").status_code == 404
        assert _get(client, "overview", org_a.slug).status_code == 404


def test_regulators_must_pass_a_second_factor_and_land_on_their_desk(client, regulator_a):
    response = client.post(reverse("login"), {"username": "regulator_a", "password": factories.PASSWORD})
    assert response.url.startswith(reverse("otp_setup"))  # a regulator with no device must enrol one
    client.logout()
    landing = factories.sign_in(client, regulator_a)
    assert landing.url == reverse("oversight:organisations")


def test_regulators_cannot_reach_the_desk_nor_change_anything(regulator_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    assert regulator_client.get(reverse("desk:queue")).status_code == 404
    assert regulator_client.get(reverse("desk:case", args=[rr.reference])).status_code == 404
    assert regulator_client.post(reverse("desk:case_action", args=[rr.reference, "refuse"]), {}).status_code == 404
    for name, args in [("queue", [org_a.slug]), ("case", [org_a.slug, rr.reference]), ("scanners", [org_a.slug]),
                       ("filings", [org_a.slug]), ("overview", [org_a.slug])]:
        assert regulator_client.post(reverse(f"oversight:{name}", args=args), {"status": "refused"}).status_code == 405
    rr.refresh_from_db()
    assert rr.status == "in_review"
    assert not OversightAccess.objects.exists()  # a refused POST opened nothing


def test_every_page_and_file_a_regulator_opens_is_recorded(regulator_client, regulator_a, org_a, officer_a, tmp_path,
                                                           settings):
    settings.MEDIA_ROOT = tmp_path
    rr = factories.fulfilled_request(org_a, officer_a)
    activity = factories.activity(org_a, name="Office face capture", collection_point="Sales office")
    point = factories.collection_point(activity, name="Sales office entrance", place_kind="sales_office")
    factories.device(point, serial="NJ-CAM-9", kind="camera")
    order = erasure.order_decommission(point, reason="Municipal order", by=None)
    while erasure.run_next_chunk(order.pk):
        pass
    order.refresh_from_db()
    slug, ref = org_a.slug, rr.reference
    pages = [
        ("overview", [slug], "overview", ""),
        ("queue", [slug], "queue", ""),
        ("case", [slug, ref], "case", ref),
        ("casefile_html", [slug, ref], "casefile", ref),
        ("casefile_json", [slug, ref], "casefile", ref),
        ("document_html", [slug, ref, "certificate"], "document", f"{ref} certificate"),
        ("proof", [slug, ref], "proof", ref),
        ("scanners", [slug], "register", ""),
        ("certificate_html", [slug, order.certificate.number], "certificate", order.certificate.number),
        ("certificate_html", [slug, rr.certificate.number], "certificate", rr.certificate.number),
        ("filings", [slug], "filings", ""),
        ("filing_pack_json", [slug], "filing_pack", ""),
        ("orders", [slug], "orders", ""),
        ("transparency", [slug], "transparency", str(timezone.localtime(timezone.now(), org_a.time_zone).year)),
    ]
    for count, (name, args, kind, ref_seen) in enumerate(pages, start=1):
        response = regulator_client.get(reverse(f"oversight:{name}", args=args))
        assert response.status_code == 200, name
        assert OversightAccess.objects.count() == count, name
        last = OversightAccess.objects.order_by("-pk").first()
        assert (last.kind, last.object_ref, last.user, last.organisation) == (kind, ref_seen, regulator_a, org_a)
    # Another organisation's reference: 404, and nothing recorded.
    assert _get(regulator_client, "case", slug, "RD-NOPE").status_code == 404
    assert OversightAccess.objects.count() == len(pages)
    # The list of organisations is the regulator's own page, about no organisation.
    _get(regulator_client, "organisations")
    assert OversightAccess.objects.count() == len(pages)


def test_the_record_of_views_is_append_only_in_the_database(regulator_client, org_a):
    _get(regulator_client, "overview", org_a.slug)
    access = OversightAccess.objects.get()
    with pytest.raises(TypeError):
        access.save()
    with pytest.raises(TypeError):
        OversightAccess.objects.all().delete()
    table = OversightAccess._meta.db_table
    for sql in (f"UPDATE {table} SET object_ref = 'changed'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert OversightAccess.objects.get().object_ref == ""


def test_the_organisations_owners_and_auditors_see_the_history_officers_do_not(client, regulator_client, org_a,
                                                                             owner_a, auditor_a, officer_a):
    _get(regulator_client, "queue", org_a.slug)
    for user, sees in ((owner_a, True), (auditor_a, True), (officer_a, False)):
        factories.force_sign_in(client, user)
        page = client.get(reverse("desk:oversight"))
        assert page.status_code == 200
        assert (b'id="access-history"' in page.content) is sees
        if sees:
            assert b"regulator_a" in page.content and b'data-kind="queue"' in page.content


def test_times_on_the_history_are_the_organisations(client, regulator_client, org_a, owner_a):
    with time_machine.travel("2026-03-02 17:30:00+00:00", tick=False):
        factories.grant(OversightGrant.objects.get().authority, org_a, starts_on=date(2026, 3, 3),
                        ends_on=date(2026, 3, 3))  # the day in Shanghai (still 2 March in UTC)
        _get(regulator_client, "overview", org_a.slug)
    factories.force_sign_in(client, owner_a)
    page = client.get(reverse("desk:oversight")).content.decode()
    assert "March 3, 2026, 1:30 a.m. CST" in page  # 17:30 UTC on 2 March is 01:30 on 3 March in Shanghai


def test_the_regulators_case_file_links_to_its_own_documents_not_the_desks(regulator_client, org_a, officer_a):
    rr = factories.fulfilled_request(org_a, officer_a)
    page = _get(regulator_client, "casefile_html", org_a.slug, rr.reference).content.decode()
    own = reverse("oversight:document_html", args=[org_a.slug, rr.reference, "certificate"])
    assert f'href="{own}"' in page and "/desk/" not in page
    assert regulator_client.get(own).status_code == 200


def test_overlapping_grants_list_the_organisation_once_until_the_later_end(regulator_client, authority, org_a):
    today = timezone.localtime(timezone.now(), org_a.time_zone).date()
    factories.grant(authority, org_a, starts_on=today, ends_on=today + timedelta(days=90))
    page = _get(regulator_client, "organisations").content.decode()
    assert page.count('data-organisation="park-a"') == 1
    assert (today + timedelta(days=90)).isoformat() in page

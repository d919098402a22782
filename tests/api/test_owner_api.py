"""The organisation's settings for its owners: organisation, members, data systems,
processing activities, biometric records (template write-only, encrypted; identifiers
write-only, hashed; masked in every response)."""

import base64

import pytest
from django.urls import reverse

from orgs.identifiers import IdentifierKind, identifier_hash, mask
from orgs.models import BiometricRecord, DataSystem, Membership, Organisation
from tests import factories

pytestmark = pytest.mark.django_db
TEMPLATE = b"\x00\x01face-template-bytes\xff" * 4


def url(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs)


@pytest.fixture
def api(owner_a, org_a):
    return factories.member_api(owner_a, org_a)


@pytest.fixture
def activity_a(org_a):
    return factories.activity(org_a)


@pytest.fixture
def vault_a(org_a):
    return factories.system(org_a)


def record_body(vault, activity, **extra):
    return {"system": vault.pk, "activity": activity.pk, "modality": "face", "email": "Guo@Example.com",
            "phone": "13800138000", "template": base64.b64encode(TEMPLATE).decode(),
            "collected_at": "2026-01-01T08:00:00Z", "retain_until": "2027-01-01T08:00:00Z", **extra}


def test_owner_reads_and_changes_the_organisation(api, org_a):
    assert api.get(url("organisation")).json()["slug"] == org_a.slug
    changed = api.patch(url("organisation"), {"city": "Hangzhou", "time_zone": "Asia/Shanghai"}, format="json")
    assert changed.status_code == 200 and changed.json()["city"] == "Hangzhou"
    org_a.refresh_from_db()
    assert org_a.city == "Hangzhou"


def test_bad_organisation_fields_are_400(api):
    response = api.patch(url("organisation"), {"jurisdiction": "XX", "time_zone": "Mars/Base"}, format="json")
    assert response.status_code == 400
    assert {"jurisdiction", "time_zone"} <= set(response.json()["fields"])


def test_owner_creates_another_organisation_and_owns_it(api, owner_a):
    response = api.post(url("organisation"), {"name": "Suzhou Gardens", "slug": "suzhou", "jurisdiction": "CN",
                                              "contact_email": "privacy@suzhou.example"}, format="json")
    assert response.status_code == 201, response.content
    assert Membership.objects.get(organisation__slug="suzhou").user == owner_a
    assert api.post(url("organisation"), {"name": "Again", "slug": "suzhou", "jurisdiction": "CN",
                                          "contact_email": "p@x.example"}).status_code == 400


@pytest.mark.parametrize("name", ["organisation", "data-system-list", "processing-activity-list",
                                  "biometric-record-list"])
def test_only_owners_may_others_get_404(org_a, officer_a, auditor_a, system_owner_a, name):
    for user in (officer_a, auditor_a, system_owner_a):
        api = factories.member_api(user, org_a)
        for response in (api.get(url(name)), api.post(url(name), {"name": "x"})):
            assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_an_officer_lists_the_members_a_request_can_be_assigned_to(org_a, owner_a, officer_a, officer_b,
                                                                    system_owner_a):
    api = factories.member_api(officer_a, org_a)
    body = api.get(url("member-list")).json()
    members = {m["username"]: (m["user"], m["role"]) for m in body["results"]}
    assert set(members) == {"owner_a", "officer_a", "sysowner_a"}  # never another organisation's
    rr = factories.verified_request(org_a)
    assigned = api.post(f"/api/v1/requests/{rr.reference}/assign/", {"assignee": members["owner_a"][0]})
    assert assigned.status_code == 200, assigned.content
    system_owner = factories.member_api(system_owner_a, org_a)
    assert system_owner.get(url("member-list")).status_code == 404  # not a desk member
    assert system_owner.post(url("member-list"), {"name": "x"}).status_code == 404


def test_members_lists_the_organisations_people(api, owner_a, officer_a, officer_b):
    body = api.get(url("member-list")).json()
    assert {m["username"]: m["role"] for m in body["results"]} == {"owner_a": "owner", "officer_a": "officer"}


def test_data_systems(api, org_a, system_owner_a):
    made = api.post(url("data-system-list"), {"name": "CRM", "connector": "webhook",
                                              "webhook_url": "https://crm.example/erase",
                                              "webhook_secret": "s3cret-s3cret-s3cret", "owner": system_owner_a.pk})
    assert made.status_code == 201, made.content
    assert "webhook_secret" not in made.json() and "s3cret" not in made.content.decode()
    system = DataSystem.objects.get(name="CRM")
    assert system.webhook_secret() == "s3cret-s3cret-s3cret" and system.organisation == org_a
    assert api.get(url("data-system-detail", pk=system.pk)).json()["owner"] == system_owner_a.pk
    assert [s["name"] for s in api.get(url("data-system-list")).json()["results"]] == ["CRM"]


def test_bad_data_systems_are_400(api, org_a, officer_b):
    factories.system(org_a, name="CRM")
    duplicate = api.post(url("data-system-list"), {"name": "CRM", "connector": "vault"})
    no_url = api.post(url("data-system-list"), {"name": "Hook", "connector": "webhook"})
    outsider = api.post(url("data-system-list"), {"name": "X", "connector": "manual", "owner": officer_b.pk})
    assert duplicate.status_code == 400 and "name" in duplicate.json()["fields"]
    assert no_url.status_code == 400 and {"webhook_url", "webhook_secret"} <= set(no_url.json()["fields"])
    assert outsider.status_code == 400 and "owner" in outsider.json()["fields"]


def test_processing_activities(api, org_a):
    body = {"name": "Gate entry", "purpose": "Entry by face", "legal_basis": "separate_consent",
            "collection_point": "Main gate", "modality": "face", "consent_type": "separate", "retention_days": 365}
    made = api.post(url("processing-activity-list"), body)
    assert made.status_code == 201, made.content
    assert api.get(url("processing-activity-detail", pk=made.json()["id"])).json()["name"] == "Gate entry"
    bad = api.post(url("processing-activity-list"), {**body, "legal_basis": "whim", "retention_days": -1})
    assert bad.status_code == 400 and {"legal_basis", "retention_days"} <= set(bad.json()["fields"])


def test_a_biometric_record_is_stored_encrypted_hashed_and_shown_masked(api, org_a, vault_a, activity_a):
    response = api.post(url("biometric-record-list"), record_body(vault_a, activity_a), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["masked_identifiers"] == f"g***@example.com, {mask(IdentifierKind.PHONE, '+8613800138000')}"
    assert not {"template", "email", "phone", "member_number", "template_ciphertext", "email_hash"} & set(body)
    record = BiometricRecord.objects.get(pk=body["id"])
    assert record.organisation == org_a and record.read_template() == TEMPLATE
    assert bytes(record.template_ciphertext) != TEMPLATE
    assert record.email_hash == identifier_hash(IdentifierKind.EMAIL, "guo@example.com")
    shown = api.get(url("biometric-record-detail", pk=record.pk))
    assert shown.json()["masked_identifiers"] == body["masked_identifiers"]
    assert "guo@example.com" not in shown.content.decode().lower()


@pytest.mark.parametrize(("change", "field"), [
    ({"template": "not base64!"}, "template"),
    ({"template": ""}, "template"),
    ({"email": "", "phone": ""}, "email"),
    ({"email": "not-an-address"}, "email"),
    ({"retain_until": "2025-01-01T00:00:00Z"}, "retain_until"),
    ({"modality": "smell"}, "modality"),
])
def test_bad_biometric_records_are_400(api, vault_a, activity_a, change, field):
    response = api.post(url("biometric-record-list"), record_body(vault_a, activity_a, **change), format="json")
    assert response.status_code == 400 and field in response.json()["fields"], response.content
    assert not BiometricRecord.objects.exists()


def test_another_organisations_system_or_activity_is_refused(api, org_b, vault_a, activity_a):
    vault_b, activity_b = factories.system(org_b), factories.activity(org_b)
    response = api.post(url("biometric-record-list"), record_body(vault_b, activity_b), format="json")
    assert response.status_code == 400 and {"system", "activity"} <= set(response.json()["fields"])


def test_another_organisations_things_are_404(api, org_b):
    record = factories.person_record(factories.activity(org_b))
    for name, pk in (("biometric-record-detail", record.pk), ("data-system-detail", record.system_id),
                     ("processing-activity-detail", record.activity_id)):
        response = api.get(url(name, pk=pk))
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Organisation.objects.count() == 2


def test_a_record_names_where_it_was_collected_and_only_a_point_of_its_own(api, org_a, org_b, vault_a, activity_a,
                                                                           settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    point = factories.collection_point(activity_a, name="North gate")
    other_activity = factories.activity(org_a, name="Staff entry", collection_point="Staff door")
    staff_door = factories.collection_point(other_activity, name="Staff door")
    theirs = factories.collection_point(factories.activity(org_b), name="Their gate")

    made = api.post(url("biometric-record-list"),
                    record_body(vault_a, activity_a, collection_point=str(point.public_id)), format="json")
    assert made.status_code == 201, made.content
    assert made.json()["collection_point"] == str(point.public_id)
    assert BiometricRecord.objects.get(pk=made.json()["id"]).collection_point == point
    for wrong in (staff_door, theirs):
        refused = api.post(url("biometric-record-list"),
                           record_body(vault_a, activity_a, collection_point=str(wrong.public_id)), format="json")
        assert refused.status_code == 400 and "collection_point" in refused.json()["fields"]
    assert BiometricRecord.objects.count() == 1

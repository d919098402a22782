"""The consent ledger's API (/api/v1/consent-ledger/): owners and officers record consents
given and withdrawn, each rule's refusal a 400 with its message on its field; a withdrawal
erases the person's consent-based records of the activity and says how many; one person's
entries are read by POST, never by a URL carrying their identifiers; another organisation's
token gets 404, an anonymous caller 401, an auditor may read but not write."""

import pytest
from django.urls import reverse

from rest_framework.test import APIClient

from orgs.models import BiometricRecord, ConsentEvent
from tests import factories

pytestmark = pytest.mark.django_db
LIST = "api:consent-entry-list"
PERSON = "api:consent-entry-person"


@pytest.fixture
def face(org_a):
    return factories.activity(org_a, name="Face entry")


def given(activity, **extra) -> dict:
    return {"action": "given", "activity": activity.pk, "email": "guo@example.com", "channel": "kiosk",
            "separate": True, "wording": "I agree to enter by face.", "wording_version": "2025-06", **extra}


@pytest.fixture
def officer_api(officer_a, org_a):
    return factories.member_api(officer_a, org_a)


def test_an_officer_records_a_separate_consent_and_reads_it_masked(officer_api, face):
    made = officer_api.post(reverse(LIST), given(face), format="json")

    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["action"], body["activity"], body["activity_name"], body["masked_identifiers"]) == (
        "given", face.pk, "Face entry", "g***@example.com")
    assert "guo@example.com" not in made.content.decode() and "hash" not in made.content.decode()
    assert officer_api.get(reverse(LIST)).json()["results"][0]["id"] == body["id"]
    assert officer_api.get(reverse("api:consent-entry-detail", args=[body["id"]])).json()["separate"] is True


def test_a_bundled_consent_is_a_400_saying_why(officer_api, face):
    refused = officer_api.post(reverse(LIST), given(face, separate=False), format="json")

    assert refused.status_code == 400
    assert "bundled" in refused.json()["fields"]["separate"][0] and "PIPL" in refused.json()["fields"]["separate"][0]
    assert not ConsentEvent.objects.exists()


def test_a_childs_consent_needs_a_guardian(officer_api, face):
    refused = officer_api.post(reverse(LIST), given(face, under_14=True), format="json")
    assert refused.status_code == 400
    assert "guardian" in refused.json()["fields"]["guardian_name"][0]

    made = officer_api.post(reverse(LIST), given(face, under_14=True, guardian_name="Guo Ming",
                                                 guardian_relation="father"), format="json")
    assert made.status_code == 201
    assert (made.json()["guardian_masked_name"], made.json()["guardian_relation"]) == ("G*******", "father")
    assert "Guo Ming" not in made.content.decode()


def test_no_identifier_a_bad_one_or_an_activity_not_on_consent_is_a_400(officer_api, org_a, face):
    contract = factories.activity(org_a, name="Pass photo", legal_basis="contract", consent_type="none")
    for body, field in ((given(face, email=""), "email"), (given(face, email="not an address"), "email"),
                        (given(contract), "activity"), (given(face, channel="carrier pigeon"), "channel"),
                        (given(face, at="2999-01-01T00:00:00Z"), "at")):
        refused = officer_api.post(reverse(LIST), body, format="json")
        assert refused.status_code == 400 and field in refused.json()["fields"], (body, refused.json())
    assert not ConsentEvent.objects.exists()


def test_a_withdrawal_erases_the_consent_based_records_of_the_activity_and_says_so(officer_api, org_a, face):
    assert officer_api.post(reverse(LIST), given(face), format="json").status_code == 201
    record = factories.person_record(face)
    photo = factories.activity(org_a, name="Pass photo", legal_basis="contract", consent_type="none")
    kept = factories.person_record(photo)

    withdrawn = officer_api.post(reverse(LIST), {"action": "withdrawn", "activity": face.pk,
                                                 "email": "guo@example.com", "channel": "kiosk"}, format="json")

    assert withdrawn.status_code == 201, withdrawn.json()
    assert (withdrawn.json()["records_deleted"], withdrawn.json()["records_restricted"]) == (1, 0)
    assert BiometricRecord.objects.get(pk=record.pk).state == "deleted"
    assert BiometricRecord.objects.get(pk=kept.pk).state == "active"

    again = officer_api.post(reverse(LIST), {"action": "withdrawn", "activity": face.pk, "email": "guo@example.com",
                                             "channel": "kiosk"}, format="json")
    assert again.status_code == 400 and "withdrawn already" in again.json()["fields"]["action"][0]


def test_one_persons_entries_and_consent_as_it_stands(officer_api, org_a, face):
    gym = factories.activity(org_a, name="Gym entry")
    for body in (given(face), given(gym), {"action": "withdrawn", "activity": face.pk, "email": "guo@example.com",
                                           "channel": "app"}, given(face, email="someone@example.com")):
        assert officer_api.post(reverse(LIST), body, format="json").status_code == 201

    ledger = officer_api.post(reverse(PERSON), {"email": "GUO@example.com"}, format="json")

    assert ledger.status_code == 200
    current = {c["activity_name"]: c["consent"] for c in ledger.json()["current"]}
    assert current == {"Face entry": "withdrawn", "Gym entry": "given"}
    assert len(ledger.json()["entries"]) == 3
    assert officer_api.post(reverse(PERSON), {}, format="json").status_code == 400


# --- isolation ----------------------------------------------------------------------------------


def test_another_organisations_token_gets_404_and_cannot_use_its_activity(org_a, org_b, officer_b, face,
                                                                          officer_api):
    entry = officer_api.post(reverse(LIST), given(face), format="json").json()
    record = factories.person_record(face)
    api_b = factories.member_api(officer_b, org_b)

    assert api_b.get(reverse("api:consent-entry-detail", args=[entry["id"]])).status_code == 404
    assert api_b.get(reverse(LIST)).json()["results"] == []
    assert api_b.post(reverse(PERSON), {"email": "guo@example.com"}, format="json").json() == {
        "current": [], "entries": []}
    withdrawn = api_b.post(reverse(LIST), {"action": "withdrawn", "activity": face.pk, "email": "guo@example.com",
                                           "channel": "kiosk"}, format="json")
    assert withdrawn.status_code == 400 and "activity" in withdrawn.json()["fields"]
    assert BiometricRecord.objects.get(pk=record.pk).state == "active"
    assert ConsentEvent.objects.count() == 1


def test_anonymous_callers_get_401(face):
    anonymous = APIClient()
    assert anonymous.get(reverse(LIST)).status_code == 401
    assert anonymous.post(reverse(LIST), given(face), format="json").status_code == 401
    assert anonymous.post(reverse(PERSON), {"email": "guo@example.com"}, format="json").status_code == 401
    assert not ConsentEvent.objects.exists()


def test_an_auditor_reads_but_does_not_record_and_a_system_owner_gets_404(org_a, auditor_a, system_owner_a, face):
    auditor = factories.member_api(auditor_a, org_a)
    assert auditor.get(reverse(LIST)).status_code == 200
    assert auditor.post(reverse(LIST), given(face), format="json").status_code == 403
    system_owner = factories.member_api(system_owner_a, org_a)
    assert system_owner.get(reverse(LIST)).status_code == 404
    assert system_owner.post(reverse(LIST), given(face), format="json").status_code == 404
    assert not ConsentEvent.objects.exists()


"""The register in the owner's API: collection points, devices, impact assessments and the
flags, each rule's refusal a 400 with its message (or a 409 for a refused step), never a
500; and organisation B's register is 404 to A's tokens."""

import pytest
from django.urls import reverse

from orgs.models import CollectionPoint, Device, ImpactAssessment
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs)


@pytest.fixture
def api(owner_a, org_a):
    return factories.member_api(owner_a, org_a)


@pytest.fixture
def gate(org_a):
    return factories.activity(org_a, name="Annual pass entry")


def point_body(activity, /, **changes) -> dict:
    return {"activity": activity.pk, "name": "North gate", "name_zh": "北门", "site": "Hangzhou Wildlife World",
            "place_kind": "entrance_gate", "necessity": "Pass holders enter without queuing.",
            "notice": "Faces of pass holders are scanned here to let them in.", "alternatives": ["card", "staff"],
            **changes}


def device_body(point, **changes) -> dict:
    return {"collection_point": point.pk, "serial": "HZ-GATE-1", "kind": "gate", "location": "Lane 1",
            "modality": "face", "template_storage": "on_device", "encryption": True, **changes}


# --- collection points -------------------------------------------------------------------------


def test_an_owner_registers_a_collection_point(api, gate, org_a):
    made = api.post(url("collection-point-list"), point_body(gate), format="json")

    assert made.status_code == 201, made.content
    body = made.json()
    point = CollectionPoint.objects.get(pk=body["id"])
    assert point.organisation == org_a and body["public_id"] == str(point.public_id)
    assert body["alternatives"] == ["card", "staff"] and body["signage_photo"] is None
    assert [p["name"] for p in api.get(url("collection-point-list")).json()["results"]] == ["North gate"]


@pytest.mark.parametrize("place", ["hotel_room", "public_bath", "changing_room", "toilet"])
def test_a_point_in_a_forbidden_place_is_400_with_the_reason(api, gate, place):
    refused = api.post(url("collection-point-list"), point_body(gate, place_kind=place), format="json")

    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["place_kind"]
    assert "Measures (art. 13)" in refused.json()["fields"]["place_kind"][0]
    assert not CollectionPoint.objects.exists()


def test_a_public_place_without_purpose_and_area_is_400(api, gate):
    refused = api.post(url("collection-point-list"), point_body(gate, place_kind="public_street",
                                                                is_public_place=True), format="json")
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"public_safety_purpose", "area"}

    allowed = api.post(url("collection-point-list"), point_body(
        gate, place_kind="public_street", is_public_place=True, area="The square before the gate",
        public_safety_purpose="Finding lost children"), format="json")
    assert allowed.status_code == 201, allowed.content


@pytest.mark.parametrize("changes", [
    {"alternatives": "card"}, {"alternatives": ["fingerprint"]}, {"alternatives": ["other"]},
    {"place_kind": "cellar"}, {"activity": 10**9}, {"name": ""}, {"necessity": None}, {"published": "maybe"},
])
def test_bad_points_are_400_never_500(api, gate, changes):
    response = api.post(url("collection-point-list"), point_body(gate, **changes), format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid", response.content


def test_the_photo_of_the_sign_is_uploaded_and_checked(api, gate):
    point = factories.collection_point(gate)
    photo = url("collection-point-signage-photo", pk=point.pk)

    sent = api.put(photo, {"photo": factories.signage_upload()}, format="multipart")
    assert sent.status_code == 200, sent.content
    assert "/signage/" in sent.json()["signage_photo"]
    not_image = api.put(photo, {"photo": factories.signage_upload("sign.png", b"%PDF-1.4 ...")}, format="multipart")
    assert not_image.status_code == 400 and "photo" in not_image.json()["fields"]
    named_wrong = api.put(photo, {"photo": factories.signage_upload("sign.pdf")}, format="multipart")
    assert named_wrong.status_code == 400 and "photo" in named_wrong.json()["fields"]


# --- devices and assessments, end to end ------------------------------------------------------------


def test_a_device_goes_live_only_with_a_current_assessment(api, gate, owner_a):
    point = factories.collection_point(gate)
    device = api.post(url("device-list"), device_body(point), format="json")
    assert device.status_code == 201 and device.json()["status"] == "planned"
    device_id = device.json()["id"]

    refused = api.post(url("device-go-live", pk=device_id))
    assert refused.status_code == 409 and refused.json()["code"] == "refused"
    assert "has no current impact assessment" in refused.json()["message"]

    draft = api.post(url("impact-assessment-list"), {"activity": gate.pk, "answers": {
        "purpose_and_method": "Entry with a personal annual pass"}}, format="json")
    assert draft.status_code == 201, draft.content
    body = draft.json()
    assert body["state"] == "draft" and len(body["questions"]) == 6
    incomplete = api.post(url("impact-assessment-approve", pk=body["id"]))
    assert incomplete.status_code == 400 and "answers" in incomplete.json()["fields"]

    completed = api.patch(url("impact-assessment-detail", pk=body["id"]),
                          {"answers": factories.answers_for(gate)}, format="json")
    assert completed.status_code == 200, completed.content
    approved = api.post(url("impact-assessment-approve", pk=body["id"]))
    assert approved.status_code == 200, approved.content
    assert (approved.json()["state"], approved.json()["approver"]) == ("current", "owner_a")
    assert approved.json()["keep_until"] and approved.json()["review_due_at"]

    live = api.post(url("device-go-live", pk=device_id))
    assert live.status_code == 200 and live.json()["status"] == "live" and live.json()["live_since"]
    assert api.post(url("device-go-live", pk=device_id)).status_code == 409
    assert api.post(url("impact-assessment-approve", pk=body["id"])).status_code == 409
    changed = api.patch(url("impact-assessment-detail", pk=body["id"]), {"conclusion": "Later"}, format="json")
    assert changed.status_code == 409 and "An approved assessment is not changed" in changed.json()["message"]


def test_changing_a_live_device_makes_the_assessment_due_and_a_retired_one_is_409(api, gate, owner_a):
    device = factories.live_device(factories.collection_point(gate), owner_a)

    moved = api.patch(url("device-detail", pk=device.pk), {"template_storage": "central"}, format="json")
    assert moved.status_code == 200
    assert ImpactAssessment.objects.standing().get(activity=gate).state() == "review_overdue"

    assert api.post(url("device-retire", pk=device.pk)).json()["status"] == "retired"
    refused = api.patch(url("device-detail", pk=device.pk), {"location": "Elsewhere"}, format="json")
    assert refused.status_code == 409 and refused.json()["message"] == "A retired device is kept as it was when " \
                                                                        "retired."


@pytest.mark.parametrize("changes", [
    {"answers": ["yes"]}, {"answers": {"is_it_fine": "yes"}}, {"answers": {"purpose_and_method": ["a"]}},
    {"review_interval_days": 0}, {"review_interval_days": 5000}, {"activity": None},
])
def test_bad_assessments_are_400(api, gate, changes):
    response = api.post(url("impact-assessment-list"), {"activity": gate.pk, **changes}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid", response.content


def test_the_questions_are_listed_in_the_callers_language(api):
    english = api.get(url("impact-assessment-questions")).json()
    chinese = api.get(url("impact-assessment-questions"), HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert [q["code"] for q in english] == [q["code"] for q in chinese]
    assert english[0]["text"].startswith("Are the purpose and the method")
    assert "合法、正当、必要" in chinese[0]["text"]


def test_flags_are_what_the_desk_shows(api, gate, owner_a):
    bare = factories.device(factories.collection_point(gate, alternatives=()), serial="EST-1")

    flags = api.get(url("register-flags")).json()

    assert [(f["code"], f["device"]) for f in flags] == [
        ("no_alternative", bare.pk), ("no_signage_photo", bare.pk), ("no_current_assessment", bare.pk)]
    assert flags[0]["message"].startswith("Device EST-1 at North gate:")


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["collection-point-list", "device-list", "impact-assessment-list",
                                  "register-flags"])
def test_only_owners_may_others_get_404(org_a, officer_a, auditor_a, system_owner_a, name):
    for user in (officer_a, auditor_a, system_owner_a):
        client = factories.member_api(user, org_a)
        assert client.get(url(name)).status_code == 404


def test_another_organisations_register_is_404_and_not_usable(api, gate, org_b, officer_b):
    owner_b = factories.member(org_b, "owner", username="owner_b")
    activity_b = factories.activity(org_b, name="Sales office cameras")
    point_b = factories.collection_point(activity_b, name="Sales office", alternatives=())
    device_b = factories.device(point_b, serial="NJ-1")
    assessment_b = factories.assessment(activity_b)

    for name, pk in (("collection-point-detail", point_b.pk), ("device-detail", device_b.pk),
                     ("impact-assessment-detail", assessment_b.pk)):
        assert api.get(url(name, pk=pk)).status_code == 404
        assert api.patch(url(name, pk=pk), {"name": "Taken"}, format="json").status_code == 404
    assert api.post(url("device-go-live", pk=device_b.pk)).status_code == 404
    assert api.post(url("impact-assessment-approve", pk=assessment_b.pk)).status_code == 404
    assert api.put(url("collection-point-signage-photo", pk=point_b.pk),
                   {"photo": factories.signage_upload()}, format="multipart").status_code == 404
    # B's ids in A's bodies are not found either.
    on_b = api.post(url("device-list"), device_body(point_b), format="json")
    assert on_b.status_code == 400 and list(on_b.json()["fields"]) == ["collection_point"]
    for name in ("collection-point-list", "impact-assessment-list"):
        response = api.post(url(name), point_body(activity_b), format="json")
        assert response.status_code == 400 and "activity" in response.json()["fields"]
    assert api.get(url("register-flags")).json() == []
    assert Device.objects.get(pk=device_b.pk).status == "planned"
    assert factories.member_api(owner_b, org_b).get(url("register-flags")).json()[0]["device"] == device_b.pk


def test_an_owner_issues_a_device_its_credential_and_the_token_works_once_issued(api, gate, org_a, owner_a,
                                                                                 officer_a):
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    point = factories.collection_point(gate, signage=True)
    device = factories.live_device(point, owner_a)
    public = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = base64.b64encode(public).decode()

    bad = api.post(url("device-credential", pk=device.pk), {"verify_key": "not-a-key"}, format="json")
    assert bad.status_code == 400 and "verify_key" in bad.json()["fields"]
    issued = api.post(url("device-credential", pk=device.pk), {"verify_key": key}, format="json")
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert token.startswith("rdd_") and token not in str(device.credential.__dict__)
    from django.test import Client

    polled = Client().get("/api/v1/device/deletions/", HTTP_AUTHORIZATION=f"Device {token}")
    assert polled.status_code == 200 and polled.json() == {"device": device.serial, "deletions": [], "more": False}

    officer = factories.member_api(officer_a, org_a)
    assert officer.post(url("device-credential", pk=device.pk), {"verify_key": key}, format="json").status_code == 404
    other = factories.organisation(name="Other", slug="other-org")
    stranger = factories.member_api(factories.member(other, "owner", username="owner.other"), other)
    assert stranger.post(url("device-credential", pk=device.pk), {"verify_key": key},
                         format="json").status_code == 404
    register_retired = api.post(url("device-retire", pk=device.pk))
    assert register_retired.status_code == 200
    assert api.post(url("device-credential", pk=device.pk), {"verify_key": key}, format="json").status_code == 409

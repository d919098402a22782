"""The register in the admin: the forms refuse what the rules refuse, the device list shows
what each device lacks, going live is refused with the reason, and an assessment cannot be
deleted before its keep_until."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orgs.models import CollectionPoint, Device, ImpactAssessment
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin_client(client, administrator):
    factories.force_sign_in(client, administrator)
    return client


@pytest.fixture
def gate(org_a):
    return factories.activity(org_a, name="Annual pass entry")


def point_form(org, activity, **changes) -> dict:
    data = {
        "organisation": org.pk, "activity": activity.pk, "name": "Changing room lockers", "name_zh": "",
        "site": "Hangzhou Wildlife World", "site_zh": "", "place_kind": "entrance_gate", "area": "",
        "public_safety_purpose": "", "necessity": "Lockers open by face", "notice": "We scan faces here.",
        "notice_zh": "", "alternatives": ["card"], "alternatives_note": "",
        "devices-TOTAL_FORMS": "1", "devices-INITIAL_FORMS": "0", "devices-MIN_NUM_FORMS": "0",
        "devices-MAX_NUM_FORMS": "1000", "devices-0-serial": "LOCK-1", "devices-0-kind": "terminal",
        "devices-0-location": "Row A", "devices-0-modality": "face", "devices-0-template_storage": "on_device",
    }
    return {**data, **changes}


def test_the_admin_refuses_a_point_in_a_changing_room(admin_client, org_a, gate):
    response = admin_client.post(reverse("admin:orgs_collectionpoint_add"),
                                 point_form(org_a, gate, place_kind="changing_room"))

    assert response.status_code == 200
    assert "the Measures (art. 13) forbid them in hotel guest rooms" in response.content.decode()
    assert not CollectionPoint.objects.exists() and not Device.objects.exists()


def test_the_admin_adds_a_point_with_its_devices(admin_client, org_a, gate):
    response = admin_client.post(reverse("admin:orgs_collectionpoint_add"), point_form(org_a, gate))

    assert response.status_code == 302, response.content.decode()[:3000]
    point = CollectionPoint.objects.get()
    assert point.alternatives == ["card"]
    device = Device.objects.get()
    assert (device.collection_point, device.organisation, device.status) == (point, org_a, Device.Status.PLANNED)


def test_the_device_list_shows_what_each_lacks(admin_client, gate, owner_a):
    bare = factories.collection_point(gate, alternatives=())
    factories.device(bare, serial="EST-1")
    complete = factories.collection_point(gate, name="South gate", signage=True)
    factories.live_device(complete, owner_a, serial="HZ-1")

    content = admin_client.get(reverse("admin:orgs_device_changelist")).content.decode()
    rows = {serial: content.split(serial, 1)[1].split("</tr>", 1)[0] for serial in ("EST-1", "HZ-1")}
    assert "No alternative offered" in rows["EST-1"] and "No photo of the sign" in rows["EST-1"]
    assert "No alternative" not in rows["HZ-1"] and "No photo" not in rows["HZ-1"]
    lacking = admin_client.get(reverse("admin:orgs_device_changelist"), {"missing": "lacks_alternative"})
    assert "EST-1" in lacking.content.decode() and "HZ-1" not in lacking.content.decode()


def test_setting_live_without_an_assessment_is_refused_with_the_reason(admin_client, gate, owner_a):
    planned = factories.device(factories.collection_point(gate))
    changelist = reverse("admin:orgs_device_changelist")

    refused = admin_client.post(changelist, {"action": "set_live", "_selected_action": [planned.pk]}, follow=True)
    assert "has no current impact assessment" in refused.content.decode()
    planned.refresh_from_db()
    assert planned.status == Device.Status.PLANNED

    factories.assessment(gate, approved_by=owner_a)
    admin_client.post(changelist, {"action": "set_live", "_selected_action": [planned.pk]})
    planned.refresh_from_db()
    assert planned.status == Device.Status.LIVE and planned.live_since is not None


def test_an_assessment_is_written_question_by_question_and_approved_in_the_admins_name(admin_client, gate,
                                                                                       administrator):
    data = {"activity": gate.pk, "conclusion": "Keep, with the card alternative", "review_interval_days": "365",
            **{f"answer_{code}": text for code, text in factories.answers_for(gate).items()}}
    assert admin_client.post(reverse("admin:orgs_impactassessment_add"), data).status_code == 302
    draft = ImpactAssessment.objects.get()
    assert draft.answers == factories.answers_for(gate) and draft.organisation == gate.organisation

    admin_client.post(reverse("admin:orgs_impactassessment_changelist"),
                      {"action": "approve", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.approved_by == administrator and draft.state() == "current"
    page = admin_client.get(reverse("admin:orgs_impactassessment_change", args=[draft.pk])).content.decode()
    assert "Why is face recognition necessary" in page and "Answered: face_necessity" in page
    assert 'name="answer_face_necessity"' not in page  # fixed once approved


def test_an_assessment_cannot_be_deleted_in_the_admin_before_three_years(admin_client, gate, owner_a):
    kept = factories.assessment(gate, approved_by=owner_a)
    delete = reverse("admin:orgs_impactassessment_delete", args=[kept.pk])

    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = admin_client.get(reverse("admin:orgs_impactassessment_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert ImpactAssessment.objects.filter(pk=kept.pk).exists()

    old = factories.assessment(factories.activity(gate.organisation, name="Old gate"), approved_by=owner_a,
                               at=timezone.now() - timedelta(days=3 * 366 + 1))
    assert admin_client.post(reverse("admin:orgs_impactassessment_delete", args=[old.pk]),
                             {"post": "yes"}).status_code == 302
    assert not ImpactAssessment.objects.filter(pk=old.pk).exists()


def test_changing_a_live_point_in_the_admin_makes_the_assessment_due(admin_client, org_a, gate, owner_a):
    point = factories.collection_point(gate, name="Staff door")
    factories.live_device(point, owner_a, serial="DOOR-1")
    device = Device.objects.get()
    data = point_form(org_a, gate, name="Staff door", site="Moved to the east wing", **{
        "devices-INITIAL_FORMS": "1", "devices-0-id": device.pk, "devices-0-collection_point": point.pk,
        "devices-0-serial": "DOOR-1", "devices-0-kind": "gate", "devices-0-location": "",
        "devices-0-template_storage": "on_device"})

    response = admin_client.post(reverse("admin:orgs_collectionpoint_change", args=[point.pk]), data, follow=True)

    assert "it is now due for review (Measures art. 9)" in response.content.decode()
    assessment = ImpactAssessment.objects.standing().get(activity=gate)
    assert assessment.state() == "review_overdue" and "site" in assessment.review_reason

"""The register of collection points and devices (Measures for the Application of Facial
Recognition Technology, 2025): what may be registered, when a device may go live, what a
change means for the assessment, and the flags the owner's desk shows. Each rule allowed
and refused; the refusals also in the database where it can say them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from orgs import assessments, register
from orgs.models import CollectionPoint, Device, ImpactAssessment, Modality, PlaceKind
from orgs.models.register import FORBIDDEN_PLACES
from tests import factories

pytestmark = pytest.mark.django_db
Status = Device.Status


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def gate_activity(org_a):
    return factories.activity(org_a, name="Annual pass entry", collection_point="North gate")


@pytest.fixture
def point(gate_activity):
    return factories.collection_point(gate_activity, signage=True)


def refusal(exc_info) -> dict:
    return exc_info.value.message_dict


# --- what may be registered --------------------------------------------------------------


@pytest.mark.parametrize("place", sorted(FORBIDDEN_PLACES))
def test_a_point_in_each_forbidden_place_is_refused(gate_activity, place):
    with pytest.raises(ValidationError) as refused:
        factories.collection_point(gate_activity, place_kind=place)

    assert list(refusal(refused)) == ["place_kind"]
    message = refusal(refused)["place_kind"][0]
    assert "Measures (art. 13)" in message and str(PlaceKind(place).label).lower() in message
    assert not CollectionPoint.objects.exists()


@pytest.mark.parametrize("place", sorted(FORBIDDEN_PLACES))
def test_the_database_refuses_a_forbidden_place_too(gate_activity, place):
    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionPoint.objects.create(organisation=gate_activity.organisation, activity=gate_activity, name="X",
                                       site="Y", place_kind=place, necessity="n", notice="n")


@pytest.mark.parametrize("place", sorted(set(PlaceKind.values) - FORBIDDEN_PLACES - {PlaceKind.PUBLIC_STREET}))
def test_a_point_in_an_ordinary_place_is_registered(gate_activity, place):
    point = factories.collection_point(gate_activity, place_kind=place)

    assert CollectionPoint.objects.get(pk=point.pk).place_kind == place
    assert point.public_id and not point.published


@pytest.mark.parametrize(("missing", "fields"), [
    ({"public_safety_purpose": ""}, {"public_safety_purpose"}),
    ({"area": ""}, {"area"}),
    ({"public_safety_purpose": "  ", "area": ""}, {"public_safety_purpose", "area"}),
])
def test_a_public_place_point_needs_its_public_safety_purpose_and_area(gate_activity, missing, fields):
    public = {"is_public_place": True, "public_safety_purpose": "Finding missing children at the park square",
              "area": "The square in front of the main gate, 20 m wide"}
    with pytest.raises(ValidationError) as refused:
        factories.collection_point(gate_activity, place_kind=PlaceKind.OTHER, **{**public, **missing})

    assert set(refusal(refused)) == fields
    assert "Measures art. 13" in " ".join(sum(refusal(refused).values(), []))
    point = factories.collection_point(gate_activity, place_kind=PlaceKind.OTHER, **public)
    assert point.is_public_place


def test_a_street_or_square_is_a_public_place(gate_activity):
    with pytest.raises(ValidationError) as refused:
        factories.collection_point(gate_activity, place_kind=PlaceKind.PUBLIC_STREET, public_safety_purpose="P",
                                   area="A")
    assert set(refusal(refused)) == {"is_public_place"}


def test_the_database_refuses_a_public_place_without_purpose_or_area(gate_activity):
    for fields in ({"area": "Square"}, {"public_safety_purpose": "Safety"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CollectionPoint.objects.create(organisation=gate_activity.organisation, activity=gate_activity,
                                           name="Square", site="Park", place_kind=PlaceKind.OTHER,
                                           is_public_place=True, necessity="n", notice="n", **fields)


@pytest.mark.parametrize(("alternatives", "note", "field"), [
    (["card", "fingerprint"], "", "alternatives"),
    (["card", "card"], "", "alternatives"),
    ("card", "", "alternatives"),
    (["other"], "", "alternatives_note"),
])
def test_alternatives_are_known_ones_and_other_is_explained(gate_activity, alternatives, note, field):
    with pytest.raises(ValidationError) as refused:
        factories.collection_point(gate_activity, alternatives=alternatives, alternatives_note=note)
    assert list(refusal(refused)) == [field]

    point = factories.collection_point(gate_activity, alternatives=["code", "other"],
                                       alternatives_note="Ask the guard at the window for a paper ticket")
    assert point.alternatives_display() == "Code or PIN, Other"


def test_a_point_serves_an_activity_of_its_own_organisation(gate_activity, org_b):
    point = CollectionPoint(organisation=org_b, activity=gate_activity, name="Gate", site="S", place_kind="other",
                            necessity="n", notice="n")
    with pytest.raises(ValidationError) as refused:
        register.save_point(point)
    assert list(refusal(refused)) == ["activity"]


def test_names_and_serials_are_unique_in_an_organisation_only(point, org_b):
    with pytest.raises(ValidationError) as refused:
        factories.collection_point(point.activity, name=point.name)
    assert list(refusal(refused)) == ["name"]

    factories.device(point, serial="SN-1")
    with pytest.raises(ValidationError) as refused:
        factories.device(point, serial="SN-1")
    assert list(refusal(refused)) == ["serial"]
    other = factories.collection_point(factories.activity(org_b), name=point.name)
    assert factories.device(other, serial="SN-1").organisation == org_b


def test_a_device_takes_its_points_organisation_and_no_other(point, org_b):
    made = factories.device(point)
    assert made.organisation_id == point.organisation_id

    stray = Device(organisation=org_b, collection_point=point, serial="X", kind="camera", modality="face",
                   template_storage="central")
    with pytest.raises(ValidationError) as refused:
        register.save_device(stray)
    assert list(refusal(refused)) == ["collection_point"]


def test_a_point_with_devices_or_an_activity_with_points_is_not_deleted_alone(point, org_b):
    from django.db.models import RestrictedError

    factories.device(point)
    with pytest.raises(RestrictedError):
        point.delete()
    with pytest.raises(RestrictedError):
        point.activity.delete()
    # With its organisation, all of it goes (no assessment is kept there yet).
    point.organisation.delete()
    assert not CollectionPoint.objects.exists() and not Device.objects.exists()


# --- the photo of the sign -----------------------------------------------------------------


def test_the_photo_of_the_sign_is_stored_under_a_random_name(point):
    stored = CollectionPoint.objects.get(pk=point.pk).signage_photo
    assert stored.name.startswith(f"signage/{point.organisation_id}/") and stored.name.endswith(".png")
    assert "sign" not in stored.name.split("/")[-1]
    assert stored.read() == factories.png_bytes()


@pytest.mark.parametrize(("name", "content"), [
    ("sign.png", b"%PDF-1.4 not an image"),
    ("sign.pdf", None),  # a PNG named as a PDF
    ("sign.gif", b"GIF89a" + b"\x00" * 20),
])
def test_a_photo_that_is_not_a_png_jpeg_or_webp_is_refused(point, name, content):
    point.signage_photo = factories.signage_upload(name, content)
    with pytest.raises(ValidationError) as refused:
        register.save_point(point)
    assert list(refusal(refused)) == ["signage_photo"]


def test_a_photo_over_the_size_limit_is_refused(point, settings):
    settings.MAX_UPLOAD_BYTES = 50
    point.signage_photo = factories.signage_upload("big.png", factories.png_bytes((64, 64)))
    with pytest.raises(ValidationError) as refused:
        register.save_point(point)
    assert "may be at most" in refusal(refused)["signage_photo"][0]


# --- going live -------------------------------------------------------------------------------


def test_a_device_cannot_go_live_without_an_assessment(point):
    planned = factories.device(point)

    with pytest.raises(ValidationError) as refused:
        register.set_live(planned)

    assert refused.value.code == "no_current_assessment"
    assert "no current impact assessment" in refused.value.messages[0]
    planned.refresh_from_db()
    assert (planned.status, planned.live_since) == (Status.PLANNED, None)


def test_a_draft_assessment_is_not_enough(point):
    factories.assessment(point.activity)
    with pytest.raises(ValidationError):
        register.set_live(factories.device(point))


def test_with_a_current_assessment_the_device_goes_live_and_records_when(point, owner_a):
    factories.assessment(point.activity, approved_by=owner_a)
    planned = factories.device(point)
    moment = timezone.now() + timedelta(minutes=5)

    live = register.set_live(planned, now=moment)

    planned.refresh_from_db()
    assert (live.status, planned.status, planned.live_since) == (Status.LIVE, Status.LIVE, moment)


def test_with_an_overdue_assessment_the_device_cannot_go_live(point, owner_a):
    factories.assessment(point.activity, approved_by=owner_a, at=timezone.now() - timedelta(days=400))
    assert assessments.current_assessment(point.activity) is None

    with pytest.raises(ValidationError) as refused:
        register.set_live(factories.device(point))
    assert refused.value.code == "no_current_assessment"


def test_a_superseded_assessment_is_not_current_its_successor_is(point, owner_a):
    first = factories.assessment(point.activity, approved_by=owner_a, at=timezone.now() - timedelta(days=30))
    second = factories.assessment(point.activity, approved_by=owner_a)

    first.refresh_from_db()
    assert (first.superseded_by, first.state()) == (second, ImpactAssessment.State.SUPERSEDED)
    assert assessments.current_assessment(point.activity) == second
    assert register.set_live(factories.device(point)).status == Status.LIVE


def test_statuses_move_only_forward(point, owner_a):
    live = factories.live_device(point, owner_a)
    with pytest.raises(ValidationError) as twice:
        register.set_live(live)
    assert twice.value.code == "wrong_status"

    retired = register.retire(live)
    assert retired.status == Status.RETIRED and retired.retired_at and retired.live_since
    for step in (register.set_live, register.retire):
        with pytest.raises(ValidationError):
            step(retired)


def test_a_retired_device_is_kept_as_it_was(point, owner_a):
    retired = register.retire(factories.device(point))
    retired.location = "Moved"
    with pytest.raises(ValidationError) as refused:
        register.save_device(retired)
    assert refused.value.messages == ["A retired device is kept as it was when retired."]


def test_saving_a_stale_copy_never_undoes_a_status_step(point, owner_a):
    stale = factories.device(point)
    factories.assessment(point.activity, approved_by=owner_a)
    register.set_live(Device.objects.get(pk=stale.pk))

    stale.location = "Lane 3"  # still "planned" in this copy
    register.save_device(stale)

    fresh = Device.objects.get(pk=stale.pk)
    assert (fresh.status, fresh.location) == (Status.LIVE, "Lane 3") and fresh.live_since is not None


def test_the_database_refuses_a_status_without_its_time(point):
    planned = factories.device(point)
    for fields in ({"status": Status.LIVE}, {"status": Status.RETIRED}, {"live_since": timezone.now()}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Device.objects.filter(pk=planned.pk).update(**fields)


# --- a change makes the assessment due for review (Measures art. 9) -----------------------------


@pytest.fixture
def live(point, owner_a):
    return factories.live_device(point, owner_a)


def standing(activity) -> ImpactAssessment:
    return ImpactAssessment.objects.standing().get(activity=activity)


@pytest.mark.parametrize(("field", "value"), [
    ("site", "Hangzhou Wildlife World, new east entrance"),
    ("area", "Both lanes of the east gate"),
    ("necessity", "Faster entry at peak hours"),
    ("place_kind", PlaceKind.BUILDING_LOBBY),
])
def test_a_change_at_a_live_point_makes_the_assessment_due_now(live, point, field, value):
    setattr(point, field, value)
    moment = timezone.now()

    assert register.save_point(point, now=moment) == 1

    assessment = standing(point.activity)
    assert assessment.review_due_at == moment and assessment.state(moment + timedelta(seconds=1)) == "review_overdue"
    assert assessment.review_reason.startswith("Changed at collection point “North gate”:")
    with pytest.raises(ValidationError):
        register.set_live(factories.device(point, serial="SECOND"))


def test_a_change_of_a_live_devices_modality_or_storage_makes_it_due(live, point):
    live.template_storage = Device.Storage.CENTRAL
    assert register.save_device(live) == 1
    assert "templates kept" in standing(point.activity).review_reason


def test_moving_a_live_device_makes_both_activities_due(live, point, owner_a, org_a):
    other = factories.collection_point(factories.activity(org_a, name="Staff entry"), name="Staff door")
    factories.assessment(other.activity, approved_by=owner_a)
    live.collection_point = other

    assert register.save_device(live) == 2


def test_other_changes_or_points_without_live_devices_leave_the_assessment(point, owner_a):
    factories.assessment(point.activity, approved_by=owner_a)
    planned = factories.device(point)
    point.site = "Elsewhere"
    assert register.save_point(point) == 0  # no live device there
    live_one = register.set_live(planned)
    point.name_zh, point.published, point.alternatives = "北门", True, ["card", "staff"]
    live_one.encryption = True
    assert register.save_point(point) == 0 and register.save_device(live_one) == 0
    assert standing(point.activity).state() == "current"


def test_a_change_of_the_activitys_purpose_makes_it_due(live, point):
    point.activity.purpose = "Entry, and marketing to pass holders"
    assert register.save_activity(point.activity) == 1
    assert "purpose" in standing(point.activity).review_reason


# --- flags --------------------------------------------------------------------------------------


def test_flags_list_exactly_what_is_missing(org_a, owner_a, org_b, gate_activity):
    in_20_days = timezone.now() + timedelta(days=20)
    # The estate's gate: face only, no sign photo, its activity never assessed.
    estate = factories.activity(org_a, name="Residents' entry", collection_point="Estate gate")
    bare = factories.collection_point(estate, name="Estate gate", alternatives=())
    bare_device = factories.device(bare, serial="EST-1")
    # The park's north gate: complete, its device live; a retired one is not flagged.
    complete = factories.collection_point(gate_activity, signage=True)
    factories.live_device(complete, owner_a, serial="HZ-1")
    register.retire(factories.device(complete, serial="HZ-OLD"))
    # Assessments: the park's due in 20 days (its interval), the office's overdue, one due in 40 days unflagged.
    park = standing(gate_activity)
    ImpactAssessment.objects.filter(pk=park.pk).update(review_due_at=in_20_days)
    office = factories.activity(org_a, name="Sales office cameras", collection_point="Sales office")
    factories.assessment(office, approved_by=owner_a, at=in_20_days - timedelta(days=400))
    later = factories.activity(org_a, name="Staff entry", collection_point="Staff door")
    factories.assessment(later, approved_by=owner_a, review_interval_days=40)
    # Another organisation's bare device is never in A's flags.
    factories.device(factories.collection_point(factories.activity(org_b), alternatives=()), serial="B-1")

    flags = register.flags_for(org_a)

    overdue = standing(office)
    assert [(f.code, f.device_id, f.assessment_id) for f in flags] == [
        ("no_alternative", bare_device.pk, None),
        ("no_signage_photo", bare_device.pk, None),
        ("no_current_assessment", bare_device.pk, None),
        ("assessment_review_overdue", None, overdue.pk),
        ("assessment_review_due", None, park.pk),
    ]
    assert flags[0].message == ("Device EST-1 at Estate gate: no other way than the scan is offered "
                                "(Measures art. 10).")
    assert flags[2].message == ("Device EST-1 at Estate gate: the activity “Residents' entry” has no current impact "
                                "assessment (Measures art. 9).")
    assert flags[3].message.startswith("The impact assessment of “Sales office cameras” was due for review on ")
    assert flags[4].due_at == in_20_days


def test_a_live_device_whose_assessment_fell_due_is_flagged(live, point):
    point.site = "Moved to the east entrance"
    register.save_point(point)

    codes = [f.code for f in register.flags_for(point.organisation)]
    assert codes == ["no_current_assessment", "assessment_review_overdue"]


def test_flags_take_four_queries_however_many_devices(org_a, gate_activity, django_assert_num_queries):
    point = factories.collection_point(gate_activity, alternatives=())
    for n in range(20):
        factories.device(point, serial=f"SN-{n}", modality=Modality.FACE)
    # the devices, the activities bundling consent, the assessments due, the devices overdue
    with django_assert_num_queries(4):
        flags = register.flags_for(org_a)
    assert len(flags) == 60

"""The rules of the register of collection points and devices (Measures for the Application
of Facial Recognition Technology, 2025), and its steps.

- `check_point` / `check_device`: what may be registered (Model.clean() calls them, so
  the admin's forms and the API refuse alike): no point in a place art. 13 forbids; a
  public-place point names its public-safety purpose and its area; alternatives are
  known ones; everything belongs to one organisation.
- `save_point` / `save_device`: validate and save; a change of what an assessment
  assessed (activity, site, area, purpose, modality, where templates go) at a live point
  or device (or of an activity's purpose, basis, modality or retention, `save_activity`)
  makes the activity's assessment due for review now (art. 9). The admin and the API
  save through these, never with `.save()` alone.
  Each also tells orgs/filing.py of a substantive change (a new point, a new or changed
  purpose, a modality the organisation did not use), which opens a re-filing once the
  organisation has filed (Measures art. 15).
- `set_live` / `retire`: the device's only status changes; going live needs a current
  impact assessment of its activity (orgs.assessments.current_assessment).
- `flags_for`: what the owner's desk shows as missing.

Every refusal is a ValidationError with a message fit to show the person who tried.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from orgs import assessments, devices, filing, law
from orgs.consent import CONSENT_BASES, SEPARATE_TYPES
from orgs.models import (
    Alternative, CollectionPoint, Device, FilingTrigger, ImpactAssessment, Jurisdiction, Organisation,
    ProcessingActivity,
)
from orgs.models.register import FORBIDDEN_PLACES, DeviceStatus, PlaceKind, TemplateStorage

Status = DeviceStatus
# An assessment due for review this soon is flagged, and its owners reminded.
REVIEW_NOTICE = timedelta(days=30)


# --- what may be registered -------------------------------------------------------------------


def refuse_forbidden_place(point: CollectionPoint) -> None:
    if point.place_kind in FORBIDDEN_PLACES:
        raise ValidationError({"place_kind": ValidationError(
            _("No face-recognition device may be installed in a %(place)s: the Measures (art. 13) forbid them in "
              "hotel guest rooms, public baths, changing rooms, toilets and other private spaces."),
            code="forbidden_place", params={"place": PlaceKind(point.place_kind).label.lower()})})


def require_public_safety(point: CollectionPoint) -> None:
    """A point in a public place says which public-safety need it serves and what area it covers."""
    errors = {}
    if point.place_kind == PlaceKind.PUBLIC_STREET and not point.is_public_place:
        errors["is_public_place"] = ValidationError(_("A public street or square is a public place."),
                                                    code="street_is_public")
    if point.is_public_place or point.place_kind == PlaceKind.PUBLIC_STREET:
        if not (point.public_safety_purpose or "").strip():
            errors["public_safety_purpose"] = ValidationError(
                _("In a public place, face recognition is allowed only as public safety needs it (Measures art. "
                  "13): say which need."), code="public_place_purpose")
        if not (point.area or "").strip():
            errors["area"] = ValidationError(
                _("In a public place, say the area the devices capture (Measures art. 13)."), code="public_place_area")
    if errors:
        raise ValidationError(errors)


def check_alternatives(point: CollectionPoint) -> None:
    value = point.alternatives
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise ValidationError({"alternatives": ValidationError(
            _("List the alternatives offered, from: %(choices)s."), code="invalid",
            params={"choices": ", ".join(Alternative.values)})})
    unknown = [a for a in value if a not in Alternative.values]
    if unknown or len(set(value)) != len(value):
        raise ValidationError({"alternatives": ValidationError(
            _("Unknown or repeated alternatives: %(given)s. Choose from: %(choices)s."), code="invalid",
            params={"given": ", ".join(value), "choices": ", ".join(Alternative.values)})})
    if Alternative.OTHER in value and not (point.alternatives_note or "").strip():
        raise ValidationError({"alternatives_note": ValidationError(
            _("Say what the other alternative is and how to use it."), code="other_unexplained")})


def _same_organisation(point: CollectionPoint) -> None:
    if point.activity_id and point.organisation_id and point.activity.organisation_id != point.organisation_id:
        raise ValidationError({"activity": ValidationError(_("This activity belongs to another organisation."),
                                                           code="other_org")})
    taken = CollectionPoint.objects.filter(organisation_id=point.organisation_id, name=point.name)
    if point.organisation_id and point.name and taken.exclude(pk=point.pk).exists():
        raise ValidationError({"name": ValidationError(
            _("This organisation already has a collection point of that name."), code="duplicate")})


def _collect(obj, rules) -> None:
    """Run every rule and raise all their errors together."""
    errors = {}
    for rule in rules:
        try:
            rule(obj)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def check_point(point: CollectionPoint) -> None:
    _collect(point, (refuse_forbidden_place, require_public_safety, check_alternatives, _same_organisation))


def _adopt_organisation(device: Device) -> None:
    if device.organisation_id is None and device.collection_point_id is not None:
        device.organisation_id = device.collection_point.organisation_id


def check_device(device: Device) -> None:
    """A device belongs to its point's organisation (set from the point when not given), and
    its serial is unique in the organisation."""
    if device.collection_point_id is None:
        return
    _adopt_organisation(device)
    if device.organisation_id != device.collection_point.organisation_id:
        raise ValidationError({"collection_point": ValidationError(
            _("This collection point belongs to another organisation."), code="other_org")})
    taken = Device.objects.filter(organisation_id=device.organisation_id, serial=device.serial)
    if device.serial and taken.exclude(pk=device.pk).exists():
        raise ValidationError({"serial": ValidationError(
            _("This organisation already has a device with this serial number."), code="duplicate")})
    _refuse_changing_retired(device)


def _refuse_changing_retired(device: Device) -> None:
    if device.pk is None:
        return
    editable = [f.attname for f in Device._meta.concrete_fields if f.editable and not f.primary_key]
    stored = Device.objects.filter(pk=device.pk, status=Status.RETIRED).values(*editable).first()
    if stored and any(stored[f] != getattr(device, f) for f in editable):
        raise ValidationError(_("A retired device is kept as it was when retired."), code="retired")


# --- saving, and what a change means for the assessment --------------------------------------

# What an assessment assessed: a change of one of these at a live point or device makes it due.
POINT_WATCHED = ("activity_id", "site", "site_zh", "area", "place_kind", "is_public_place", "public_safety_purpose",
                 "necessity")
DEVICE_WATCHED = ("collection_point_id", "location", "modality", "template_storage")


def _changed(model, before: dict | None, obj, watched) -> list[str]:
    if before is None:
        return []
    return [str(model._meta.get_field(f.removesuffix("_id")).verbose_name) for f in watched
            if before[f] != getattr(obj, f)]


def save_point(point: CollectionPoint, *, now: datetime | None = None) -> int:
    """Validate (full_clean) and save the point. If it has live devices and what was assessed
    changed, the assessments of its activity (old and new) are due for review now. Returns
    how many assessments that marked. A new photo of the sign is written before any lock."""
    point.full_clean()
    photo = point.signage_photo
    if photo and not photo._committed:
        photo.save(photo.name, photo.file, save=False)
    with transaction.atomic():
        before = (CollectionPoint.objects.select_for_update().filter(pk=point.pk).values(*POINT_WATCHED).first()
                  if point.pk else None)
        point.save()
        if before is None:
            filing.note_change(point.organisation, trigger=FilingTrigger.NEW_POINT, what=point.name, now=now)
        changed = _changed(CollectionPoint, before, point, POINT_WATCHED)
        if not changed or not point.devices.filter(status=Status.LIVE).exists():
            return 0
        reason = _("Changed at collection point “%(point)s”: %(what)s.") % {
            "point": point.name, "what": ", ".join(changed)}
        return assessments.mark_review_due({point.activity_id, before["activity_id"]}, reason=reason, now=now)


def save_device(device: Device, *, now: datetime | None = None) -> int:
    """Validate and save the device (a retired one is refused any change). If it is live
    and what was assessed changed, the assessments of the activities of its point (old and
    new) are due for review now. Returns how many assessments that marked."""
    _adopt_organisation(device)
    device.full_clean()
    with transaction.atomic():
        before = (Device.objects.select_for_update().filter(pk=device.pk)
                  .values(*DEVICE_WATCHED, "status", "collection_point__activity_id").first() if device.pk else None)
        if before is None:
            device.save()
        else:  # the status and its times are the steps' alone: a stale copy never writes them back
            device.save(update_fields=[f.attname for f in Device._meta.concrete_fields
                                       if f.editable and not f.primary_key])
        if (before is None or before["modality"] != device.modality) and _new_modality(device.organisation_id,
                                                                                       device.modality, device=device):
            filing.note_change(device.organisation, trigger=FilingTrigger.NEW_MODALITY, what=device.modality, now=now)
        changed = _changed(Device, before, device, DEVICE_WATCHED)
        if not changed or before["status"] != Status.LIVE:
            return 0
        reason = _("Changed on device %(serial)s: %(what)s.") % {"serial": device.serial, "what": ", ".join(changed)}
        activities = {device.collection_point.activity_id, before["collection_point__activity_id"]}
        return assessments.mark_review_due(activities, reason=reason, now=now)


ACTIVITY_WATCHED = ("purpose", "legal_basis", "modality", "consent_type", "retention_days")


def save_activity(activity: ProcessingActivity, *, now: datetime | None = None) -> int:
    """Save a processing activity; if it has live devices and its purpose, legal basis,
    modality, consent or retention changed, its assessment is due for review now. Returns how
    many assessments that marked. (The admin saves activities through this.)"""
    with transaction.atomic():
        before = (ProcessingActivity.objects.select_for_update().filter(pk=activity.pk)
                  .values(*ACTIVITY_WATCHED).first() if activity.pk else None)
        activity.save()
        _note_activity_for_filing(activity, before, now)
        changed = _changed(ProcessingActivity, before, activity, ACTIVITY_WATCHED)
        if not changed or not Device.objects.filter(collection_point__activity=activity, status=Status.LIVE).exists():
            return 0
        reason = _("Changed in the activity: %(what)s.") % {"what": ", ".join(changed)}
        return assessments.mark_review_due({activity.pk}, reason=reason, now=now)


def _new_modality(organisation_id: int, modality: str, *, device: Device | None = None,
                  activity: ProcessingActivity | None = None) -> bool:
    """No other activity or device of the organisation uses this modality."""
    activities = ProcessingActivity.objects.filter(organisation_id=organisation_id, modality=modality)
    devices = Device.objects.filter(organisation_id=organisation_id, modality=modality)
    if activity is not None:
        activities = activities.exclude(pk=activity.pk)
    if device is not None:
        devices = devices.exclude(pk=device.pk)
    return not (activities.exists() or devices.exists())


def _note_activity_for_filing(activity: ProcessingActivity, before: dict | None, now) -> None:
    """A new activity, or a changed purpose, is a new purpose; a modality no other activity or device
    uses is a new modality (Measures art. 15: a substantive change opens a re-filing once filed)."""
    if before is None or before["purpose"].strip() != activity.purpose.strip():
        filing.note_change(activity.organisation, trigger=FilingTrigger.NEW_PURPOSE,
                           what=f"{activity.name}: {activity.purpose}", now=now)
    if (before is None or before["modality"] != activity.modality) and _new_modality(
            activity.organisation_id, activity.modality, activity=activity):
        filing.note_change(activity.organisation, trigger=FilingTrigger.NEW_MODALITY, what=activity.modality, now=now)


# --- the device's status ------------------------------------------------------------------------


def check_can_go_live(device: Device, *, now: datetime | None = None) -> None:
    if assessments.current_assessment(device.collection_point.activity_id, now=now) is None:
        raise ValidationError(
            _("Device %(serial)s cannot go live: the activity “%(activity)s” has no current impact assessment "
              "(approved, not superseded, review not overdue; Measures art. 9)."),
            code="no_current_assessment",
            params={"serial": device.serial, "activity": device.collection_point.activity.name})


@dataclass(frozen=True)
class Step:
    label: str
    sources: frozenset
    target: str
    stamp: str  # the time field the step records
    wrong_status: str  # the refusal from any other status
    check: object = None


STEPS = {
    "go_live": Step(_("Set live"), frozenset({Status.PLANNED}), Status.LIVE, "live_since",
                    _("Device %(serial)s is %(status)s: only a planned device can be set live."), check_can_go_live),
    "retire": Step(_("Retire"), frozenset({Status.PLANNED, Status.LIVE}), Status.RETIRED, "retired_at",
                   _("Device %(serial)s is retired already.")),
}


def _take(step_name: str, device: Device, now: datetime | None) -> Device:
    step, now = STEPS[step_name], now or timezone.now()
    with transaction.atomic():
        fresh = Device.objects.select_for_update().select_related("collection_point__activity").get(pk=device.pk)
        if fresh.status not in step.sources:
            raise ValidationError(step.wrong_status, code="wrong_status",
                                  params={"serial": fresh.serial, "status": fresh.get_status_display().lower()})
        if step.check is not None:
            step.check(fresh, now=now)
        fresh.status = step.target
        setattr(fresh, step.stamp, now)
        fresh.save(update_fields=["status", step.stamp])
    return fresh


def set_live(device: Device, *, now: datetime | None = None) -> Device:
    """Planned -> live, recording when; only with a current assessment of the device's activity.
    Raises ValidationError (code "wrong_status" or "no_current_assessment")."""
    return _take("go_live", device, now)


def retire(device: Device, *, now: datetime | None = None) -> Device:
    """Planned or live -> retired, recording when. Raises ValidationError ("wrong_status")."""
    return _take("retire", device, now)


# --- flags: what the owner's desk shows ---------------------------------------------------------


class FlagCode(models.TextChoices):
    NO_ALTERNATIVE = "no_alternative", _("No alternative offered")
    NO_SIGNAGE_PHOTO = "no_signage_photo", _("No photo of the sign")
    NO_CURRENT_ASSESSMENT = "no_current_assessment", _("No current impact assessment")
    REVIEW_DUE = "assessment_review_due", _("Impact assessment due for review")
    REVIEW_OVERDUE = "assessment_review_overdue", _("Impact assessment review overdue")
    DEVICE_OVERDUE = "device_overdue", _("Device has not confirmed its deletions")
    BUNDLED_CONSENT = "bundled_consent", _("Consent bundled with other terms")
    CENTRAL_WITHOUT_CONSENT = "central_templates_without_separate_consent", _(
        "Templates sent to a central system without separate consent")


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    device_id: int | None = None
    collection_point_id: int | None = None
    activity_id: int | None = None
    assessment_id: int | None = None
    due_at: datetime | None = None


def with_flags(devices: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """The devices annotated with what they lack (lacks_alternative, lacks_signage_photo,
    lacks_assessment, lacks_separate_consent), in the one query, for the flags and the admin's
    list. lacks_separate_consent: a live device of a Chinese organisation that sends its
    templates to a central system while its activity does not ask for separate consent
    (Measures art. 8: templates stay on the device unless the person consents separately)."""
    current = ImpactAssessment.objects.current(now).filter(activity_id=OuterRef("collection_point__activity_id"))
    central_without_consent = (Q(status=Status.LIVE, template_storage=TemplateStorage.CENTRAL,
                                 organisation__jurisdiction=Jurisdiction.CN)
                               & ~Q(collection_point__activity__consent_type__in=SEPARATE_TYPES))
    return devices.annotate(
        lacks_alternative=ExpressionWrapper(Q(collection_point__alternatives=[]), output_field=BooleanField()),
        lacks_signage_photo=ExpressionWrapper(Q(collection_point__signage_photo=""), output_field=BooleanField()),
        lacks_assessment=~Exists(current),
        lacks_separate_consent=ExpressionWrapper(central_without_consent, output_field=BooleanField()),
    )


DEVICE_FLAGS = (
    ("lacks_alternative", FlagCode.NO_ALTERNATIVE,
     _("Device %(device)s at %(point)s: no other way than the scan is offered (Measures art. 10).")),
    ("lacks_signage_photo", FlagCode.NO_SIGNAGE_PHOTO,
     _("Device %(device)s at %(point)s: no photo of the sign (Measures art. 13).")),
    ("lacks_assessment", FlagCode.NO_CURRENT_ASSESSMENT,
     _("Device %(device)s at %(point)s: the activity “%(activity)s” has no current impact assessment (Measures "
       "art. 9).")),
    ("lacks_separate_consent", FlagCode.CENTRAL_WITHOUT_CONSENT,
     _("Device %(device)s at %(point)s sends face templates to a central system, but the activity “%(activity)s” "
       "does not ask for separate consent (Measures art. 8).")),
)


def device_flags(device: Device) -> list[Flag]:
    """The flags of a device annotated by `with_flags` (its point and activity loaded)."""
    point = device.collection_point
    words = {"device": device.serial, "point": point.name, "activity": point.activity.name}
    return [Flag(code.value, str(message % words), device_id=device.pk, collection_point_id=point.pk,
                 activity_id=point.activity_id)
            for attribute, code, message in DEVICE_FLAGS if getattr(device, attribute)]


def assessment_flag(assessment: ImpactAssessment, organisation: Organisation, now: datetime) -> Flag:
    local = timezone.localtime(assessment.review_due_at, organisation.time_zone)
    words = {"activity": assessment.activity.name, "date": date_format(local, "DATE_FORMAT")}
    if assessment.review_due_at <= now:
        code, message = FlagCode.REVIEW_OVERDUE, _("The impact assessment of “%(activity)s” was due for review on "
                                                   "%(date)s.") % words
        if assessment.review_reason:
            message = f"{message} {assessment.review_reason}"
    else:
        code, message = FlagCode.REVIEW_DUE, _("The impact assessment of “%(activity)s” is due for review on "
                                               "%(date)s.") % words
    return Flag(code.value, str(message), activity_id=assessment.activity_id, assessment_id=assessment.pk,
                due_at=assessment.review_due_at)


def consent_flags(organisation: Organisation) -> list[Flag]:
    """The organisation's activities that rest on consent but ask for it bundled with other
    terms: such a consent is no consent (the consent ledger refuses to record one)."""
    bundled = ProcessingActivity.objects.filter(organisation=organisation, legal_basis__in=CONSENT_BASES,
                                                consent_type=ProcessingActivity.ConsentType.BUNDLED).order_by("pk")
    citation = law.texts(organisation.jurisdiction).separate_consent
    flags = []
    for activity in bundled:
        message = _("The activity “%(activity)s” rests on consent but asks for it bundled with other terms: ask for "
                    "it separately.") % {"activity": activity.name}
        if citation:
            message = f"{message} ({citation})"
        flags.append(Flag(FlagCode.BUNDLED_CONSENT.value, str(message), activity_id=activity.pk))
    return flags


def flags_for(organisation: Organisation, *, now: datetime | None = None) -> list[Flag]:
    """For every planned or live device of the organisation, what it lacks: an alternative at
    its point, a photo of the point's sign, a current assessment of its activity, separate
    consent to the templates it sends centrally (in device order); then its activities that
    bundle consent with other terms; then its standing assessments due for review within 30
    days or overdue (soonest first); then its devices keeping deletions waiting too long
    (orgs/devices.py). Four queries."""
    now = now or timezone.now()
    registered = with_flags(Device.objects.filter(organisation=organisation, status__in=[Status.PLANNED, Status.LIVE]),
                            now=now).select_related("collection_point__activity").order_by("pk")
    flags = [flag for device in registered for flag in device_flags(device)]
    flags += consent_flags(organisation)
    due = assessments.due_for_review(organisation.pk, within=REVIEW_NOTICE, now=now)
    flags += [assessment_flag(a, organisation, now) for a in due.select_related("activity").order_by("review_due_at",
                                                                                                         "pk")]
    return flags + [overdue_flag(device, organisation) for device in devices.overdue_devices(organisation.pk, now=now)]


def overdue_flag(device: Device, organisation: Organisation) -> Flag:
    """A device that keeps deletions waiting (offline, or failing): art. 8 is not met until it confirms."""
    since = date_format(timezone.localtime(device.oldest, organisation.time_zone), "DATETIME_FORMAT")
    message = _("Device %(device)s at %(point)s has %(count)s deletions waiting since %(since)s: it has not "
                "confirmed them (Measures art. 8).") % {"device": device.serial, "point": device.collection_point.name,
                                                       "count": device.waiting, "since": since}
    return Flag(FlagCode.DEVICE_OVERDUE.value, str(message), device_id=device.pk,
                collection_point_id=device.collection_point_id, due_at=device.oldest)

"""The filing pack (Measures art. 15): what an organisation hands the provincial cyberspace
administration, assembled from what Rightsdesk already holds, in the active language.

- the processor's basic information (the organisation's name, kind, address, contacts);
- the register: every collection point (site, kind of place, public-place purpose and
  area, necessity, notice, the other ways in) with its devices (where templates are kept,
  security measures, status), and the data systems that store the face records;
- the impact assessments of record (approved, not superseded) with approver and dates;
- the counts: distinct people by activity and by point, the total, when counted;
- the filing obligations so far;
- the attachments the administration asks for and Rightsdesk does not hold (the business
  licence, the IDs of the legal representative and of the person filing, the power of
  attorney, the signed commitment), each marked "to be attached by the organisation".

It holds no personal data of the people counted: counts only, never an identifier, a
masked identifier or a hash. `build` returns plain data (JSON-serialisable): the desk
renders it as a page and a PDF and hands it out as JSON.
"""

from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs import filing
from orgs.models import (
    CollectionPoint, DataSystem, Device, FilingObligation, ImpactAssessment, Modality, Organisation,
    ProcessingActivity,
)
from orgs.models.register import Alternative, DeviceKind, DeviceStatus, PlaceKind, TemplateStorage

# What the administration asks for that the organisation attaches itself (LAW.md A4).
ATTACHMENTS = (
    ("filing_form", gettext_lazy("The application filing form, signed")),
    ("business_licence", gettext_lazy("A copy of the business licence")),
    ("legal_representative_id", gettext_lazy("A copy of the legal representative's identity document")),
    ("filer_id", gettext_lazy("A copy of the identity document of the person filing")),
    ("power_of_attorney", gettext_lazy("The power of attorney for the person filing")),
    ("commitment", gettext_lazy("The signed commitment letter")),
)
SECURITY = (("encryption", gettext_lazy("encryption")), ("security_audit", gettext_lazy("security audit")),
            ("access_control", gettext_lazy("access control")),
            ("intrusion_detection", gettext_lazy("intrusion detection")))


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value))


def _when(moment: datetime | None, organisation: Organisation) -> str | None:
    return timezone.localtime(moment, organisation.time_zone).isoformat() if moment else None


def basic_information(organisation: Organisation) -> dict:
    return {"name": organisation.name, "name_zh": organisation.name_zh,
            "kind": _label(Organisation.Kind.choices, organisation.kind),
            "city": organisation.local_city, "address": organisation.address,
            "contact_email": organisation.contact_email, "contact_phone": organisation.contact_phone,
            "time_zone": str(organisation.time_zone)}


def _device(device: Device, organisation: Organisation) -> dict:
    return {"serial": device.serial, "kind": _label(DeviceKind.choices, device.kind), "location": device.location,
            "modality": _label(Modality.choices, device.modality),
            "templates_kept": _label(TemplateStorage.choices, device.template_storage),
            "status": _label(DeviceStatus.choices, device.status), "live_since": _when(device.live_since, organisation),
            "security_measures": [str(label) for name, label in SECURITY if getattr(device, name)]}


def _point(point: CollectionPoint, organisation: Organisation, people: dict) -> dict:
    return {"name": point.local_name, "site": point.local_site, "activity": point.activity.name,
            "place_kind": _label(PlaceKind.choices, point.place_kind), "public_place": point.is_public_place,
            "public_safety_purpose": point.public_safety_purpose, "area": point.area, "necessity": point.necessity,
            "notice": point.local_notice,
            "alternatives": [_label(Alternative.choices, a) for a in point.alternatives or []],
            "alternatives_note": point.alternatives_note, "published": point.published,
            "people": people.get(point.pk, 0),
            "devices": [_device(d, organisation) for d in point.devices.all()]}


def _assessment(assessment: ImpactAssessment, organisation: Organisation, now: datetime) -> dict:
    return {"activity": assessment.activity.name, "state": assessment.get_state_display(),
            "approved_at": _when(assessment.approved_at, organisation), "approver": assessment.approver_name,
            "review_due_at": _when(assessment.review_due_at, organisation),
            "kept_until": _when(assessment.keep_until, organisation), "conclusion": assessment.conclusion}


def _obligation(obligation: FilingObligation, organisation: Organisation) -> dict:
    return {"kind": obligation.get_kind_display(), "status": obligation.get_status_display(),
            "why": filing.describe(obligation), "opened_at": _when(obligation.opened_at, organisation),
            "due_at": _when(obligation.due_at, organisation), "filed_at": _when(obligation.filed_at, organisation),
            "reference": obligation.reference}


def build(organisation: Organisation, *, now: datetime | None = None) -> dict:
    """The pack of the organisation as of `now`, in the active language (a dozen queries)."""
    now = now or timezone.now()
    by_activity = filing.people_by(organisation, "activity_id")
    by_point = filing.people_by(organisation, "collection_point_id")
    activities = ProcessingActivity.objects.filter(organisation=organisation).order_by("name")
    points = (CollectionPoint.objects.filter(organisation=organisation).select_related("activity")
              .prefetch_related("devices").order_by("name"))
    face_systems = (DataSystem.objects.filter(organisation=organisation)
                    .annotate(face_records=Count("biometric_records", filter=Q(
                        biometric_records__modality=Modality.FACE, biometric_records__state__in=filing.HOLDING)))
                    .filter(face_records__gt=0).order_by("name"))
    assessments = (ImpactAssessment.objects.filter(organisation=organisation).standing()
                   .select_related("activity").order_by("activity__name"))
    return {
        "title": _("Filing pack: Security Management Measures for the Application of Facial Recognition "
                   "Technology, art. 15"),
        "organisation": basic_information(organisation),
        "counted_at": _when(now, organisation),
        "counts": {
            "threshold": filing.THRESHOLD,
            "people": filing.people_count(organisation),
            "by_activity": [{"activity": a.name, "purpose": a.purpose, "modality": _label(Modality.choices, a.modality),
                             "people": by_activity[a.pk]} for a in activities if by_activity.get(a.pk)],
            "by_point": [{"point": p.local_name, "people": by_point[p.pk]} for p in points if by_point.get(p.pk)],
            "without_point": by_point.get(None, 0),
        },
        "collection_points": [_point(p, organisation, by_point) for p in points],
        "storage": [{"system": s.name, "connector": s.get_connector_display(), "description": s.description}
                    for s in face_systems],
        "impact_assessments": [_assessment(a, organisation, now) for a in assessments],
        "obligations": [_obligation(o, organisation) for o in
                        FilingObligation.objects.filter(organisation=organisation).order_by("-opened_at", "-pk")],
        "attachments": [{"code": code, "item": str(label), "status": _("to be attached by the organisation")}
                        for code, label in ATTACHMENTS],
    }

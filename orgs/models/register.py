"""The register of collection points and devices: where an organisation scans faces (or
fingerprints, irises...) and with what, as the Security Management Measures for the
Application of Facial Recognition Technology (CAC and Ministry of Public Security, Order
No. 19, in force 2025-06-01) ask it to know and show.

A collection point is a place where one processing activity collects: its kind of place
(art. 13 forbids some outright), whether it is public (then its public-safety purpose and
area, art. 13), its necessity statement (art. 4), the notice shown before first use
(art. 5), a photo of its sign (art. 13) and the other ways in it offers (art. 10). A
device is one gate, camera or terminal at a point: where it keeps templates (art. 8), its
security measures (art. 14) and its status (planned, live, retired).

The rules that decide what may be registered and when a device may go live are in
orgs/register.py; `clean()` calls them, so the admin's forms and the API refuse alike,
and the database refuses what it can express (forbidden places, public places without
purpose or area, status without its time).
"""

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models.organisations import Organisation, _reads_chinese
from orgs.models.processing import Modality, ProcessingActivity


class PlaceKind(models.TextChoices):
    ENTRANCE_GATE = "entrance_gate", _("Entrance gate")
    BUILDING_LOBBY = "building_lobby", _("Building lobby")
    SALES_OFFICE = "sales_office", _("Sales office")
    PUBLIC_STREET = "public_street", _("Public street or square")
    WORKPLACE = "workplace", _("Workplace")
    OTHER = "other", _("Other")
    # Listed so that choosing one is refused with the reason, not hidden (Measures art. 13).
    HOTEL_ROOM = "hotel_room", _("Hotel guest room")
    PUBLIC_BATH = "public_bath", _("Public bath")
    CHANGING_ROOM = "changing_room", _("Changing room")
    TOILET = "toilet", _("Toilet")


# Private spaces inside which the Measures (art. 13) allow no face-recognition device at all.
FORBIDDEN_PLACES = frozenset({PlaceKind.HOTEL_ROOM, PlaceKind.PUBLIC_BATH, PlaceKind.CHANGING_ROOM, PlaceKind.TOILET})


class Alternative(models.TextChoices):
    """Other ways to verify a person than the scan (Measures art. 10; SPC provisions art. 10)."""

    CARD = "card", _("Card or pass")
    CODE = "code", _("Code or PIN")
    STAFF = "staff", _("Check by staff")
    OTHER = "other", _("Other")


# --- the photo of the sign ----------------------------------------------------------------

IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}
IMAGE_EXTENSIONS = {".png": {".png"}, ".jpg": {".jpg", ".jpeg", ".jpe", ".jfif"}, ".webp": {".webp"}}


def sniff_image(head: bytes) -> str | None:
    """The extension of a PNG, JPEG or WebP image known by its first bytes; None for anything else."""
    for signature, extension in IMAGE_SIGNATURES.items():
        if head.startswith(signature):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    return None


def _head(file) -> bytes:
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    return head


def validate_signage_photo(value) -> None:
    """A new photo must be a PNG, JPEG or WebP image (by its bytes, and its name must not claim
    another type) of at most MAX_UPLOAD_BYTES. A photo already stored is not read again."""
    if not value or getattr(value, "_committed", True):
        return
    limit = settings.MAX_UPLOAD_BYTES
    if value.size > limit:
        raise ValidationError(
            _("The photo is %(size)s; it may be at most %(limit)s."),
            code="too_large", params={"size": filesizeformat(value.size), "limit": filesizeformat(limit)},
        )
    extension = sniff_image(_head(value))
    named = os.path.splitext(value.name or "")[1].lower()
    if extension is None or (named and named not in IMAGE_EXTENSIONS[extension]):
        raise ValidationError(_("Send the photo of the sign as a PNG, JPEG or WebP image, under its usual "
                                "extension."), code="not_an_image")


def signage_path(point: "CollectionPoint", filename: str) -> str:
    """A random name under the organisation's folder: the name a person gave the file says nothing here."""
    extension = sniff_image(_head(point.signage_photo)) or os.path.splitext(filename)[1].lower()[:8]
    return f"signage/{point.organisation_id}/{uuid.uuid4().hex}{extension}"


# --- collection points ----------------------------------------------------------------------


class CollectionPoint(models.Model):
    """A place where one processing activity collects biometric data, as the public register shows it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="collection_points")
    # RESTRICT: an activity with points is not deleted on its own, but goes with its organisation.
    activity = models.ForeignKey(ProcessingActivity, on_delete=models.RESTRICT, related_name="collection_points",
                                 verbose_name=_("processing activity"))
    name = models.CharField(_("name"), max_length=200, help_text=_("In English: the primary name."))
    name_zh = models.CharField(_("name in Chinese"), max_length=200, blank=True)
    site = models.CharField(_("site"), max_length=300, help_text=_("The premises and their address."))
    site_zh = models.CharField(_("site in Chinese"), max_length=300, blank=True)
    area = models.TextField(_("collection area"), blank=True, help_text=_(
        "What the devices capture, e.g. the two entry lanes of the north gate. Required in a public place "
        "(Measures art. 13)."))
    place_kind = models.CharField(_("kind of place"), max_length=20, choices=PlaceKind.choices)
    is_public_place = models.BooleanField(_("public place"), default=False)
    public_safety_purpose = models.TextField(_("public-safety purpose"), blank=True, help_text=_(
        "In a public place, face recognition is allowed only as public safety needs it (Measures art. 13): "
        "say which need."))
    necessity = models.TextField(_("necessity statement"), help_text=_(
        "The specific purpose, why the scan is necessary for it, and why no less intrusive way would do "
        "(Measures art. 4)."))
    notice = models.TextField(_("notice before first use"), help_text=_(
        "What people are told before their first scan: who processes their data, for what purpose, how, for "
        "how long, and how to exercise their rights (Measures art. 5)."))
    notice_zh = models.TextField(_("notice in Chinese"), blank=True)
    signage_photo = models.ImageField(_("photo of the sign"), upload_to=signage_path, blank=True,
                                      validators=[validate_signage_photo], help_text=_(
                                          "The prominent sign at the point (Measures art. 13): PNG, JPEG or WebP."))
    alternatives = models.JSONField(_("alternatives offered"), default=list, blank=True, help_text=_(
        "The other ways to get in or be verified (Measures art. 10): any of card, code, staff, other."))
    alternatives_note = models.CharField(_("how to use the alternatives"), max_length=300, blank=True)
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False,
                                 help_text=_("Names the point in public links and QR codes."))
    published = models.BooleanField(_("on the public register"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("collection point")
        verbose_name_plural = _("collection points")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="collection_point_name_unique_in_org"),
            models.CheckConstraint(condition=Q(place_kind__in=PlaceKind.values), name="collection_point_place_valid"),
            models.CheckConstraint(condition=~Q(place_kind__in=sorted(p.value for p in FORBIDDEN_PLACES)),
                                   name="collection_point_not_in_forbidden_place"),
            models.CheckConstraint(
                condition=Q(is_public_place=False) | (~Q(public_safety_purpose="") & ~Q(area="")),
                name="public_place_point_has_purpose_and_area",
            ),
            models.CheckConstraint(condition=~Q(place_kind=PlaceKind.PUBLIC_STREET) | Q(is_public_place=True),
                                   name="street_point_is_public_place"),
        ]

    def __str__(self):
        return self.local_name

    def clean(self):
        from orgs import register

        register.check_point(self)

    @property
    def local_name(self) -> str:
        return self.name_zh if self.name_zh and _reads_chinese() else self.name

    @property
    def local_site(self) -> str:
        return self.site_zh if self.site_zh and _reads_chinese() else self.site

    @property
    def local_notice(self) -> str:
        return self.notice_zh if self.notice_zh and _reads_chinese() else self.notice

    def alternatives_display(self) -> str:
        labels = dict(Alternative.choices)
        return ", ".join(str(labels.get(a, a)) for a in self.alternatives or [])


# --- devices -----------------------------------------------------------------------------


class DeviceKind(models.TextChoices):
    GATE = "gate", _("Gate")
    CAMERA = "camera", _("Camera")
    TERMINAL = "terminal", _("Terminal")
    OTHER = "other", _("Other")


class TemplateStorage(models.TextChoices):
    """Where the device keeps the templates it makes (Measures art. 8)."""

    ON_DEVICE = "on_device", _("On the device")
    CENTRAL = "central", _("Sent to a central system")


class DeviceStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    LIVE = "live", _("Live")
    RETIRED = "retired", _("Retired")


class Device(models.Model):
    """A gate, camera or terminal at a collection point. Its status changes only through
    orgs.register.set_live and retire, which record when."""

    Kind = DeviceKind
    Status = DeviceStatus
    Storage = TemplateStorage

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="devices")
    # RESTRICT: a point with devices is not deleted (they are retired), unless its organisation is.
    collection_point = models.ForeignKey(CollectionPoint, on_delete=models.RESTRICT, related_name="devices",
                                         verbose_name=_("collection point"))
    serial = models.CharField(_("serial number"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=DeviceKind.choices)
    location = models.CharField(_("location"), max_length=300, blank=True,
                                help_text=_("Where at the point, e.g. north gate, lane 2."))
    modality = models.CharField(_("modality"), max_length=20, choices=Modality.choices)
    template_storage = models.CharField(_("templates kept"), max_length=10, choices=TemplateStorage.choices,
                                        help_text=_("On the device, or sent over a network to a central system "
                                                    "(Measures art. 8)."))
    status = models.CharField(_("status"), max_length=10, choices=DeviceStatus.choices, default=DeviceStatus.PLANNED,
                              editable=False)
    live_since = models.DateTimeField(_("live since"), null=True, blank=True, editable=False)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True, editable=False)
    # The security measures of Measures art. 14, as the organisation declares them.
    encryption = models.BooleanField(_("encryption"), default=False)
    security_audit = models.BooleanField(_("security audit"), default=False)
    access_control = models.BooleanField(_("access control"), default=False)
    intrusion_detection = models.BooleanField(_("intrusion detection"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["organisation", "serial"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "serial"], name="device_serial_unique_in_org"),
            models.CheckConstraint(condition=Q(kind__in=DeviceKind.values), name="device_kind_valid"),
            models.CheckConstraint(condition=Q(modality__in=Modality.values), name="device_modality_valid"),
            models.CheckConstraint(condition=Q(template_storage__in=TemplateStorage.values),
                                   name="device_template_storage_valid"),
            # The status and its times agree: planned never went live; live has its start; retired its end.
            models.CheckConstraint(
                condition=Q(status=DeviceStatus.PLANNED, live_since__isnull=True, retired_at__isnull=True)
                | Q(status=DeviceStatus.LIVE, live_since__isnull=False, retired_at__isnull=True)
                | Q(status=DeviceStatus.RETIRED, retired_at__isnull=False),
                name="device_status_times_agree",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="device_org_status_idx")]

    def __str__(self):
        return f"{self.serial} · {self.get_kind_display()}"

    def clean(self):
        from orgs import register

        register.check_device(self)

    @property
    def security_measures(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in ("encryption", "security_audit", "access_control",
                                                        "intrusion_detection")}

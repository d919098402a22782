"""Times in the admin, each labelled with its zone: in the organisation's zone where the
object belongs to one (as its deadlines are counted), in the site's zone otherwise.

A bare "April 10, 2021, 12:30 a.m." on a page read in Amsterdam about a Hangzhou case is
ambiguous by seven hours; "… (Asia/Shanghai, UTC+08:00)" is not.
"""

from datetime import datetime, tzinfo

from django.contrib import admin
from django.utils import formats, timezone


def zone_of(obj) -> tzinfo:
    """The zone an object's times are read in: its organisation's, or the site's."""
    for path in (("time_zone",), ("organisation", "time_zone"), ("request", "organisation", "time_zone")):
        value = obj
        for name in path:
            value = getattr(value, name, None)
            if value is None:
                break
        if isinstance(value, tzinfo):
            return value
    return timezone.get_default_timezone()


def zone_label(moment: datetime) -> str:
    """"Asia/Shanghai, UTC+08:00" for an aware local time."""
    offset = moment.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else ""
    name = getattr(moment.tzinfo, "key", None) or moment.tzname() or ""
    return f"{name}, UTC{offset}" if name != "UTC" else "UTC"


def zoned(moment: datetime | None, zone: tzinfo | None = None) -> str:
    if moment is None:
        return "—"
    local = timezone.localtime(moment, zone or timezone.get_default_timezone())
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({zone_label(local)})"


def zoned_field(model, name: str):
    """An admin display of the date-time field `name`, labelled with its zone; sortable by it."""
    label = model._meta.get_field(name).verbose_name

    @admin.display(description=label, ordering=name)
    def show(self, obj):
        return zoned(getattr(obj, name), zone_of(obj))

    show.__name__ = f"{name}_zoned"
    return show


def zoned_times(*names: str, model=None):
    """Class decorator for an admin (or inline) whose date-times `names` are read-only: shows
    each labelled with its zone, wherever it is listed (list_display, fields, readonly_fields,
    fieldsets). Editable date-times keep Django's widgets. `model`: for a ModelAdmin, which
    learns its model only when registered (an inline names its own)."""

    def swap(seq):
        return type(seq)(f"{n}_zoned" if n in names else n for n in seq)

    def decorate(cls):
        for name in names:
            setattr(cls, f"{name}_zoned", zoned_field(model or cls.model, name))
        for attr in ("list_display", "fields", "readonly_fields"):
            value = getattr(cls, attr, None)
            if isinstance(value, list | tuple):
                setattr(cls, attr, swap(value))
        if getattr(cls, "fieldsets", None):
            cls.fieldsets = tuple((title, {**options, "fields": swap(options["fields"])})
                                  for title, options in cls.fieldsets)
        return cls

    return decorate

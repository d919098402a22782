"""Template filters of the officer desk.

`zoned`: a moment in the current time zone (the desk renders in the organisation's,
requests_app/desk/views.py), labelled with that zone, e.g. "Dec. 1, 2026, 6 p.m. CST":
an officer in Amsterdam reading a Hangzhou case must not guess whose evening it is.
"""

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format

register = template.Library()


@register.filter
def zoned(value, fmt="DATETIME_FORMAT"):
    if isinstance(value, str):  # an instant kept in an event's data (ISO text)
        value = parse_datetime(value)
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{date_format(local, fmt)} {zone_label(local)}"


def zone_label(local) -> str:
    """CST, CET, PST; where the zone has no letters (São Paulo's "-03"), "UTC-03"."""
    name = local.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name

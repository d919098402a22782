"""The organisation's register of scanners on the desk (Measures 2025; orgs/register.py):
the filing threshold's count and any filing open or overdue (Measures art. 15, linking to
/desk/filing/), what needs attention first (a device with no other way in, no photo of its
sign, no current impact assessment; an assessment due for review), then every collection point
with its devices and a link to its public page and printable sign.

Read only, for the desk's roles (owner, officer, auditor); the register is kept in the
admin and through the owners' API, where its rules are enforced.
"""

from django.db.models import Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from orgs import assessments, filing, register
from orgs.models import CollectionPoint, Device, FilingObligation, FilingStatus
from requests_app.desk.access import desk_view


@desk_view()
@require_GET
def scanners(request, membership):
    organisation, now = membership.organisation, timezone.now()
    devices = register.with_flags(Device.objects.order_by("serial"), now=now)
    points = (CollectionPoint.objects.filter(organisation=organisation)
              .select_related("activity").prefetch_related(Prefetch("devices", queryset=devices))
              .order_by("name"))
    rows = [{"point": point, "devices": [(device, _lacks(device)) for device in point.devices.all()],
             "assessment": assessments.current_assessment(point.activity, now=now)} for point in points]
    return render(request, "desk/register.html", {
        "membership": membership, "organisation": organisation, "flags": register.flags_for(organisation, now=now),
        "rows": rows, "filing": _filing(organisation, now),
    })


def _filing(organisation, now) -> dict | None:
    """The filing threshold's line at the top (Measures art. 15): organisations in China only."""
    if not filing.applies(organisation):
        return None
    open_ones = list(FilingObligation.objects.filter(organisation=organisation, status=FilingStatus.OPEN))
    return {"count": filing.people_count(organisation), "threshold": filing.THRESHOLD, "open": len(open_ones),
            "overdue": sum(o.is_overdue(now) for o in open_ones)}


# What a device in use lacks, in the words of the page's "Lacks" column.
LACKS = (
    ("lacks_alternative", _("another way in")),
    ("lacks_signage_photo", _("a photo of the sign")),
    ("lacks_assessment", _("a current assessment")),
)


def _lacks(device: Device) -> list:
    if device.status == Device.Status.RETIRED:  # out of use: nothing to put right
        return []
    return [words for attribute, words in LACKS if getattr(device, attribute)]

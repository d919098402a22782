"""The organisation's register of scanners on the desk (Measures 2025; orgs/register.py):
the filing threshold's count and any filing open or overdue (Measures art. 15, linking to
/desk/filing/), what needs attention first (a device with no other way in, no photo of its
sign, no current impact assessment, an assessment due for review, a device that has not
confirmed its deletions), then every collection point with its devices, each device's
connector (last seen, deletions waiting), and the orders to remove a point with their progress.

The register itself is kept in the admin and through the owners' API, where its rules
are enforced; here an owner may order a point removed (orgs.erasure.order_decommission),
and every desk role may read the order's certificate.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from orgs import assessments, erasure, filing, register
from orgs.models import CollectionPoint, Device, ErasureOrder, FilingObligation, FilingStatus, Membership
from requests_app import broker
from requests_app.cases import documents
from requests_app.desk.access import desk_view

Kind = ErasureOrder.Kind


class DecommissionForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why, and under which order or law"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


@desk_view()
@require_GET
def scanners(request, membership):
    organisation, now = membership.organisation, timezone.now()
    waiting = Q(deletions__receipt__isnull=True)
    devices = (register.with_flags(Device.objects.order_by("serial"), now=now).select_related("credential")
               .annotate(waiting=Count("deletions", filter=waiting),
                         oldest=Min("deletions__queued_at", filter=waiting)))
    points = (CollectionPoint.objects.filter(organisation=organisation)
              .select_related("activity").prefetch_related(Prefetch("devices", queryset=devices))
              .order_by("name"))
    orders = list(decommission_orders(organisation))
    open_points = {order.point_id for order in orders if order.status != ErasureOrder.Status.DONE}
    rows = [{"point": point, "devices": [(device, _lacks(device)) for device in point.devices.all()],
             "assessment": assessments.current_assessment(point.activity, now=now),
             "can_decommission": point.pk not in open_points and any(
                 d.status != Device.Status.RETIRED for d in point.devices.all())}
            for point in points]
    with timezone.override(organisation.time_zone):  # dates as the organisation counts them
        return render(request, "desk/register.html", {
            "membership": membership, "organisation": organisation, "flags": register.flags_for(organisation, now=now),
            "rows": rows, "orders": orders, "is_owner": membership.role == Membership.Role.OWNER,
            "decommission_form": DecommissionForm(), "filing": _filing(organisation, now),
        })


@desk_view(roles={Membership.Role.OWNER})
@require_POST
def decommission(request, membership, public_id):
    """Order the point removed: its records erased, its devices wiped and retired, one certificate."""
    point = get_object_or_404(CollectionPoint, organisation=membership.organisation, public_id=public_id)
    form = DecommissionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"])
        with transaction.atomic():
            order = erasure.order_decommission(point, reason=form.cleaned_data["reason"], by=request.user)
            broker.enqueue("orgs.run_erasure_order", order.pk)  # once the order is committed
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(f"{_scanners_url()}#point-{point.public_id}")
    messages.success(request, _("Order %(number)s to remove %(point)s is under way: its records are erased now, "
                                "and each device is wiped and retired once it confirms.")
                     % {"number": order.pk, "point": point.name})
    return redirect(f"{_scanners_url()}#orders")


@desk_view()
@require_GET
def order_certificate(request, membership, order_id, fmt):
    order = get_object_or_404(ErasureOrder.objects.select_related("certificate__organisation"),
                              organisation=membership.organisation, pk=order_id)
    return documents.order_certificate_response(order, fmt, request)


def with_progress(orders):
    """Erasure orders with how many device deletions they asked for and how many are confirmed."""
    return (orders.select_related("point", "certificate")
            .annotate(devices_asked=Count("device_deletions"),
                      devices_confirmed=Count("device_deletions", filter=Q(device_deletions__receipt__isnull=False))))


def decommission_orders(organisation):
    """The organisation's orders to remove a collection point, newest first, with their progress."""
    return with_progress(ErasureOrder.objects.filter(organisation=organisation, kind=Kind.DECOMMISSION)).order_by(
        "-created_at")


def _scanners_url() -> str:
    return reverse("desk:scanners")


def _filing(organisation, now) -> dict | None:
    """The filing threshold's line at the top (Measures art. 15): organisations in China only."""
    if not filing.applies(organisation):
        return None
    open_ones = list(FilingObligation.objects.filter(organisation=organisation, status=FilingStatus.OPEN))
    return {"count": filing.people_count(organisation), "threshold": filing.THRESHOLD, "open": len(open_ones),
            "overdue": sum(o.is_overdue(now) for o in open_ones)}


# What a device in use lacks, in the words of the page's "Lacks" column.
LACKS = (
    ("lacks_alternative", gettext_lazy("another way in")),
    ("lacks_signage_photo", gettext_lazy("a photo of the sign")),
    ("lacks_assessment", gettext_lazy("a current assessment")),
    ("lacks_separate_consent", gettext_lazy("separate consent to sending templates centrally")),
)


def _lacks(device: Device) -> list:
    if device.status == Device.Status.RETIRED:  # out of use: nothing to put right
        return []
    return [words for attribute, words in LACKS if getattr(device, attribute)]

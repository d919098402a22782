"""A regulator's orders and inquiries to one organisation: the list with the form that sends
one (the only POST a regulator makes), and each order's page with its history, the progress
of the decommissioning it opened, the certificate when done and the organisation's answer.
A regulator sees its own authority's orders only."""

from django.core.exceptions import ValidationError
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from orgs import oversight_orders
from orgs.models import AccessKind as Kind
from orgs.models import ErasureOrder, OversightOrder
from requests_app.desk.register_views import with_progress
from requests_app.oversight.access import oversight_view
from requests_app.oversight.forms import OrderForm


def _orders(grant):
    return OversightOrder.objects.filter(organisation=grant.organisation, authority=grant.authority)


@oversight_view(Kind.ORDERS)
@require_http_methods(["GET", "POST"])
def orders(request, grant):
    organisation = grant.organisation
    form, status = OrderForm(request.POST or None, organisation=organisation), 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                order = oversight_orders.send(organisation, regulator=request.regulator, kind=data["kind"],
                                              text=data["text"], due_on=data["due_on"], point=data["point"],
                                              reference=data["reference"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Sent to %(organisation)s: %(label)s.")
                                 % {"organisation": organisation.local_name, "label": order.label})
                return redirect("oversight:order", organisation.slug, order.pk)
    return render(request, "oversight/orders.html", {"grant": grant, "form": form, "orders": _orders(grant)},
                  status=status)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@oversight_view(Kind.ORDER)
@require_GET
def order(request, grant, order_id):
    found = get_object_or_404(_orders(grant).select_related("answer_certificate", "point"), pk=order_id)
    request.viewed = found.label
    work = with_progress(ErasureOrder.objects.filter(pk=found.erasure_order_id)).first()
    return render(request, "oversight/order.html", {
        "grant": grant, "order": found, "work": work, "events": found.events.select_related("by")})

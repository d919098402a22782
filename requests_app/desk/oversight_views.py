"""Regulators on the organisation's desk (/desk/oversight/): the orders and inquiries its
regulators sent, with their deadlines, for owners and officers to acknowledge and answer
(orgs/oversight_orders.py), and the record of every page or file a regulator opened,
for owners and auditors. An auditor reads; a refused step is a message with 403 (role) or
409 (state), bad input 400 with the form's errors; never a 500.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from orgs import oversight_orders
from orgs.models import ErasureOrder, Membership, OversightAccess, OversightGrant, OversightOrder
from requests_app.desk.access import desk_view
from requests_app.desk.register_views import with_progress
from requests_app.desk.views import _render

Role = Membership.Role
SEES_HISTORY = frozenset({Role.OWNER, Role.AUDITOR})
HISTORY_ROWS = 200


class AnswerForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    certificate = forms.CharField(label=gettext_lazy("Certificate number (optional)"), max_length=32, required=False,
                                  help_text=gettext_lazy("The erasure certificate that shows the order carried out."))


def _page(request, membership, *, answer_forms=None, status=200):
    organisation = membership.organisation
    orders = list(OversightOrder.objects.filter(organisation=organisation).select_related(
        "authority", "point", "answer_certificate"))
    work = {o.pk: o for o in with_progress(ErasureOrder.objects.filter(
        pk__in=[o.erasure_order_id for o in orders if o.erasure_order_id]))}
    answer_forms = answer_forms or {}
    rows = [{"order": o, "work": work.get(o.erasure_order_id),
             "form": answer_forms.get(o.pk) or AnswerForm(initial=_suggested(work.get(o.erasure_order_id)),
                                                          auto_id=_auto_id(o)),
             "events": o.events.select_related("by")} for o in orders]
    context = {"rows": rows, "may_answer": membership.role in oversight_orders.ANSWERING,
               "sees_history": membership.role in SEES_HISTORY,
               "grants": OversightGrant.objects.filter(organisation=organisation).select_related("authority")
               .order_by("-ends_at")}
    if context["sees_history"]:
        context["history"] = (OversightAccess.objects.filter(organisation=organisation)
                              .select_related("authority", "user").order_by("-at", "-pk")[:HISTORY_ROWS])
    return _render(request, membership, "desk/oversight.html", context, status=status)


def _auto_id(order) -> str:
    return f"order-{order.pk}-%s"  # one answer form per order on the page: ids apart


def _suggested(work) -> dict:
    """An order that opened a removal is answered citing its certificate, once there is one."""
    return {"certificate": work.certificate.number} if work is not None and work.certificate_id else {}


@desk_view()
@require_GET
def oversight_page(request, membership):
    return _page(request, membership)


def _order(membership, order_id) -> OversightOrder:
    return get_object_or_404(OversightOrder, organisation=membership.organisation, pk=order_id)


@desk_view()
@require_POST
def acknowledge(request, membership, order_id):
    order = _order(membership, order_id)
    try:
        oversight_orders.acknowledge(order, by=request.user)
    except PermissionDenied:
        messages.error(request, _("Your role lets you read the regulators' orders here, not answer them."))
        return _page(request, membership, status=403)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _page(request, membership, status=409)
    messages.success(request, _("Acknowledged: %(label)s.") % {"label": order.label})
    return redirect(f"{_url()}#order-{order.pk}")


@desk_view()
@require_POST
def answer(request, membership, order_id):
    order = _order(membership, order_id)
    form = AnswerForm(request.POST, auto_id=_auto_id(order))
    status = 400
    if form.is_valid():
        try:
            oversight_orders.answer(order, by=request.user, text=form.cleaned_data["text"],
                                    certificate_number=form.cleaned_data["certificate"])
        except PermissionDenied:
            messages.error(request, _("Your role lets you read the regulators' orders here, not answer them."))
            status = 403
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.error(request, " ".join(exc.messages))
                status = 409
        else:
            messages.success(request, _("Answered: %(label)s.") % {"label": order.label})
            return redirect(f"{_url()}#order-{order.pk}")
    return _page(request, membership, answer_forms={order.pk: form}, status=status)


def _url() -> str:
    return reverse("desk:oversight")

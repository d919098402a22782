"""The officer desk: the queue, the case page and its steps.

Views stay thin: find the requests through requests_app.selectors for the current
membership (another organisation's reference is a 404), parse a form, call one
workflow function, render. A refused step is a message on the case page with 409 (wrong
state) or 403 (role), bad input 400 with the form's errors; never a 500. Every page is
shown in the organisation's time zone.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from requests_app import deadlines, selectors, workflow
from requests_app.actors import member
from requests_app.downloads import attachment_response
from requests_app.errors import InvalidInput, NotPermitted, WorkflowError
from requests_app.models import RightsRequest
from requests_app.officer import actions
from requests_app.officer.access import desk_view
from requests_app.officer.filters import QueueFilter
from requests_app.officer.forms import BulkAssignForm
from requests_app.officer.pagination import paginate

NEAR_DUE = timedelta(days=2)


def _render(request, membership, template, context, status=200):
    with timezone.override(membership.organisation.time_zone):  # dates as the organisation counts them
        return render(request, template, {**context, "membership": membership}, status=status)


def _refused_role(request):
    messages.error(request, _("Your role lets you read requests here, not act on them."))


# --- the queue ------------------------------------------------------------------------------


@dataclass
class QueueRow:
    request: RightsRequest
    urgency: str  # "overdue", "due_soon" or ""


def urgency(rr: RightsRequest, now) -> str:
    # A paused clock (waiting for the requester) is not running late: same rule as the dashboard.
    if not rr.is_open or rr.due_at is None or rr.paused_at is not None:
        return ""
    if rr.due_at < now:
        return "overdue"
    return "due_soon" if rr.due_at <= now + NEAR_DUE else ""


@desk_view()
@require_GET
def queue(request, membership):
    return _queue_page(request, membership)


def _queue_page(request, membership, *, bulk_form=None, status=200):
    filterset = QueueFilter(request.GET, queryset=selectors.requests_visible_to(membership), request=request,
                            membership=membership)
    page = paginate(selectors.queue_rows(filterset.qs), request.GET.get("cursor"))
    counts = selectors.status_counts(filterset.qs_for_counts())
    now = timezone.now()
    chosen = set(request.GET.getlist("status"))
    context = {
        "filter": filterset,
        "rows": [QueueRow(rr, urgency(rr, now)) for rr in page.rows],
        "counts": [
            {"status": value, "label": label, "count": counts[value], "current": value in chosen,
             "url": _query(request, status=value)}
            for value, label in RightsRequest.Status.choices
        ],
        "next_url": _query(request, cursor=page.next_cursor) if page.next_cursor else "",
        "previous_url": _query(request, cursor=page.previous_cursor) if page.previous_cursor else "",
        "can_assign": actions.may(membership.role, "assign"),
        "bulk_form": bulk_form or BulkAssignForm(membership=membership),
        "return_to": request.get_full_path(),
    }
    return _render(request, membership, "officer/queue.html", context, status=status)


def _query(request, **changes) -> str:
    """This page's query string with `changes` (a status link starts again from page one)."""
    query = request.GET.copy()
    query.pop("cursor", None)
    for name, value in changes.items():
        query[name] = value
    return "?" + query.urlencode()


@desk_view()
@require_POST
def bulk_assign(request, membership):
    """Assign each ticked request of this organisation; say which were and which were not."""
    if not actions.may(membership.role, "assign"):
        _refused_role(request)
        return _queue_page(request, membership, status=403)
    form = BulkAssignForm(request.POST, membership=membership)
    if not form.is_valid():
        return _queue_page(request, membership, bulk_form=form, status=400)
    wanted = form.cleaned_data["references"]
    found = selectors.requests_by_reference(membership, wanted)
    actor, assignee = member(request.user), form.cleaned_data["assignee"]
    done, failed = [], []
    for reference in wanted:
        rr = found.get(selectors.normalise_reference(reference))
        if rr is None:
            failed.append(_("%(reference)s: not found") % {"reference": reference[:20]})
            continue
        try:
            workflow.assign(rr, actor=actor, assignee=assignee)
        except WorkflowError as exc:
            failed.append(f"{rr.reference}: {exc}")
        else:
            done.append(rr.reference)
    if done:
        messages.success(request, _("Assigned to %(name)s: %(references)s.") % {
            "name": assignee.get_full_name() or assignee.get_username(), "references": ", ".join(done)})
    for failure in failed:
        messages.error(request, _("Not assigned: %(failure)s") % {"failure": failure})
    back = request.POST.get("return_to", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith(reverse("desk:queue")):
        back = reverse("desk:queue")
    return redirect(back)


# --- the case page --------------------------------------------------------------------------


def _not_allowed(request, method):
    """The method check comes after the request is found, so another organisation's
    reference is a 404 whatever the method (nothing tells it exists)."""
    return None if request.method == method else HttpResponseNotAllowed([method])


@desk_view()
def case(request, membership, reference):
    rr = selectors.request_for(membership, reference)
    return _not_allowed(request, "GET") or _case_page(request, membership, rr)


def _case_page(request, membership, rr, *, bound=None, contact=None, status=200):
    case = selectors.case_file(rr)
    offered = actions.offered(case, membership.role)
    forms = actions.blank_forms(case, membership, [name for name in offered if name != "reveal"])
    if bound is not None:
        forms[bound[0]] = bound[1]
    policy = deadlines.get_policy(rr.jurisdiction)
    steps = [{"name": name, "summary": actions.LABELS[name][0], "button": actions.LABELS[name][1], "form": form,
              "inline": name in actions.BUTTONS} for name, form in forms.items()]
    context = {
        "case": case,
        "rr": rr,
        "steps": steps,
        "offered": offered,
        "open_form": bound[0] if bound else "",
        "contact": contact,
        "urgency": urgency(rr, timezone.now()),
        "policy": policy,
        "time_zone": membership.organisation.time_zone,
    }
    return _render(request, membership, "officer/case.html", context, status=status)


@desk_view()
def case_action(request, membership, reference, action):
    """One POST per step (`actions.ACTIONS`); the step's outcome as a message, then back to the case."""
    rr = selectors.request_for(membership, reference)
    step = actions.ACTIONS.get(action)
    if step is None:
        raise Http404
    if refused := _not_allowed(request, "POST"):
        return refused
    if not actions.may(membership.role, action):
        _refused_role(request)
        return _case_page(request, membership, rr, status=403)
    form = step.form(request.POST, request.FILES, rr=rr, membership=membership)
    if not form.is_valid():
        return _case_page(request, membership, rr, bound=(action, form), status=400)
    try:
        outcome = step.run(rr, member(request.user), request.user, form.cleaned_data)
    except InvalidInput as exc:
        for field, errors in exc.errors.items():
            form.add_error(field if field in form.fields else None, errors)
        return _case_page(request, membership, rr, bound=(action, form), status=400)
    except NotPermitted as exc:
        messages.error(request, str(exc))
        return _case_page(request, membership, rr, status=403)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return _case_page(request, membership, rr, status=409)
    if isinstance(outcome, workflow.Contact):
        # Shown in this response only: the page after a reload is masked again.
        return _case_page(request, membership, rr, contact=outcome)
    messages.success(request, outcome)
    return redirect("desk:case", reference=rr.reference)


@desk_view()
def attachment(request, membership, reference, attachment_id):
    rr = selectors.request_for(membership, reference)
    file = get_object_or_404(rr.attachments, pk=attachment_id)
    if refused := _not_allowed(request, "GET"):
        return refused
    return attachment_response(file)

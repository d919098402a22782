"""The officer desk: the queue, the case page and its steps, and the page that confirms
an approval (what it sets off, in which systems) before anything is approved.

Views stay thin: find the requests through requests_app.cases.selectors for the current
membership (another organisation's reference is a 404), parse a form, call one
workflow function, render. A refused step is a message on the case page with 409 (wrong
state) or 403 (role), bad input 400 with the form's errors; never a 500. Every page is
shown in the organisation's time zone.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from orgs import law
from orgs.models import Membership
from requests_app import workflow
from requests_app.actors import member
from requests_app.cases import deadlines, selectors
from requests_app.cases.downloads import attachment_response
from requests_app.desk import actions, clock, closed_tallies, fragments
from requests_app.desk.queue_rows import rows_html, rows_of_page, urgency_of
from requests_app.desk.access import desk_view
from requests_app.desk.filters import UNASSIGNED, QueueFilter
from requests_app.desk.forms import FORM_FOR, BulkAssignForm, BulkRefuseForm
from requests_app.desk.pagination import SORTS, paginate
from requests_app.errors import InvalidInput, NotPermitted, WorkflowError
from requests_app.models import RightsRequest
from requests_app.workflow.steps import OFFICER_STEPS


def _render(request, membership, template, context, status=200):
    with timezone.override(membership.organisation.time_zone):  # dates as the organisation counts them
        return render(request, template, {**context, "membership": membership}, status=status)


def _refused_role(request):
    messages.error(request, _("Your role lets you read requests here, not act on them."))


# --- the queue ------------------------------------------------------------------------------


QUICK_VIEWS = [  # (label, the query it is): one click to the lists an officer works through
    (gettext_lazy("Mine"), {"mine": "on"}),
    (gettext_lazy("Unassigned"), {"assignee": UNASSIGNED}),
    (gettext_lazy("Overdue"), {"overdue": "on"}),
    (gettext_lazy("Due in 7 days"), {"due_within": "7"}),
]


@desk_view(roles=selectors.DESK_ROLES | {Membership.Role.SYSTEM_OWNER})
@require_GET
def queue(request, membership):
    if membership.role == Membership.Role.SYSTEM_OWNER:
        return redirect("requests_app:task_list")  # where sign-in lands them: their tasks, not a 404
    return queue_page(request, membership)


def queue_page(request, membership, *, bulk_form=None, refuse_form=None, status=200):
    filterset = QueueFilter(request.GET, queryset=selectors.requests_visible_to(membership), request=request,
                            membership=membership)
    sort = filterset.chosen_sort()
    page = paginate(selectors.queue_rows(filterset.qs), request.GET.get("cursor"), sort=sort)
    now = timezone.now()
    counts = (selectors.status_counts(filterset.qs_for_counts()) if filterset.narrowed()
              else closed_tallies.status_counts(membership.organisation_id, now))
    chosen = set(request.GET.getlist("status"))
    context = {
        "filter": filterset,
        "rows": rows_of_page(page.rows, now, membership.organisation.time_zone),
        # The counts are of the same requests before the status filter: no count query of its own.
        "total": sum(counts[status] for status in filterset.chosen_statuses()),
        "counts": [
            {"status": value, "label": label, "count": counts[value], "current": value in chosen,
             "url": _query(request, status=value)}
            for value, label in RightsRequest.Status.choices
        ],
        "quick_views": [{"label": label, "url": "?" + urlencode(query),
                         "current": all(request.GET.get(k) == v for k, v in query.items())}
                        for label, query in QUICK_VIEWS],
        "sort": sort,
        "sorts": [{"name": name, "label": order.label, "current": name == sort, "url": _query(request, sort=name)}
                  for name, order in SORTS.items()],
        "next_url": _query(request, cursor=page.next_cursor) if page.next_cursor else "",
        "previous_url": _query(request, cursor=page.previous_cursor) if page.previous_cursor else "",
        "can_assign": actions.may(membership.role, "assign"),
        "can_refuse": actions.may(membership.role, "refuse"),
        "bulk_form": bulk_form or BulkAssignForm(membership=membership),
        "refuse_form": refuse_form or BulkRefuseForm(membership=membership),
        "return_to": request.get_full_path(),
        "filters_html": fragments.rendered("desk/_queue_filters.html", {"filter": filterset, "sort": sort},
                                           filterset.fragment_key()),
    }
    context["rows_html"] = rows_html(context["rows"], selectable=context["can_assign"] or context["can_refuse"])
    context["bulk_controls_html"] = _bulk_controls(membership, filterset, context) if page.rows else ""
    return _render(request, membership, "desk/queue.html", context, status=status)


def _bulk_controls(membership, filterset, context) -> str:
    """The bulk steps under the table, kept rendered while their forms are blank (for the
    same people to assign to and the same law's grounds)."""
    names = ("can_assign", "can_refuse", "bulk_form", "refuse_form")
    blank = not context["bulk_form"].is_bound and not context["refuse_form"].is_bound
    key = (context["can_assign"], context["can_refuse"], filterset.assignee_choices(),
           membership.organisation.jurisdiction) if blank else None
    return fragments.rendered("desk/_queue_bulk_controls.html", {name: context[name] for name in names}, key)


def _query(request, **changes) -> str:
    """This page's query string with `changes` (a status or sort link starts again from page one)."""
    query = request.GET.copy()
    query.pop("cursor", None)
    for name, value in changes.items():
        query[name] = value
    return "?" + query.urlencode()


# --- the case page --------------------------------------------------------------------------


def _not_allowed(request, method):
    """The method check comes after the request is found, so another organisation's
    reference is a 404 whatever the method (nothing tells it exists)."""
    return None if request.method == method else HttpResponseNotAllowed([method])


@desk_view()
def case(request, membership, reference):
    rr = selectors.request_for(membership, reference)
    return _not_allowed(request, "GET") or _case_page(request, membership, rr)


def _case_page(request, membership, rr, *, bound=None, contact=None, status=200, case=None):
    case = case or selectors.case_file(rr)
    offered = actions.offered(case, membership.role)
    forms = actions.blank_forms(case, membership, [name for name in offered if name != actions.REVEAL])
    if bound is not None:
        forms[bound[0]] = bound[1]
    policy = deadlines.get_policy(rr.jurisdiction)
    steps = [{"name": name, "summary": OFFICER_STEPS[name].label, "button": OFFICER_STEPS[name].button,
              "form": form, "inline": name in actions.BUTTONS} for name, form in forms.items()]
    now_clock = clock.clock(rr, timezone.now())
    context = {
        "case": case,
        "rr": rr,
        "steps": steps,
        "offered": offered,
        "open_form": bound[0] if bound else "",
        "contact": contact,
        "clock": now_clock,
        "urgency": urgency_of(now_clock),
        "stage": clock.stage(rr.status),
        "policy": policy,
        "law": law.texts(rr.jurisdiction),
        "time_zone": membership.organisation.time_zone,
        # A decision now would be late (workflow.decision_lateness): the refuse form says so first.
        "late_decision": workflow.decision_lateness(rr, timezone.now()) if "refuse" in offered else {},
        "appeal_decision": "refuse" in offered and workflow.appeals_of(rr) > 0,
    }
    return _render(request, membership, "desk/case.html", context, status=status)


@desk_view()
def case_action(request, membership, reference, action):
    """One POST per step of workflow.steps.OFFICER_STEPS: refused before its input is read
    unless the page would offer it (403 for the role, 409 for the state or when it cannot
    work now), then its form, its one run, and its message on the case page."""
    rr = selectors.request_for(membership, reference)
    step = OFFICER_STEPS.get(action)
    if step is None:
        raise Http404
    if refused := _not_allowed(request, "POST"):
        return refused
    if not step.may(membership.role):
        _refused_role(request)
        return _case_page(request, membership, rr, status=403)
    case = selectors.case_file(rr)
    if not step.offered(case, membership.role):
        messages.error(request, _cannot_now(step, rr, membership.role))
        return _case_page(request, membership, rr, status=409, case=case)
    form = FORM_FOR[action](request.POST, request.FILES, rr=rr, membership=membership)
    if not form.is_valid():
        return _case_page(request, membership, rr, bound=(action, form), status=400)
    try:
        outcome = step.run(rr, member(request.user), form.cleaned_data)
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
    messages.success(request, step.message(rr, form.cleaned_data, outcome))
    if isinstance(outcome, workflow.Contact):
        # Shown in this response only: the page after a reload is masked again.
        return _case_page(request, membership, rr, contact=outcome)
    return redirect("desk:case", reference=rr.reference)


def _cannot_now(step, rr, role) -> str:
    """Why a step the page does not offer the role is refused: the state, or what it needs is missing."""
    try:
        step.check(role, rr.status)
    except WorkflowError as exc:
        return str(exc)
    return _("This step cannot work on this request as it is now; the page shows the steps that can.")


@desk_view()
def approve_confirm(request, membership, reference):
    """What approving sets off, and the one form that approves (no approval without it)."""
    rr = selectors.request_for(membership, reference)
    if refused := _not_allowed(request, "GET"):
        return refused
    if not actions.may(membership.role, "approve"):
        _refused_role(request)
        return _case_page(request, membership, rr, status=403)
    if "approve" not in actions.offered(selectors.case_file(rr), membership.role):
        messages.error(request, _("This request cannot be approved in its present state."))
        return _case_page(request, membership, rr, status=409)
    form = FORM_FOR["approve"](rr=rr, membership=membership, initial={"confirmed": True})
    context = {"rr": rr, "preview": selectors.approval_preview(rr), "form": form, "stage": clock.stage(rr.status),
               "clock": clock.clock(rr, timezone.now()), "law": law.texts(rr.jurisdiction)}
    return _render(request, membership, "desk/approve_confirm.html", context)


@desk_view()
def attachment(request, membership, reference, attachment_id):
    rr = selectors.request_for(membership, reference)
    file = get_object_or_404(rr.attachments, pk=attachment_id)
    if refused := _not_allowed(request, "GET"):
        return refused
    return attachment_response(file)

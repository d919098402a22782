"""Steps on several ticked requests of the queue at once: assign them, refuse them.

Each request is stepped through its own workflow call (its own lock, rules, event and
letter), exactly as from its case page; one that cannot take the step is reported by
reference and the others still go through. A reference of another organisation is "not
found", as a made-up one is.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from requests_app import workflow
from requests_app.actors import member
from requests_app.cases import selectors
from requests_app.desk import actions
from requests_app.desk.access import desk_view
from requests_app.desk.forms import BulkAssignForm, BulkRefuseForm, ground_text
from requests_app.desk.views import queue_page
from requests_app.errors import WorkflowError


def _each(membership, references, step) -> tuple[list[str], list[str]]:
    """`step(rr)` for each visible request among `references`: (done, failures in words)."""
    found = selectors.requests_by_reference(membership, references)
    done, failed = [], []
    for reference in references:
        rr = found.get(selectors.normalise_reference(reference))
        if rr is None:
            failed.append(_("%(reference)s: not found") % {"reference": reference[:20]})
            continue
        try:
            step(rr)
        except WorkflowError as exc:
            failed.append(f"{rr.reference}: {exc}")
        else:
            done.append(rr.reference)
    return done, failed


def _back(request):
    back = request.POST.get("return_to", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith(reverse("desk:queue")):
        back = reverse("desk:queue")
    return redirect(back)


@desk_view()
@require_POST
def bulk_assign(request, membership):
    """Assign each ticked request of this organisation; say which were and which were not."""
    if not actions.may(membership.role, "assign"):
        messages.error(request, _("Your role lets you read requests here, not act on them."))
        return queue_page(request, membership, status=403)
    form = BulkAssignForm(request.POST, membership=membership)
    if not form.is_valid():
        return queue_page(request, membership, bulk_form=form, status=400)
    actor, assignee = member(request.user), form.cleaned_data["assignee"]
    done, failed = _each(membership, form.cleaned_data["references"],
                         lambda rr: workflow.assign(rr, actor=actor, assignee=assignee))
    if done:
        messages.success(request, _("Assigned to %(name)s: %(references)s.") % {
            "name": assignee.get_full_name() or assignee.get_username(), "references": ", ".join(done)})
    for failure in failed:
        messages.error(request, _("Not assigned: %(failure)s") % {"failure": failure})
    return _back(request)


class _OtherLaw(WorkflowError):
    pass


@desk_view()
@require_POST
def bulk_refuse(request, membership):
    """Refuse each ticked request with one reason and one legal ground (workflow.refuse
    each: every requester gets their own letter); say which were refused and which not."""
    if not actions.may(membership.role, "refuse"):
        messages.error(request, _("Your role lets you read requests here, not act on them."))
        return queue_page(request, membership, status=403)
    form = BulkRefuseForm(request.POST, membership=membership)
    if not form.is_valid():
        return queue_page(request, membership, refuse_form=form, status=400)
    data, actor = form.cleaned_data, member(request.user)

    def refuse(rr):
        ground = ground_text(rr, data["legal_ground"], data["legal_ground_other"])
        if ground is None:
            raise _OtherLaw(_("filed under another law: refuse it from its case page"))
        workflow.refuse(rr, actor=actor, reason=data["reason"], legal_ground=ground)
        if rr.due_at is not None and rr.closed_at > rr.due_at:  # workflow.decision_lateness
            late.append(rr.reference)

    late: list[str] = []
    done, failed = _each(membership, data["references"], refuse)
    if done:
        messages.success(request, _("Refused, each requester told the reason and the legal ground: "
                                    "%(references)s.") % {"references": ", ".join(done)})
    if late:
        messages.warning(request, _("Refused after the due date, so recorded as late (on each case and the "
                                    "dashboard): %(references)s.") % {"references": ", ".join(late)})
    for failure in failed:
        messages.error(request, _("Not refused: %(failure)s") % {"failure": failure})
    return _back(request)

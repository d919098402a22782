"""The manual fulfilment tasks a signed-in member confirms (connectors/manual.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from requests_app.actors import member
from requests_app.cases import selectors
from requests_app.errors import NotPermitted, WorkflowError
from requests_app.fulfilment.forms import HandOutcomeForm
from requests_app.workflow.task_steps import record_by_hand


@never_cache
@login_required
@require_GET
def task_list(request):
    return render(request, "tasks/list.html", {"tasks": selectors.tasks_to_confirm(request.user)})


@never_cache  # the page shows the person's contact details, which the owner needs to find the records
@login_required
@require_http_methods(["GET", "POST"])
def task_confirm(request, public_id):
    # Only an open task: the page shows the person's contact details, needed only to do the work.
    task = get_object_or_404(selectors.tasks_to_confirm(request.user), public_id=public_id)
    form = HandOutcomeForm(request.POST or None, request.FILES or None, rights_request=task.request)
    if request.method == "POST" and form.is_valid():
        try:
            record_by_hand(task, actor=member(request.user), hand=form.hand_outcome())
        except NotPermitted as exc:
            raise PermissionDenied(str(exc)) from None
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Recorded. Thank you."))
            return redirect("requests_app:task_list")
    return render(request, "tasks/confirm.html", {"task": task, "form": form})

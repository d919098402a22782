"""The desk's reports: the dashboard, a request's case file, the CSV of a filtered queue.

Thin views: `desk_view` lets in members of the current organisation with a desk role
(owner, officer, auditor; 404 for anyone else), one selector or builder reads, and the
response renders. Another organisation's reference is 404, as on the case page.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from requests_app.cases import casefile, selectors
from requests_app.desk import csv_export
from requests_app.desk.access import desk_view
from requests_app.desk.dashboard import dashboard_figures, on_time_chart
from requests_app.desk.filters import QueueFilter


@desk_view()
@require_GET
def dashboard(request, membership):
    figures = dashboard_figures(membership.organisation, timezone.now())
    return render(request, "desk/dashboard.html", {
        "membership": membership, "figures": figures, "chart": on_time_chart(figures.weeks),
    })


@desk_view()
@require_GET
def casefile_html(request, membership, reference):
    case = casefile.case_file(selectors.request_for(membership, reference))
    return HttpResponse(casefile.as_html(case, request=request))


@desk_view()
@require_GET
def casefile_json(request, membership, reference):
    case = casefile.case_file(selectors.request_for(membership, reference))
    response = HttpResponse(casefile.as_json(case), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{casefile.filename(case, "json")}"'
    return response


@desk_view()
@require_GET
def queue_csv(request, membership):
    queue = QueueFilter(
        request.GET, queryset=selectors.requests_visible_to(membership), request=request, membership=membership
    )
    stamp = timezone.localtime(timezone.now(), membership.organisation.time_zone).strftime("%Y%m%d-%H%M")
    return csv_export.response(
        queue.qs, organisation=membership.organisation, filename=f"queue-{membership.organisation.slug}-{stamp}.csv"
    )

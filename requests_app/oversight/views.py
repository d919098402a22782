"""The regulator's read-only pages over one organisation: the overview with the dashboard's
figures, the requests (filtered like the desk's queue), a case with its case file, documents
and audit-log proof, the register of scanners with the orders to remove a point, the
certificates, and the filings with their pack. GET only (anything else is 405): nothing
here changes the organisation's data. Scoping is the grant's (access.py), which records
each page opened.
"""

from urllib.parse import urlencode

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from orgs import filing, oversight, register
from orgs.models import AccessKind as Kind
from orgs.models import CollectionPoint, ErasureCertificate, OversightOrder
from requests_app.cases import casefile, documents, selectors
from requests_app.desk import clock
from requests_app.desk.dashboard import dashboard_figures, on_time_chart
from requests_app.desk.filing_views import obligation_rows, pack_response
from requests_app.desk.pagination import paginate
from requests_app.desk.register_views import decommission_orders
from requests_app.models import RightsRequest
from requests_app.oversight.access import oversight_view, regulator_view
from requests_app.oversight.filters import OversightQueueFilter


@regulator_view
@require_GET
def organisations(request):
    now = timezone.now()
    grants = {}
    for grant in (oversight.grants_in_force(request.user, now).select_related("organisation", "authority")
                  .order_by("organisation__name", "-ends_at")):
        grants.setdefault(grant.organisation_id, grant)  # overlapping grants: the one ending last
    return render(request, "oversight/organisations.html", {"grants": list(grants.values()), "regulator": request.regulator})


@oversight_view(Kind.OVERVIEW)
@require_GET
def overview(request, grant):
    figures = dashboard_figures(grant.organisation, timezone.now())
    orders = OversightOrder.objects.filter(organisation=grant.organisation, authority=grant.authority)
    return render(request, "oversight/overview.html", {
        "grant": grant, "figures": figures, "chart": on_time_chart(figures.weeks), "orders": orders[:20]})


@oversight_view(Kind.QUEUE)
@require_GET
def queue(request, grant):
    organisation, now = grant.organisation, timezone.now()
    filterset = OversightQueueFilter(request.GET, queryset=RightsRequest.objects.filter(organisation=organisation),
                                     organisation=organisation)
    page = paginate(selectors.queue_rows(filterset.qs), request.GET.get("cursor"), sort=filterset.chosen_sort())
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(request, "oversight/queue.html", {
        "grant": grant, "filter": filterset, "total": filterset.qs.count(),
        "rows": [(rr, clock.clock(rr, now)) for rr in page.rows],
        "next_url": page.next_cursor and "?" + urlencode({**query.dict(), "cursor": page.next_cursor}),
        "previous_url": page.previous_cursor and "?" + urlencode({**query.dict(), "cursor": page.previous_cursor}),
    })


def _request(request, grant, reference) -> RightsRequest:
    """The organisation's request with this reference, or 404; noted as what was viewed."""
    rr = casefile.casefile_queryset().filter(organisation=grant.organisation,
                                             reference=selectors.normalise_reference(reference)).first()
    if rr is None:
        raise Http404
    request.viewed = rr.reference
    return rr


@oversight_view(Kind.CASE)
@require_GET
def case(request, grant, reference):
    rr = _request(request, grant, reference)
    return render(request, "oversight/case.html", {
        "grant": grant, "rr": rr, "case": casefile.case_file(rr), "documents": documents.available(rr)})


@oversight_view(Kind.CASEFILE)
@require_GET
def casefile_view(request, grant, reference, fmt):
    case = casefile.case_file(_request(request, grant, reference))
    if fmt == "json":
        response = HttpResponse(casefile.as_json(case), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{casefile.filename(case, "json")}"'
        return response
    documents_url = reverse("oversight:case", args=[grant.organisation.slug, case["request"]["reference"]])
    return HttpResponse(casefile.as_html(case, request=request, documents_url=documents_url + "documents/"))


@oversight_view(Kind.DOCUMENT)
@require_GET
def document(request, grant, reference, name, fmt):
    rr = _request(request, grant, reference)
    request.viewed = f"{rr.reference} {name}"
    return documents.response(documents.for_request(rr, name), fmt, request)


@oversight_view(Kind.PROOF)
@require_GET
def proof(request, grant, reference):
    from requests_app.transparency import proofs

    rr = _request(request, grant, reference)
    return JsonResponse({"request": rr.reference, "log": proofs.for_request(rr)},
                        json_dumps_params={"ensure_ascii": False, "indent": 2})


@oversight_view(Kind.REGISTER)
@require_GET
def scanners(request, grant):
    organisation, now = grant.organisation, timezone.now()
    points = (CollectionPoint.objects.filter(organisation=organisation).select_related("activity")
              .prefetch_related("devices").order_by("name"))
    return render(request, "oversight/register.html", {
        "grant": grant, "points": points, "flags": register.flags_for(organisation, now=now),
        "orders": decommission_orders(organisation)})


@oversight_view(Kind.CERTIFICATE)
@require_GET
def certificate(request, grant, number, fmt):
    """A certificate of the organisation: a request's (as the requester got it) or an order's."""
    found = get_object_or_404(ErasureCertificate.objects.select_related("organisation"),
                              organisation=grant.organisation, number=number)
    request.viewed = found.number
    return documents.certificate_response(found, fmt, request)


@oversight_view(Kind.FILINGS)
@require_GET
def filings(request, grant):
    organisation, now = grant.organisation, timezone.now()
    applies = filing.applies(organisation)
    return render(request, "oversight/filings.html", {
        "grant": grant, "applies": applies, "counted_at": now, "threshold": filing.THRESHOLD,
        "count": filing.people_count(organisation) if applies else None,
        "rows": obligation_rows(organisation, now) if applies else []})


@oversight_view(Kind.FILING_PACK)
@require_GET
def filing_pack(request, grant, fmt):
    if not filing.applies(grant.organisation):
        raise Http404
    return pack_response(grant.organisation, fmt, request)

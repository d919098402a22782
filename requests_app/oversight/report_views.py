"""The organisation's transparency report for a regulator (requests_app/reports): every
section, whether or not the organisation publishes it, with the same suppression of small
counts as the public page (the figures a regulator needs person by person are in the cases
themselves). The page says whether, and what, the public can read.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from orgs import report_publication
from orgs.models import AccessKind as Kind
from requests_app.oversight.access import oversight_view
from requests_app.reports.figures import transparency_report, years_of
from requests_app.reports.pages import chosen_year, page_context


@oversight_view(Kind.TRANSPARENCY)
@require_GET
def transparency(request, grant):
    organisation = grant.organisation
    years = years_of(organisation)
    year = chosen_year(request.GET.get("year", ""), years)
    if year is None:
        raise Http404
    request.viewed = str(year)
    return render(request, "oversight/transparency.html", {
        "grant": grant, "years": years, "published": report_publication.published_sections(organisation),
        **page_context(transparency_report(organisation, year))})

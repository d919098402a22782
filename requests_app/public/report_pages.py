"""The public pages of the transparency report (requests_app/reports): the years, one
year, its CSV and JSON. The owner's switch and preview are on the desk
(requests_app/desk/report_settings.py).

Public pages exist only for an organisation that takes public requests and has published
its report (orgs.report_publication); anything else, and a year before the organisation
existed or still to come, is a 404 that says nothing more. The page speaks Chinese first
for an organisation in China, as its public register does.
"""

from django.http import Http404, HttpResponse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from orgs import report_publication
from orgs.models import Organisation
from requests_app.public.register_pages import _organisation_language, _render
from requests_app.public.views import _public_organisation
from requests_app.reports import exports
from requests_app.reports.figures import NoSuchYear, Report, transparency_report, years_of
from requests_app.reports.pages import page_context


def _published(slug: str) -> tuple[Organisation, frozenset]:
    organisation = _public_organisation(slug)
    sections = report_publication.published_sections(organisation)
    if sections is None:
        raise Http404
    return organisation, sections


def _report(organisation: Organisation, year: int, sections) -> Report:
    try:
        return transparency_report(organisation, year, sections=sections)
    except NoSuchYear:
        raise Http404 from None


@require_GET
def index(request, slug):
    organisation, _sections = _published(slug)
    return _render(request, organisation, "public/transparency_index.html", {"years": years_of(organisation)})


@require_GET
def year_page(request, slug, year):
    organisation, sections = _published(slug)
    with _organisation_language(request, organisation):  # labels, definitions and rule in the page's language
        context = page_context(_report(organisation, year, sections))
    return _render(request, organisation, "public/transparency_report.html", context)


@require_GET
def download(request, slug, year, fmt):
    organisation, sections = _published(slug)
    with _organisation_language(request, organisation):
        report = _report(organisation, year, sections)
        if fmt == "json":
            response = HttpResponse(exports.as_json(report), content_type="application/json; charset=utf-8")
        else:
            response = HttpResponse(exports.as_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Language"] = get_language()
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(report, fmt)}"'
    return response

"""The transparency report's pages: public (the years, one year, its CSV and JSON) and the
owner's settings on the desk, with a preview of the report published or not.

Public pages exist only for an organisation that takes public requests and has published
its report (orgs.report_publication); anything else, and a year before the organisation
existed or still to come, is a 404 that says nothing more. The page speaks Chinese first
for an organisation in China, as its public register does.
"""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from orgs import report_publication
from orgs.models import Membership, Organisation, ReportSection
from requests_app.desk.access import desk_view
from requests_app.desk.views import _render as desk_render
from requests_app.public.register_pages import _organisation_language, _render
from requests_app.public.views import _public_organisation
from requests_app.reports import chart, exports, words
from requests_app.reports.figures import NoSuchYear, Report, transparency_report, years_of
from requests_app.reports.suppression import rule_text


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


def report_context(report: Report) -> dict:
    """What templates/reports/_report.html needs (the public page and the owner's preview)."""
    organisation = report.organisation
    return {"report": report, "chart": chart.outcome_chart(report), "rule": rule_text(),
            "definitions": words.definitions(organisation, report.sections),
            "law_citation": words.law_citation(organisation)}


@require_GET
def index(request, slug):
    organisation, _sections = _published(slug)
    return _render(request, organisation, "public/transparency_index.html", {"years": years_of(organisation)})


@require_GET
def year_page(request, slug, year):
    organisation, sections = _published(slug)
    with _organisation_language(request, organisation):  # labels, definitions and rule in the page's language
        context = report_context(_report(organisation, year, sections))
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


# --- the owner's settings (desk) ------------------------------------------------------------


class PublicationForm(forms.Form):
    published = forms.BooleanField(label=gettext_lazy("Publish the transparency report"), required=False,
                                   help_text=gettext_lazy("Anyone can then read it on the public site; until then "
                                                          "its address gives “not found”."))
    sections = forms.MultipleChoiceField(
        label=gettext_lazy("Optional sections shown"), required=False, choices=ReportSection.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The counts of requests received, complied with and denied are always shown."))


@desk_view(roles={Membership.Role.OWNER})
def settings_page(request, membership):
    organisation = membership.organisation
    publication = report_publication.publication_of(organisation)
    initial = {"published": publication.published, "sections": sorted(publication.sections)}
    form = PublicationForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            report_publication.set_publication(organisation, user=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("desk:transparency")
        return _settings(request, membership, form, publication, status=400)
    return _settings(request, membership, form, publication)


def _settings(request, membership, form, publication, status=200):
    organisation = membership.organisation
    years = years_of(organisation)
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and len(year) == 4 else years[0]
    if year not in years:
        raise Http404
    report = transparency_report(organisation, year, sections=publication.sections, now=timezone.now())
    context = {"form": form, "publication": publication, "years": years,
               "changes": report_publication.changes_of(organisation), **report_context(report)}
    return desk_render(request, membership, "desk/transparency.html", context, status=status)

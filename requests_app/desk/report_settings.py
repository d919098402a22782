"""The owner's switch of the public transparency report: whether it is published and which
parts, with a preview of the report as it would be published (published or not) and the
history of the choice. Owners only; anyone else, as for every desk page, gets 404.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs import report_publication
from orgs.models import Membership, ReportSection
from requests_app.desk.access import desk_view
from requests_app.desk.views import _render
from requests_app.reports.figures import transparency_report, years_of
from requests_app.reports.pages import chosen_year, page_context


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
    year = chosen_year(request.GET.get("year", ""), years)
    if year is None:
        raise Http404
    report = transparency_report(organisation, year, sections=publication.sections)
    context = {"form": form, "publication": publication, "years": years,
               "changes": report_publication.changes_of(organisation), **page_context(report)}
    return _render(request, membership, "desk/transparency.html", context, status=status)

"""The filing threshold on the desk (Measures art. 15; orgs/filing.py): the live count of
distinct people whose face data the organisation stores, the threshold, its filing
obligations with their due dates and working days left, and the filing pack as a page, a
PDF and JSON (orgs/filing_pack.py).

The desk's roles of the organisation only (another organisation's obligation is not a
choice here: 400; anyone else 404). An owner or officer marks an obligation filed with
the administration's reference; an auditor reads (403 with a message if they try). For an
organisation outside China the page says the Measures do not apply; there is no pack.
"""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from orgs import filing, filing_pack, law
from orgs.models import FilingObligation, FilingStatus, Membership
from requests_app.cases import documents
from requests_app.desk.access import desk_view
from requests_app.desk.views import _render

MARKING = frozenset({Membership.Role.OWNER, Membership.Role.OFFICER})


class FiledForm(forms.Form):
    obligation = forms.ModelChoiceField(queryset=FilingObligation.objects.none(), widget=forms.HiddenInput)
    reference = forms.CharField(label=gettext_lazy("Filing reference"), max_length=100, help_text=gettext_lazy(
        "The receipt number the provincial cyberspace administration gave."))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["obligation"].queryset = FilingObligation.objects.filter(organisation=organisation,
                                                                             status=FilingStatus.OPEN)


def obligation_rows(organisation, now) -> list[dict]:
    obligations = FilingObligation.objects.filter(organisation=organisation).order_by("-opened_at", "-pk")
    return [{"obligation": o, "why": filing.describe(o), "overdue": o.is_overdue(now),
             "days_left": filing.days_left(o, now=now) if o.is_open else None} for o in obligations]


@desk_view()
def filing_page(request, membership):
    organisation, now = membership.organisation, timezone.now()
    if not filing.applies(organisation):
        return _render(request, membership, "desk/filing.html", {"organisation": organisation, "applies": False})
    form, status = FiledForm(request.POST or None, organisation=organisation), 200
    if request.method == "POST":
        if membership.role not in MARKING:
            messages.error(request, _("Your role lets you read the filing obligations here, not mark them filed."))
            status = 403
        elif form.is_valid():
            try:
                filing.mark_filed(form.cleaned_data["obligation"], user=request.user,
                                  reference=form.cleaned_data["reference"])
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 409
            else:
                messages.success(request, _("Marked filed, with the administration's reference."))
                return redirect("desk:filing")
        else:
            status = 400
    context = {"organisation": organisation, "applies": True, "count": filing.people_count(organisation),
               "threshold": filing.THRESHOLD, "rows": obligation_rows(organisation, now), "form": form,
               "may_mark": membership.role in MARKING, "counted_at": now}
    return _render(request, membership, "desk/filing.html", context, status=status)


@desk_view()
@require_GET
def filing_pack_view(request, membership, fmt):
    organisation = membership.organisation
    if not filing.applies(organisation):
        raise Http404
    return pack_response(organisation, fmt, request)


def pack_response(organisation, fmt: str, request=None) -> HttpResponse:
    """The organisation's filing pack as a page, a PDF or JSON (the desk's and the regulators')."""
    pack = filing_pack.build(organisation)
    filename = f"{organisation.slug}-filing-pack"
    if fmt == "json":
        response = HttpResponse(json.dumps(pack, ensure_ascii=False, indent=2), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    document = documents.Document("filing_pack.html", filename, translation.get_language(), organisation.time_zone,
                                  {"organisation": organisation, "law": law.texts(organisation.jurisdiction),
                                   "pack": pack})
    return documents.response(document, fmt, request)

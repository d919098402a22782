"""The requester's documents through their status link, and the public certificate check.

Downloads go only through the status-page token (as the other public downloads); the
check page needs no token and shows nothing personal (documents.public_summary).
"""

import re

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_ratelimit.decorators import ratelimit

from requests_app.cases import documents
from requests_app.public.views import _case, _request_language
from requests_app.transparency import proofs

SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def certificate(request, token, reference):
    """The certificate as a page of the site (the reader's language), with its printable copies."""
    rr = _case(request, token, reference)
    document = documents.for_request(rr, "certificate")  # 404 without a certificate
    context = {**document.context, **documents.certificate_context(rr.certificate, rr), "token": token}
    with timezone.override(rr.organisation.time_zone), _request_language(request, rr):
        return render(request, "public/certificate.html", {**context, "zone": rr.organisation.time_zone})


def certificate_log_proof(request, token, reference):
    """The certificate's inclusion proof as a file, for verify_log_proof.py (see /log/)."""
    rr = _case(request, token, reference)
    proof = documents.certificate_log_proof(rr) if rr.certificate_id else None
    if proof is None:
        raise Http404
    response = HttpResponse(proofs.as_json(proof), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{rr.certificate.number}-log-proof.json"'
    return response


def document(request, token, reference, name, fmt):
    rr = _case(request, token, reference)
    return documents.response(documents.for_request(rr, name), fmt, request)


class CertificateCheckForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=32,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "EC-20261201-ABCDEF"}))
    sha256 = forms.CharField(label=_("SHA-256 printed on the certificate"), max_length=80,
                             widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))

    def clean_sha256(self):
        value = "".join(self.cleaned_data["sha256"].split())
        if not SHA256.match(value):
            raise forms.ValidationError(_("A SHA-256 is 64 characters, each 0-9 or a-f."))
        return value


def check_rate(group, request) -> str | None:
    """Each check counts (twenty an hour per address); opening the empty page does not."""
    return "20/h" if request.GET.get("number") or request.GET.get("sha256") else None


# Every method: the page reads the query string, so a POST carrying it is a check too.
@ratelimit(key="ip", rate=check_rate, method=ratelimit.ALL, block=True)
def certificate_check(request):
    form = CertificateCheckForm(request.GET if ("number" in request.GET or "sha256" in request.GET) else None)
    summary, checked = None, False
    if form.is_valid():
        checked = True
        found = documents.check_certificate(form.cleaned_data["number"], form.cleaned_data["sha256"])
        summary = found and documents.public_summary(found)
    zone = summary["time_zone"] if summary else timezone.get_current_timezone()
    with timezone.override(zone):
        return render(request, "public/certificate_check.html",
                      {"form": form, "summary": summary, "checked": checked, "zone": zone})

"""An organisation's own words in the mails its requesters receive (owners only).

The owner writes a greeting and a closing per mail and language; the text between them
is Rightsdesk's and stays locked (what happened, the dates, the law's reasons and routes
to a regulator or a court, the status link). The preview is the mail as it would go out,
composed by the same function the sender uses (notifications.compose).
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import MailWording, Membership
from requests_app.delivery import notifications
from requests_app.desk.access import desk_view
from requests_app.desk.views import _render
from requests_app.models import DataSubject, Notification, RightsRequest

LANGUAGES = dict(settings.LANGUAGES)


class WordingForm(forms.ModelForm):
    class Meta:
        model = MailWording
        fields = ["greeting", "closing"]
        widgets = {"closing": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "greeting": gettext_lazy("Before Rightsdesk's text, e.g. “Dear visitor,”. Plain text."),
            "closing": gettext_lazy("After it, e.g. your privacy team's name and phone. Plain text."),
        }


@desk_view(roles={Membership.Role.OWNER})
def mail_wordings(request, membership):
    saved = {(w.kind, w.language): w for w in MailWording.objects.filter(organisation=membership.organisation)}
    rows = [{"kind": kind, "label": label, "language": code, "language_name": LANGUAGES[code],
             "wording": saved.get((kind, code))}
            for kind, label in MailWording.Kind.choices for code in LANGUAGES]
    return _render(request, membership, "desk/mail_wordings.html", {"rows": rows})


@desk_view(roles={Membership.Role.OWNER})
def mail_wording(request, membership, kind, language):
    if kind not in MailWording.Kind.values or language not in LANGUAGES:
        raise Http404
    organisation = membership.organisation
    instance = MailWording.objects.filter(organisation=organisation, kind=kind, language=language).first()
    instance = instance or MailWording(organisation=organisation, kind=kind, language=language)
    form = WordingForm(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        elif "save" in request.POST:
            wording = form.save(commit=False)
            wording.updated_by = request.user
            wording.save()
            messages.success(request, _("Saved. Mails from now on use these words."))
            return redirect("desk:mail_wordings")
    preview_wording = form.instance if form.is_bound and form.is_valid() else instance
    subject, text = preview(organisation, kind, language, preview_wording)
    _plain, locked = preview(organisation, kind, language, None)
    context = {"form": form, "kind": MailWording.Kind(kind), "language_name": LANGUAGES[language],
               "preview_subject": subject, "preview_text": text, "locked_text": locked}
    return _render(request, membership, "desk/mail_wording.html", context, status=status)


def preview(organisation, kind: str, language: str, wording) -> tuple[str, str]:
    """The mail a requester of this organisation would get, for a sample request in review."""
    now = timezone.now()
    subject = DataSubject(preferred_language=language)
    rr = RightsRequest(organisation=organisation, subject=subject, reference="SAMPLE2345", kind="deletion",
                       status=RightsRequest.Status.IN_REVIEW, jurisdiction=organisation.jurisdiction,
                       received_at=now, due_at=now + timedelta(days=15))
    context = {
        "notification": Notification(kind=kind), "request": rr, "organisation": organisation, "recipient": None,
        "site_url": settings.SITE_URL, "language": language, "case_url": "",
        "status_url": settings.SITE_URL.rstrip("/") + "/status/…/",
    }
    return notifications.compose(kind, context, language, organisation.time_zone, wording)

"""Forms of the signed-in pages (the public site's forms are in requests_app/public/)."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from orgs import law
from requests_app.cases.outcomes import NEEDS_DETAIL, NEEDS_FILE, RecordOutcome, outcomes_for


class HandOutcomeForm(forms.Form):
    """What a person did with the requester's data in one system, in the outcomes that fit
    the request's kind (connectors.outcomes_for), with the file given to the requester or
    the words the outcome needs. The workflow checks the same again (task_steps)."""

    outcome = forms.ChoiceField(label=_("What became of the person's data in this system?"), choices=(),
                                widget=forms.RadioSelect)
    detail = forms.CharField(
        label=_("What was done, in words"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a correction, what changed; for storage only, the law that requires keeping the data; "
                    "for an explanation, the explanation. The requester sees it."),
    )
    upload = forms.FileField(label=_("File given to the requester"), required=False,
                             help_text=_("For a copy or a portable file: the file itself."))
    note = forms.CharField(label=_("Internal note"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, rights_request, **kwargs):
        super().__init__(*args, **kwargs)
        self.rights_request = rights_request
        kinds = outcomes_for(rights_request.kind)
        self.fields["outcome"].choices = [(value, RecordOutcome(value).label) for value in kinds]
        if not any(value in NEEDS_FILE for value in kinds):
            del self.fields["upload"]
        if RecordOutcome.STORAGE_ONLY in kinds:
            self.fields["detail"].help_text = _("For storage only, name the law that requires keeping the data, "
                                                "e.g. %(law)s.") % {
                "law": law.texts(rights_request.jurisdiction).storage_only}

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is not None:
            if not upload.size:
                raise forms.ValidationError(_("The file is empty."))
            if upload.size > settings.MAX_UPLOAD_BYTES:
                raise forms.ValidationError(_("Files may be at most %(limit)s.") % {
                    "limit": filesizeformat(settings.MAX_UPLOAD_BYTES)})
        return upload

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome in NEEDS_FILE and not cleaned.get("upload") and "upload" not in self.errors:
            self.add_error("upload", _("Attach the file given to the requester."))
        if outcome in NEEDS_DETAIL and not (cleaned.get("detail") or "").strip():
            self.add_error("detail", NEEDS_DETAIL[outcome])
        return cleaned

    def hand_outcome(self):
        from requests_app.workflow.task_steps import HandOutcome  # task_steps imports the workflow, which is heavier

        data = self.cleaned_data
        return HandOutcome(outcome=data["outcome"], detail=data.get("detail", ""), note=data.get("note", ""),
                           upload=data.get("upload"))

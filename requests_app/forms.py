"""Forms of the signed-in pages (the public site's forms are in requests_app/public/)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from requests_app.connectors import RecordOutcome
from requests_app.connectors.manual import CONFIRMABLE_OUTCOMES


class ManualOutcomeForm(forms.Form):
    """What the owner of a manual system did with the person's data there."""

    outcome = forms.ChoiceField(
        label=_("What became of the person's data in this system?"),
        choices=[(value, RecordOutcome(value).label) for value in CONFIRMABLE_OUTCOMES],
        widget=forms.RadioSelect,
    )
    retention_reason = forms.CharField(
        label=_("Retention duty (for storage only)"),
        help_text=_("The law or rule that requires keeping the data, and until when."),
        max_length=300,
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == RecordOutcome.STORAGE_ONLY and not cleaned.get("retention_reason", "").strip():
            self.add_error("retention_reason", _("Name the retention duty that keeps the data in storage."))
        return cleaned

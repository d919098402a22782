"""Forms of the orgs admin: ordering a bulk deletion."""

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.models import ErasureOrder, ProcessingActivity


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # Activities of different organisations often share a name ("Entry"): say whose.
        return f"{obj.organisation} · {obj}"


class ErasureOrderForm(forms.ModelForm):
    """An administrator's order to delete every record of one activity or collection point.

    Names exactly one of the two, and it must be the chosen organisation's. The order is
    always of kind `order`; retention orders are opened by the daily sweep, not here.
    """

    activity = ActivityChoiceField(
        queryset=ProcessingActivity.objects.select_related("organisation").order_by("organisation__name", "name"),
        required=False,
        label=_("processing activity"),
        help_text=_("Every record of this activity is deleted. Leave empty to name a collection point instead."),
    )

    class Meta:
        model = ErasureOrder
        fields = ("organisation", "activity", "collection_point", "reason")
        help_texts = {
            "collection_point": _(
                "Every record collected at this point (by any of the organisation's activities there) is "
                "deleted, e.g. a sales office's face cameras. Leave empty to name an activity instead."
            ),
            "reason": _("Why, and on what legal basis: it is written on every record and on the certificate."),
        }

    def clean_collection_point(self):
        return self.cleaned_data.get("collection_point", "").strip()

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        activity = cleaned.get("activity")
        point = cleaned.get("collection_point")
        if activity and point:
            raise forms.ValidationError(
                _("Name either a processing activity or a collection point, not both."), code="both"
            )
        if not activity and not point and "activity" not in self.errors and "collection_point" not in self.errors:
            raise forms.ValidationError(
                _("Name the processing activity or the collection point whose records are to be deleted."),
                code="neither",
            )
        if organisation is None:
            return cleaned
        if activity and activity.organisation_id != organisation.pk:
            self.add_error("activity", forms.ValidationError(
                _("%(activity)s is an activity of %(other)s, not of %(organisation)s."),
                code="other_organisation",
                params={"activity": activity.name, "other": activity.organisation, "organisation": organisation},
            ))
        if point:
            points = sorted(set(
                ProcessingActivity.objects.filter(organisation=organisation).values_list("collection_point", flat=True)
            ))
            if point not in points:
                self.add_error("collection_point", forms.ValidationError(
                    _("%(organisation)s has no collection point “%(point)s”. Its collection points: %(points)s."),
                    code="unknown_point",
                    params={"organisation": organisation, "point": point,
                            "points": ", ".join(points) or _("none")},
                ))
        return cleaned

    def _get_validation_exclusions(self):
        # clean() enforces the model's "names what to erase" constraint with a readable
        # message; skipping the constraint here keeps its generic one from repeating it.
        return super()._get_validation_exclusions() | {"activity", "collection_point"}

    def save(self, commit=True):
        self.instance.kind = ErasureOrder.Kind.ORDER
        return super().save(commit)

"""The form a regulator sends an order or inquiry with. The rules (a deadline not in the past,
a collection point of this organisation, some words) are orgs.oversight_orders'; the form
offers only this organisation's points, and shows the rules' errors beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs.models import CollectionPoint, OversightOrderKind


class OrderForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=OversightOrderKind.choices)
    reference = forms.CharField(label=_("Your reference"), max_length=100, required=False,
                                help_text=_("The number of your order or letter, if it has one."))
    point = forms.ModelChoiceField(label=_("Collection point"), queryset=CollectionPoint.objects.none(),
                                   required=False, help_text=_("For an order to remove scanners: where."))
    text = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    due_on = forms.DateField(label=_("Answer by"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                             help_text=_("Empty: 10 working days on the organisation's calendar (15 to delete data)."))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = CollectionPoint.objects.filter(organisation=organisation).order_by("name")

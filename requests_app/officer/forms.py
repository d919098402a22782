"""Forms of the officer desk. They only parse and check input; what is allowed in which
state is the workflow's to decide (a step refused there changes nothing)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from orgs import law
from orgs.models import DataSystem
from requests_app import selectors
from requests_app.forms import ManualOutcomeForm
from requests_app.models import CompensationClaim
from requests_app.money import MINOR_UNIT_EXPONENT

TEXT = 4000


def _text(label, *, rows=3, max_length=TEXT, required=True, help_text=""):
    return forms.CharField(label=label, max_length=max_length, required=required, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


class AssigneeField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class ActionForm(forms.Form):
    """A step on one request: knows the request and the member's membership for its choices."""

    def __init__(self, *args, rr, membership, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        super().__init__(*args, **kwargs)
        self.rr, self.membership = rr, membership

    action = "step"


class EmptyForm(ActionForm):
    action = "step"


class AssignForm(ActionForm):
    action = "assign"
    assignee = AssigneeField(label=_("Assign to"), queryset=None, empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = selectors.assignable_members(self.membership)
        if self.rr.assignee_id:
            self.fields["assignee"].initial = self.rr.assignee_id


class VerifyForm(ActionForm):
    action = "verify"
    check_performed = _text(_("Check performed"), rows=2, max_length=1000,
                            help_text=_("How you confirmed who the person is, e.g. “saw the annual pass at the "
                                        "ticket office and compared the photo”."))


class QuestionForm(ActionForm):
    action = "ask_info"
    question = _text(_("Question to the requester"), rows=3)


class ExtendForm(ActionForm):
    action = "extend"
    reason = _text(_("Reason for the extension"), rows=2, max_length=2000,
                   help_text=_("Sent to the requester with the new due date."))


class ApproveForm(ActionForm):
    action = "approve"
    note = _text(_("Note (optional, on the record)"), rows=2, max_length=2000, required=False)


class RefuseForm(ActionForm):
    action = "refuse"
    reason = _text(_("Reason for refusing"), rows=3, max_length=2000,
                   help_text=_("Sent to the requester, with the legal ground and their right to complain to the "
                               "regulator or go to court."))
    legal_ground = forms.CharField(label=_("Legal ground"), max_length=200,
                                   help_text=_("The provision that allows the refusal, e.g. “PIPL art. 47(2): a "
                                               "statutory retention period has not expired”."))


class MessageForm(ActionForm):
    action = "message"
    body = _text(_("Message to the requester"), rows=4)


class NoteForm(ActionForm):
    action = "note"
    body = _text(_("Internal note (never shown to the requester)"), rows=3)


class OutcomeForm(ActionForm, ManualOutcomeForm):
    """What became of the person's data in one manual system (connectors/manual.py)."""

    action = "record_outcome"
    task = forms.ModelChoiceField(label=_("System"), queryset=None, empty_label=None)
    field_order = ["task", "outcome", "retention_reason", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any manual task of this request: one already done is refused by the workflow (409).
        self.fields["task"].queryset = self.rr.fulfilment_tasks.filter(
            connector=DataSystem.Connector.MANUAL
        ).select_related("system").order_by("pk")
        self.fields["task"].label_from_instance = lambda task: task.system.name


class ClaimForm(ActionForm):
    """A step on the request's compensation claim, its amount typed in major units."""

    claim = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this request's claims; a claim in the wrong state is refused by the workflow (409).
        self.fields["claim"].queryset = CompensationClaim.objects.filter(request=self.rr)

    def amount_minor(self, name="amount") -> int | None:
        """The typed amount in the claim's minor units; an error on the field if it has too many decimals."""
        claim, amount = self.cleaned_data.get("claim"), self.cleaned_data.get(name)
        if claim is None or amount is None:
            return None
        exponent = MINOR_UNIT_EXPONENT.get(claim.currency, 2)
        minor = amount.scaleb(exponent)
        if minor != minor.to_integral_value():
            self.add_error(name, _("Too many decimal places for %(currency)s.") % {"currency": claim.currency})
            return None
        return int(minor)

    def clean(self):
        cleaned = super().clean()
        if "amount" in self.fields:
            cleaned["amount_minor"] = self.amount_minor()
        return cleaned


def _amount(label):
    return forms.DecimalField(label=label, min_value=Decimal("0"), max_digits=14, decimal_places=3)


class AssessForm(ClaimForm):
    action = "assess"
    basis = forms.ChoiceField(label=_("Basis"), choices=CompensationClaim.Basis.choices, widget=forms.RadioSelect)
    amount = _amount(_("Amount assessed"))
    note = _text(_("How the amount was reached"), rows=2, max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The basis is named by the request's law (PIPL art. 69, GDPR art. 82, a settlement...).
        texts = law.texts(self.rr.jurisdiction)
        self.fields["basis"].label = texts.compensation_basis
        self.fields["basis"].help_text = texts.compensation


class OfferForm(ClaimForm):
    action = "offer"
    amount = _amount(_("Amount offered"))


class PaymentForm(ClaimForm):
    action = "payment"
    amount = _amount(_("Amount paid"))
    reference = forms.CharField(label=_("Payment reference"), max_length=100)
    # Checked by the workflow against the accepted offer (a form error if missing there).
    difference_reason = _text(_("Why the amount paid differs from the accepted offer"), rows=2, max_length=2000,
                              required=False,
                              help_text=_("Required only if the amount paid is not the amount accepted; sent to "
                                          "the requester with both figures."))


class CloseClaimForm(ClaimForm):
    """Close a declined claim instead of offering again; the person is told the route to a
    court or regulator of their jurisdiction."""

    action = "close_claim"
    note = _text(_("Why the claim is closed without a new offer"), rows=2, max_length=2000,
                 help_text=_("Sent to the requester with where they can turn under their law."))


class AnyReferences(forms.MultipleChoiceField):
    """Any strings: which of them this organisation may touch is the selector's to say."""

    def valid_value(self, value):
        return True


class BulkAssignForm(forms.Form):
    """Assign the ticked requests of the queue to one member (bulk)."""

    references = AnyReferences(label=_("Requests"), widget=forms.MultipleHiddenInput,
                                           error_messages={"required": _("Tick at least one request.")})
    assignee = AssigneeField(label=_("Assign the ticked requests to"), queryset=None,
                             empty_label=_("Choose a person"))

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = selectors.assignable_members(membership)

    def clean_references(self):
        return [ref for ref in self.cleaned_data["references"] if ref.strip()][:500]

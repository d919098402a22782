"""Forms of the officer desk. They only parse and check input; what is allowed in which
state is the workflow's to decide (a step refused there changes nothing)."""

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs.models import DataSystem
from requests_app import selectors
from requests_app.forms import HandOutcomeForm
from requests_app.models import CompensationClaim, FulfilmentTask, RightsRequest
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


class TaskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, task):
        return f"{task.system.name} ({task.get_connector_display()}, {task.get_status_display()})"


def tasks_needing_hands(rr):
    """This request's tasks a person may act on: every manual task not done, and every
    automatic one that failed, went silent, is waiting for its system, or keeps failing."""
    return rr.fulfilment_tasks.exclude(status=FulfilmentTask.Status.DONE).filter(
        Q(connector=DataSystem.Connector.MANUAL) | Q(status=FulfilmentTask.Status.FAILED)
        | Q(status=FulfilmentTask.Status.AWAITING_CALLBACK) | Q(flagged_at__isnull=False) | ~Q(last_error="")
    ).select_related("system").order_by("pk")


def _offer_tasks(field, rr, offered) -> None:
    """Accept any task of this request (the workflow refuses one that is done, with a 409)
    but list only those that need a person now."""
    field.queryset = rr.fulfilment_tasks.select_related("system").order_by("pk")
    field.widget.choices = [(task.pk, field.label_from_instance(task)) for task in offered]


class OutcomeForm(ActionForm, HandOutcomeForm):
    """Record by hand what became of the person's data in one system (task_steps.record_by_hand)."""

    action = "record_outcome"
    task = TaskChoiceField(label=_("System"), queryset=None, empty_label=None)
    field_order = ["task", "outcome", "detail", "upload", "note"]

    def __init__(self, *args, rr, membership, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        HandOutcomeForm.__init__(self, *args, rights_request=rr, **kwargs)
        self.rr, self.membership = rr, membership
        _offer_tasks(self.fields["task"], rr, tasks_needing_hands(rr))


class RetryForm(ActionForm):
    action = "retry_task"
    task = TaskChoiceField(label=_("System"), queryset=None, empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_tasks(self.fields["task"], self.rr, tasks_needing_hands(self.rr))


class RepointForm(ActionForm):
    action = "repoint_task"
    task = TaskChoiceField(label=_("System"), queryset=None, empty_label=None)
    webhook_url = forms.URLField(label=_("New endpoint address"), max_length=500, assume_scheme="https",
                                 help_text=_("Where the system now takes requests. Later requests go there too."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_tasks(self.fields["task"], self.rr,
                     tasks_needing_hands(self.rr).filter(connector=DataSystem.Connector.WEBHOOK))


class FinishForm(ActionForm):
    action = "finish_fulfilment"
    explanation = _text(_("The explanation of the processing rules"), rows=5,
                        help_text=_("Sent to the requester: what is processed, why, how, for how long, and who "
                                    "receives it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.rr.kind != RightsRequest.Kind.EXPLANATION:
            del self.fields["explanation"]


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
    basis = forms.ChoiceField(label=_("Basis (PIPL art. 69)"), choices=CompensationClaim.Basis.choices,
                              widget=forms.RadioSelect)
    amount = _amount(_("Amount assessed"))
    note = _text(_("How the amount was reached"), rows=2, max_length=2000, required=False)


class OfferForm(ClaimForm):
    action = "offer"
    amount = _amount(_("Amount offered"))


class PaymentForm(ClaimForm):
    action = "payment"
    amount = _amount(_("Amount paid"))
    reference = forms.CharField(label=_("Payment reference"), max_length=100)


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

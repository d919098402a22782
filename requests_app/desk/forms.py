"""Forms of the officer desk. They only parse and check input; what is allowed in which
state is the workflow's to decide (a step refused there changes nothing).

Each step's form is registered by the step's name (FORM_FOR, its `action`), and its
cleaned data has the keys and types the step's `run` reads (requests_app/workflow/steps.py),
the same as the API's input serializer of that step gives."""

from decimal import Decimal

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from orgs import law
from orgs.models import Alternative, DataSystem
from requests_app.cases import deadlines, selectors
from requests_app.fulfilment.forms import HandOutcomeForm
from requests_app.models import CompensationClaim, RightsRequest
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

    action = "step"  # the name of the step (workflow.steps.OFFICER_STEPS) the form is for

    def __init__(self, *args, rr, membership, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        super().__init__(*args, **kwargs)
        self.rr, self.membership = rr, membership


class EmptyForm(ActionForm):
    """A step with nothing to type."""


class RevealForm(EmptyForm):
    action = "reveal_contact"


class StartFulfilmentForm(EmptyForm):
    action = "start_fulfilment"


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


class NextOfKinCheckForm(ActionForm):
    """The officer's check that verifies a relative's request for a deceased person (PIPL art. 49)."""

    action = "verify_next_of_kin"
    death_checked = forms.BooleanField(label=_("I checked the evidence of the death"))
    relationship_checked = forms.BooleanField(label=_("I checked the evidence that the requester is a close relative"))
    arranged_otherwise = forms.TypedChoiceField(  # cleaned: a bool, as the API's
        label=_("Did the deceased arrange otherwise for their information?"), widget=forms.RadioSelect,
        choices=[("no", _("No")), ("yes", _("Yes: the request cannot be verified"))],
        coerce=lambda value: value == "yes",
    )
    check_performed = _text(_("What was checked"), rows=2, max_length=1000,
                            help_text=_("E.g. “death certificate no. …, household register showing the son”."))


class PowerOfAttorneyForm(ActionForm):
    """An agent's request verified on a power of attorney, the document attached to the request."""

    action = "verify_power_of_attorney"
    attachment = forms.ModelChoiceField(label=_("Power of attorney"), queryset=None, empty_label=None)
    check_performed = _text(_("Check performed"), rows=2, max_length=1000,
                            help_text=_("What you checked in the power of attorney (who granted it, to whom, "
                                        "its date and scope)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachment"].queryset = self.rr.attachments.filter(purpose="authorisation").order_by("pk")
        self.fields["attachment"].label_from_instance = lambda attachment: attachment.original_name


class QuestionForm(ActionForm):
    """A question to the requester, and why the clock pauses: only the reasons the law of
    the request names (deadlines.Policy.pause_reasons); none where the clock never pauses."""

    action = "ask_info"
    question = _text(_("Question to the requester"), rows=3)
    reason = forms.ChoiceField(label=_("Why the clock pauses"), choices=(), widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reasons = deadlines.get_policy(self.rr.jurisdiction).pause_reasons
        if reasons:
            self.fields["reason"].choices = list(reasons)
        else:
            del self.fields["reason"]  # the clock runs: there is nothing to choose

    def clean(self):
        cleaned = super().clean()
        cleaned.setdefault("reason", "")  # no reason where the clock never pauses, as in the API
        return cleaned


class ExtendForm(ActionForm):
    action = "extend"
    reason = _text(_("Reason for the extension"), rows=2, max_length=2000,
                   help_text=_("Sent to the requester with the new due date."))


class ApproveForm(ActionForm):
    """Approval is sent only from its confirmation page (views.approve_confirm), which says
    what approval sets off; that page's form carries `confirmed`, the case page has none."""

    action = "approve"
    note = _text(_("Note (optional, on the record)"), rows=2, max_length=2000, required=False)
    confirmed = forms.BooleanField(widget=forms.HiddenInput, error_messages={
        "required": _("Approve from the confirmation page, after reading what approval sets off.")})


OTHER_GROUND = "other"


def ground_choices(jurisdiction: str) -> list[tuple[str, object]]:
    """The refusal grounds of the law (orgs/law.py), then "other", which must be cited."""
    return [*law.texts(jurisdiction).refusal_grounds, (OTHER_GROUND, _("Other: cite the provision below"))]


def ground_text(rr, code: str, other: str) -> str | None:
    """The legal ground as stored on the request and sent to the person: the law's label,
    in the requester's language, or the provision the officer cited; None if `code` is not
    a ground of the request's law (a bulk refusal across laws)."""
    if code == OTHER_GROUND:
        return other.strip()
    label = law.refusal_ground_label(rr.jurisdiction, code)
    if label is None:
        return None
    with translation.override(rr.subject.preferred_language or "en"):
        return str(label)


class GroundFields(forms.Form):
    """The reason and legal ground of a refusal, the grounds offered by one jurisdiction's law."""

    reason = _text(_("Reason for refusing"), rows=3, max_length=2000,
                   help_text=_("Sent to the requester, with the legal ground and their right to complain to the "
                               "regulator or go to court."))
    legal_ground = forms.ChoiceField(label=_("Legal ground"), choices=(), widget=forms.RadioSelect)
    legal_ground_other = forms.CharField(
        label=_("Other legal ground"), max_length=200, required=False,
        help_text=_("Only with “Other”: the provision that allows the refusal, cited in full."))

    def offer_grounds(self, jurisdiction: str) -> None:
        self.fields["legal_ground"].choices = ground_choices(jurisdiction)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("legal_ground") == OTHER_GROUND and not cleaned.get("legal_ground_other", "").strip():
            self.add_error("legal_ground_other", _("Cite the provision that allows the refusal."))
        return cleaned


class RefuseForm(ActionForm, GroundFields):
    """The ground is chosen from the law's list; cleaned, `legal_ground` is its text as
    stored and sent (as the API takes it), `legal_ground_code` the choice."""

    action = "refuse"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_grounds(self.rr.jurisdiction)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            cleaned["legal_ground_code"] = cleaned["legal_ground"]
            cleaned["legal_ground"] = ground_text(self.rr, cleaned["legal_ground"],
                                                  cleaned.get("legal_ground_other", ""))
        return cleaned


class ProvideAlternativeForm(ActionForm):
    """The other way in than a face scan provided (workflow.provide_alternative); the choice
    the person asked for comes first, and the point's own alternatives are named."""

    action = "provide_alternative"
    alternative = forms.ChoiceField(label=_("Other way in provided"), choices=Alternative.choices,
                                    widget=forms.RadioSelect)
    details = _text(_("How the requester uses it"), rows=2, max_length=1000,
                    help_text=_("Sent to the requester: e.g. “card no. ****4821, collect it at the property office, "
                                "weekdays 9–17” or “door code sent by text message”."))
    available_from = forms.DateField(label=_("Available from (optional)"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.rr.alternative_wanted and "alternative" not in self.initial:
            self.fields["alternative"].initial = self.rr.alternative_wanted
        point = self.rr.collection_point
        if point is not None:
            self.fields["alternative"].help_text = _("Offered at %(point)s: %(alternatives)s") % {
                "point": point.local_name, "alternatives": point.alternatives_display() or _("none")}


class CloseUnconfirmedForm(ActionForm):
    action = "close_unconfirmed_alternative"
    note = _text(_("Note (on the record and in the letter)"), rows=2, max_length=2000,
                 help_text=_("E.g. “the guard has let the resident in by card every day since”."))


class MessageForm(ActionForm):
    action = "message_subject"
    body = _text(_("Message to the requester"), rows=4)


class NoteForm(ActionForm):
    action = "add_note"
    body = _text(_("Internal note (never shown to the requester)"), rows=3)


class TaskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, task):
        return f"{task.system.name} ({task.get_connector_display()}, {task.get_status_display()})"


def _offer_tasks(field, rr, offered) -> None:
    """Accept any task of this request (the workflow refuses one that is done, with a 409)
    but list only those that need a person now."""
    field.queryset = rr.fulfilment_tasks.select_related("system").order_by("pk")
    field.widget.choices = [(task.pk, field.label_from_instance(task)) for task in offered]


class OutcomeForm(ActionForm, HandOutcomeForm):
    """Record by hand what became of the person's data in one system (task_steps.record_by_hand)."""

    action = "record_task_outcome"
    task = TaskChoiceField(label=_("System"), queryset=None, empty_label=None)
    field_order = ["task", "outcome", "detail", "upload", "note"]

    def __init__(self, *args, rr, membership, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        HandOutcomeForm.__init__(self, *args, rights_request=rr, **kwargs)
        self.rr, self.membership = rr, membership
        _offer_tasks(self.fields["task"], rr, selectors.tasks_needing_hands(rr))


class RetryForm(ActionForm):
    action = "retry_task"
    task = TaskChoiceField(label=_("System"), queryset=None, empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_tasks(self.fields["task"], self.rr, selectors.tasks_needing_hands(self.rr))


class RepointForm(ActionForm):
    action = "repoint_task"
    task = TaskChoiceField(label=_("System"), queryset=None, empty_label=None)
    # No longer than the system's own column holds (a longer one would be a database error).
    webhook_url = forms.URLField(label=_("New endpoint address"),
                                 max_length=DataSystem._meta.get_field("webhook_url").max_length, assume_scheme="https",
                                 help_text=_("Where the system now takes requests. Later requests go there too."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _offer_tasks(self.fields["task"], self.rr,
                     selectors.tasks_needing_hands(self.rr).filter(connector=DataSystem.Connector.WEBHOOK))


class FinishForm(ActionForm):
    action = "finish_fulfilment"
    explanation = _text(_("The explanation of the processing rules"), rows=5,
                        help_text=_("Sent to the requester: what is processed, why, how, for how long, and who "
                                    "receives it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.rr.kind != RightsRequest.Kind.EXPLANATION:
            del self.fields["explanation"]

    def clean(self):
        cleaned = super().clean()
        cleaned.setdefault("explanation", "")
        return cleaned


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
    action = "assess_claim"
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
    action = "offer_compensation"
    amount = _amount(_("Amount offered"))


class PaymentForm(ClaimForm):
    action = "record_payment"
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


# Each step's form, by the step's name (workflow.steps.OFFICER_STEPS).
FORM_FOR: dict[str, type[ActionForm]] = {form.action: form for form in (
    RevealForm, AssignForm, VerifyForm, NextOfKinCheckForm, PowerOfAttorneyForm, QuestionForm, ExtendForm,
    ApproveForm, RefuseForm, ProvideAlternativeForm, CloseUnconfirmedForm, StartFulfilmentForm, OutcomeForm, RetryForm, RepointForm, FinishForm, MessageForm,
    NoteForm, AssessForm, OfferForm, PaymentForm, CloseClaimForm,
)}


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
        return _references(self.cleaned_data["references"])


def _references(values) -> list[str]:
    return [ref for ref in values if ref.strip()][:500]


class BulkRefuseForm(GroundFields):
    """Refuse the ticked requests of the queue with one reason and one legal ground, the
    grounds those of the organisation's law (a request under another law is reported)."""

    references = AnyReferences(label=_("Requests"), widget=forms.MultipleHiddenInput,
                               error_messages={"required": _("Tick at least one request.")})

    def __init__(self, *args, membership, **kwargs):
        kwargs.setdefault("auto_id", "id_bulk_refuse_%s")
        super().__init__(*args, **kwargs)
        self.offer_grounds(membership.organisation.jurisdiction)

    def clean_references(self):
        return _references(self.cleaned_data["references"])

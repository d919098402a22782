"""Forms of the public pages. Each bad value gets a message beside its field and keeps what was typed.

Every free-text field has a length limit at or below its model field's (a TextField gets
one too), so an over-long value is a message beside the field, never a database error.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orgs import law
from orgs.models import Alternative, Organisation
from requests_app.cases import deadlines, sharing
from requests_app.errors import InvalidInput
from requests_app.models import Attachment, CompensationClaim, RightsRequest
from requests_app.money import MINOR_UNIT_EXPONENT
from requests_app.public.uploads import validate_upload

CURRENCIES = [("CNY", "CNY ¥"), ("EUR", "EUR €"), ("USD", "USD $"), ("BRL", "BRL R$")]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > settings.MAX_UPLOAD_FILES:
            raise ValidationError(_("Attach at most %(count)d files.") % {"count": settings.MAX_UPLOAD_FILES})
        errors, cleaned = [], []
        for upload in files:
            try:
                validate_upload(super().clean(upload, initial))
                cleaned.append(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class DocumentField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ".pdf,image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            validate_upload(upload)
        return upload


class OrganisationSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind"))] + Organisation.Kind.choices)


class RequestForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("What are you asking for?"), choices=RightsRequest.Kind.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one thing you are asking for.")},
    )
    # Only where the organisation's law has the request for another way in (China's face rules).
    alternative_wanted = forms.ChoiceField(
        label=_("Which other way in would you like?"), required=False, choices=Alternative.choices,
        widget=forms.RadioSelect,
        help_text=_("Only if you ask for another way in than your face. Say more below if you like."),
    )
    data_description = forms.CharField(
        label=_("Which data, and where was it collected?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: “face scan at the north gate when I entered with my annual pass”."),
    )
    details = forms.CharField(label=_("Anything else the organisation should know"), required=False,
                              max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    full_name = forms.CharField(label=_("Your full name"), required=False, max_length=200)
    email = forms.EmailField(label=_("Email"), required=False, max_length=254,
                             help_text=_("We send the code here. An agent gives the person's own email or phone: "
                                         "the person confirms the request, never the agent."))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=32,
                            help_text=_("If you give no email, we send the code by text message."))
    member_number = forms.CharField(label=_("Member, card or pass number"), required=False, max_length=64)
    id_number = forms.CharField(label=_("Identity document number"), required=False, max_length=64,
                                help_text=_("Only if the organisation knows you by it. Stored only as a keyed hash."))
    filed_by = forms.ChoiceField(label=_("Who is filing?"), choices=RightsRequest.FiledBy.choices,
                                 initial=RightsRequest.FiledBy.SELF, widget=forms.RadioSelect)
    requester_name = forms.CharField(label=_("Your name (relative or agent)"), required=False, max_length=200)
    requester_email = forms.EmailField(label=_("Your email (relative or agent)"), required=False, max_length=254)
    # Its help is the organisation's law on next of kin (see __init__); offered only where there is one.
    death_evidence = DocumentField(label=_("Evidence of death and of your relationship"), required=False)
    deceased_arranged_otherwise = forms.ChoiceField(
        label=_("Did the deceased arrange otherwise for their information?"), required=False,
        choices=[("no", _("No, not that I know of")), ("yes", _("Yes"))], widget=forms.RadioSelect,
    )
    authorisation = DocumentField(label=_("Signed authorisation from the person"), required=False)
    evidence = MultipleFileField(label=_("Evidence (optional)"), required=False,
                                 help_text=_("PDF or images, at most 10 MB each."))
    claim_amount = forms.DecimalField(label=_("Compensation claimed"), required=False, min_value=Decimal("0.01"),
                                      max_digits=12, decimal_places=2)
    claim_currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, required=False)
    claim_covers = forms.CharField(label=_("What the compensation covers"), required=False, max_length=1000,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    # A field people never see; bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"), max_length=200)

    def __init__(self, *args, organisation: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.law = law.texts(organisation.jurisdiction) if organisation is not None else None
        # The template leaves out the death-evidence field where the law has no next of kin.
        self.offers_next_of_kin = self.law is None or self.law.next_of_kin is not None
        if self.law is None:
            return
        # The kinds of request the organisation's law has (the US opt-outs only there).
        policy = deadlines.get_policy(organisation.jurisdiction)
        self.fields["kinds"].choices = [
            (code, label) for code, label in RightsRequest.Kind.choices if deadlines.offers_kind(policy, code)
        ]
        if deadlines.offers_kind(policy, RightsRequest.Kind.ALTERNATIVE):
            self.fields["alternative_wanted"].help_text = self.law.alternative
        else:
            del self.fields["alternative_wanted"]
        # Who may file, and the currency a claim defaults to, follow the organisation's law.
        if self.law.next_of_kin is None:
            self.fields["filed_by"].choices = [
                choice for choice in RightsRequest.FiledBy.choices if choice[0] != RightsRequest.FiledBy.NEXT_OF_KIN
            ]
            self.fields["requester_name"].label = _("Your name (agent)")
            self.fields["requester_email"].label = _("Your email (agent)")
            del self.fields["deceased_arranged_otherwise"]
        else:
            self.fields["death_evidence"].help_text = self.law.next_of_kin
            self.fields["deceased_arranged_otherwise"].help_text = self.law.next_of_kin
        self.fields["authorisation"].help_text = self.law.agent
        self.fields["claim_currency"].initial = self.law.currency
        self.fields["claim_currency"].choices = sorted(CURRENCIES, key=lambda choice: choice[0] != self.law.currency)

    def clean(self):
        data = super().clean()
        filed_by = data.get("filed_by")
        if filed_by == RightsRequest.FiledBy.NEXT_OF_KIN:
            self._clean_next_of_kin(data)
        elif not data.get("email") and not data.get("phone") and "email" not in self.errors:
            self.add_error("email", _("Give an email address or a phone number so we can reach you."))
        if filed_by in (RightsRequest.FiledBy.NEXT_OF_KIN, RightsRequest.FiledBy.AGENT):
            for name in ("requester_name", "requester_email"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Required when you file for someone else."))
        if filed_by == RightsRequest.FiledBy.NEXT_OF_KIN and not data.get("death_evidence"):
            self.add_error("death_evidence", _("Attach evidence of the death and of your relationship."))
        if filed_by == RightsRequest.FiledBy.AGENT and not data.get("authorisation"):
            self.add_error("authorisation", _("Attach the person's signed authorisation."))
        if data.get("claim_amount") and not data.get("claim_currency"):
            self.add_error("claim_currency", _("Choose the currency of the amount."))
        if (RightsRequest.Kind.ALTERNATIVE in (data.get("kinds") or ()) and "alternative_wanted" in self.fields
                and not data.get("alternative_wanted") and "alternative_wanted" not in self.errors):
            self.add_error("alternative_wanted", _("Say which other way in you would like."))
        if RightsRequest.Kind.ALTERNATIVE not in (data.get("kinds") or ()):
            data["alternative_wanted"] = ""  # asked only with that request
        return data

    def _clean_next_of_kin(self, data: dict) -> None:
        """A relative (PIPL art. 49): their own email (requester_email) gets the code; the
        deceased is named, with an ID or member number; only the kinds the law allows."""
        allowed = self.law.next_of_kin_kinds if self.law is not None else ()
        if any(kind not in allowed for kind in data.get("kinds") or ()):
            self.add_error("kinds", _("A relative may ask only to see, copy, correct or delete a deceased "
                                      "person's information."))
        if not data.get("full_name") and "full_name" not in self.errors:
            self.add_error("full_name", _("Give the deceased person's full name."))
        if not data.get("id_number") and not data.get("member_number") and "id_number" not in self.errors:
            self.add_error("id_number", _("Give the deceased person's identity document or member number."))
        arranged = data.get("deceased_arranged_otherwise")
        if not arranged and "deceased_arranged_otherwise" in self.fields:
            self.add_error("deceased_arranged_otherwise", _("Say whether the deceased arranged otherwise."))
        elif arranged == "yes":
            self.add_error("deceased_arranged_otherwise", self.law.next_of_kin if self.law else "")

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class CodeForm(forms.Form):
    code = forms.RegexField(label=_("Six-digit code"), regex=r"^\s*\d{6}\s*$", max_length=12,
                            error_messages={"invalid": _("The code has six digits.")},
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class StepForm(forms.Form):
    """The input of one of the requester's steps (workflow.steps.SUBJECT_STEPS), registered
    by the step's name (FORM_FOR); its cleaned data has the keys the step's `run` reads.
    On the status page a refused form is one message (`refusal`, else the fields' own)."""

    refusal = None  # {field: the one message the page shows when the form is refused}

    def __init__(self, *args, rr: RightsRequest | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rr = rr

    def cleaned_or_refused(self) -> dict:
        """The cleaned data; InvalidInput, as the page says it, when the form is refused."""
        if not self.is_valid():
            raise InvalidInput(self.refusal or {name: errors for name, errors in self.errors.items()})
        return self.cleaned_data


class MessageForm(StepForm):
    refusal = {"body": _("Write a message of at most 4000 characters.")}
    body = forms.CharField(label=_("Your message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class EvidenceForm(StepForm):
    evidence = MultipleFileField(label=_("Add files"), help_text=_("PDF or images, at most 10 MB each."))


class WithdrawForm(StepForm):
    pass


class AppealForm(StepForm):
    refusal = {"grounds": _("Say why the decision should be looked at again.")}
    grounds = forms.CharField(label=_("Why the decision should be looked at again"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}))


class ClaimForm(StepForm):
    """A claim for compensation once the request is filed (as the request form's claim)."""

    amount = forms.DecimalField(label=_("Compensation claimed"), min_value=Decimal("0.01"), max_digits=12,
                                decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES)
    covers = forms.CharField(label=_("What the compensation covers"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.rr is not None:  # the request's law's currency first
            currency = law.texts(self.rr.jurisdiction).currency
            self.fields["currency"].initial = currency
            self.fields["currency"].choices = sorted(CURRENCIES, key=lambda choice: choice[0] != currency)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amount") is not None and cleaned.get("currency"):
            minor = cleaned["amount"].scaleb(MINOR_UNIT_EXPONENT.get(cleaned["currency"], 2))
            if minor != minor.to_integral_value():
                self.add_error("amount", _("Too many decimal places for %(currency)s.") % {
                    "currency": cleaned["currency"]})
            else:
                cleaned["amount_minor"] = int(minor)
        return cleaned


class OfferAnswerForm(StepForm):
    """Accept or decline an offer: the claim offered (left out: the open offer)."""

    refusal = {"claim": _("Choose to accept or decline the offer.")}
    claim = forms.ModelChoiceField(queryset=CompensationClaim.objects.none(), widget=forms.HiddenInput,
                                   required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.rr is not None:
            self.fields["claim"].queryset = self.rr.claims.all()


class AlternativeAnswerForm(StepForm):
    """Whether the other way in provided works; what does not work, when it does not."""

    refusal = None
    works = forms.TypedChoiceField(
        label=_("Does the other way in work for you?"), widget=forms.RadioSelect, coerce=lambda value: value == "yes",
        choices=[("yes", _("Yes, it works")), ("no", _("No, it does not work"))],
        error_messages={"required": _("Say whether the other way in works.")},
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Optional if it works; if it does not, say what went wrong."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("works") is False and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", _("Say what does not work, so the organisation can put it right."))
        return cleaned


class ShareFilesForm(StepForm):
    """Which of their uploads the requester lets evidence bundles carry; none ticked withdraws it."""

    refusal = {"files": _("Choose among the files you uploaded to this request.")}
    files = forms.ModelMultipleChoiceField(
        label=_("Files that may be copied into evidence bundles"), queryset=Attachment.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("A bundle is what the organisation hands to a court or a regulator about your case. Without "
                    "your consent it lists only each file's name, size and fingerprint (SHA-256). You can change "
                    "this at any time; a bundle already handed over cannot be called back."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.rr is not None:
            self.fields["files"].queryset = sharing.shareable(self.rr)
            self.fields["files"].label_from_instance = lambda attachment: attachment.original_name
            self.initial.setdefault("files", sorted(sharing.shared_ids(self.rr)))


# Each requester's step's form, by the step's name (workflow.steps.SUBJECT_STEPS).
FORM_FOR: dict[str, type[StepForm]] = {
    "reply": MessageForm, "add_evidence": EvidenceForm, "withdraw": WithdrawForm, "appeal": AppealForm,
    "claim_compensation": ClaimForm, "accept_offer": OfferAnswerForm, "decline_offer": OfferAnswerForm,
    "confirm_alternative": AlternativeAnswerForm, "share_files": ShareFilesForm,
}


class StatusLookupForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=20)
    email = forms.EmailField(label=_("Email you gave"), required=False, max_length=254)
    phone = forms.CharField(label=_("Or the phone number you gave"), required=False, max_length=32,
                            help_text=_("We send the new link to it by text message."))

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone") and "email" not in self.errors:
            self.add_error("email", _("Give the email or the phone number you gave with the request."))
        return data

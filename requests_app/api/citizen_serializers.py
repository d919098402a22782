"""Serializers of the citizens' API: shapes for the schema and type checks only.

What a value may be is decided where the web decides it: a new request's fields by the
public form (requests_app.public.forms.RequestForm, fed the JSON flattened, files
decoded from base64, by `request_as_form`, so each value is checked once), every step by
its workflow function.
"""

import base64
import binascii

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orgs.models import Alternative
from requests_app.models import CompensationClaim, Message, RequestEvent, RightsRequest
from requests_app.errors import InvalidInput
from requests_app.public.forms import CURRENCIES

TEXT = 4000


# --- input ------------------------------------------------------------------------------


class CitizenIdentitySerializer(serializers.Serializer):
    email = serializers.CharField(required=False, allow_blank=True, max_length=254,
                                  help_text=_("Email or phone is required; the code is sent there."))
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    member_number = serializers.CharField(required=False, allow_blank=True, max_length=64)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                      help_text=_("Stored only as a keyed hash."))


class CitizenClaimInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=_("In major units, e.g. 1038.00"))
    currency = serializers.ChoiceField(choices=[code for code, _label in CURRENCIES])
    covers = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class CitizenFileSerializer(serializers.Serializer):
    """A file as JSON: checked exactly as the web form checks an upload (PDF or image, size)."""

    name = serializers.CharField(max_length=255)
    # Base64 takes four characters for every three bytes: a file at the size limit fits.
    content = serializers.CharField(help_text=_("The file's bytes, base64-encoded."),
                                    max_length=4 * (settings.MAX_UPLOAD_BYTES // 3 + 1))

    def validate(self, attrs):
        try:
            raw = base64.b64decode(attrs["content"], validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError({"content": _("Not valid base64.")}) from None
        if len(raw) > settings.MAX_UPLOAD_BYTES:
            raise serializers.ValidationError({"content": _("Files may be at most 10 MB.")})
        return SimpleUploadedFile(attrs["name"], raw)


class CitizenRequestInputSerializer(serializers.Serializer):
    """A new request's body, for the schema; the view reads it with `request_as_form`."""

    organisation = serializers.SlugField(help_text=_("The organisation's slug (from the organisation finder)."))
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=RightsRequest.Kind.choices),
                                  min_length=1, max_length=len(RightsRequest.Kind.choices))
    identity = CitizenIdentitySerializer()
    filed_by = serializers.ChoiceField(choices=RightsRequest.FiledBy.choices, default=RightsRequest.FiledBy.SELF)
    requester_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    requester_email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    data_description = serializers.CharField(max_length=2000)
    details = serializers.CharField(required=False, allow_blank=True, max_length=TEXT)
    alternative_wanted = serializers.ChoiceField(
        choices=Alternative.choices, required=False, allow_blank=True,
        help_text=_("Required with the kind `alternative` (where the organisation's law has it): the other way "
                    "in the person would like."))
    language = serializers.ChoiceField(choices=[code for code, _label in settings.LANGUAGES], required=False)
    claim = CitizenClaimInputSerializer(required=False, allow_null=True)
    evidence = CitizenFileSerializer(many=True, required=False, max_length=settings.MAX_UPLOAD_FILES)
    authorisation = CitizenFileSerializer(required=False, allow_null=True,
                                          help_text=_("Required when filed_by is agent."))
    death_evidence = CitizenFileSerializer(required=False, allow_null=True,
                                           help_text=_("Required when filed_by is next_of_kin."))
    deceased_arranged_otherwise = serializers.ChoiceField(
        choices=["no", "yes"], required=False, allow_blank=True,
        help_text=_("Required when filed_by is next_of_kin: did the deceased arrange otherwise (PIPL art. 49)?"))


def request_as_form(data) -> tuple[dict, dict, str | None]:
    """A new request's JSON as the public form's data and files, and the language asked for.

    Only the shape is read here (CitizenRequestInputSerializer describes it for the schema):
    objects, lists and strings where they belong, files decoded from base64, the kinds and
    the language among those there are. Every value is then checked once, by the web's form
    (RequestForm), whose errors keep the JSON's paths (FORM_FIELD_PATHS). Raises InvalidInput
    with the JSON's paths, as DRF words it, for a wrong shape."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        raise InvalidInput({"non_field_errors": [_invalid_object(data)]})

    def text(container: dict, name: str, path: str, required: bool = False) -> str:
        value = container.get(name)
        if value is None or value == "":
            if required:
                errors[path] = [str(_("This field is required."))]
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            errors[path] = [str(_("Not a valid string."))]
            return ""
        return str(value)

    def obj(name: str) -> dict:
        value = data.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            errors[name] = [_invalid_object(value)]
            return {}
        return value

    def upload(value, path: str):
        if not isinstance(value, dict):
            errors[path] = [_invalid_object(value)]
            return None
        name, content = text(value, "name", f"{path}.name", True), text(value, "content", f"{path}.content", True)
        if not name or not content:
            return None
        if len(name) > 255:
            errors[f"{path}.name"] = [str(_("Ensure this field has no more than {max_length} characters.")).format(
                max_length=255)]
            return None
        if len(content) > 4 * (settings.MAX_UPLOAD_BYTES // 3 + 1):
            errors[f"{path}.content"] = [str(_("Files may be at most 10 MB."))]
            return None
        try:
            return SimpleUploadedFile(name, base64.b64decode(content, validate=True))
        except (binascii.Error, ValueError):
            errors[f"{path}.content"] = [str(_("Not valid base64."))]
            return None

    text(data, "organisation", "organisation", True)
    kinds = data.get("kinds")
    if not isinstance(kinds, list):
        errors["kinds"] = [str(_("This field is required.")) if kinds is None else _not_a_list(kinds)]
        kinds = []
    for index, kind in enumerate(kinds):
        if kind not in RightsRequest.Kind.values:
            errors[f"kinds.{index}"] = [str(_('"{input}" is not a valid choice.')).format(input=kind)]
    identity, claim = obj("identity"), obj("claim")
    language = data.get("language") or None
    if language is not None and (not isinstance(language, str) or language not in dict(settings.LANGUAGES)):
        errors["language"] = [str(_('"{input}" is not a valid choice.')).format(input=language)]
    form_data = {
        "kinds": [kind for kind in kinds if isinstance(kind, str)],
        "filed_by": text(data, "filed_by", "filed_by") or RightsRequest.FiledBy.SELF,
        **{name: text(data, name, name) for name in (
            "data_description", "details", "alternative_wanted", "requester_name", "requester_email",
            "deceased_arranged_otherwise")},
        **{name: text(identity, name, f"identity.{name}") for name in CitizenIdentitySerializer._declared_fields},
        "claim_amount": text(claim, "amount", "claim.amount"), "claim_currency": text(claim, "currency", "claim.currency"),
        "claim_covers": text(claim, "covers", "claim.covers"),
    }
    evidence = data.get("evidence") or []
    if not isinstance(evidence, list):
        errors["evidence"] = [_not_a_list(evidence)]
        evidence = []
    elif len(evidence) > settings.MAX_UPLOAD_FILES:
        errors["evidence"] = [str(_("Ensure this field has no more than {max_length} elements.")).format(
            max_length=settings.MAX_UPLOAD_FILES)]
        evidence = []
    files = {"evidence": [found for index, value in enumerate(evidence)
                          if (found := upload(value, f"evidence.{index}")) is not None]}
    for name in ("authorisation", "death_evidence"):
        if data.get(name) is not None and (found := upload(data[name], name)) is not None:
            files[name] = found
    if errors:
        raise InvalidInput(errors)
    return form_data, files, language


# DRF's own words (and so its translations), as the serializers answered before.
def _invalid_object(value) -> str:
    return str(_("Invalid data. Expected a dictionary, but got {datatype}.")).format(datatype=type(value).__name__)


def _not_a_list(value) -> str:
    return str(_('Expected a list of items but got type "{input_type}".')).format(input_type=type(value).__name__)


# Where each field of the public form lives in the JSON, for its error messages.
FORM_FIELD_PATHS = {
    **{name: f"identity.{name}" for name in CitizenIdentitySerializer().fields},
    "claim_amount": "claim.amount", "claim_currency": "claim.currency", "claim_covers": "claim.covers",
    "kind": "kinds",
}


class CodeInputSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\s*\d{6}\s*$", max_length=12, help_text=_("The six digits sent to you."))


class StepInputSerializer(serializers.Serializer):
    """The JSON of one of the requester's steps (workflow.steps.SUBJECT_STEPS), registered by
    the step's name (INPUT_FOR); `as_form` gives it to the status page's form of that step
    (public.forms.FORM_FOR), which checks it as the web does."""

    def as_form(self) -> tuple[dict, dict]:
        return dict(self.validated_data), {}


class ReplyInputSerializer(StepInputSerializer):
    body = serializers.CharField(max_length=TEXT)


class EvidenceInputSerializer(StepInputSerializer):
    evidence = CitizenFileSerializer(many=True, min_length=1, max_length=settings.MAX_UPLOAD_FILES)

    def as_form(self) -> tuple[dict, dict]:
        return {}, {"evidence": self.validated_data["evidence"]}


class AppealInputSerializer(StepInputSerializer):
    grounds = serializers.CharField(max_length=TEXT)


class ClaimInputSerializer(StepInputSerializer, CitizenClaimInputSerializer):
    pass


class OfferAnswerInputSerializer(StepInputSerializer):
    claim = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                     help_text=_("The claim offered; the open offer if left out."))


class EmptyInputSerializer(StepInputSerializer):
    pass


class AlternativeAnswerInputSerializer(StepInputSerializer):
    works = serializers.BooleanField(help_text=_("Whether the other way in provided works."))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                    help_text=_("Required when it does not work: what went wrong."))

    def as_form(self) -> tuple[dict, dict]:
        data = self.validated_data
        return {"works": "yes" if data["works"] else "no", "comment": data.get("comment", "")}, {}


class ShareFilesInputSerializer(StepInputSerializer):
    files = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), allow_empty=True,
                                  max_length=1000,
                                  help_text=_("The ids of your uploaded files that evidence bundles may carry; "
                                              "an empty list: none."))


# Each requester's step's input, by the step's name.
INPUT_FOR: dict[str, type[StepInputSerializer]] = {
    "reply": ReplyInputSerializer, "add_evidence": EvidenceInputSerializer, "withdraw": EmptyInputSerializer,
    "appeal": AppealInputSerializer, "claim_compensation": ClaimInputSerializer,
    "accept_offer": OfferAnswerInputSerializer, "decline_offer": OfferAnswerInputSerializer,
    "confirm_alternative": AlternativeAnswerInputSerializer, "share_files": ShareFilesInputSerializer,
}


# --- output -----------------------------------------------------------------------------


class CitizenFiledSerializer(serializers.Serializer):
    reference = serializers.CharField()
    kind = serializers.ChoiceField(choices=RightsRequest.Kind.choices)


class CitizenSubmissionSerializer(serializers.Serializer):
    submission = serializers.UUIDField(allow_null=True,
                                       help_text=_("Send the code to /public/submissions/{submission}/verify/."))
    requests = CitizenFiledSerializer(many=True)
    already_open = serializers.ListField(
        child=serializers.ChoiceField(choices=RightsRequest.Kind.choices),
        help_text=_("Kinds not filed again: the open request's link was sent to the contact details given then."),
    )


class StatusTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Opens GET /public/status/{token}/. Keep it secret."))


class DoneSerializer(serializers.Serializer):
    detail = serializers.CharField()


class CitizenEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestEvent
        fields = ["seq", "action", "from_status", "to_status", "created_at"]


class CitizenMessageSerializer(serializers.ModelSerializer):
    direction = serializers.ChoiceField(choices=[Message.Direction.TO_SUBJECT, Message.Direction.FROM_SUBJECT])

    class Meta:
        model = Message
        fields = ["direction", "body", "created_at"]


class CitizenClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompensationClaim
        fields = ["id", "status", "currency", "claimed_minor", "offered_minor", "paid_minor", "payment_reference",
                  "payment_difference_reason", "closing_note", "created_at"]


class CitizenCaseSerializer(serializers.ModelSerializer):
    events = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()
    claims = CitizenClaimSerializer(many=True, read_only=True)
    certificate = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    can_withdraw = serializers.BooleanField(read_only=True)
    can_appeal = serializers.BooleanField(read_only=True)
    can_write = serializers.BooleanField(read_only=True)
    can_claim = serializers.BooleanField(read_only=True, help_text=_("No open claim: compensation may be claimed."))
    can_confirm_alternative = serializers.BooleanField(
        read_only=True, help_text=_("Another way in was provided: say whether it works (confirm-alternative)."))

    class Meta:
        model = RightsRequest
        fields = ["reference", "kind", "status", "received_at", "due_at", "closed_at", "appeal_closes_at",
                  "refusal_reason", "refusal_legal_ground", "certificate", "events", "messages", "claims",
                  "alternative_wanted", "can_withdraw", "can_appeal", "can_write", "can_claim",
                  "can_confirm_alternative"]

    @extend_schema_field(CitizenEventSerializer(many=True))
    def get_events(self, rr) -> list[dict]:
        events = rr.events.filter(visible_to_subject=True).order_by("seq")
        return CitizenEventSerializer(events, many=True).data

    @extend_schema_field(CitizenMessageSerializer(many=True))
    def get_messages(self, rr) -> list[dict]:
        messages = rr.messages.exclude(direction=Message.Direction.INTERNAL).order_by("created_at", "pk")
        return CitizenMessageSerializer(messages, many=True).data


class CitizenStatusSerializer(serializers.Serializer):
    organisation = serializers.CharField(help_text=_("The organisation's name."))
    requests = CitizenCaseSerializer(many=True)

"""Serializers of the officers' API. Output serializers show masked identifiers only
(the contact details only as a step's answer, the look recorded: reveal_contact);
input serializers of the workflow steps validate and nothing else: the view then runs
the ONE step of requests_app/workflow/steps.py with `validated_data`. Each step's input
is registered by the step's name (INPUT_FOR) and gives the keys the desk's form gives."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from requests_app.cases import deadlines, selectors
from requests_app.cases.outcomes import RecordOutcome
from orgs.models import Alternative, DataSystem
from requests_app.models import Attachment, CompensationClaim, FulfilmentTask, RequestEvent, RightsRequest, sealed

TEXT = 4000


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API (requests_app/api/errors.py)."""

    code = serializers.CharField(help_text=_("invalid, not_found, not_authenticated, authentication_failed, "
                                             "not_permitted, transition_not_allowed, refused, …"))
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text=_("Field name to its messages (400 only)."))


# --- output ---------------------------------------------------------------------------------


def _person(user) -> str | None:
    return user.get_username() if user is not None else None


class RequestRowSerializer(serializers.ModelSerializer):
    """One row of the queue: what the desk's queue shows, the person masked."""

    masked_identifiers = serializers.CharField(source="subject.masked_identifiers", read_only=True)
    assignee = serializers.SerializerMethodField()
    clock_paused = serializers.SerializerMethodField()

    class Meta:
        model = RightsRequest
        fields = ["reference", "kind", "status", "jurisdiction", "received_at", "due_at", "clock_paused",
                  "masked_identifiers", "assignee"]

    def get_assignee(self, rr) -> str | None:
        return _person(rr.assignee)

    def get_clock_paused(self, rr) -> bool:
        return rr.paused_at is not None


class EventSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(source="created_at")
    actor = serializers.SerializerMethodField()
    # "from" is a Python keyword: declared below.
    to = serializers.CharField(source="to_status")
    # Sealed texts opened, or marked removed after the contact purge (requests_app/models/sealed.py).
    data = serializers.JSONField(source="opened", read_only=True)

    class Meta:
        model = RequestEvent
        fields = ["seq", "at", "action", "actor", "from", "to", "data", "hash"]

    def get_actor(self, event) -> str:
        return _person(event.actor) or event.actor_kind


EventSerializer._declared_fields["from"] = serializers.CharField(source="from_status")


class ClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompensationClaim
        fields = ["id", "status", "currency", "claimed_minor", "covers", "basis", "assessed_minor",
                  "offered_minor", "paid_minor", "payment_reference", "payment_difference_reason", "closing_note",
                  "created_at", "paid_at"]


class TaskSerializer(serializers.ModelSerializer):
    request = serializers.CharField(source="request.reference", read_only=True)
    system = serializers.CharField(source="system.name", read_only=True)

    class Meta:
        model = FulfilmentTask
        fields = ["public_id", "request", "system", "connector", "status", "deadline_at", "created_at",
                  "completed_at"]


class CollectionPointRefSerializer(serializers.Serializer):
    """A collection point named by its public id (as in its public link) and its name."""

    public_id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)


class RequestDetailSerializer(RequestRowSerializer):
    """One request as the case page shows it, with its history (the audit chain's events)."""

    events = serializers.SerializerMethodField()
    claims = serializers.SerializerMethodField()
    fulfilment_tasks = serializers.SerializerMethodField()
    # null until the request is fulfilled; the schema says so (it said string).
    certificate = serializers.CharField(source="certificate.number", read_only=True, default=None, allow_null=True)
    # The scanner the request is about (chosen on the public register); null when none was.
    collection_point = CollectionPointRefSerializer(read_only=True, allow_null=True)

    class Meta(RequestRowSerializer.Meta):
        fields = RequestRowSerializer.Meta.fields + [
            "filed_by", "collection_point", "data_description", "details", "alternative_wanted", "verified_at", "clock_started_at",
            "target_at", "extensions", "extension_reason", "refusal_reason", "refusal_legal_ground", "appeal_closes_at",
            "closed_at", "certificate", "claims", "fulfilment_tasks", "events",
        ]


    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, rr):
        events = sealed.opened_events(rr.events.select_related("actor").order_by("seq"))
        return EventSerializer(events, many=True).data

    @extend_schema_field(ClaimSerializer(many=True))
    def get_claims(self, rr):
        return ClaimSerializer(rr.claims.order_by("created_at", "pk"), many=True).data

    @extend_schema_field(TaskSerializer(many=True))
    def get_fulfilment_tasks(self, rr):
        return TaskSerializer(rr.fulfilment_tasks.select_related("system").order_by("pk"), many=True).data


class ContactSerializer(serializers.Serializer):
    """Who the person is, as revealed to the member once (workflow.Contact); the look is an event."""

    full_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    requester_name = serializers.CharField(help_text=_("The relative or agent who filed, if one did."))
    requester_email = serializers.CharField()


class TallySerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class WeekSerializer(serializers.Serializer):
    iso_week = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    answered = serializers.IntegerField()
    on_time = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)


class GroundSerializer(serializers.Serializer):
    legal_ground = serializers.CharField(source="0")
    count = serializers.IntegerField(source="1")


class DashboardSerializer(serializers.Serializer):
    """requests_app.desk.dashboard.Figures (definitions on the dashboard page)."""

    now = serializers.DateTimeField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due_this_week = serializers.IntegerField()
    answered_in_window = serializers.IntegerField()
    median_days = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    p90_days = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    weeks = WeekSerializer(many=True)
    by_kind = TallySerializer(many=True)
    by_outcome = TallySerializer(many=True)
    refusal_grounds = serializers.SerializerMethodField()

    def get_refusal_grounds(self, figures) -> list[dict]:
        return [{"legal_ground": ground, "count": count} for ground, count in figures.refusal_grounds]


# --- input: one per workflow step --------------------------------------------------------------


def _text(*, max_length=TEXT, required=True, **kwargs):
    return serializers.CharField(max_length=max_length, required=required, allow_blank=not required,
                                 trim_whitespace=True, **kwargs)


class StepInput(serializers.Serializer):
    """The context holds the request (`rr`) and the acting membership (`membership`)."""


class EmptyInput(StepInput):
    pass


class AssignInput(StepInput):
    assignee = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.none(),
                                                  help_text=_("User id of an owner or officer."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        membership = self.context.get("membership")
        self.fields["assignee"].queryset = (
            selectors.assignable_members(membership) if membership else get_user_model().objects.none()
        )


class VerifyInput(StepInput):
    check_performed = _text(max_length=1000, help_text=_("How you confirmed who the person is."))


class PowerOfAttorneyInput(StepInput):
    attachment = serializers.PrimaryKeyRelatedField(queryset=Attachment.objects.none(),
                                                    help_text=_("Id of the power of attorney attached to the request."))
    check_performed = _text(max_length=1000, help_text=_("What was checked in the power of attorney."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rr = self.context.get("rr")
        self.fields["attachment"].queryset = (
            rr.attachments.filter(purpose=Attachment.Purpose.AUTHORISATION) if rr else Attachment.objects.none()
        )


class NextOfKinCheckInput(StepInput):
    death_checked = serializers.BooleanField(help_text=_("The evidence of the death was checked."))
    relationship_checked = serializers.BooleanField(help_text=_("The evidence of the close relationship was checked."))
    arranged_otherwise = serializers.BooleanField(help_text=_("The deceased arranged otherwise (PIPL art. 49)."))
    check_performed = _text(max_length=1000, help_text=_("What was checked."))


class AskInfoInput(StepInput):
    """`reason`: why the clock pauses, one of the request's law's pause reasons; leave it
    out where the law never pauses the clock (the question is asked, the clock runs)."""

    question = _text()
    reason = serializers.ChoiceField(choices=sorted({code for p in deadlines.POLICIES.values()
                                                     for code, _label in p.pause_reasons}),
                                     required=False, default="", allow_blank=True,
                                     help_text=_("Why the clock pauses: one of the pause reasons of the "
                                                 "request's law (required there); leave it out where that law "
                                                 "never pauses the clock."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rr = self.context.get("rr")
        if rr is not None:
            reasons = deadlines.get_policy(rr.jurisdiction).pause_reasons
            self.fields["reason"].choices = [code for code, _label in reasons]
            if reasons:
                self.fields["reason"].required = True


class ExtendInput(StepInput):
    reason = _text(max_length=2000)


class ApproveInput(StepInput):
    note = _text(max_length=2000, required=False, default="")


class RefuseInput(StepInput):
    reason = _text(max_length=2000)
    legal_ground = _text(max_length=200)


class ProvideAlternativeInput(StepInput):
    alternative = serializers.ChoiceField(choices=Alternative.choices,
                                          help_text=_("The other way in than a face scan provided."))
    details = _text(max_length=1000, help_text=_("How the requester uses it; sent to them."))
    available_from = serializers.DateField(required=False, allow_null=True, default=None,
                                           help_text=_("From when it can be used (optional)."))


class NoteInput(StepInput):
    note = _text(max_length=2000)


class BodyInput(StepInput):
    body = _text()


class ClaimInput(StepInput):
    claim = serializers.PrimaryKeyRelatedField(queryset=CompensationClaim.objects.none(),
                                               help_text=_("Id of one of this request's claims."))
    # At most what the amount columns (PositiveBigIntegerField) hold: more is a 400, not a DataError.
    amount_minor = serializers.IntegerField(min_value=0, max_value=2**63 - 1,
                                            help_text=_("In the claim currency's minor units."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rr = self.context.get("rr")
        self.fields["claim"].queryset = (
            CompensationClaim.objects.filter(request=rr) if rr else CompensationClaim.objects.none()
        )


class AssessInput(ClaimInput):
    basis = serializers.ChoiceField(choices=CompensationClaim.Basis.choices)
    note = _text(max_length=2000, required=False, default="")


class OfferInput(ClaimInput):
    pass


class PaymentInput(ClaimInput):
    reference = _text(max_length=100)
    difference_reason = _text(max_length=2000, required=False, default="",
                              help_text=_("Required if the amount paid is not the accepted offer."))


class CloseClaimInput(StepInput):
    claim = serializers.PrimaryKeyRelatedField(queryset=CompensationClaim.objects.none(),
                                               help_text=_("Id of one of this request's claims."))
    note = _text(max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rr = self.context.get("rr")
        self.fields["claim"].queryset = (
            CompensationClaim.objects.filter(request=rr) if rr else CompensationClaim.objects.none()
        )


class FinishInput(StepInput):
    explanation = _text(required=False, default="",
                        help_text=_("For a request for an explanation (required there): the explanation of the "
                                    "processing rules, sent to the requester."))


class TaskInput(StepInput):
    """One fulfilment task of this request, named by its public_id (as `fulfilment_tasks` lists it)."""

    task = serializers.UUIDField(help_text=_("public_id of one of this request's fulfilment tasks."))

    def validate_task(self, public_id) -> FulfilmentTask:
        rr = self.context.get("rr")
        task = rr.fulfilment_tasks.select_related("system").filter(public_id=public_id).first() if rr else None
        if task is None:
            raise serializers.ValidationError(_("Choose one of this request's fulfilment tasks."))
        return task


class RepointInput(TaskInput):
    # No longer than the system's own column holds (a longer one would be a database error).
    webhook_url = serializers.URLField(max_length=DataSystem._meta.get_field("webhook_url").max_length,
                                       help_text=_("Where the system now takes requests. Later requests go there "
                                                   "too."))


class RecordTaskOutcomeInput(TaskInput):
    """What became of the person's data in one system of this request, recorded by hand
    (task_steps.record_by_hand), with the file given to the requester where the outcome
    needs one (a copy, a portable file): multipart. Which outcomes fit the request's kind
    and what each needs, the workflow checks (400 with the field)."""

    outcome = serializers.ChoiceField(choices=RecordOutcome.choices)
    detail = _text(max_length=2000, required=False, default="",
                   help_text=_("What changed, the law that requires storage, or the explanation."))
    upload = serializers.FileField(required=False, help_text=_("The file given to the requester."))
    note = _text(max_length=2000, required=False, default="", help_text=_("Internal note."))

    def validate_upload(self, upload):
        if upload is not None and upload.size > settings.MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(_("Files may be at most %(limit)s.") % {
                "limit": filesizeformat(settings.MAX_UPLOAD_BYTES)})
        return upload


# Each step's input, by the step's name (workflow.steps.OFFICER_STEPS).
INPUT_FOR: dict[str, type[StepInput]] = {
    "reveal_contact": EmptyInput,
    "assign": AssignInput,
    "verify": VerifyInput,
    "verify_next_of_kin": NextOfKinCheckInput,
    "verify_power_of_attorney": PowerOfAttorneyInput,
    "ask_info": AskInfoInput,
    "extend": ExtendInput,
    "approve": ApproveInput,
    "refuse": RefuseInput,
    "provide_alternative": ProvideAlternativeInput,
    "close_unconfirmed_alternative": NoteInput,
    "start_fulfilment": EmptyInput,
    "record_task_outcome": RecordTaskOutcomeInput,
    "retry_task": TaskInput,
    "repoint_task": RepointInput,
    "finish_fulfilment": FinishInput,
    "message_subject": BodyInput,
    "add_note": BodyInput,
    "assess_claim": AssessInput,
    "offer_compensation": OfferInput,
    "record_payment": PaymentInput,
    "close_claim": CloseClaimInput,
}
# What a step answers with, when not the request as it now is (RequestDetailSerializer).
OUTPUT_FOR: dict[str, type[serializers.Serializer]] = {"reveal_contact": ContactSerializer}


def takes_files(input_class: type[serializers.Serializer]) -> bool:
    """Whether the input has a file (the step then takes multipart)."""
    return any(isinstance(f, serializers.FileField) for f in input_class().fields.values())


class OutcomeInput(serializers.Serializer):
    """What became of the person's data in one manual system. Which outcomes fit the
    request's kind, and what each needs, the workflow checks (requests_app/workflow/task_steps.py);
    an outcome that comes with a file (a copy) is recorded on the desk, which takes uploads."""

    outcome = serializers.ChoiceField(choices=RecordOutcome.choices)
    detail = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                   help_text=_("What changed, the law that requires storage, or the explanation."))
    retention_reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                             help_text=_("For storage only: the law that requires keeping the "
                                                         "data (the same as detail)."))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

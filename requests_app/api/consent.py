"""The consent ledger for the organisation's owners and officers (/api/v1/consent-ledger/):
record a consent given or withdrawn (a kiosk, an app, a paper form typed in), list the
ledger, and read one person's entries and their consent per activity as it stands.

Identifiers come in the body, never in a URL (URLs end up in access logs): a person's
entries are read by POST to …/person/. Responses show masked identifiers only. Scoped
like the rest of the owner's API: an entry of another organisation is 404, an activity of
another organisation a 400 on `activity`. A rule's refusal (a bundled consent, a child's
consent without a guardian, a second withdrawal) is 400 with its message on its field.
Recording a withdrawal erases, in the same transaction, the person's records of that
activity that rest on consent (orgs/consent.py); the answer says how many.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from orgs import consent
from orgs.identifiers import read_identifiers
from orgs.models import ConsentEvent, ProcessingActivity
from requests_app.api.owner import IDENTIFIERS, READ_ERRORS, WRITE_ERRORS, OrganisationScoped
from requests_app.api.permissions import DeskMember, acting_membership
from requests_app.api.register import bad_input

Action = ConsentEvent.Action
# A kiosk's clock may run a little ahead of ours.
FUTURE_SKEW = timedelta(minutes=5)


class ConsentEntrySerializer(serializers.ModelSerializer):
    activity_name = serializers.CharField(source="activity.name", read_only=True)

    class Meta:
        model = ConsentEvent
        fields = ["id", "action", "activity", "activity_name", "masked_identifiers", "at", "channel", "wording",
                  "wording_version", "separate", "under_14", "guardian_masked_name", "guardian_relation",
                  "reference", "recorded_at", "recorded_by"]
        read_only_fields = fields


class PersonSerializer(serializers.Serializer):
    """Who: at least one identifier, in clear here, stored only as keyed hashes."""

    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    member_number = serializers.CharField(required=False, allow_blank=True, max_length=64)

    def validate(self, attrs):
        organisation = acting_membership(self.context.get("request")).organisation
        try:
            identifiers = read_identifiers({kind.value: attrs.get(kind.value, "") for kind in IDENTIFIERS},
                                           jurisdiction=organisation.jurisdiction)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        if not identifiers.hashes:
            raise serializers.ValidationError({"email": [_("Give at least one identifier: email, phone or member "
                                                           "number.")]})
        return {**attrs, "identifiers": identifiers}


class ConsentInputSerializer(PersonSerializer):
    action = serializers.ChoiceField(choices=Action.choices)
    activity = serializers.PrimaryKeyRelatedField(queryset=ProcessingActivity.objects.none())
    channel = serializers.ChoiceField(choices=ConsentEvent.Channel.choices)
    at = serializers.DateTimeField(required=False, help_text=_("When it was given or withdrawn; now if left out."))
    wording = serializers.CharField(required=False, allow_blank=True, max_length=10_000,
                                    help_text=_("The consent text the person was shown."))
    wording_version = serializers.CharField(required=False, allow_blank=True, max_length=100)
    separate = serializers.BooleanField(
        required=False, default=False,
        help_text=_("True if consent was asked for on its own; a consent given as part of other terms is refused."))
    under_14 = serializers.BooleanField(required=False, default=False)
    guardian_name = serializers.CharField(required=False, allow_blank=True, max_length=100, write_only=True,
                                          help_text=_("Stored masked."))
    guardian_relation = serializers.CharField(required=False, allow_blank=True, max_length=100)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                      help_text=_("A withdrawal: the reference of the request it came with."))

    def validate_at(self, value):
        if value > timezone.now() + FUTURE_SKEW:
            raise serializers.ValidationError(_("A consent or withdrawal cannot be dated in the future."))
        return value

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        membership = acting_membership(self.context.get("request"))
        self.fields["activity"].queryset = ProcessingActivity.objects.filter(
            organisation_id=membership.organisation_id if membership else None)


class WithdrawalResultSerializer(ConsentEntrySerializer):
    records_deleted = serializers.IntegerField(read_only=True)
    records_restricted = serializers.IntegerField(read_only=True)

    class Meta(ConsentEntrySerializer.Meta):
        fields = [*ConsentEntrySerializer.Meta.fields, "records_deleted", "records_restricted"]
        read_only_fields = fields


class CurrentConsentSerializer(serializers.Serializer):
    activity = serializers.IntegerField()
    activity_name = serializers.CharField()
    consent = serializers.ChoiceField(choices=Action.choices, help_text=_("The person's latest entry."))
    at = serializers.DateTimeField()


class PersonLedgerSerializer(serializers.Serializer):
    current = CurrentConsentSerializer(many=True)
    entries = ConsentEntrySerializer(many=True)


def record_entry(request, data: dict):
    """Record what `data` (validated input) says; returns (entry, withdrawal or None)."""
    common = dict(channel=data["channel"], at=data.get("at"), recorded_by=request.user)
    organisation = acting_membership(request).organisation
    if data["action"] == Action.GIVEN:
        entry = consent.give(organisation, data["activity"], data["identifiers"], separate=data["separate"],
                             wording=data.get("wording", ""), wording_version=data.get("wording_version", ""),
                             under_14=data["under_14"], guardian_name=data.get("guardian_name", ""),
                             guardian_relation=data.get("guardian_relation", ""), **common)
        return entry, None
    withdrawal = consent.withdraw(organisation, data["activity"], data["identifiers"],
                                  reference=data.get("reference", ""), **common)
    return withdrawal.event, withdrawal


@extend_schema_view(
    list=extend_schema(summary=_("The consent ledger, newest first"),
                       responses={200: ConsentEntrySerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary=_("One entry of the ledger"), responses={200: ConsentEntrySerializer,
                                                                           **READ_ERRORS}),
)
class ConsentLedgerViewSet(OrganisationScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    permission_classes = [DeskMember]
    serializer_class = ConsentEntrySerializer
    queryset = ConsentEvent.objects.none()
    model = ConsentEvent

    def get_queryset(self):
        return super().get_queryset().select_related("activity")

    @extend_schema(summary=_("Record a consent given or withdrawn; a withdrawal erases the person's records of "
                             "the activity that rest on consent"),
                   request=ConsentInputSerializer, responses={201: WithdrawalResultSerializer, **WRITE_ERRORS})
    def create(self, request):
        given = ConsentInputSerializer(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        try:
            entry, withdrawal = record_entry(request, given.validated_data)
        except DjangoValidationError as exc:
            raise bad_input(exc) from None
        data = ConsentEntrySerializer(entry).data
        if withdrawal is not None:
            data.update(records_deleted=withdrawal.deleted, records_restricted=withdrawal.restricted)
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("One person's entries and their consent to each activity as it stands "
                             "(identifiers in the body, never in the URL)"),
                   request=PersonSerializer, responses={200: PersonLedgerSerializer, **WRITE_ERRORS})
    @action(detail=False, methods=["post"], pagination_class=None)
    def person(self, request):
        asked = PersonSerializer(data=request.data, context={"request": request})
        asked.is_valid(raise_exception=True)
        hashes = asked.validated_data["identifiers"].hashes_by_kind()
        entries = list(self.get_queryset().matching(hashes).latest_first())
        current = {}
        for entry in entries:  # newest first: the first seen per activity is the state
            current.setdefault(entry.activity_id, {"activity": entry.activity_id, "activity_name": entry.activity.name,
                                                   "consent": entry.action, "at": entry.at})
        return Response(PersonLedgerSerializer({"current": list(current.values()), "entries": entries}).data)

"""The organisation's own settings, for its owners: the organisation, its members, data
systems, processing activities and biometric records. Everything is scoped to the acting
organisation; an id of another organisation is 404.

Biometric records: the template comes in base64, WRITE-ONLY, and is encrypted on the way
in (BiometricRecord.set_template); identifiers come in clear, WRITE-ONLY, and are stored
as keyed hashes (orgs.identifiers). Responses show masked identifiers only, never the
template, its ciphertext or the hashes."""

import base64
import binascii
import zoneinfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs.identifiers import IdentifierKind, read_identifiers
from orgs.models import BiometricRecord, CollectionPoint, DataSystem, Membership, Organisation, ProcessingActivity
from requests_app.api.permissions import DeskMember, Owner, acting_membership
from requests_app.api.serializers import ErrorSerializer as E

READ_ERRORS = {401: E, 403: E, 404: E}
WRITE_ERRORS = {400: E, 401: E, 403: E, 404: E}
MAX_TEMPLATE_BYTES = 256 * 1024


def _organisation(serializer) -> Organisation:
    return acting_membership(serializer.context["request"]).organisation


# --- the organisation ----------------------------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer):
    time_zone = serializers.CharField(max_length=63, default="Asia/Shanghai")

    class Meta:
        model = Organisation
        fields = ["id", "name", "slug", "kind", "city", "jurisdiction", "time_zone", "contact_email",
                  "contact_phone", "address", "accepts_public_requests", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_time_zone(self, value):
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise serializers.ValidationError(_("Enter a time zone such as Asia/Shanghai.")) from None
        return value

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["time_zone"] = str(instance.time_zone)
        return data


class OrganisationView(APIView):
    """The acting organisation (GET, PATCH); POST creates another, owned by the caller."""

    permission_classes = [Owner]

    @extend_schema(operation_id="organisation_retrieve", responses={200: OrganisationSerializer, **READ_ERRORS})
    def get(self, request):
        return Response(OrganisationSerializer(acting_membership(request).organisation).data)

    @extend_schema(operation_id="organisation_update", request=OrganisationSerializer,
                   responses={200: OrganisationSerializer, **WRITE_ERRORS})
    def patch(self, request):
        data = OrganisationSerializer(acting_membership(request).organisation, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        data.save()
        return Response(data.data)

    @extend_schema(operation_id="organisation_create", request=OrganisationSerializer,
                   summary=_("Create another organisation; the caller becomes its owner. Tokens act in one "
                             "organisation: create a token there to work in it."),
                   responses={201: OrganisationSerializer, **WRITE_ERRORS})
    def post(self, request):
        data = OrganisationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            organisation = data.save()
            Membership.objects.create(user=request.user, organisation=organisation, role=Membership.Role.OWNER)
        return Response(data.data, status=status.HTTP_201_CREATED)


# --- members ------------------------------------------------------------------------------


class MemberSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["user", "username", "name", "email", "role", "created_at"]


class PkCursorPagination(CursorPagination):
    ordering = "pk"
    page_size = 100


class OrganisationScoped(viewsets.GenericViewSet):
    permission_classes = [Owner]
    pagination_class = PkCursorPagination
    lookup_value_regex = "[0-9]+"
    model = None

    def get_queryset(self):
        return self.model.objects.filter(organisation=acting_membership(self.request).organisation)

    def perform_create(self, serializer):
        serializer.save(organisation=acting_membership(self.request).organisation)


@extend_schema_view(list=extend_schema(responses={200: MemberSerializer(many=True), **READ_ERRORS}))
class OwnedRecords(OrganisationScoped, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin):
    """What an owner lists, adds and reads of their organisation (no edit or delete here)."""


class MemberViewSet(OrganisationScoped, mixins.ListModelMixin):
    # Officers list their colleagues too: assigning a request needs a member's user id.
    permission_classes = [DeskMember]
    serializer_class = MemberSerializer
    queryset = Membership.objects.none()
    model = Membership

    def get_queryset(self):
        return super().get_queryset().select_related("user")


# --- data systems and processing activities -------------------------------------------------


class DataSystemSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.none(), allow_null=True,
                                               required=False,
                                               help_text=_("User id of a member who confirms manual tasks."))
    webhook_secret = serializers.CharField(write_only=True, required=False, min_length=16, max_length=200,
                                           help_text=_("The shared HMAC secret of a webhook system (write-only)."))

    class Meta:
        model = DataSystem
        fields = ["id", "name", "connector", "owner", "description", "webhook_url", "webhook_secret",
                  "webhook_timeout_hours", "holds_personal_data"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        membership = acting_membership(request) if request else None
        users = get_user_model().objects
        self.fields["owner"].queryset = (
            users.filter(memberships__organisation_id=membership.organisation_id) if membership else users.none()
        )

    def validate(self, attrs):
        organisation = _organisation(self)
        if DataSystem.objects.filter(organisation=organisation, name=attrs.get("name")).exists():
            raise serializers.ValidationError({"name": [_("This organisation already has a system of that name.")]})
        if attrs.get("connector") == DataSystem.Connector.WEBHOOK:
            errors = {}
            if not attrs.get("webhook_url"):
                errors["webhook_url"] = [_("A webhook system needs its URL.")]
            if not attrs.get("webhook_secret"):
                errors["webhook_secret"] = [_("A webhook system needs a shared secret.")]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data):
        secret = validated_data.pop("webhook_secret", "")
        data_system = DataSystem(**validated_data)
        if secret:
            data_system.set_webhook_secret(secret)
        data_system.save()
        return data_system


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessingActivity
        fields = ["id", "name", "purpose", "legal_basis", "collection_point", "modality", "consent_type",
                  "retention_days", "statutory_retention", "signage"]


def _crud_schema(serializer_class):
    return extend_schema_view(
        list=extend_schema(summary=_("List"), responses={200: serializer_class(many=True), **READ_ERRORS}),
        create=extend_schema(summary=_("Create"), responses={201: serializer_class, **WRITE_ERRORS}),
        retrieve=extend_schema(summary=_("Retrieve"), responses={200: serializer_class, **READ_ERRORS}),
    )


@_crud_schema(DataSystemSerializer)
class DataSystemViewSet(OwnedRecords):
    serializer_class = DataSystemSerializer
    queryset = DataSystem.objects.none()
    model = DataSystem

    def get_queryset(self):
        return super().get_queryset().defer("webhook_secret_ciphertext")


@_crud_schema(ActivitySerializer)
class ActivityViewSet(OwnedRecords):
    serializer_class = ActivitySerializer
    queryset = ProcessingActivity.objects.none()
    model = ProcessingActivity

    def get_queryset(self):
        return super().get_queryset()


# --- biometric records -----------------------------------------------------------------------

IDENTIFIERS = (IdentifierKind.EMAIL, IdentifierKind.PHONE, IdentifierKind.MEMBER_NUMBER)


class BiometricRecordSerializer(serializers.ModelSerializer):
    system = serializers.PrimaryKeyRelatedField(queryset=DataSystem.objects.none())
    activity = serializers.PrimaryKeyRelatedField(queryset=ProcessingActivity.objects.none())
    collection_point = serializers.SlugRelatedField(
        slug_field="public_id", queryset=CollectionPoint.objects.none(), required=False, allow_null=True,
        help_text=_("Where it was collected (the point's public id): the devices there that keep templates on "
                    "themselves then delete their copy when the record is erased."))
    template = serializers.CharField(write_only=True, help_text=_("The template, base64 (write-only, stored "
                                                                   "encrypted, never returned)."))
    email = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=32)
    member_number = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=64)

    class Meta:
        model = BiometricRecord
        fields = ["id", "system", "activity", "collection_point", "modality", "email", "phone", "member_number",
                  "template",
                  "masked_identifiers", "collected_at", "retain_until", "state", "tombstoned_at", "tombstone_reason"]
        read_only_fields = ["id", "masked_identifiers", "state", "tombstoned_at", "tombstone_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        membership = acting_membership(request) if request else None
        org_id = membership.organisation_id if membership else None
        self.fields["system"].queryset = DataSystem.objects.filter(organisation_id=org_id)
        self.fields["activity"].queryset = ProcessingActivity.objects.filter(organisation_id=org_id)
        self.fields["collection_point"].queryset = CollectionPoint.objects.filter(organisation_id=org_id)

    def validate_template(self, value):
        try:
            template = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("Send the template in base64.")) from None
        if not template:
            raise serializers.ValidationError(_("The template is empty."))
        if len(template) > MAX_TEMPLATE_BYTES:
            raise serializers.ValidationError(_("The template is too large."))
        return template

    def validate(self, attrs):
        raw = {kind.value: attrs.pop(kind.value, "") for kind in IDENTIFIERS}
        identifiers, errors = None, {}
        try:
            identifiers = read_identifiers(raw, jurisdiction=_organisation(self).jurisdiction)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if identifiers is not None and not identifiers.hashes:
            errors["email"] = [_("Give at least one identifier: email, phone or member number.")]
        point = attrs.get("collection_point")
        if point is not None and attrs.get("activity") is not None and point.activity_id != attrs["activity"].pk:
            errors["collection_point"] = [_("This collection point serves another processing activity.")]
        if attrs.get("retain_until") and attrs.get("collected_at") and attrs["retain_until"] <= attrs["collected_at"]:
            errors["retain_until"] = [_("Must be after the time of collection.")]
        if errors:
            raise serializers.ValidationError(errors)
        return {**attrs, **identifiers.model_fields()}

    def create(self, validated_data):
        template = validated_data.pop("template")
        record = BiometricRecord(**validated_data)
        record.set_template(template)
        record.save()
        return record


@_crud_schema(BiometricRecordSerializer)
class BiometricRecordViewSet(OwnedRecords):
    serializer_class = BiometricRecordSerializer
    queryset = BiometricRecord.objects.none()
    model = BiometricRecord

    def get_queryset(self):
        # The template is not even read.
        return super().get_queryset().defer("template_ciphertext")

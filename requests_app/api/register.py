"""The register of collection points and devices, and the impact assessments, for the
organisation's owners (/api/v1/collection-points/, devices/, impact-assessments/,
register/flags/). Scoped like the rest of the owner's API (requests_app/api/owner.py): an
id of another organisation is 404, and so is a related id of another organisation given
in a body (as "not found", a 400 on that field).

Views validate, call one function of orgs.register or orgs.assessments and render. A
rule's refusal (a forbidden place, a public place without its purpose) is 400 with the
message on its field; a step refused in the object's present state (going live without a
current assessment, changing an approved assessment) is 409 with the message.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs import assessments, devices, register
from orgs.models import Alternative, AssessmentState, CollectionPoint, Device, ImpactAssessment, ProcessingActivity
from requests_app.api.owner import READ_ERRORS, WRITE_ERRORS, OrganisationScoped
from requests_app.api.permissions import Owner, acting_membership
from requests_app.api.serializers import ErrorSerializer as E

REFUSED = {409: OpenApiResponse(E, description=_("Refused in the object's present state; the message says why."))}


class Refused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "refused"
    default_detail = _("Refused.")


def bad_input(exc: DjangoValidationError) -> serializers.ValidationError:
    """A rule's refusal as the API's 400, each message on its field."""
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError({field: messages for field, messages in exc.message_dict.items()})
    return serializers.ValidationError({"non_field_errors": exc.messages})


def refused(exc: DjangoValidationError) -> Refused:
    return Refused(" ".join(exc.messages))


def codes(exc: DjangoValidationError) -> set[str]:
    errors = sum(exc.error_dict.values(), []) if hasattr(exc, "error_dict") else exc.error_list
    return {error.code for error in errors}


def _scoped(serializer, model):
    request = serializer.context.get("request")
    membership = acting_membership(request) if request else None
    return model.objects.filter(organisation_id=membership.organisation_id if membership else None)


# --- serializers ----------------------------------------------------------------------------


class CollectionPointSerializer(serializers.ModelSerializer):
    activity = serializers.PrimaryKeyRelatedField(queryset=ProcessingActivity.objects.none(),
                                                  help_text=_("The processing activity the point serves."))
    alternatives = serializers.ListField(
        child=serializers.ChoiceField(choices=Alternative.choices), required=False, max_length=len(Alternative),
        help_text=_("The other ways to get in or be verified (Measures art. 10)."))
    signage_photo = serializers.ImageField(read_only=True, help_text=_(
        "The photo of the sign (Measures art. 13); sent by PUT to …/signage-photo/."))

    class Meta:
        model = CollectionPoint
        fields = ["id", "public_id", "activity", "name", "name_zh", "site", "site_zh", "area", "place_kind",
                  "is_public_place", "public_safety_purpose", "necessity", "notice", "notice_zh", "alternatives",
                  "alternatives_note", "signage_photo", "published", "created_at", "updated_at"]
        read_only_fields = ["id", "public_id", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = _scoped(self, ProcessingActivity)

    def create(self, validated_data):
        return self.update(CollectionPoint(), validated_data)

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            register.save_point(instance)
        except DjangoValidationError as exc:
            raise bad_input(exc) from None
        return instance


class SignagePhotoSerializer(serializers.Serializer):
    photo = serializers.ImageField(help_text=_("PNG, JPEG or WebP, at most 10 MB."))


class DeviceSerializer(serializers.ModelSerializer):
    collection_point = serializers.PrimaryKeyRelatedField(queryset=CollectionPoint.objects.none())

    class Meta:
        model = Device
        fields = ["id", "collection_point", "serial", "kind", "location", "modality", "template_storage", "status",
                  "live_since", "retired_at", "encryption", "security_audit", "access_control",
                  "intrusion_detection", "created_at"]
        read_only_fields = ["id", "status", "live_since", "retired_at", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collection_point"].queryset = _scoped(self, CollectionPoint)

    def create(self, validated_data):
        return self.update(Device(), validated_data)

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            register.save_device(instance)
        except DjangoValidationError as exc:
            raise (refused(exc) if "retired" in codes(exc) else bad_input(exc)) from None
        return instance


class QuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    law = serializers.CharField()
    face_only = serializers.BooleanField(help_text=_("Asked only of an activity that recognises faces."))


def _question(q) -> dict:
    return {"code": q.code, "text": str(q.text), "law": str(q.law), "face_only": q.face_only}


class ImpactAssessmentSerializer(serializers.ModelSerializer):
    activity = serializers.PrimaryKeyRelatedField(queryset=ProcessingActivity.objects.none())
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=assessments.MAX_ANSWER_CHARS), required=False,
        help_text=_("Question code to answer; the codes are those of `questions`."))
    state = serializers.ChoiceField(choices=AssessmentState.choices, read_only=True)
    questions = serializers.SerializerMethodField()
    approver = serializers.CharField(source="approver_name", read_only=True)

    class Meta:
        model = ImpactAssessment
        fields = ["id", "activity", "answers", "conclusion", "review_interval_days", "state", "questions",
                  "created_at", "approved_at", "approver", "review_due_at", "review_reason", "superseded_by",
                  "superseded_at", "keep_until"]
        read_only_fields = ["id", "created_at", "approved_at", "review_due_at", "review_reason", "superseded_by",
                            "superseded_at", "keep_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = _scoped(self, ProcessingActivity)

    @extend_schema_field(QuestionSerializer(many=True))
    def get_questions(self, assessment) -> list[dict]:
        """The questions this assessment must answer (the face ones for face recognition only)."""
        return [_question(q) for q in assessments.questions_for(assessment.activity)]

    def create(self, validated_data):
        return self.update(ImpactAssessment(), validated_data)

    def update(self, instance, validated_data):
        if instance.approved_at is not None:
            raise Refused(_("An approved assessment is not changed: write a new one, which supersedes this one when "
                            "it is approved."))
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            assessments.save_draft(instance, user=self.context["request"].user)
        except DjangoValidationError as exc:
            raise bad_input(exc) from None
        return instance


class FlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=register.FlagCode.choices)
    message = serializers.CharField()
    device = serializers.IntegerField(source="device_id", allow_null=True)
    collection_point = serializers.IntegerField(source="collection_point_id", allow_null=True)
    activity = serializers.IntegerField(source="activity_id", allow_null=True)
    assessment = serializers.IntegerField(source="assessment_id", allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)


# --- views ------------------------------------------------------------------------------------


def _schema(serializer_class, *, refused_on_update=False):
    update_errors = {**WRITE_ERRORS, **(REFUSED if refused_on_update else {})}
    return extend_schema_view(
        list=extend_schema(summary=_("List"), responses={200: serializer_class(many=True), **READ_ERRORS}),
        create=extend_schema(summary=_("Create"), responses={201: serializer_class, **WRITE_ERRORS}),
        retrieve=extend_schema(summary=_("Retrieve"), responses={200: serializer_class, **READ_ERRORS}),
        update=extend_schema(summary=_("Replace"), responses={200: serializer_class, **update_errors}),
        partial_update=extend_schema(summary=_("Change"), responses={200: serializer_class, **update_errors}),
    )


class RegisterRecords(OrganisationScoped, mixins.ListModelMixin, mixins.CreateModelMixin,
                      mixins.RetrieveModelMixin, mixins.UpdateModelMixin):
    """What an owner lists, adds, reads and changes in the register (no delete here)."""


@_schema(CollectionPointSerializer)
class CollectionPointViewSet(RegisterRecords):
    serializer_class = CollectionPointSerializer
    queryset = CollectionPoint.objects.none()
    model = CollectionPoint

    @extend_schema(summary=_("Send the photo of the point's sign (multipart, field “photo”)"),
                   request={"multipart/form-data": SignagePhotoSerializer},
                   responses={200: CollectionPointSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["put"], url_path="signage-photo", parser_classes=[MultiPartParser])
    def signage_photo(self, request, pk=None):
        point = self.get_object()
        upload = SignagePhotoSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        point.signage_photo = upload.validated_data["photo"]
        try:
            register.save_point(point)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"photo": exc.messages}) from None
        return Response(self.get_serializer(point).data)


def _step(view, step) -> Response:
    device = view.get_object()
    try:
        device = step(device)
    except DjangoValidationError as exc:
        raise refused(exc) from None
    return Response(view.get_serializer(device).data)


class CredentialSerializer(serializers.Serializer):
    verify_key = serializers.CharField(max_length=64, help_text=_(
        "The device's Ed25519 public key, 32 bytes in base64: its receipts are signed with the private half, "
        "which stays on the device."))


class IssuedCredentialSerializer(serializers.Serializer):
    device = serializers.CharField(help_text=_("The device's serial number."))
    token = serializers.CharField(help_text=_("Shown once: the device sends it as `Authorization: Device <token>`."))


def _issue_credential(view, request) -> Response:
    device = view.get_object()
    given = CredentialSerializer(data=request.data)
    given.is_valid(raise_exception=True)
    try:
        token = devices.issue_credential(device, verify_key=given.validated_data["verify_key"], by=request.user)
    except DjangoValidationError as exc:
        raise (bad_input(exc) if hasattr(exc, "error_dict") else refused(exc)) from None
    return Response({"device": device.serial, "token": token}, status=status.HTTP_201_CREATED)


@_schema(DeviceSerializer, refused_on_update=True)
class DeviceViewSet(RegisterRecords):
    serializer_class = DeviceSerializer
    queryset = Device.objects.none()
    model = Device

    @extend_schema(summary=_("Set the device live (needs a current impact assessment of its activity)"),
                   request=None, responses={200: DeviceSerializer, **READ_ERRORS, **REFUSED})
    @action(detail=True, methods=["post"], url_path="go-live")
    def go_live(self, request, pk=None):
        return _step(self, register.set_live)

    @extend_schema(summary=_("Retire the device"), request=None,
                   responses={200: DeviceSerializer, **READ_ERRORS, **REFUSED})
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        return _step(self, register.retire)

    @extend_schema(summary=_("Issue the device its credential for the device connector (a new token; any "
                             "earlier one stops working)"), request=CredentialSerializer,
                   responses={201: IssuedCredentialSerializer, **WRITE_ERRORS, **READ_ERRORS, **REFUSED})
    @action(detail=True, methods=["post"])
    def credential(self, request, pk=None):
        return _issue_credential(self, request)


@_schema(ImpactAssessmentSerializer, refused_on_update=True)
class ImpactAssessmentViewSet(RegisterRecords):
    serializer_class = ImpactAssessmentSerializer
    queryset = ImpactAssessment.objects.none()
    model = ImpactAssessment

    def get_queryset(self):
        return super().get_queryset().select_related("activity")

    @extend_schema(summary=_("Approve the assessment in the caller's name; it supersedes the activity's previous "
                             "one"), request=None,
                   responses={200: ImpactAssessmentSerializer, 400: OpenApiResponse(
                       E, description=_("A question is unanswered.")), **READ_ERRORS, **REFUSED})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        assessment = self.get_object()
        try:
            assessment = assessments.approve(assessment, user=request.user)
        except DjangoValidationError as exc:
            raise (bad_input(exc) if hasattr(exc, "error_dict") else refused(exc)) from None
        return Response(self.get_serializer(assessment).data)

    @extend_schema(summary=_("The questions of an assessment"), responses={200: QuestionSerializer(many=True),
                                                                          **READ_ERRORS})
    @action(detail=False, methods=["get"], pagination_class=None)
    def questions(self, request):
        return Response([_question(q) for q in assessments.QUESTIONS])


class RegisterFlagsView(APIView):
    """What the owner's desk shows: each planned or live device's missing alternative, sign
    photo or current assessment; assessments due for review within 30 days or overdue."""

    permission_classes = [Owner]

    @extend_schema(operation_id="register_flags", summary=_("What the register lacks"),
                   responses={200: FlagSerializer(many=True), **READ_ERRORS})
    def get(self, request):
        flags = register.flags_for(acting_membership(request).organisation)
        return Response(FlagSerializer(flags, many=True).data)

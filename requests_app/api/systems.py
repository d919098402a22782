"""The systems' API under /api/v1/systems/: the webhook connector's signed callback.

The same function as /hooks/fulfilment/<public_id>/ (requests_app.fulfilment.hooks.record_callback),
answering in the API's one error format. The body is read raw: the signature covers
the exact bytes sent ("<timestamp>.<body>", requests_app/delivery/signing.py).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from requests_app.api.serializers import ErrorSerializer
from requests_app.delivery import signing
from requests_app.fulfilment import hooks
from requests_app.fulfilment.webhook import CALLBACK_OUTCOMES, MAX_CALLBACK_RECORDS


class BadSignatureError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_signature"
    default_detail = _("The signature is missing, wrong or too old.")


class CallbackRecordSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=200)
    outcome = serializers.ChoiceField(choices=[str(o) for o in CALLBACK_OUTCOMES])
    reason = serializers.CharField(required=False, allow_blank=True)


class FulfilmentCallbackSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["done", "failed"])
    records = CallbackRecordSerializer(many=True, required=False, max_length=MAX_CALLBACK_RECORDS,
                                       help_text=_("What the system did, per record it holds."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CallbackRecordedSerializer(serializers.Serializer):
    status = serializers.CharField(help_text=_("Always \"recorded\"."))


SIGNATURE_HEADERS = [
    OpenApiParameter(signing.TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True,
                     description=_("Unix time of signing; refused more than 5 minutes away from ours.")),
    OpenApiParameter(signing.SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True,
                     description=_("Hex HMAC-SHA256 of \"<timestamp>.<raw body>\" under the system's secret.")),
]


class FulfilmentCallbackView(APIView):
    authentication_classes: list = []  # the signature is the credential
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="systems_fulfilment_callback", tags=["systems"], request=FulfilmentCallbackSerializer,
        parameters=SIGNATURE_HEADERS,
        responses={
            200: CallbackRecordedSerializer,
            400: OpenApiResponse(ErrorSerializer, description=_("Bad or stale signature, or not a valid answer.")),
            404: OpenApiResponse(ErrorSerializer, description=_("No such webhook task.")),
            409: OpenApiResponse(ErrorSerializer, description=_("The task is not waiting for an answer "
                                                                "(a replay of one already recorded).")),
        },
        summary="A webhook system reports the outcome of a fulfilment task (signed).",
    )
    def post(self, request, public_id):
        try:
            hooks.record_callback(public_id, request.body, request.headers.get(signing.TIMESTAMP_HEADER),
                                  request.headers.get(signing.SIGNATURE_HEADER))
        except signing.BadSignature:
            raise BadSignatureError() from None
        return Response({"status": "recorded"})

"""The citizens' API under /api/v1/public/: no account, JSON only, no session (so no CSRF).

The same steps as the public pages (requests_app/public/views.py), through the same
functions: the public forms validate, intake files, the workflow changes state, the
status token opens a submission. Rate limits count in the web's own buckets
(requests_app/public/limits.py), so moving between the pages and the API buys no tries.
"""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_ratelimit.exceptions import Ratelimited
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from orgs import public_settings
from requests_app import workflow
from requests_app.actors import SUBJECT
from requests_app.api import citizen_serializers as s
from requests_app.api.serializers import ErrorSerializer
from requests_app.cases import tokens
from requests_app.errors import InvalidInput
from requests_app.models import RightsRequest, VerificationChallenge
from requests_app.public import forms, limits, views
from requests_app.workflow import intake
from requests_app.workflow.steps import SUBJECT_STEPS


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


BAD = _error("Invalid input: `fields` names each bad field.")
NOT_FOUND = _error("No such submission, status token or reference.")
CONFLICT = _error("The request is not in a state where this step is possible.")
LIMITED = _error("Rate limited: too many attempts for this person, this submission or (many more) from this "
                 "address. Retry-After says when to try again.")


class AlreadyOpen(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "already_open"


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    def handle_exception(self, exc):
        if isinstance(exc, Ratelimited):  # a PermissionDenied to Django; 429 here, with Retry-After
            exc = exceptions.Throttled(wait=getattr(exc, "wait", None), detail=_("Too many attempts. Try again later."))
        return super().handle_exception(exc)


def _valid(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        raise InvalidInput(_flat(serializer.errors))
    return serializer


def _flat(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as {"identity.email": [...], "evidence.0.content": [...]}."""
    found: dict[str, list[str]] = {}
    items = errors.items() if isinstance(errors, dict) else enumerate(errors)
    for name, value in items:
        path = f"{prefix}{name}"
        if isinstance(value, dict) or (isinstance(value, list) and value and not isinstance(value[0], str)):
            found.update(_flat(value, f"{path}."))
        elif value:
            found[path] = [str(message) for message in value]
    return found


def _form(form, paths: dict | None = None):
    """The web's form on the JSON; its errors under the JSON's field names."""
    if not form.is_valid():
        paths = paths or {}
        raise InvalidInput({
            paths.get(name, "non_field_errors" if name == "__all__" else name): list(errors)
            for name, errors in form.errors.items()
        })
    return form.cleaned_data


class RequestsView(PublicView):
    @extend_schema(
        operation_id="public_file_requests", tags=["citizens"], request=s.CitizenRequestInputSerializer,
        responses={201: s.CitizenSubmissionSerializer, 400: BAD,
                   409: _error("Every kind asked for is already open for this person: nothing was filed, and "
                               "the open request's link was sent to the contact details given then."),
                   429: LIMITED},
        summary="File requests (one per kind) and have a code sent for verifying them.",
    )
    def post(self, request):
        form_data, files, language = s.request_as_form(request.data)  # the shape; the form checks each value
        organisation = public_settings.public_organisation(str(request.data["organisation"]))
        if organisation is None:
            raise InvalidInput({"organisation": _("No organisation takes requests under this name.")})
        cleaned = _form(forms.RequestForm(form_data, files, organisation=organisation), s.FORM_FIELD_PATHS)
        # Counted once filed, as on the web: a request sent back to be corrected is no new attempt.
        person = views.person_limits(cleaned["email"], cleaned["phone"], organisation)
        limits.attempt(request._request, limits.SUBMIT, keys=person)
        with translation.override(language or settings.LANGUAGE_CODE):
            try:
                result = intake.file_requests(organisation=organisation, **views._intake_arguments(cleaned))
            except InvalidInput as exc:
                limits.refund(request._request, limits.SUBMIT, keys=person)
                raise InvalidInput({s.FORM_FIELD_PATHS.get(k, k): v for k, v in exc.errors.items()}) from None
        if not result.created:
            # As the web's already-open page: the open request's reference and status stay in
            # the mail to its owner, since anyone can type an email.
            raise AlreadyOpen(_(
                "%(name)s is already handling a request of yours of this kind. We have not filed it again: we "
                "have sent the link to that request to the contact details you gave then."
            ) % {"name": organisation.local_name})
        # The shape of CitizenSubmissionSerializer (the schema's), written out: nothing to convert.
        body = {
            "submission": str(result.created[0].submission),
            "requests": [{"reference": rr.reference, "kind": rr.kind} for rr in result.created],
            "already_open": sorted({rr.kind for rr in result.existing}),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class VerifyView(PublicView):
    @extend_schema(
        operation_id="public_verify_submission", tags=["citizens"], request=s.CodeInputSerializer,
        responses={200: s.StatusTokenSerializer,
                   202: s.DoneSerializer,
                   400: BAD, 404: NOT_FOUND,
                   409: _error("Already verified: use the status link."), 429: LIMITED},
        summary="Verify every request of a submission with the code sent; returns a status token. A relative's "
                "code for a deceased person only confirms their email (202): an officer's check verifies.",
    )
    def post(self, request, submission):
        first = views._submission_requests(submission)[0]
        serializer = _valid(s.CodeInputSerializer, request.data)
        code = _form(forms.CodeForm(serializer.validated_data))["code"]
        limits.attempt(request._request, limits.VERIFY, keys=((f"s:{first.submission}", limits.SUBMISSION_CODES),))
        workflow.verify_identity(first, actor=SUBJECT, code=code)
        if first.status == RightsRequest.Status.SUBMITTED:
            return Response({"detail": _("Your email address is confirmed. The organisation now checks the evidence "
                                         "of the death and of your relationship.")}, status=status.HTTP_202_ACCEPTED)
        return Response({"token": tokens.issue_status_link(first.submission)})


class ResendView(PublicView):
    @extend_schema(
        operation_id="public_resend_code", tags=["citizens"], request=s.EmptyInputSerializer,
        responses={202: s.DoneSerializer, 404: NOT_FOUND, 409: _error("Already verified."),
                   429: _error("Asked again within a minute, or too many times from this address.")},
        summary="Send a new code (earlier codes stop working); at most once a minute.",
    )
    def post(self, request, submission):
        first = views._submission_requests(submission)[0]
        limits.attempt(request._request, limits.RESEND, keys=((f"s:{first.submission}", limits.SUBMISSION_RESENDS),))
        latest = VerificationChallenge.objects.filter(request=first).order_by("-created_at").first()
        if latest and timezone.now() - latest.created_at < views.RESEND_COOL_DOWN:
            wait = (latest.created_at + views.RESEND_COOL_DOWN - timezone.now()).total_seconds()
            raise exceptions.Throttled(wait=wait, detail=_("Please wait a minute before asking for another code."))
        workflow.new_verification_challenge(first)
        return Response({"detail": _("We have sent a new code. Earlier codes no longer work.")},
                        status=status.HTTP_202_ACCEPTED)


def _with_abilities(rr: RightsRequest) -> RightsRequest:
    """What the status page offers on the request (the same tests as the page)."""
    for name, can in views.abilities(rr).items():
        setattr(rr, name, can)
    return rr


class StatusView(PublicView):
    @extend_schema(
        operation_id="public_status", tags=["citizens"],
        responses={200: s.CitizenStatusSerializer, 404: NOT_FOUND,
                   429: _error("Too many unknown tokens from this address: every token gets 429 for a while.")},
        summary="The submission's requests: visible events, messages, due date, claims and offers.",
    )
    def get(self, request, token):
        requests = [_with_abilities(rr) for rr in views._requests_for_token(request._request, token)]
        body = {"organisation": requests[0].organisation.name, "requests": requests}
        return Response(s.CitizenStatusSerializer(body).data)


def _step_view(name: str) -> type[PublicView]:
    """The POST of one of the requester's steps (workflow.steps.SUBJECT_STEPS): its JSON
    (citizen_serializers.INPUT_FOR), checked by the status page's form of the step, its one
    run; it answers with the request as it now is."""
    step, input_class = SUBJECT_STEPS[name], s.INPUT_FOR[name]

    class StepView(PublicView):
        @extend_schema(operation_id=f"public_{name}", tags=["citizens"], request=input_class, summary=step.help,
                       responses={200: s.CitizenCaseSerializer, 400: BAD, 404: NOT_FOUND, 409: CONFLICT,
                                  429: LIMITED})
        def post(self, request, token, reference):
            rr = views._case(request._request, token, reference)
            data, files = _valid(input_class, request.data).as_form()
            step.run(rr, _form(forms.FORM_FOR[name](data, files, rr=rr)))
            rr.refresh_from_db()
            return Response(s.CitizenCaseSerializer(_with_abilities(rr)).data)

    StepView.__name__ = StepView.__qualname__ = "".join(part.title() for part in name.split("_")) + "View"
    return StepView


# One view per requester's step, none listed here (requests_app/api/urls.py routes them).
STEP_VIEWS: dict[str, type[PublicView]] = {name: _step_view(name) for name in SUBJECT_STEPS}

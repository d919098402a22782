"""One error format for the whole API: {"code": ..., "message": ..., "fields": {...}}.

Workflow refusals map here once: a forbidden transition is 409, bad input 400, not
yours or not there 404 (never 403, so another organisation's ids reveal nothing).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from requests_app.errors import InvalidInput, NotPermitted, TransitionNotAllowed, VerificationFailed, WorkflowError


def _body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def exception_handler(exc, context):
    if isinstance(exc, InvalidInput):
        return Response(_body("invalid", exc, {k: [str(m) for m in v] for k, v in exc.errors.items()}),
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, VerificationFailed):
        return Response(_body("verification_failed", exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, TransitionNotAllowed):
        return Response(_body("transition_not_allowed", exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, NotPermitted):
        return Response(_body("not_permitted", exc), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, WorkflowError):
        return Response(_body("refused", exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoValidationError):
        # A model rule that a view let through unconverted is still bad input, never a 500.
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
        response.data = _body("invalid", "The request has invalid fields.", fields)
    else:
        code = getattr(exc, "default_code", "error")
        response.data = _body(code, getattr(exc, "detail", str(exc)))
    return response


def not_found(request, exception=None):
    """handler404 (config/urls.py): a path under /api/ that no route matches (a malformed
    UUID, a reference with a dot, a typo) answers in the API's JSON, not the site's page."""
    if request.path.startswith("/v1/"):  # the Data Rights Protocol's error body (DRP 3.06)
        return JsonResponse({"code": "404", "message": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    if request.path.startswith("/api/"):
        return JsonResponse(_body("not_found", exceptions.NotFound.default_detail), status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)

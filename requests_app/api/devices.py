"""The device connector's API, for gates, cameras and terminals that keep templates on
themselves (orgs/devices.py). Each device signs in with its own token:
`Authorization: Device <token>`.

- GET  /api/v1/device/deletions/  its pending deletions, oldest first (at most 500)
- POST /api/v1/device/receipts/   {"body": "<canonical JSON>", "signature": "<base64 Ed25519>"}
- POST /api/v1/device/inventory/  {"holds": [record ids]} -> {"delete": [ids it must delete]}

Plain views, not DRF: a poll every minute from thousands of gates is two indexed reads.
Answers in JSON; 401 without a valid token; 400 with the reason for a bad body.
"""

import json

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from orgs import devices
from requests_app.fulfilment.devices import receive_receipt

MAX_INVENTORY = 100_000


def _device(request):
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    return devices.authenticate(token.strip()) if scheme == "Device" else None


def _unauthorised():
    response = JsonResponse({"error": _("A device token is needed: Authorization: Device <token>.")}, status=401)
    response["WWW-Authenticate"] = "Device"
    return response


def _json_body(request):
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _errors(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"error": exc.messages}


@require_GET
def pending_deletions(request):
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    polled = devices.poll(token.strip()) if scheme == "Device" else None
    if polled is None:
        return _unauthorised()
    devices.seen(polled)
    return JsonResponse({"device": polled.serial, "deletions": polled.deletions,
                         "more": len(polled.deletions) == devices.BATCH})


@csrf_exempt
@require_POST
def receipts(request):
    credential = _device(request)
    if credential is None:
        return _unauthorised()
    data = _json_body(request)
    if data is None:
        return JsonResponse({"error": _("Send a JSON object with the signed body and its signature.")}, status=400)
    try:
        accepted = receive_receipt(credential, data.get("body"), data.get("signature"))
    except ValidationError as exc:
        return JsonResponse({"error": _("The receipt was not accepted."), "fields": _errors(exc)}, status=400)
    receipt = accepted.receipt
    return JsonResponse({"receipt": receipt.pk, "body_sha256": receipt.body_sha256, "acknowledged": receipt.deletions},
                        status=201 if accepted.created else 200)


@csrf_exempt
@require_POST
def inventory(request):
    credential = _device(request)
    if credential is None:
        return _unauthorised()
    data = _json_body(request)
    holds = data.get("holds") if data else None
    if not isinstance(holds, list) or len(holds) > MAX_INVENTORY or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in holds):
        return JsonResponse({"error": _("List the record ids the device holds (at most %(n)s).")
                             % {"n": MAX_INVENTORY}}, status=400)
    devices.seen(credential)
    return JsonResponse({"delete": devices.reconcile(credential, holds)})

"""The signed callback of webhook systems: POST /hooks/fulfilment/<task public id>/.

Answers in JSON: 200 recorded; 400 a bad or stale signature, or a body that is not a
valid answer; 404 no such webhook task; 409 a task not waiting for an answer (which is
how a replay of an answer already recorded is refused).
"""

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orgs.models import DataSystem
from requests_app.delivery import signing
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.fulfilment import webhook
from requests_app.models import FulfilmentTask


def record_callback(public_id, body: bytes, timestamp: str | None, signature: str | None) -> FulfilmentTask:
    """Check a webhook system's signed answer for one task and record it (once).

    Raises Http404 (no such webhook task), signing.BadSignature (missing, wrong or stale),
    InvalidInput (not a valid answer) or TransitionNotAllowed (not waiting for an answer:
    a replay of one already recorded). Called by this page and by the API's route."""
    task = (
        FulfilmentTask.objects.select_related("system")
        .filter(public_id=public_id, connector=DataSystem.Connector.WEBHOOK)
        .first()
    )
    if task is None:
        raise Http404
    webhook.verify_signature(task, body, timestamp, signature)
    webhook.handle_callback(task, webhook.parse_callback(body))
    return task


@csrf_exempt
@require_POST
def fulfilment_callback(request, public_id):
    try:
        record_callback(public_id, request.body, request.headers.get(signing.TIMESTAMP_HEADER),
                        request.headers.get(signing.SIGNATURE_HEADER))
    except Http404:
        return JsonResponse({"error": _("No such task.")}, status=404)
    except signing.BadSignature:
        return JsonResponse({"error": _("The signature is missing, wrong or too old.")}, status=400)
    except InvalidInput as exc:
        return JsonResponse({"error": _("The answer is not valid."), "fields": exc.errors}, status=400)
    except TransitionNotAllowed as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    return JsonResponse({"status": "recorded"})

"""The signed callback of webhook systems: POST /hooks/fulfilment/<task public id>/.

Answers in JSON: 200 recorded; 400 a bad or stale signature, or a body that is not a
valid answer; 404 no such webhook task; 409 a task not waiting for an answer (which is
how a replay of an answer already recorded is refused).
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orgs.models import DataSystem
from requests_app import signing
from requests_app.connectors import webhook
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import FulfilmentTask


@csrf_exempt
@require_POST
def fulfilment_callback(request, public_id):
    task = (
        FulfilmentTask.objects.select_related("system")
        .filter(public_id=public_id, connector=DataSystem.Connector.WEBHOOK)
        .first()
    )
    if task is None:
        return JsonResponse({"error": _("No such task.")}, status=404)
    try:
        webhook.verify_signature(
            task, request.body, request.headers.get(signing.TIMESTAMP_HEADER),
            request.headers.get(signing.SIGNATURE_HEADER),
        )
        webhook.handle_callback(task, webhook.parse_callback(request.body))
    except signing.BadSignature:
        return JsonResponse({"error": _("The signature is missing, wrong or too old.")}, status=400)
    except InvalidInput as exc:
        return JsonResponse({"error": _("The answer is not valid."), "fields": exc.errors}, status=400)
    except TransitionNotAllowed as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    return JsonResponse({"status": "recorded"})

"""The PIP interface of the Data Rights Protocol 1.0 under /v1/ (DRP section 2): JSON
answers, signed text/plain bodies, no session (so no CSRF), rate limited per agent.

Each view: find the agent (bearer token, or the URL for the pair-wise setup), open the
signed message in DRP 3.07's order (messages.py), call one function, answer the status
(status.py). Every refusal is a DRP 3.06 error body; bad input never reaches a 500.
"""

import uuid

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from requests_app.cases import drp_status as status
from requests_app.delivery import drp_callbacks as callbacks
from requests_app.drp import agents, filing, messages
from requests_app.drp.messages import Refused
from requests_app.models import DrpRequest
from requests_app.public import limits

AGENT_READS = "3000/h"  # status reads and revocations of one agent
SETUP_ADDRESS = "60/h"  # pair-wise setups from one address: rare, and unauthenticated


def _error(exc: Refused) -> JsonResponse:
    return JsonResponse(exc.body(), status=exc.status)


def _limited(exc: limits.Limited) -> JsonResponse:
    response = JsonResponse({"code": "429", "message": _("Too many requests. Try again later.")}, status=429)
    response["Retry-After"] = str(exc.wait)
    return response


def _token(request):
    token = agents.from_request(request)
    if token is None:
        raise Refused(403, _("A valid bearer token from POST /v1/agent/{id} is required."))
    limits.attempt(request, "drp.read", address=AGENT_READS, keys=((f"drp:{token.agent_id}", AGENT_READS),))
    return token


def _protocol(view):
    """Refusals and rate limits as JSON, for every DRP view."""
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Refused as exc:
            return _error(exc)
        except limits.Limited as exc:
            return _limited(exc)
        except RequestDataTooBig:
            # Django would answer its own HTML 400; DRP 3.06 wants the JSON error body.
            return JsonResponse({"code": "413", "message": _("The body is too large.")}, status=413)
    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


@_protocol
@require_http_methods(["GET", "POST"])
def agent(request, agent_id: str):
    """POST: pair-wise key setup (DRP 2.05), a token for the agent and the business its
    signed message names; any failure is a 403 with no body. GET: agent information
    (DRP 2.06), 403 unless the bearer token is this agent's."""
    if request.method == "GET":
        token = _token(request)
        if token.agent.agent_id != agent_id:
            raise Refused(403, _("The bearer token is not this agent's."))
        # DRP 2.06 may be extended: the key that signs this PIP's status callbacks.
        return JsonResponse({"pip-verify-key": callbacks.pip_verify_key()})
    limits.attempt(request, "drp.setup", address=SETUP_ADDRESS)
    found = agents.active_agent(agent_id)
    if found is None:
        return HttpResponse(status=403)
    organisation = {}

    def business(business_id):
        organisation["found"] = agents.addressable(found, business_id)
        return organisation["found"] is not None

    try:
        opened = messages.open_message(request.body, found, business)
        if opened.message.get("drp.version") != filing.VERSION:
            raise Refused(403, "drp.version")
        messages.take(found, opened)
    except Refused:
        return HttpResponse(status=403)
    token = agents.issue_token(found, organisation["found"])
    return JsonResponse({"agent-id": opened.message["agent-id"], "token": token})


@_protocol
@require_http_methods(["POST"])
def exercise(request):
    """Data Rights Exercise (DRP 2.01): file the signed request; answers its status."""
    token = _token(request)
    opened = messages.open_message(request.body, token.agent, lambda business_id: business_id ==
                                   token.organisation.slug)
    drp = filing.file(request, token, opened)
    return JsonResponse(status.status_body(drp))


@_protocol
@require_http_methods(["GET", "DELETE"])
def data_rights_request(request, request_id: str):
    """GET: Data Rights Status (DRP 2.02). DELETE: Data Rights Revoke (DRP 2.04), a signed
    message; answers the new `revoked` status. Another agent's request (or another
    business's, for this pair's token) is 403; an unknown id 404."""
    token = _token(request)
    drp = _own_request(token, request_id)
    if request.method == "DELETE":
        opened = messages.open_message(request.body, token.agent, lambda business_id: business_id ==
                                       token.organisation.slug)
        filing.revoke(drp, opened)
        drp.rights_request.refresh_from_db()
    return JsonResponse(status.status_body(drp))


def _own_request(token, request_id: str) -> DrpRequest:
    try:
        key = uuid.UUID(request_id)
    except ValueError:
        raise Refused(404, _("No such request.")) from None
    drp = DrpRequest.objects.select_related("rights_request__organisation", "agent").filter(request_id=key).first()
    if drp is None:
        raise Refused(404, _("No such request."))
    if drp.agent_id != token.agent_id or drp.organisation_id != token.organisation_id:
        raise Refused(403, _("This request is not managed by the agent of this token."))
    return drp

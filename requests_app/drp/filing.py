"""A DRP request becomes an authorised agent's request (CCPA regs §7063) through the same
intake as the public form and the citizens' API (requests_app/workflow/intake.py): the same
duplicate check, the same person's rate limits, the same verification. The code goes to
the person's own email or phone, never to the agent: the agent's signed claims name the
person, they do not verify them. A revocation is the requester's `withdraw` step.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from orgs.models import Jurisdiction
from requests_app import workflow
from requests_app.actors import SUBJECT
from requests_app.cases.subjects import Identity
from requests_app.delivery import destinations
from requests_app.cases import drp_states as mapping
from requests_app.delivery import drp_callbacks as callbacks
from requests_app.drp import messages
from requests_app.drp.messages import Opened, Refused
from requests_app.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from requests_app.models import DrpRequest, DrpToken, RightsRequest
from requests_app.public import limits
from requests_app.public.views import person_limits
from requests_app.workflow import intake

VERSION = "1.0"
AGENT_RATE = "600/h"  # one agent's filings; each person's own buckets are the public ones
AGENT_ADDRESS = "3000/h"  # an agent files for many people from one address


@dataclass(frozen=True)
class Exercise:
    kind: str
    identity: Identity
    regime: str
    relationships: list[str]
    status_callback: str
    agent_request_id: str


def _text(message: dict, claim: str, *, limit: int = 254) -> str:
    value = message.get(claim, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > limit:
        raise Refused(400, _("The %(claim)s claim must be a string of at most %(limit)s characters.")
                      % {"claim": claim, "limit": limit})
    return value.strip()


def read_exercise(token: DrpToken, message: dict) -> Exercise:
    """The exercise's own fields (DRP 2.01 groups 2 and 3), checked; Refused(400) if wrong."""
    if message.get("drp.version") != VERSION:
        raise Refused(400, _("Unsupported drp.version: this business speaks DRP 1.0."))
    right = message.get("exercise")
    if not isinstance(right, str) or mapping.KIND_FOR_RIGHT.get(right) is None:
        raise Refused(400, _("Unsupported rights actions submitted."))
    regime = _text(message, "regime", limit=20)
    if regime not in ("", "ccpa"):
        raise Refused(400, _("Unsupported regime: requests are taken under ccpa or voluntarily (no regime)."))
    if regime == "ccpa" and token.organisation.jurisdiction != Jurisdiction.US_CA:
        raise Refused(400, _("This business does not take requests under the CCPA; send it without a regime."))
    relationships = message.get("relationships") or []
    if (not isinstance(relationships, list) or len(relationships) > 20
            or not all(isinstance(item, str) and len(item) <= 100 for item in relationships)):
        raise Refused(400, _("relationships must be a list of short strings."))
    callback = _text(message, "status_callback", limit=500)
    if callback:
        try:
            destinations.check(callback)
        except destinations.UnsafeDestination:
            raise Refused(400, _("The status_callback cannot be called from here.")) from None
        if not token.agent.allows_callback(callback):
            raise Refused(400, _("The status_callback is not one registered for this agent."))
    identity = Identity(email=_text(message, "email"), phone=_text(message, "phone_number", limit=32),
                        full_name=_text(message, "name", limit=200))
    if not identity.email and not identity.phone:
        raise Refused(400, _("Give the person's email or phone_number: the person confirms the request there."))
    return Exercise(kind=mapping.KIND_FOR_RIGHT[right], identity=identity, regime=regime,
                    relationships=relationships, status_callback=callback,
                    agent_request_id=_text(message, "agent-request-id", limit=200))


def file(request, token: DrpToken, opened: Opened) -> DrpRequest:
    """File the exercise as the agent's request of the person; returns the DRP request.
    Refused: bad fields (400), rate limited (429, Retry-After), already open (409)."""
    exercise = read_exercise(token, opened.message)
    person = person_limits(exercise.identity.email, exercise.identity.phone, token.organisation)
    buckets = person + ((f"drp:{token.agent.pk}", AGENT_RATE),)
    limits.attempt(request, limits.SUBMIT, address=AGENT_ADDRESS, keys=buckets)
    try:
        return _file(token, opened, exercise)
    except Refused as exc:
        if exc.status != 409:  # 409: the intake answered about the person, a try as the citizens' API counts it
            limits.refund(request, limits.SUBMIT, address=AGENT_ADDRESS, keys=buckets)
        raise


def _file(token: DrpToken, opened: Opened, exercise: Exercise) -> DrpRequest:
    agent, organisation, message = token.agent, token.organisation, opened.message
    with transaction.atomic():
        messages.take(agent, opened)
        try:
            result = intake.file_requests(
                organisation=organisation, kinds=[exercise.kind], identity=exercise.identity,
                filed_by=RightsRequest.FiledBy.AGENT, requester_name=agent.name, requester_email=agent.contact_email,
                data_description=_("Filed by the authorised agent %(agent)s through the Data Rights Protocol: "
                                   "%(exercise)s.") % {"agent": agent.name, "exercise": message["exercise"]},
                details=_details(message, exercise), language=get_language() or "en",
            )
        except InvalidInput as exc:
            raise Refused(400, exc) from None
        except NotPermitted as exc:
            raise Refused(403, exc) from None
        if not result.created:
            raise Refused(409, _("This business is already handling a request of this person of this kind; it was "
                                 "not filed again."))
        rr = result.created[0]
        drp = DrpRequest.objects.create(
            agent=agent, organisation=organisation, rights_request=rr, agent_request_id=exercise.agent_request_id,
            exercise=message["exercise"], regime=exercise.regime, relationships=exercise.relationships,
            status_callback=exercise.status_callback, received_at=rr.received_at,
        )
        callbacks.record(drp, rr, "filed")
    return drp


def _details(message: dict, exercise: Exercise) -> str:
    """What the officer should know of the agent's message: the regime, the hints, which
    claims the agent says it verified, and its reference to a power of attorney."""
    lines = [_("Regime: %(regime)s") % {"regime": exercise.regime or _("none (voluntary)")}]
    if exercise.relationships:
        lines.append(_("Relationships: %(list)s") % {"list": ", ".join(exercise.relationships)})
    verified = [claim for claim in ("email_verified", "phone_number_verified", "address_verified")
                if message.get(claim) is True]
    if verified:
        lines.append(_("The agent says it verified: %(claims)s") % {"claims": ", ".join(verified)})
    power = message.get("power_of_attorney")
    if isinstance(power, str) and power.strip():
        lines.append(_("Power of attorney: %(reference)s") % {"reference": power.strip()[:500]})
    return "\n".join(lines)


def revoke(drp: DrpRequest, opened: Opened) -> None:
    """The agent revokes for the person (DRP 2.04): the declared `withdraw` step, from the
    states it allows; a request already withdrawn stays so. Refused(409) once it is being
    carried out or closed otherwise."""
    reason = opened.message.get("reason")
    with transaction.atomic():
        messages.take(drp.agent, opened)
        rr = drp.rights_request
        if rr.status == RightsRequest.Status.WITHDRAWN:
            return
        try:
            if isinstance(reason, str) and reason.strip() and rr.status != RightsRequest.Status.EXPIRED:
                workflow.subject_message(rr, actor=SUBJECT, body=reason.strip()[:4000])
            workflow.withdraw(rr, actor=SUBJECT)
        except TransitionNotAllowed as exc:
            raise Refused(409, exc) from None

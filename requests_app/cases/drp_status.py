"""The Exercise Status object (DRP 3.03) of a DRP request: what GET answers, what POST and
DELETE answer, and what each status callback carries."""

from datetime import datetime
from datetime import timezone as dt_timezone
from urllib.parse import urljoin

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from requests_app.cases import drp_states as mapping
from requests_app.models import DrpRequest, RightsRequest


def iso(moment: datetime) -> str:
    return moment.astimezone(dt_timezone.utc).isoformat().replace("+00:00", "Z")


def status_body(drp: DrpRequest, rr: RightsRequest | None = None) -> dict:
    """The status of `drp`, from `rr` (its RightsRequest as it now is; read if not given)."""
    rr = rr or drp.rights_request
    state, reason = mapping.state_of(rr)
    body = {"request_id": str(drp.request_id), "status": state, "received_at": iso(drp.received_at)}
    if drp.agent_request_id:
        body["agent_request_id"] = drp.agent_request_id
    if reason:
        body["reason"] = reason
    # DRP 3.03: a request in progress MUST say when to expect it; the statutory due date.
    if state not in mapping.FINAL_STATES and rr.due_at is not None:
        body["expected_by"] = iso(rr.due_at)
    with translation.override(settings.LANGUAGE_CODE):
        details = processing_details(rr, state, reason)
    if details:
        body["processing_details"] = details
    if reason == mapping.NEED_USER_VERIFICATION:
        # Where the person has the link to their case sent to their own mailbox (never the agent's).
        body["user_verification_url"] = urljoin(settings.SITE_URL, reverse("public:lookup"))
    return body


def processing_details(rr: RightsRequest, state: str, reason: str | None) -> str:
    """A sentence for the agent to pass on; an extension's reason (DRP 3.08), a refusal's."""
    if state == mapping.OPEN:
        return _("Waiting for the person to confirm the request with the code sent to their own email address or "
                 "phone.")
    if reason == mapping.NEED_USER_VERIFICATION:
        return _("The business asked the person a question; they answer it from the link to their request sent to "
                 "them.")
    if state == mapping.DENIED and rr.status == RightsRequest.Status.REFUSED:
        return f"{rr.refusal_reason} ({rr.refusal_legal_ground})"
    if state == mapping.DENIED:
        return _("The person did not confirm the request, or answer the business's question, in time.")
    if state == mapping.IN_PROGRESS and rr.extensions:
        return _("The deadline was extended: %(reason)s") % {"reason": rr.extension_reason}
    return ""

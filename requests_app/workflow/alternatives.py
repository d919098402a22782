"""Another way in than a face scan (China: Measures art. 10; SPC Fa Shi [2021] No. 15 art. 10).

A request of kind `alternative` is carried out by people, not in the data systems: the
officer records the other way in provided (`provide_alternative`: which one, how to use it,
from when), the person is mailed it and answers on their status page. It works
(`confirm_alternative`): the request is fulfilled. It does not (`alternative_not_working`):
the request goes back to review with their words, and the officer provides another way, or
refuses with a reason and a legal ground like any refusal (review.refuse). A person who
never answers does not hold the case open for ever: CONFIRM_WITHIN after the newest
provision the officer may close it as fulfilled, with a note, the letter saying it was not
confirmed (`close_unconfirmed_alternative`).

Nothing here touches a record: no fulfilment task is ever made for this kind
(carrying_out.start_fulfilment refuses it), so the face records stay as they are.
"""

from datetime import date, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from orgs.models import Alternative
from requests_app.actors import Actor
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import RightsRequest
from requests_app.workflow.transitions import require_text, transition

KIND = RightsRequest.Kind.ALTERNATIVE
# How long the person has to say whether the way in works before the officer may close the
# request without their answer (calendar days from the newest provision).
CONFIRM_WITHIN = timedelta(days=14)


def _require_kind(rights_request: RightsRequest) -> None:
    if rights_request.kind != KIND:
        raise TransitionNotAllowed(_("Only a request for another way in takes this step."))


def provide_alternative(rights_request: RightsRequest, *, actor: Actor, alternative: str, details: str,
                        available_from: date | None = None) -> None:
    """Record the other way in provided (in review or approved -> being carried out).

    `alternative`: an orgs Alternative value; `details`: how the person uses it (where to
    collect the card, the code's last digits...), sealed under the person's key; sent to the
    person with a request to confirm it works (the generic update mail). Refused for
    another kind of request, or with a blank `details`. Not idempotent: each call is a new
    provision, the newest one counts."""
    _require_kind(rights_request)
    if alternative not in Alternative.values:
        raise InvalidInput({"alternative": _("Choose the other way in provided.")})
    require_text(details=details)
    with transition(rights_request, "provide_alternative", actor) as step:
        step.data = {"alternative": alternative, "details": details.strip(),
                     "available_from": available_from.isoformat() if available_from else ""}


def confirm_alternative(rights_request: RightsRequest, *, actor: Actor, comment: str = "") -> None:
    """The person confirms the other way in works (being carried out -> fulfilled); their
    optional comment is kept sealed. The assignee is told (transitions.RULES)."""
    _require_kind(rights_request)
    with transition(rights_request, "confirm_alternative", actor) as step:
        step.request.closed_at = step.now
        step.data = {"comment": comment.strip()}


def alternative_not_working(rights_request: RightsRequest, *, actor: Actor, comment: str) -> None:
    """The person says the other way in does not work (being carried out -> in review), in
    their own words (required, sealed); the assignee is told and provides another way or
    refuses."""
    _require_kind(rights_request)
    require_text(comment=comment)
    with transition(rights_request, "alternative_not_working", actor) as step:
        step.data = {"comment": comment.strip()}


def close_unconfirmed_alternative(rights_request: RightsRequest, *, actor: Actor, note: str) -> None:
    """Close as fulfilled a request whose person did not answer within CONFIRM_WITHIN of the
    newest provision (being carried out -> fulfilled), with the officer's note (required,
    sealed); the person is told, and the letter says it was not confirmed. Refused earlier."""
    _require_kind(rights_request)
    require_text(note=note)
    with transition(rights_request, "close_unconfirmed_alternative", actor) as step:
        provided_at = unanswered_since(step.request)
        if provided_at is None or step.now < provided_at + CONFIRM_WITHIN:
            raise TransitionNotAllowed(_("The requester has %(days)d days from the way in provided to answer.")
                                       % {"days": CONFIRM_WITHIN.days})
        step.request.closed_at = step.now
        step.data = {"note": note.strip(), "provided_at": provided_at.isoformat()}


def unanswered_since(rights_request: RightsRequest):
    """When the way in now waiting for the person's answer was provided; None if none waits."""
    if rights_request.status != RightsRequest.Status.FULFILLING:
        return None
    event = rights_request.events.filter(action="provide_alternative").order_by("-seq").first()
    return event.created_at if event is not None else None


def may_close_unconfirmed(rights_request: RightsRequest) -> bool:
    provided_at = unanswered_since(rights_request)
    return provided_at is not None and timezone.now() >= provided_at + CONFIRM_WITHIN


def provided(rights_request: RightsRequest) -> dict | None:
    """The newest provision's data, opened ({alternative, details, available_from: a date
    or None} plus `label`, `at`), or None if none was made."""
    event = rights_request.events.filter(action="provide_alternative").order_by("-seq").first()
    if event is None:
        return None
    data = dict(event.opened)
    data["label"] = Alternative(data["alternative"]).label if data.get("alternative") in Alternative.values else ""
    data["at"] = event.created_at
    data["available_from"] = parse_date(data.get("available_from") or "")
    return data


def confirmation(rights_request: RightsRequest) -> dict | None:
    """The person's confirmation ({comment, at}), or None if they have not confirmed."""
    event = rights_request.events.filter(action="confirm_alternative").order_by("-seq").first()
    if event is None:
        return None
    return {"comment": event.opened.get("comment", ""), "at": event.created_at}

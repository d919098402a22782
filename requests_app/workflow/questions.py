"""Questions to the requester, and the clock that waits for the answer.

An officer asks (`ask_for_information`); where the policy allows, and for one of its
reasons, the clock pauses. The pause ends when the requester answers, when they
withdraw (closing.py), or when the case closes unanswered after the policy's period;
before that the sweep reminds them once (`chase_subject`). Every way out of a pause
goes through `_end_pause`, which adds exactly the time paused to the deadlines.
"""

from datetime import timedelta

from django.utils.translation import gettext as _

from requests_app.actors import Actor
from requests_app.cases import deadlines, reminders
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import Message, RequestEvent, RightsRequest
from requests_app.workflow.transitions import policy_of, recompute_deadlines, require_text, transition


def ask_for_information(rights_request: RightsRequest, *, actor: Actor, question: str, reason: str = "") -> Message:
    """Ask the subject a question. `reason` says why the clock pauses and must be one of
    the policy's `pause_reasons` (GDPR art. 12(6): identity in reasonable doubt; the
    request needs clarifying); a reason the policy does not name is InvalidInput. With no
    reason (the only choice where the policy never pauses: US-CA, BR, US-VA) the
    question is still asked and the clock runs. A pause ends with `answer`, `withdraw`
    or `close_unanswered`, each adding the exact time paused to the due and target
    instants (deadlines.due_at)."""
    require_text(question=question)
    reason = (reason or "").strip()
    with transition(rights_request, "ask_info", actor) as step:
        rr = step.request
        policy = policy_of(rr)
        allowed = deadlines.pause_reason_codes(policy)
        if reason and reason not in allowed:
            if allowed:
                message = _("Under %(law)s the clock may pause only for: %(reasons)s.") % {
                    "law": policy.name, "reasons": ", ".join(str(label) for _code, label in policy.pause_reasons)}
            else:
                message = _("Under %(law)s the clock never pauses: ask without a reason to pause.") % {
                    "law": policy.name}
            raise InvalidInput({"reason": message})
        if reason and policy.pauses_while_awaiting_subject:
            rr.paused_at = step.now
            reminders.point(rr, None)  # the clock is stopped; answering sets it again
        message = Message.objects.create(
            request=rr, direction=Message.Direction.TO_SUBJECT, author=actor.user, body=question.strip()
        )
        step.data = {"message": message.pk, "clock_paused": rr.paused_at is not None}
        if rr.paused_at is not None:
            step.data["pause_reason"] = reason
    return message


def _end_pause(rr: RightsRequest, now) -> timedelta:
    """End a running pause: add exactly the time paused to `paused_total` and move the due
    and target instants by it. Every step that leaves a paused state calls this, so no
    paused time is lost or counted twice. Returns the time this pause ran."""
    if rr.paused_at is None:
        return timedelta(0)
    paused_for = now - rr.paused_at
    rr.paused_total += paused_for
    rr.paused_at = None
    recompute_deadlines(rr)
    return paused_for


def answer(rights_request: RightsRequest, *, actor: Actor, body: str) -> Message:
    """The subject answers; the request returns to review and a paused clock resumes,
    its due and target instants moved by exactly the time paused."""
    require_text(body=body)
    with transition(rights_request, "answer", actor) as step:
        rr = step.request
        paused_for = _end_pause(rr, step.now)
        message = Message.objects.create(request=rr, direction=Message.Direction.FROM_SUBJECT, body=body.strip())
        step.data = {"message": message.pk, "paused_seconds": int(paused_for.total_seconds())}
    return message


def _asked(rr: RightsRequest) -> RequestEvent | None:
    """The question that started the running pause."""
    return rr.events.filter(action="ask_info").order_by("-seq").first()


def chase_subject(rights_request: RightsRequest, *, actor: Actor) -> None:
    """Remind the person, once per pause, that a question waits for their answer, when the
    policy's `pause_chase_after` has run since the clock paused. SYSTEM step (the pause
    sweep); refused before that instant, without a running pause, or once done for this
    pause, so running it twice sends one mail. The clock stays paused."""
    with transition(rights_request, "chase_subject", actor) as step:
        rr = step.request
        tz = rr.organisation.time_zone
        chase_at = rr.paused_at and deadlines.pause_chase_at(policy_of(rr), paused_at=rr.paused_at, tz=tz)
        if chase_at is None or step.now < chase_at:
            raise TransitionNotAllowed(_("This request is not waiting long enough for a reminder."))
        if rr.events.filter(action="chase_subject", created_at__gte=rr.paused_at).exists():
            raise TransitionNotAllowed(_("The requester was already reminded of this question."))
        asked = _asked(rr)
        step.data = {"message": asked.data.get("message") if asked else None, "paused_since": rr.paused_at}
        close_at = deadlines.pause_close_at(policy_of(rr), paused_at=rr.paused_at, tz=tz)
        if close_at is not None:
            step.data["closes_at"] = close_at


def close_unanswered(rights_request: RightsRequest, *, actor: Actor) -> None:
    """Close a case whose question went unanswered for the policy's `pause_close_after`
    (SYSTEM step, the pause sweep): awaiting_subject -> expired. The pause ends as any
    pause does (`_end_pause`: the exact time paused is added), the case is closed, and the
    person gets its own letter (what was asked, that the case is closed, that they can
    file again, the complaint route of their law). Refused before that instant or without
    a running pause; idempotent (a closed case cannot take it again)."""
    with transition(rights_request, "close_unanswered", actor) as step:
        rr = step.request
        tz = rr.organisation.time_zone
        close_at = rr.paused_at and deadlines.pause_close_at(policy_of(rr), paused_at=rr.paused_at, tz=tz)
        if close_at is None or step.now < close_at:
            raise TransitionNotAllowed(_("This request has not waited long enough to be closed."))
        asked = _asked(rr)
        paused_for = _end_pause(rr, step.now)
        rr.closed_at = step.now
        reminders.point(rr, None)
        step.data = {"message": asked.data.get("message") if asked else None,
                     "paused_seconds": int(paused_for.total_seconds())}

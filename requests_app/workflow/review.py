"""Review: an officer's work on a verified request, up to the decision and its appeal.

Assigning the request to a decider; extending its deadline where the law allows, or
counting its business days again once a working-day calendar covers the year; approving
or refusing it (with the legal ground, opening the appeal window where the law has one);
and the requester's appeal, which returns the case to another reviewer. The lateness
helpers say whether a decision taken now is later than the law allows. Questions to the
requester, which may pause the clock, are questions.py's.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orgs import calendars
from orgs.models import Membership
from requests_app.actors import Actor
from requests_app.cases import deadlines, reminders
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import Message, RightsRequest
from requests_app.workflow.transitions import DECIDERS, policy_of, recompute_deadlines, require_text, transition

Status = RightsRequest.Status


def assign(rights_request: RightsRequest, *, actor: Actor, assignee) -> None:
    """Give the request to a decider of its organisation; a verified request moves to review."""
    with transition(rights_request, "assign", actor) as step:
        rr = step.request
        if not Membership.objects.filter(user=assignee, organisation=rr.organisation, role__in=DECIDERS).exists():
            raise InvalidInput({"assignee": _("Choose an owner or officer of this organisation.")})
        rr.assignee = assignee
        if rr.status == Status.VERIFIED:
            step.target = Status.IN_REVIEW
        step.data = {"assignee": assignee.pk}
        step.visible_to_subject = False


def extend(rights_request: RightsRequest, *, actor: Actor, reason: str) -> None:
    """Extend the deadline where the law allows: while the current due date has not
    passed, and within the policy's notice window counted from receipt whatever pauses ran
    (deadlines.extension_notice_by: GDPR art. 12(3), CCPA regs 7021(b), Va. Code
    59.1-577(B)(1)). While paused, the current due instant is the stored one plus the
    time this pause has run so far; the extension is added to the response period from
    the clock's start, the closed pauses are added as before, and the running pause is
    added when it ends (questions._end_pause)."""
    require_text(reason=reason)
    with transition(rights_request, "extend", actor) as step:
        rr = step.request
        policy = policy_of(rr)
        if not deadlines.can_extend(policy, extensions_so_far=rr.extensions, kind=rr.kind):
            raise TransitionNotAllowed(_("The law of this request allows no (further) extension."))
        tz = rr.organisation.time_zone
        notice_by = deadlines.extension_notice_by(policy, received_at=rr.received_at, tz=tz)
        if notice_by is not None and step.now > notice_by:
            raise TransitionNotAllowed(_(
                "Under %(law)s an extension must be notified by %(date)s, counted from receipt (%(source)s)."
            ) % {"law": policy.name, "source": policy.source,
                 "date": date_format(timezone.localtime(notice_by, tz), "DATETIME_FORMAT")})
        running = step.now - rr.paused_at if rr.paused_at is not None else timedelta(0)
        if rr.due_at is None or step.now > rr.due_at + running:
            raise TransitionNotAllowed(_("An extension must be given before the due date passes."))
        previous_due = rr.due_at
        rr.extensions += 1
        rr.extension_reason = reason.strip()
        recompute_deadlines(rr)
        if rr.paused_at is not None:
            reminders.point(rr, None)  # still paused: answering sets the reminders again
        step.data = {"reason": rr.extension_reason, "from": previous_due, "to": rr.due_at}


def recount_deadlines(rights_request: RightsRequest, *, actor: Actor) -> None:
    """Count the request's business-day deadlines again on its jurisdiction's working-day
    calendar, once the year it was flagged for is covered (an administrator added it, or
    the library learnt it). The event records the year and the dates before and after;
    the requester is not told (the dates they were given are not shortened by a holiday).
    Refused while the year is still uncovered, or when the request was never flagged."""
    with transition(rights_request, "recount_deadlines", actor) as step:
        rr = step.request
        year = rr.calendar_uncovered_year
        calendar = calendars.calendar_for(rr.jurisdiction)
        if year is None or not calendar.covers(year):
            raise TransitionNotAllowed(_("No working-day calendar covers this request's year yet."))
        before = {"due_at": rr.due_at, "target_at": rr.target_at, "acknowledge_by": rr.acknowledge_by}
        policy = policy_of(rr)
        if policy.acknowledge_within is not None:
            rr.acknowledge_by = deadlines.acknowledge_by(
                policy, received_at=rr.received_at, tz=rr.organisation.time_zone, calendar=calendar
            )
        recompute_deadlines(rr)
        step.data = {"year": year, "still_uncovered": rr.calendar_uncovered_year, **{
            name: {"from": value.isoformat() if value else None,
                   "to": getattr(rr, name).isoformat() if getattr(rr, name) else None}
            for name, value in before.items() if value != getattr(rr, name)
        }}
        step.visible_to_subject = False


def approve(rights_request: RightsRequest, *, actor: Actor, note: str = "") -> None:
    """Approve; after an appeal this is the appeal decision (marked so, and late if after its due)."""
    with transition(rights_request, "approve", actor) as step:
        step.data = {"note": note.strip()}
        if appeals_of(step.request):
            step.data.update(appeal_decision=True, **decision_lateness(step.request, step.now))


def appeals_of(rr: RightsRequest) -> int:
    """How many times the requester appealed this request."""
    return rr.events.filter(action="appeal").count()


def decision_lateness(rr: RightsRequest, now) -> dict:
    """`{"late": True, "due_at": ...}` when a decision taken `now` is later than the law
    allows, else {}. Measured against the request's due instant, the one the desk and the
    reminders use: an appeal moves it only where the law sets a period for the appeal
    (US-VA: 60 days, policy appeal_response); elsewhere an appeal decided after the
    original due date is late as the case already showed it overdue. The dashboard
    counts the refusals that stand with closed_at after due_at: the same rule."""
    if rr.due_at is None or now <= rr.due_at:
        return {}
    return {"late": True, "due_at": rr.due_at}


def refuse(rights_request: RightsRequest, *, actor: Actor, reason: str, legal_ground: str) -> None:
    """Refuse with the reason and the legal ground (PIPL art. 50); opens the appeal window,
    unless the policy allows no further appeal (US-VA: the decision on an appeal is final,
    Va. Code §59.1-577(C)): then `appeal_closes_at` stays empty and the event says `final`.
    After an appeal the event says `appeal_decision`. A refusal later than the law allows
    is still recorded, with `late` and the missed `due_at` in the event (decision_lateness)."""
    require_text(reason=reason, legal_ground=legal_ground)
    with transition(rights_request, "refuse", actor) as step:
        rr = step.request
        if rr.status == Status.SUBMITTED and not (rr.filed_by == RightsRequest.FiledBy.NEXT_OF_KIN
                                                  and rr.requester_confirmed):
            # Unverified, only a relative whose own mailbox is confirmed can be answered: the
            # officer's check found the deceased arranged otherwise, or the evidence wanting.
            raise TransitionNotAllowed(_("An unverified request cannot be refused: it expires if nobody "
                                         "confirms it."))
        policy, appeals = policy_of(rr), appeals_of(rr)
        rr.refusal_reason, rr.refusal_legal_ground = reason.strip(), legal_ground.strip()
        step.data = {"reason": rr.refusal_reason, "legal_ground": rr.refusal_legal_ground,
                     **decision_lateness(rr, step.now)}
        rr.closed_at = step.now
        if appeals:
            step.data["appeal_decision"] = True
        if deadlines.may_appeal_again(policy, appeals_so_far=appeals):
            rr.appeal_closes_at = deadlines.appeal_closes_at(policy, refused_at=step.now, tz=rr.organisation.time_zone)
        else:
            rr.appeal_closes_at = None
            step.data["final"] = True


def appeal(rights_request: RightsRequest, *, actor: Actor, grounds: str) -> None:
    """The subject appeals a refusal within the window; another reviewer takes it where there is one.
    Refused when the refusal was final (no appeal window: the policy's max_appeals used, or
    the decision on an appeal is final by law)."""
    require_text(grounds=grounds)
    with transition(rights_request, "appeal", actor) as step:
        rr = step.request
        if rr.appeal_closes_at is None:
            raise TransitionNotAllowed(_("This decision is final: it cannot be appealed again."))
        if step.now > rr.appeal_closes_at:
            raise TransitionNotAllowed(_("The time to appeal this refusal has passed."))
        refused_by = rr.events.filter(action="refuse").order_by("-seq").values_list("actor_id", flat=True).first()
        other = (
            Membership.objects.filter(organisation=rr.organisation, role__in=DECIDERS)
            .exclude(user_id=refused_by).order_by("role", "pk").values_list("user", flat=True).first()
        )
        rr.assignee_id = other or rr.assignee_id
        rr.closed_at = None
        tz = rr.organisation.time_zone
        rr.due_at = deadlines.appeal_due_at(policy_of(rr), appealed_at=step.now, tz=tz) or rr.due_at
        reminders.point(rr, reminders.first_reminder_at(rr, status=Status.IN_REVIEW))
        Message.objects.create(request=rr, direction=Message.Direction.FROM_SUBJECT, body=grounds.strip())
        step.data = {"reviewer": rr.assignee_id}

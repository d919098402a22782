"""Changing a case: every state change of a rights request and of its compensation claim.

One function per transition of DESIGN.md. Each locks the request row, checks the
source state against RULES and the actor's role, changes the row, writes exactly one
RequestEvent, and queues side effects on commit. No other code assigns `status`.
A forbidden step raises a WorkflowError subclass and changes nothing.

Beside the steps: transitions.py (the rules tables and the one locked transition every
step runs in), effects.py (what a step sets off after commit), intake.py (a form's or
the API's submission turned into requests), sweeps.py (the periodic work the clock
owes). May import cases, delivery, transparency, models and the shared words; it queues
background work through requests_app.broker by name, never importing the tasks.
"""

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orgs import calendars, erasure as vault, law
from orgs.certificates import issue_certificate
from orgs.models import BiometricRecord, DataSystem, Membership, Organisation
from requests_app.actors import SUBJECT, SYSTEM, Actor, ActorKind
from requests_app.cases import deadlines, exports, files, reminders
from requests_app.cases.outcomes import RecordOutcome
from requests_app.cases.subjects import Identity, build_subject
from requests_app.cases.tokens import check_code, new_reference, use_code
from requests_app.errors import InvalidInput, NotPermitted, TransitionNotAllowed, VerificationFailed, WorkflowError
from requests_app.models import (
    Attachment,
    CompensationClaim,
    DataSubject,
    FulfilmentTask,
    Message,
    RequestEvent,
    RightsRequest,
    StatusLink,
    VerificationChallenge,
)
from requests_app.models import sealed
from requests_app.transparency import audit
from requests_app.workflow import effects
from requests_app.workflow.transitions import (  # noqa: F401 (RULES and the role sets are read through workflow)
    CLAIM_RULES,
    DECIDERS,
    OPEN_BEFORE_FULFILMENT,
    RULES,
    Rule,
    Step,
    move_task,
    policy_of,
    recompute_deadlines,
    require_text,
    transition,
)

Status = RightsRequest.Status
ClaimStatus = CompensationClaim.Status
Role = Membership.Role


# --- intake ---------------------------------------------------------------------------


def submit(*, kind: str, **intake) -> RightsRequest:
    """File one request; see submit_many."""
    return submit_many(kinds=[kind], **intake)[0]


def submit_many(
    *,
    organisation: Organisation,
    kinds: list[str],
    identity: Identity,
    filed_by: str = RightsRequest.FiledBy.SELF,
    requester_name: str = "",
    requester_email: str = "",
    data_description: str = "",
    details: str = "",
    language: str = "en",
    deceased_arranged_otherwise: bool | None = None,
) -> list[RightsRequest]:
    """File one request per kind from the public, as one submission: one subject, one
    verification challenge (on the first request) whose code verifies them all, one
    first event each. The code is sent by a task after commit, to the person's own
    contact (an agent's mailbox never verifies: CCPA regs §7063) or, for a deceased
    person, to the relative's own (PIPL art. 49; an officer then checks the evidence)."""
    if not organisation.accepts_public_requests:
        raise NotPermitted(_("This organisation does not take requests through Rightsdesk."))
    if not kinds or any(kind not in RightsRequest.Kind.values for kind in kinds) or len(set(kinds)) != len(kinds):
        raise InvalidInput({"kind": _("Choose what you are asking for.")})
    kinds = offered_kinds_first(organisation, kinds)
    if filed_by not in RightsRequest.FiledBy.values:
        raise InvalidInput({"filed_by": _("Choose who is filing the request.")})
    if filed_by != RightsRequest.FiledBy.SELF:
        require_text(requester_name=requester_name, requester_email=requester_email)
        try:
            validate_email(requester_email.strip())
        except ValidationError:
            raise InvalidInput({"requester_email": _("Enter a valid email address.")}) from None
    next_of_kin = filed_by == RightsRequest.FiledBy.NEXT_OF_KIN
    if next_of_kin:
        _check_next_of_kin_filing(organisation, kinds, identity, deceased_arranged_otherwise)
    else:
        deceased_arranged_otherwise = None
    try:
        subject = build_subject(identity, jurisdiction=organisation.jurisdiction, language=language,
                                reachable=not next_of_kin)
    except ValidationError as exc:
        raise InvalidInput(exc.message_dict) from None
    policy = deadlines.get_policy(organisation.jurisdiction)
    tz, now, submission = organisation.time_zone, timezone.now(), uuid.uuid4()
    filed = []
    with transaction.atomic():
        subject.save()
        for kind in kinds:
            rr = RightsRequest(
                organisation=organisation, subject=subject, kind=kind, filed_by=filed_by, submission=submission,
                requester_name=requester_name.strip(), requester_email=requester_email.strip(),
                jurisdiction=organisation.jurisdiction, data_description=data_description.strip(),
                details=details.strip(), received_at=now, status=Status.SUBMITTED,
                deceased_arranged_otherwise=deceased_arranged_otherwise,
                clock_started_at=deadlines.clock_start_for(policy, received_at=now, verified_at=None),
                acknowledge_by=deadlines.acknowledge_by(
                    policy, received_at=now, tz=tz, kind=kind, calendar=calendars.calendar_for(organisation.jurisdiction)
                ),
                expires_at=deadlines.unverified_expires_at(policy, received_at=now, tz=tz),
            )
            recompute_deadlines(rr)
            rr.next_reminder_at = reminders.first_reminder_at(rr)
            _save_with_unique_reference(rr)
            event = audit.append_event(
                rr, action="submit", actor_id=None, actor_kind=ActorKind.SUBJECT,
                to_status=Status.SUBMITTED, data={"kind": kind, "filed_by": filed_by}, visible_to_subject=True,
            )
            effects.after_event(event)
            filed.append(rr)
        if not file_without_verification(filed):
            email = filed[0].confirmation_email
            channel = VerificationChallenge.Channel.EMAIL if email else VerificationChallenge.Channel.SMS
            challenge = VerificationChallenge.objects.create(request=filed[0], channel=channel)
            effects.send_verification_code(challenge)
    return filed


def _check_next_of_kin_filing(organisation: Organisation, kinds: list[str], identity: Identity,
                              arranged_otherwise: bool | None) -> None:
    """A close relative files for a deceased person only where the law has it (PIPL art. 49),
    only to consult, copy, correct or delete, naming the deceased, and only where the
    deceased did not arrange otherwise."""
    texts = law.texts(organisation.jurisdiction)
    if texts.next_of_kin is None:
        raise InvalidInput({"filed_by": _("The law of this organisation does not let a relative file for a "
                                          "deceased person.")})
    if any(kind not in texts.next_of_kin_kinds for kind in kinds):
        raise InvalidInput({"kinds": _("A relative may ask only to see, copy, correct or delete a deceased "
                                       "person's information.")})
    if not identity.full_name.strip() or not (identity.id_number.strip() or identity.member_number.strip()):
        raise InvalidInput({"full_name": _("Give the deceased person's name and their identity document or "
                                           "member number.")})
    if arranged_otherwise is None:
        raise InvalidInput({"deceased_arranged_otherwise": _("Say whether the deceased arranged otherwise.")})
    if arranged_otherwise:
        raise InvalidInput({"deceased_arranged_otherwise": texts.next_of_kin})


def offered_kinds_first(organisation: Organisation, kinds: list[str]) -> list[str]:
    """The kinds, refused (InvalidInput) if the organisation's law does not have one of
    them (the opt-outs of the US laws, deadlines.Policy.extra_kinds), ordered so that those
    needing identity verification come first: the first request of a submission holds its
    code (verify_identity, new_verification_challenge)."""
    policy = deadlines.get_policy(organisation.jurisdiction)
    missing = [kind for kind in kinds if not deadlines.offers_kind(policy, kind)]
    if missing:
        raise InvalidInput({"kind": _("%(kind)s is not a request the law of this organisation provides for.") % {
            "kind": RightsRequest.Kind(missing[0]).label}})
    return sorted(kinds, key=lambda kind: not deadlines.needs_verification(policy, kind))


def file_without_verification(filed: list[RightsRequest]) -> bool:
    """Mark verified, at once, the requests whose kind needs no identity verification
    (CCPA opt-outs: regs §7026(d), §7027(e)): they do not wait for a code. Their clock runs
    from receipt as the policy says. True when no request of the submission needs a code."""
    policy = deadlines.get_policy(filed[0].jurisdiction)
    for rr in filed:
        if not deadlines.needs_verification(policy, rr.kind):
            _mark_verified(rr, SUBJECT, method="not_required")
    return all(rr.status == Status.VERIFIED for rr in filed)


MAX_CHALLENGES = 5


def new_verification_challenge(rights_request: RightsRequest) -> VerificationChallenge:
    """A fresh code for the submission (the resend button); earlier codes stop working."""
    first = RightsRequest.objects.filter(submission=rights_request.submission).order_by("pk").first()
    if first.status != Status.SUBMITTED or first.contact_confirmed_at is not None:
        raise TransitionNotAllowed(_("This request does not need verifying."))
    # Five attempts a code, a few codes a submission: guessing stays hopeless however
    # many addresses the guesser has.
    if first.challenges.count() >= MAX_CHALLENGES:
        raise TransitionNotAllowed(_("Too many codes were asked for this request. Please file it again."))
    with transaction.atomic():
        email = first.confirmation_email
        channel = VerificationChallenge.Channel.EMAIL if email else VerificationChallenge.Channel.SMS
        challenge = VerificationChallenge.objects.create(request=first, channel=channel)
        effects.send_verification_code(challenge)
    return challenge


def record_acknowledgement(rights_request: RightsRequest, *, channel: str, actor: Actor | None = None) -> None:
    """Record that receipt of the submission was acknowledged to the requester (CCPA regs
    §7021(a)): the code mail, sent by `channel`, was the acknowledgement. One
    `acknowledge` event per request not yet acknowledged; the ACKNOWLEDGE reminder
    (reminders.py) then sends nothing more. Idempotent. Not shown to the requester."""
    pending = RightsRequest.objects.filter(submission=rights_request.submission, acknowledged_at__isnull=True)
    for each in pending.order_by("pk"):
        with transition(each, "acknowledge", actor or SYSTEM) as step:
            step.request.acknowledged_at = step.now
            step.data = {"by": "verification_code", "channel": channel}
            step.visible_to_subject = False


def _save_with_unique_reference(rr: RightsRequest) -> None:
    for _attempt in range(5):
        rr.reference = new_reference()
        try:
            with transaction.atomic():
                rr.save()
            return
        except IntegrityError:
            if not RightsRequest.objects.filter(reference=rr.reference).exists():
                raise
    raise RuntimeError("could not find a free reference after 5 tries")


def verify_identity(rights_request: RightsRequest, *, actor: Actor, code: str = "", check_performed: str = "") -> None:
    """Mark the subject's identity as verified: by the subject's one-time code (which
    verifies every request of the submission, all in one transaction: all or none, and a
    failure leaves the code unused), or by an officer who states the check performed.
    The code goes to the person's own contact, so an agent's request is verified only by
    the person confirming it (CCPA regs §7063). A relative's code for a deceased person
    only confirms the relative's mailbox (`confirm_contact`): such a request is verified
    by `verify_next_of_kin` alone. Starts the clock where the policy says so. A wrong code
    counts an attempt (kept even though the step fails)."""
    next_of_kin = rights_request.filed_by == RightsRequest.FiledBy.NEXT_OF_KIN
    if actor.kind != ActorKind.SUBJECT:
        if next_of_kin:
            raise TransitionNotAllowed(_("A relative's request is verified by checking the evidence of death and "
                                         "relationship."))
        require_text(check_performed=check_performed)
        _mark_verified(rights_request, actor, method="manual", check_performed=check_performed.strip())
        return
    if rights_request.status != Status.SUBMITTED or (next_of_kin and rights_request.contact_confirmed_at):
        # Before the code is checked, so a late correct code is not used up for nothing.
        raise TransitionNotAllowed(_("This request does not need verifying."))
    submission = RightsRequest.objects.filter(submission=rights_request.submission).order_by("pk")
    challenge_id = check_code(submission.first(), code, use=False)
    with transaction.atomic():
        use_code(challenge_id)
        for each in submission.filter(status=Status.SUBMITTED):
            if next_of_kin:
                _confirm_contact(each, actor)
            else:
                _mark_verified(each, actor, method="code")
    rights_request.refresh_from_db()


def _confirm_contact(rights_request: RightsRequest, actor: Actor) -> None:
    with transition(rights_request, "confirm_contact", actor) as step:
        rr = step.request
        rr.contact_confirmed_at = step.now
        rr.expires_at = None  # the wait is now the officer's check, not the requester's
        step.data = {"method": "code", "contact": "requester_email"}
        step.visible_to_subject = False


def _mark_verified(rights_request: RightsRequest, actor: Actor, *, method: str, check_performed: str = "",
                   action: str = "verify", **data) -> None:
    with transition(rights_request, action, actor) as step:
        rr = step.request
        rr.verified_at = step.now
        rr.expires_at = None
        if rr.clock_started_at is None:
            rr.clock_started_at = step.now
            recompute_deadlines(rr)
        # Verified, the request is officers' work: its due-date reminders (and an
        # acknowledgement never given) start now.
        rr.next_reminder_at = reminders.first_reminder_at(rr, status=Status.VERIFIED)
        step.data = {"method": method, "check_performed": check_performed, **data}


def verify_power_of_attorney(rights_request: RightsRequest, *, actor: Actor, attachment: Attachment,
                             check_performed: str) -> None:
    """An officer verifies an agent's request on a power of attorney (Cal. Probate Code
    §§4121-4130 for California), the one case where the person need not confirm the agent
    directly (CCPA regs §7063(b)). The document must be attached to the request; the event
    names it (id and SHA-256) and what the officer checked."""
    require_text(check_performed=check_performed)
    if rights_request.filed_by != RightsRequest.FiledBy.AGENT:
        raise TransitionNotAllowed(_("Only a request filed by an agent rests on a power of attorney."))
    if attachment.request_id != rights_request.pk or attachment.purpose != Attachment.Purpose.AUTHORISATION:
        raise InvalidInput({"attachment": _("Choose the power of attorney attached to this request.")})
    _mark_verified(rights_request, actor, method="power_of_attorney", check_performed=check_performed.strip(),
                   attachment=attachment.pk, sha256=attachment.sha256)


def verify_next_of_kin(rights_request: RightsRequest, *, actor: Actor, death_checked: bool,
                       relationship_checked: bool, arranged_otherwise: bool, check_performed: str) -> None:
    """An officer verifies a close relative's request for a deceased person (PIPL art. 49)
    after checking the evidence of the death and of the relationship, and whether the
    deceased arranged otherwise. Only where the law has next of kin; the request must have
    the evidence attached. Where the deceased arranged otherwise it cannot be verified
    (the refusal ground cn_49_arranged). The event records what was checked."""
    require_text(check_performed=check_performed)
    if rights_request.filed_by != RightsRequest.FiledBy.NEXT_OF_KIN or law.texts(
        rights_request.jurisdiction
    ).next_of_kin is None:
        raise TransitionNotAllowed(_("Only a relative's request for a deceased person takes this check."))
    if not (death_checked and relationship_checked):
        raise InvalidInput({"death_checked": _("Check both the death and the relationship before verifying.")})
    if arranged_otherwise or rights_request.deceased_arranged_otherwise:
        raise TransitionNotAllowed(_("The deceased arranged otherwise (PIPL art. 49): the request cannot be "
                                     "verified. Refuse it on that ground instead."))
    evidence = list(rights_request.attachments.filter(purpose=Attachment.Purpose.DEATH_EVIDENCE)
                    .order_by("pk").values_list("pk", flat=True))
    if not evidence:
        raise TransitionNotAllowed(_("No evidence of the death and relationship is attached."))
    _mark_verified(rights_request, actor, method="next_of_kin_check", check_performed=check_performed.strip(),
                   action="verify_next_of_kin", death_checked=True, relationship_checked=True,
                   arranged_otherwise=False, evidence=evidence,
                   contact_confirmed=rights_request.contact_confirmed_at is not None)


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
            rr.next_reminder_at = None  # the clock is stopped; answering sets it again
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
        rr.next_reminder_at = None
        step.data = {"message": asked.data.get("message") if asked else None,
                     "paused_seconds": int(paused_for.total_seconds())}


def extend(rights_request: RightsRequest, *, actor: Actor, reason: str) -> None:
    """Extend the deadline where the law allows: while the current due date has not
    passed, and within the policy's notice window counted from receipt whatever pauses ran
    (deadlines.extension_notice_by: GDPR art. 12(3), CCPA regs 7021(b), Va. Code
    59.1-577(B)(1)). While paused, the current due instant is the stored one plus the
    time this pause has run so far; the extension is added to the response period from
    the clock's start, the closed pauses are added as before, and the running pause is
    added when it ends (`_end_pause`)."""
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
            rr.next_reminder_at = None  # still paused: answering sets the reminders again
        step.data = {"reason": rr.extension_reason, "from": previous_due, "to": rr.due_at}


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
        rr.next_reminder_at = reminders.first_reminder_at(rr, status=Status.IN_REVIEW)
        Message.objects.create(request=rr, direction=Message.Direction.FROM_SUBJECT, body=grounds.strip())
        step.data = {"reviewer": rr.assignee_id}


def start_fulfilment(rights_request: RightsRequest, *, actor: Actor) -> list[FulfilmentTask]:
    """Create one FulfilmentTask per data system of the organisation that may hold the data."""
    with transition(rights_request, "start_fulfilment", actor) as step:
        rr = step.request
        systems = DataSystem.objects.filter(organisation=rr.organisation, holds_personal_data=True)
        if rr.kind == RightsRequest.Kind.EXPLANATION:
            systems = systems.none()  # the officer writes the explanation when finishing
        tasks = FulfilmentTask.objects.bulk_create(
            [FulfilmentTask(request=rr, system=s, connector=s.connector) for s in systems]
        )
        step.data = {"systems": [s.pk for s in systems]}
    return tasks


@dataclass(frozen=True)
class Erasure:
    """A vault record to delete (tombstone) or restrict to storage only, and why."""

    record: BiometricRecord
    outcome: str  # RecordOutcome.DELETED or RecordOutcome.STORAGE_ONLY
    reason: str


def record_task_outcome(
    task: FulfilmentTask, *, actor: Actor, outcome: dict, erasures: Sequence[Erasure] = (), failed: bool = False
) -> None:
    """Record what one data system did (per record: deleted, storage only, not found).

    `erasures` are the vault records this outcome deletes or restricts: each is changed
    here and writes one `erase_record` event, before the step's own event and in the
    same transaction, so a record is never erased without its audit row or the other
    way round (the caller holds the records' row locks). `failed=True` ends the task
    FAILED instead of DONE (the system refused or gave up); the officers are told.
    Refused for a task already done."""
    with transition(task.request, "record_task_outcome", actor) as step:
        locked = FulfilmentTask.objects.select_for_update().get(pk=task.pk)
        if actor.role_in(step.request.organisation) == Role.SYSTEM_OWNER and locked.system.owner_id != actor.user_id:
            raise NotPermitted(_("Only the owner of this system may confirm its task."))
        move_task(locked, "fail" if failed else "done", step.now)  # never once done (TASK_RULES)
        for erasure in erasures:
            _erase_record(step.request, locked, erasure, actor)
        if failed:
            locked.result, locked.completed_at = outcome, None
            locked.last_error = str(outcome.get("error") or _("the system reported a failure"))[:300]
        else:
            locked.result, locked.completed_at = outcome, step.now
            locked.last_error = ""
        locked.lease_expires_at = None
        locked.save(update_fields=["status", "result", "completed_at", "lease_expires_at", "last_error"])
        step.data = {"task": locked.pk, "system": locked.system_id, "outcome": outcome}
        if failed:
            step.data["failed"] = True
        step.visible_to_subject = False
    task.refresh_from_db()


def _erase_record(rr: RightsRequest, task: FulfilmentTask, erasure: Erasure, actor: Actor) -> None:
    records = BiometricRecord.objects.filter(
        pk=erasure.record.pk, organisation_id=rr.organisation_id, system_id=task.system_id
    )
    if erasure.outcome == RecordOutcome.DELETED:
        changed = vault.tombstone(records, reason=erasure.reason)
    elif erasure.outcome in (RecordOutcome.STORAGE_ONLY, RecordOutcome.RESTRICTED):
        changed = vault.restrict(records, reason=erasure.reason)
    else:
        raise ValueError(f"not an erasing outcome: {erasure.outcome}")
    if changed != 1:
        # Already erased (or not this system's): the whole outcome is refused, nothing kept.
        raise TransitionNotAllowed(_("A record of this task is no longer in a state to be erased."))
    record = erasure.record
    audit.append_event(
        rr, action="erase_record", actor_id=actor.user_id, actor_kind=actor.kind,
        from_status=rr.status, to_status=rr.status,
        data=sealed.seal_event_data(rr, "erase_record", {
            "task": task.pk, "system": task.system_id, "record": record.pk, "modality": record.modality,
            "activity": record.activity_id, "outcome": erasure.outcome, "reason": erasure.reason,
        }),
    )


# Requests whose fulfilment erases data; finishing one issues an erasure certificate.
ERASURE_KINDS = {RightsRequest.Kind.DELETION, RightsRequest.Kind.RESTRICTION, RightsRequest.Kind.WITHDRAW_CONSENT}


def finish_fulfilment(rights_request: RightsRequest, *, actor: Actor, explanation: str = "") -> None:
    """Close the request as fulfilled once every fulfilment task is done. A deletion,
    restriction or withdrawal of consent gets its erasure certificate in the same step
    (what, from which system, when, by which connector), linked from the request and
    named in the event, so the subject's update mail can quote its number. A request for
    an explanation (PIPL art. 48) is finished by an officer with the explanation, which
    the requester receives as a message."""
    if rights_request.kind == RightsRequest.Kind.EXPLANATION:
        if actor.kind == ActorKind.SYSTEM:
            raise TransitionNotAllowed(_("An explanation is written by an officer."))
        require_text(explanation=explanation)
    with transition(rights_request, "finish_fulfilment", actor) as step:
        rr = step.request
        tasks = list(rr.fulfilment_tasks.select_related("system").order_by("pk"))
        if any(task.status != FulfilmentTask.Status.DONE for task in tasks):
            raise TransitionNotAllowed(_("Some data systems have not finished yet."))
        rr.closed_at = step.now
        if rr.kind == RightsRequest.Kind.EXPLANATION:
            message = Message.objects.create(
                request=rr, direction=Message.Direction.TO_SUBJECT, author=actor.user, body=explanation.strip()
            )
            step.data = {"explanation_message": message.pk}
        if rr.kind in ERASURE_KINDS:
            rr.certificate = issue_certificate(rr.organisation, exports.certificate_body(rr, tasks))
            # The hash binds the certificate's content into the public log (requests_app/transparency).
            step.data = {"certificate": rr.certificate.number, "certificate_sha256": rr.certificate.body_sha256}


def withdraw(rights_request: RightsRequest, *, actor: Actor) -> None:
    """The requester withdraws an open request; a running pause ends as every pause does
    (`_end_pause`), so the record keeps the exact time paused."""
    with transition(rights_request, "withdraw", actor) as step:
        rr = step.request
        _end_pause(rr, step.now)
        rr.closed_at = step.now
        rr.next_reminder_at = None


def expire(rights_request: RightsRequest, *, actor: Actor) -> None:
    """Close a request whose identity was never verified within the policy's period."""
    with transition(rights_request, "expire", actor) as step:
        rr = step.request
        if rr.expires_at is None or step.now < rr.expires_at:
            raise TransitionNotAllowed(_("This request has not reached its expiry yet."))
        rr.closed_at = step.now
        step.data.update(unverified_deletion_offer(rr))


def unverified_deletion_offer(rr: RightsRequest) -> dict:
    """What the expiry letter of an unverified deletion offers, where the law says so.

    Under the CCPA a business may deny a deletion it cannot verify and must say that the
    identity could not be verified (Cal. Code Regs. tit. 11 §7022(a)); denying it, a
    business that sells or shares personal information asks the consumer whether they
    would like to opt out of that (§7022(f)(3)), an opt-out needing no verification
    (§7026(d)). So the letter asks, with a link to the opt-out; nothing is filed for the
    consumer. A person who already has an open opt-out of that kind is not asked again.
    Returns the expire event's data: `opt_out_offered` (the kind) or `opt_out_open` (the
    reference of the open one); {} elsewhere."""
    kind = policy_of(rr).unverified_deletion_offer
    if rr.kind != RightsRequest.Kind.DELETION or not kind:
        return {}
    same_person = Q(subject_id=rr.subject_id)  # or filed apart, known by the same email or phone
    for field in ("email_hash", "phone_hash"):
        if value := getattr(rr.subject, field):
            same_person |= Q(**{f"subject__{field}": value})
    existing = (RightsRequest.objects.filter(same_person, organisation_id=rr.organisation_id, kind=kind)
                .exclude(status__in=RightsRequest.CLOSED_STATUSES).order_by("pk").first())
    if existing is not None:
        return {"opt_out_open": existing.reference}
    return {"opt_out_offered": kind}


CONTACT_FIELDS = ("full_name", "email", "phone", "email_hash", "phone_hash", "member_number_hash", "id_number_hash",
                  "masked_identifiers")


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


def purge_contact_details(rights_request: RightsRequest, *, actor: Actor) -> None:
    """Remove who the person is from a case closed longer than its policy keeps contact
    details: the subject's name, email, phone, identifier hashes and masked identifiers,
    and the name and email of a relative or agent who filed. The person's data key is
    destroyed in the same transaction, so the texts sealed in their cases' events
    (requests_app/models/sealed.py) can no longer be read; the events, their hashes and the chain
    stay as written. The anonymised request, its messages and its history stay. Refused
    while the period runs, while another case of the same person still needs the details,
    or when there is nothing left to remove."""
    with transition(rights_request, "purge_contact", actor) as step:
        rr = step.request
        tz = rr.organisation.time_zone
        if rr.closed_at is None or step.now < deadlines.contact_purge_at(policy_of(rr), closed_at=rr.closed_at, tz=tz):
            raise TransitionNotAllowed(_("This case is still within its period for keeping contact details."))
        subject = DataSubject.objects.select_for_update().get(pk=rr.subject_id)
        for other in subject.requests.exclude(pk=rr.pk).select_related("organisation"):
            if other.is_open or other.closed_at is None or step.now < deadlines.contact_purge_at(
                policy_of(other), closed_at=other.closed_at, tz=other.organisation.time_zone
            ):
                raise TransitionNotAllowed(_("The same person has another case that still needs the details."))
        if subject.contact_purged_at is not None and not (rr.requester_name or rr.requester_email):
            raise TransitionNotAllowed(_("The contact details of this case were already removed."))
        if subject.contact_purged_at is None:
            DataSubject.objects.filter(pk=subject.pk).update(
                contact_purged_at=step.now, **{name: "" for name in CONTACT_FIELDS}
            )
        sealed.destroy_key(subject.pk)
        rr.requester_name = rr.requester_email = ""
        # The secret links go too: nobody is left to follow the case.
        StatusLink.objects.filter(submission=rr.submission).delete()
        step.data = {"subject": subject.pk}
        step.visible_to_subject = False


def message_subject(rights_request: RightsRequest, *, actor: Actor, body: str) -> Message:
    require_text(body=body)
    with transition(rights_request, "message_subject", actor) as step:
        if not step.request.requester_confirmed:
            raise TransitionNotAllowed(_("The requester has not confirmed the request yet: until they do, "
                                         "they receive nothing but the code."))
        message = Message.objects.create(
            request=step.request, direction=Message.Direction.TO_SUBJECT, author=actor.user, body=body.strip()
        )
        step.data = {"message": message.pk}
    return message


def add_note(rights_request: RightsRequest, *, actor: Actor, body: str) -> Message:
    """An internal note on the case: a Message the subject never sees, and an event that is
    not shown to them either. No status change; no one is notified."""
    require_text(body=body)
    with transition(rights_request, "add_note", actor) as step:
        message = Message.objects.create(
            request=step.request, direction=Message.Direction.INTERNAL, author=actor.user, body=body.strip()
        )
        step.data = {"message": message.pk}
        step.visible_to_subject = False
    return message


@dataclass(frozen=True)
class Contact:
    """Who the person is and how to reach them, as revealed to one member once."""

    full_name: str
    email: str
    phone: str
    requester_name: str
    requester_email: str


def reveal_contact(rights_request: RightsRequest, *, actor: Actor) -> Contact:
    """Return the subject's contact details (and those of a relative or agent who filed)
    and record that this member saw them: one `reveal_contact` event, not shown to the
    subject, no status change. Allowed to owners, officers and auditors, in any state.
    Refused once the details were purged (nothing left to see). Not idempotent: every
    reveal is a new event, because every look is one."""
    with transition(rights_request, "reveal_contact", actor) as step:
        rr = step.request
        subject = DataSubject.objects.get(pk=rr.subject_id)
        if subject.contact_purged_at is not None and not (rr.requester_name or rr.requester_email):
            raise TransitionNotAllowed(_("The contact details of this case were removed."))
        contact = Contact(subject.full_name, subject.email, subject.phone, rr.requester_name, rr.requester_email)
        step.data = {"fields": [name for name, value in vars(contact).items() if value]}
        step.visible_to_subject = False
    return contact


def subject_message(rights_request: RightsRequest, *, actor: Actor, body: str) -> Message:
    """The requester writes to the organisation outside a question (a question is `answer`)."""
    require_text(body=body)
    with transition(rights_request, "subject_message", actor) as step:
        message = Message.objects.create(
            request=step.request, direction=Message.Direction.FROM_SUBJECT, body=body.strip()
        )
        step.data = {"message": message.pk}
    return message


def add_evidence(rights_request: RightsRequest, *, actor: Actor, upload, purpose: str) -> Attachment:
    """Attach a file the requester sends (already checked for size and type by the form).

    `upload` is an uploaded file, stored here (files.store_upload) before the request is
    locked, or a files.StoredFile stored already (intake stores before its transaction).
    A refused step leaves the stored file without a row, which is harmless (files.py)."""
    if purpose not in Attachment.Purpose.values:
        raise InvalidInput({"purpose": _("Choose what the file is.")})
    stored = upload if isinstance(upload, files.StoredFile) else files.store_upload(upload)
    with transition(rights_request, "add_evidence", actor) as step:
        attachment = files.attachment(step.request, stored, purpose=purpose, from_subject=True)
        attachment.save()
        step.data = {"attachment": attachment.pk, "purpose": purpose, "sha256": attachment.sha256}
    return attachment


# --- compensation (PIPL art. 69, GDPR art. 82) -----------------------------------------


def claim_compensation(
    rights_request: RightsRequest, *, actor: Actor, amount_minor: int, currency: str, covers: str = ""
) -> CompensationClaim:
    """The subject claims compensation; at most one open claim per request."""
    errors = {}
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        errors["amount"] = _("Enter an amount greater than zero.")
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        errors["currency"] = _("Enter a three-letter currency code such as %(example)s.") % {
            "example": law.texts(rights_request.jurisdiction).currency}
    if errors:
        raise InvalidInput(errors)
    with transition(rights_request, "claim_compensation", actor) as step:
        if step.request.claims.filter(status__in=CompensationClaim.OPEN_STATUSES).exists():
            raise TransitionNotAllowed(_("This request already has an open compensation claim."))
        claim = CompensationClaim.objects.create(
            request=step.request, claimed_minor=amount_minor, currency=currency.upper(), covers=covers.strip()
        )
        step.data = {"claim": claim.pk, "amount_minor": amount_minor, "currency": claim.currency}
    return claim


@contextmanager
def _claim_step(claim: CompensationClaim, action: str, actor: Actor) -> Iterator[tuple[Step, CompensationClaim]]:
    sources, target = CLAIM_RULES[action]
    with transition(claim.request, action, actor) as step:
        locked = CompensationClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.status not in sources:
            raise TransitionNotAllowed(
                _("A claim that is %(status)s cannot take this step.") % {"status": locked.get_status_display()}
            )
        yield step, locked
        locked.status = target
        locked.save()
        step.data = {"claim": locked.pk, "claim_status": target, **step.data}
    claim.refresh_from_db()


def _positive_amount(amount_minor: int) -> None:
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor < 0:
        raise InvalidInput({"amount": _("Enter an amount of zero or more.")})


def assess_claim(claim: CompensationClaim, *, actor: Actor, basis: str, amount_minor: int, note: str = "") -> None:
    """Assess the claim on a basis of the jurisdiction's law (orgs/law.py compensation_basis): the
    person's loss, the processor's gain, or a set amount. Internal: the requester is not told."""
    if basis not in CompensationClaim.Basis.values:
        raise InvalidInput({"basis": _("Choose the basis of the assessment.")})
    _positive_amount(amount_minor)
    with _claim_step(claim, "assess_claim", actor) as (step, locked):
        locked.basis, locked.assessed_minor, locked.assessment_note = basis, amount_minor, note.strip()
        step.data = {"basis": basis, "amount_minor": amount_minor}
        step.visible_to_subject = False


def offer_compensation(claim: CompensationClaim, *, actor: Actor, amount_minor: int) -> None:
    """Offer an amount on an assessed claim, or a new amount after the person declined.
    The requester is mailed the amount and how to accept or decline (their status page)."""
    _positive_amount(amount_minor)
    with _claim_step(claim, "offer_compensation", actor) as (step, locked):
        step.data = {"amount_minor": amount_minor, "currency": locked.currency}
        if locked.status == CompensationClaim.Status.DECLINED:
            step.data["previous_offer_minor"] = locked.offered_minor
        locked.offered_minor = amount_minor


def _answer_offer(claim: CompensationClaim, action: str, actor: Actor) -> None:
    # The amount answered goes on the record: a later new offer changes the claim's row.
    with _claim_step(claim, action, actor) as (step, locked):
        step.data = {"amount_minor": locked.offered_minor, "currency": locked.currency}


def accept_offer(claim: CompensationClaim, *, actor: Actor) -> None:
    """The person accepts the open offer; the officers (assignee, else deciders) are told."""
    _answer_offer(claim, "accept_offer", actor)


def decline_offer(claim: CompensationClaim, *, actor: Actor) -> None:
    """The person declines the open offer; the officers are told and may offer again or close
    the claim; the person is told the route to a court or regulator of their jurisdiction."""
    _answer_offer(claim, "decline_offer", actor)


def record_payment(
    claim: CompensationClaim, *, actor: Actor, amount_minor: int, reference: str, difference_reason: str = ""
) -> None:
    """Record the payment of an accepted offer. A payment that differs from the offer needs a
    reason, which is kept and shown with both figures; the requester is mailed the amount paid."""
    _positive_amount(amount_minor)
    require_text(reference=reference)
    with _claim_step(claim, "record_payment", actor) as (step, locked):
        reason = (difference_reason or "").strip()
        if amount_minor != locked.offered_minor and not reason:
            raise InvalidInput({"difference_reason": _(
                "The amount paid differs from the accepted offer of %(offer)s: say why."
            ) % {"offer": locked.offered_display}})
        if amount_minor == locked.offered_minor:
            reason = ""  # nothing to explain; a stray note is not kept as a "difference"
        locked.paid_minor, locked.payment_reference, locked.paid_at = amount_minor, reference.strip(), step.now
        locked.payment_difference_reason = reason
        step.data = {"amount_minor": amount_minor, "currency": locked.currency, "reference": locked.payment_reference,
                     "offered_minor": locked.offered_minor}
        if reason:
            step.data["difference_reason"] = reason


def close_claim(claim: CompensationClaim, *, actor: Actor, note: str) -> None:
    """Close a declined claim without a new offer, saying why; the requester is told the route
    to a court or regulator of their jurisdiction."""
    require_text(note=note)
    with _claim_step(claim, "close_claim", actor) as (step, locked):
        locked.closing_note = note.strip()
        step.data = {"note": locked.closing_note, "offered_minor": locked.offered_minor, "currency": locked.currency}


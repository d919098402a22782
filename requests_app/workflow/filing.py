"""Filing: a submission from the public becomes one request per kind asked for.

The requests of one submission share a subject and one verification challenge, held by
the first request, whose code verifies them all (verification.py); kinds that need no
verification (the CCPA opt-outs) are verified at once. Here too are the resend of a
code, the record that receipt was acknowledged, and the drawing of each request's
unique reference. Duplicates, evidence and a claim filed with the form are intake.py's.
"""

import uuid
from contextlib import nullcontext

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import calendars, law
from orgs.models import Alternative, CollectionPoint, Organisation
from requests_app.actors import SUBJECT, SYSTEM, Actor, ActorKind
from requests_app.cases import deadlines, tokens
from requests_app.cases.subjects import Identity, build_subject
from requests_app.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from requests_app.models import RightsRequest, VerificationChallenge
from requests_app.transparency import audit
from requests_app.delivery import event_webhooks
from requests_app.workflow import effects, submission_rows
from requests_app.workflow.transitions import recompute_deadlines, require_text, transition
from requests_app.workflow.verification import _mark_verified

Status = RightsRequest.Status


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
    collection_point: CollectionPoint | None = None,
    alternative_wanted: str = "",
) -> list[RightsRequest]:
    """File one request per kind from the public, as one submission: one subject, one
    verification challenge (on the first request) whose code verifies them all, one
    first event each. The code is sent by a task after commit, to the person's own
    contact (an agent's mailbox never verifies: CCPA regs §7063) or, for a deceased
    person, to the relative's own (PIPL art. 49; an officer then checks the evidence).
    A collection point is kept on the requests only if it is the organisation's own and on
    its public register; any other is ignored (the caller resolves it from a public link).
    A request for another way in (kind `alternative`) says which one the person would like
    (`alternative_wanted`, an orgs Alternative); it is kept on that request only."""
    if not organisation.accepts_public_requests:
        raise NotPermitted(_("This organisation does not take requests through Rightsdesk."))
    if not kinds or any(kind not in RightsRequest.Kind.values for kind in kinds) or len(set(kinds)) != len(kinds):
        raise InvalidInput({"kind": _("Choose what you are asking for.")})
    kinds = offered_kinds_first(organisation, kinds)
    if RightsRequest.Kind.ALTERNATIVE in kinds and alternative_wanted not in Alternative.values:
        raise InvalidInput({"alternative_wanted": _("Say which other way in you would like.")})
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
    if collection_point is not None and not (collection_point.organisation_id == organisation.pk
                                             and collection_point.published):
        collection_point = None
    policy = deadlines.get_policy(organisation.jurisdiction)
    tz, now, submission = organisation.time_zone, timezone.now(), uuid.uuid4()
    calendar = calendars.calendar_for(organisation.jurisdiction)
    filed = []
    for kind in kinds:
        rr = RightsRequest(
            organisation=organisation, kind=kind, filed_by=filed_by, submission=submission,
            requester_name=requester_name.strip(), requester_email=requester_email.strip(),
            jurisdiction=organisation.jurisdiction, data_description=data_description.strip(),
            details=details.strip(), received_at=now, status=Status.SUBMITTED,
            deceased_arranged_otherwise=deceased_arranged_otherwise, collection_point=collection_point,
            alternative_wanted=alternative_wanted if kind == RightsRequest.Kind.ALTERNATIVE else "",
            clock_started_at=deadlines.clock_start_for(policy, received_at=now, verified_at=None),
            acknowledge_by=deadlines.acknowledge_by(policy, received_at=now, tz=tz, kind=kind, calendar=calendar),
            expires_at=deadlines.unverified_expires_at(policy, received_at=now, tz=tz),
            reference=tokens.new_reference(),
        )
        rr.subject = subject  # for confirmation_email; the ids are drawn when written
        # A submitted request has no reminders (reminders.schedule): its NextReminder comes
        # with verification.
        recompute_deadlines(rr)
        filed.append(rr)
    # The code is on the first request (offered_kinds_first put a kind needing it first).
    challenge = None
    if deadlines.needs_verification(policy, filed[0].kind):
        email = filed[0].confirmation_email
        challenge = VerificationChallenge(channel=VerificationChallenge.Channel.EMAIL if email
                                          else VerificationChallenge.Channel.SMS)
    # The rows go in as one statement, a transaction of its own; a longer one only when
    # more is written after it (an opt-out verified at once, a subscriber's delivery).
    more_to_write = any(not deadlines.needs_verification(policy, rr.kind) for rr in filed) or (
        event_webhooks.wanted(organisation.pk, "submit"))
    with transaction.atomic() if more_to_write else nullcontext():
        events = submission_rows.write(subject, filed, lambda rr: audit.new_event(
            rr, action="submit", actor_id=None, actor_kind=ActorKind.SUBJECT, to_status=Status.SUBMITTED,
            data={"kind": rr.kind, "filed_by": filed_by}, visible_to_subject=True,
        ), challenge)
        for event in events:
            effects.after_event(event)
        file_without_verification(filed)
        if challenge is not None:
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

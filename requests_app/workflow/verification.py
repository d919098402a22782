"""Verification: establishing that a request comes from the person it is about.

The person verifies with the one-time code sent to their own contact, which verifies
every request of the submission; or an officer verifies after a check of their own, on
an agent's power of attorney, or, for a relative filing for a deceased person, on the
evidence of the death and the relationship (the relative's code only confirms their
own mailbox). Each way ends in `_mark_verified`, which starts the clock where the policy
says so and sets the first reminder; filing.py calls it too, for the kinds that need no
verification.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from orgs import law
from requests_app.actors import Actor, ActorKind
from requests_app.cases import reminders
from requests_app.cases.tokens import check_code, use_code
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import Attachment, RightsRequest
from requests_app.workflow.transitions import recompute_deadlines, require_text, transition

Status = RightsRequest.Status


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
        reminders.point(rr, reminders.first_reminder_at(rr, status=Status.VERIFIED))
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

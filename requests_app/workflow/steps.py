"""The registry of steps: every step a person takes on a request, declared once.

One declared object per step: its name, the transitions.RULES entry that says who may
take it from which states (and so what it sets off), what it does (`run`: one workflow or
task step), when it can work now besides the rule (`when`), its help text (the API's
summary) and the message once it is done; an officer's step also its label and button.

The officers' steps (OFFICER_STEPS) are the desk's POST /desk/requests/<ref>/<name>/
(requests_app/desk/actions.py) and the API's POST /api/v1/requests/<ref>/<name with
dashes>/ (requests_app/api/officer.py); the requester's (SUBJECT_STEPS) are the status
page's POST /status/<token>/<ref>/<name>/ (requests_app/public/views.py) and the citizens'
API's POST /api/v1/public/status/<token>/<ref>/<name with dashes>/ (api/citizen.py).
None of them lists a step of its own: each keeps only its input schema, registered by the
step's name (desk.forms.FORM_FOR, api.serializers.INPUT_FOR, public.forms.FORM_FOR,
api.citizen_serializers.INPUT_FOR), the two of a step giving `run` the same cleaned keys.
What anyone MAY do is decided again by the workflow under the row lock; `check` only
answers early, before any input is read, the way the workflow would.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from orgs.models import DataSystem
from requests_app import workflow
from requests_app.actors import SUBJECT, Actor
from requests_app.cases import deadlines, selectors, sharing
from requests_app.cases.selectors import CaseFile
from requests_app.errors import NotPermitted, TransitionNotAllowed
from requests_app.models import Attachment, CompensationClaim, FulfilmentTask, RightsRequest
from requests_app.workflow import alternatives, task_steps
from requests_app.workflow.transitions import CLAIM_RULES, RULES, Rule

Status = RightsRequest.Status
ClaimStatus = CompensationClaim.Status
Run = Callable[[RightsRequest, Actor, dict], Any]
Done = Callable[[RightsRequest, dict, Any], str]


def _always(case: CaseFile) -> bool:
    return True


@dataclass(frozen=True)
class OfficerStep:
    """A step a member of the request's organisation takes on the desk or through the API."""

    name: str  # snake_case; the API's path is the same with dashes
    run: Run  # (request, actor, cleaned data) -> result (most steps: None)
    label: Promise  # the heading of its form
    button: Promise  # its button
    help: Promise  # what it does, in a line (the API's summary)
    done: Promise | Done  # the message once done, or (request, data, result) -> that message
    when: Callable[[CaseFile], bool] = _always  # besides the rule: can it work now?
    rule_name: str = ""  # its transitions.RULES entry, when not `name`

    def __post_init__(self):
        if not self.rule_name:
            object.__setattr__(self, "rule_name", self.name)

    @property
    def rule(self) -> Rule:
        return RULES[self.rule_name]

    @property
    def api_path(self) -> str:
        return self.name.replace("_", "-")

    def may(self, role: str) -> bool:
        """Whether the role may take the step at all, in some state."""
        return role in self.rule.actors

    def allows(self, role: str, status: str) -> bool:
        """Whether the rule lets the role take the step from this status."""
        return self.may(role) and status in self.rule.sources

    def offered(self, case: CaseFile, role: str) -> bool:
        """Whether to offer it now: the rule allows it and it can work (`when`)."""
        return self.allows(role, case.request.status) and self.when(case)

    def check(self, role: str, status: str) -> None:
        """Refuse early what the rule refuses, as the workflow would: the role first
        (NotPermitted), then the state (TransitionNotAllowed)."""
        if not self.may(role):
            raise NotPermitted(_("Your role does not allow this step."))
        if status not in self.rule.sources:
            raise TransitionNotAllowed(
                _("A request that is %(status)s cannot take this step (%(action)s).")
                % {"status": Status(status).label, "action": self.rule_name}
            )

    def message(self, rr: RightsRequest, data: dict, result: Any) -> str:
        """What the member is told once the step is done."""
        return str(self.done if isinstance(self.done, Promise) else self.done(rr, data, result))


# --- when a step can work now, besides its rule --------------------------------------------


def _by_relative(case: CaseFile) -> bool:
    return case.request.filed_by == RightsRequest.FiledBy.NEXT_OF_KIN


def _not_by_relative(case: CaseFile) -> bool:
    return not _by_relative(case)


def _on_power_of_attorney(case: CaseFile) -> bool:
    return case.request.filed_by == RightsRequest.FiledBy.AGENT and any(
        attachment.purpose == Attachment.Purpose.AUTHORISATION for attachment in case.attachments)


def _refusable(case: CaseFile) -> bool:
    """In review; or a relative's request, their mailbox confirmed, that the check cannot verify."""
    rr = case.request
    return rr.status != Status.SUBMITTED or (_by_relative(case) and rr.requester_confirmed)


def _can_extend(case: CaseFile) -> bool:
    rr, now = case.request, timezone.now()
    policy = deadlines.get_policy(rr.jurisdiction)
    notice_by = deadlines.extension_notice_by(policy, received_at=rr.received_at, tz=rr.organisation.time_zone)
    return (deadlines.can_extend(policy, extensions_so_far=rr.extensions, kind=rr.kind)
            and rr.due_at is not None and now <= rr.due_at and (notice_by is None or now <= notice_by))


def _task_needing_hands(case: CaseFile) -> bool:
    return selectors.tasks_needing_hands(case.request).exists()


def _webhook_needing_hands(case: CaseFile) -> bool:
    return selectors.tasks_needing_hands(case.request).filter(connector=DataSystem.Connector.WEBHOOK).exists()


def _all_tasks_done(case: CaseFile) -> bool:
    return all(task.status == FulfilmentTask.Status.DONE for task in case.tasks) and not _an_alternative(case)


def _an_alternative(case: CaseFile) -> bool:
    """A request for another way in: provided by its own step, confirmed by the person."""
    return case.request.kind == RightsRequest.Kind.ALTERNATIVE


def _unanswered_long_enough(case: CaseFile) -> bool:
    return _an_alternative(case) and alternatives.may_close_unconfirmed(case.request)


def _in_the_systems(case: CaseFile) -> bool:
    return not _an_alternative(case)


def _requester_confirmed(case: CaseFile) -> bool:
    return case.request.requester_confirmed


def claim_for(step: OfficerStep, case: CaseFile) -> CompensationClaim | None:
    """The first claim of the case the claim step applies to (transitions.CLAIM_RULES)."""
    sources = CLAIM_RULES[step.rule_name][0]
    return next((claim for claim in case.claims if claim.status in sources), None)


def _claim_waiting(name: str) -> Callable[[CaseFile], bool]:
    return lambda case: claim_for(OFFICER_STEPS[name], case) is not None


# --- the messages once done ------------------------------------------------------------------


def _assigned(rr, data, result) -> str:
    return _("Assigned to %(name)s.") % {"name": data["assignee"].get_full_name() or data["assignee"].get_username()}


def _asked(rr, data, result) -> str:
    if rr.paused_at is None:
        return _("Your question was sent to the requester; the clock keeps running.")
    return _("Your question was sent to the requester; the clock is paused.")


def _late_note(rr: RightsRequest, action: str) -> str:
    """What the member is told after a decision later than the law allows (it stands, marked late)."""
    event = rr.events.filter(action=action).order_by("-seq").first()
    if not event.data.get("late"):
        return ""
    due = timezone.localtime(parse_datetime(event.data["due_at"]), rr.organisation.time_zone)
    return " " + _("It was due by %(due)s: the decision is recorded as late, on the case and on the dashboard.") % {
        "due": date_format(due, "DATETIME_FORMAT")}


def _approved(rr, data, result) -> str:
    return str(_("Approved.")) + _late_note(rr, "approve")


def _refused(rr, data, result) -> str:
    event = rr.events.filter(action="refuse").order_by("-seq").first()
    if event.data.get("final"):
        done = _("Refused. This decision on the appeal is final: the requester is told the reason, the legal "
                 "ground and where they can turn now.")
    else:
        done = _("Refused. The requester is told the reason, the legal ground and how to appeal or complain.")
    return str(done) + _late_note(rr, "refuse")


def _in_system(text: Promise) -> Done:
    return lambda rr, data, result: text % {"system": data["task"].system.name}


# --- what each step does: one workflow or task step ---------------------------------------------


def _record_by_hand(rr, actor, data):
    hand = task_steps.HandOutcome(outcome=data["outcome"], detail=data.get("detail", ""), note=data.get("note", ""),
                                  upload=data.get("upload"))
    return task_steps.record_by_hand(data["task"], actor=actor, hand=hand)


_OFFICER_STEPS = [
    OfficerStep(
        "reveal_contact", lambda rr, a, d: workflow.reveal_contact(rr, actor=a),
        _("Reveal contact details"), _("Reveal contact details"),
        _("Reveal the requester's contact details; every look is recorded in the case history (owners, officers "
          "and auditors)."),
        _("The contact details are shown under “The person”; that you saw them is recorded.")),
    OfficerStep(
        "assign", lambda rr, a, d: workflow.assign(rr, actor=a, assignee=d["assignee"]),
        _("Assign"), _("Assign"), _("Assign to an owner or officer (a verified request moves to review)."), _assigned),
    OfficerStep(
        "verify", lambda rr, a, d: workflow.verify_identity(rr, actor=a, check_performed=d["check_performed"]),
        _("Verify the identity by hand"), _("Mark as verified"), _("Verify the identity by hand."),
        _("The identity is verified; the clock runs as the law says."), when=_not_by_relative),
    OfficerStep(
        "verify_next_of_kin", lambda rr, a, d: workflow.verify_next_of_kin(
            rr, actor=a, death_checked=d["death_checked"], relationship_checked=d["relationship_checked"],
            arranged_otherwise=d["arranged_otherwise"], check_performed=d["check_performed"]),
        _("Check the evidence of death and relationship (PIPL art. 49)"), _("Record the check and verify"),
        _("Verify a relative's request for a deceased person after checking the evidence (PIPL art. 49)."),
        _("The evidence is checked and the request verified; the clock runs as the law says."), when=_by_relative),
    OfficerStep(
        "verify_power_of_attorney", lambda rr, a, d: workflow.verify_power_of_attorney(
            rr, actor=a, attachment=d["attachment"], check_performed=d["check_performed"]),
        _("Verify on a power of attorney"), _("Record the check and verify"),
        _("Verify an agent's request on the power of attorney attached to it."),
        _("The power of attorney is checked and the request verified."), when=_on_power_of_attorney,
        rule_name="verify"),
    OfficerStep(
        "ask_info", lambda rr, a, d: workflow.ask_for_information(rr, actor=a, question=d["question"],
                                                                  reason=d.get("reason", "")),
        _("Ask the requester for information"), _("Send the question"),
        _("Ask the requester for information (the clock pauses where the law allows)."), _asked),
    OfficerStep(
        "extend", lambda rr, a, d: workflow.extend(rr, actor=a, reason=d["reason"]),
        _("Extend the deadline"), _("Extend"), _("Extend the deadline where the law allows."),
        _("The deadline was extended; the requester is told why."), when=_can_extend),
    OfficerStep(
        "approve", lambda rr, a, d: workflow.approve(rr, actor=a, note=d.get("note", "")),
        _("Approve"), _("Approve"), _("Approve."), _approved),
    OfficerStep(
        "refuse", lambda rr, a, d: workflow.refuse(rr, actor=a, reason=d["reason"], legal_ground=d["legal_ground"]),
        _("Refuse"), _("Refuse the request"), _("Refuse, with reason and legal ground."), _refused, when=_refusable),
    OfficerStep(
        "provide_alternative", lambda rr, a, d: workflow.provide_alternative(
            rr, actor=a, alternative=d["alternative"], details=d["details"], available_from=d.get("available_from")),
        _("Provide another way in"), _("Record and tell the requester"),
        _("Record the other way in than a face scan provided to the requester (which one, how to use it, from "
          "when); they are asked to confirm it works."),
        _("The other way in is recorded and the requester is asked to confirm it works."), when=_an_alternative),
    OfficerStep(
        "start_fulfilment", lambda rr, a, d: workflow.start_fulfilment(rr, actor=a),
        _("Start fulfilment"), _("Start fulfilment"), _("Start fulfilment: one task per data system."),
        _("Fulfilment started in the organisation's data systems."), when=_in_the_systems),
    OfficerStep(
        "record_task_outcome", _record_by_hand,
        _("Record by hand what was done in a system"), _("Record the outcome"),
        _("Record by hand what became of the person's data in one system of this request, when its connector "
          "failed or went silent or the system is manual (multipart: a copy or portable file goes in `upload`)."),
        _in_system(_("The outcome in %(system)s was recorded.")), when=_task_needing_hands),
    OfficerStep(
        "retry_task", lambda rr, a, d: task_steps.retry_task(d["task"], actor=a),
        _("Try a system again"), _("Try again"),
        _("Send a failed, silent or stalled task of this request round again."),
        _in_system(_("%(system)s will be tried again now.")), when=_task_needing_hands),
    OfficerStep(
        "repoint_task", lambda rr, a, d: task_steps.repoint_task(d["task"], actor=a, webhook_url=d["webhook_url"]),
        _("Point a system's webhook at a new address"), _("Re-point and try again"),
        _("Point a webhook system at a new address (later requests go there too) and send this request's task "
          "again."),
        _in_system(_("%(system)s now points at the new address and is tried again.")), when=_webhook_needing_hands),
    OfficerStep(
        "finish_fulfilment", lambda rr, a, d: workflow.finish_fulfilment(rr, actor=a,
                                                                         explanation=d.get("explanation", "")),
        _("Finish fulfilment"), _("Finish fulfilment"), _("Finish fulfilment once every task is done."),
        _("The request is fulfilled."), when=_all_tasks_done),
    OfficerStep(
        "close_unconfirmed_alternative", lambda rr, a, d: workflow.close_unconfirmed_alternative(
            rr, actor=a, note=d["note"]),
        _("Close without the requester's answer"), _("Close as fulfilled"),
        _("Close a request for another way in whose requester did not say, within 14 days of the way in "
          "provided, whether it works; the letter says it was not confirmed."),
        _("The request is closed as fulfilled, without the requester's confirmation."),
        when=_unanswered_long_enough),
    OfficerStep(
        "message_subject", lambda rr, a, d: workflow.message_subject(rr, actor=a, body=d["body"]),
        _("Write to the requester"), _("Send"), _("Write to the requester."),
        _("Your message was sent to the requester."), when=_requester_confirmed),
    OfficerStep(
        "add_note", lambda rr, a, d: workflow.add_note(rr, actor=a, body=d["body"]),
        _("Add an internal note"), _("Add note"), _("Add an internal note (never shown to the requester)."),
        _("Note added.")),
    OfficerStep(
        "assess_claim", lambda rr, a, d: workflow.assess_claim(
            d["claim"], actor=a, basis=d["basis"], amount_minor=d["amount_minor"], note=d.get("note", "")),
        _("Assess the compensation claim"), _("Record the assessment"), _("Assess the compensation claim."),
        _("The claim is assessed."), when=_claim_waiting("assess_claim")),
    OfficerStep(
        "offer_compensation", lambda rr, a, d: workflow.offer_compensation(d["claim"], actor=a,
                                                                           amount_minor=d["amount_minor"]),
        _("Offer compensation"), _("Send the offer"), _("Offer compensation."),
        _("The offer was sent to the requester."), when=_claim_waiting("offer_compensation")),
    OfficerStep(
        "record_payment", lambda rr, a, d: workflow.record_payment(
            d["claim"], actor=a, amount_minor=d["amount_minor"], reference=d["reference"],
            difference_reason=d.get("difference_reason", "")),
        _("Record the payment"), _("Record the payment"),
        _("Record the payment of the accepted offer (a different amount needs difference_reason)."),
        _("The payment is recorded; the requester is told the amount paid and the reference."),
        when=_claim_waiting("record_payment")),
    OfficerStep(
        "close_claim", lambda rr, a, d: workflow.close_claim(d["claim"], actor=a, note=d["note"]),
        _("Close the declined claim"), _("Close the claim"), _("Close a declined claim without a new offer."),
        _("The claim is closed; the requester is told where they can turn under their law."),
        when=_claim_waiting("close_claim")),
]
# In the order the case page lists them.
OFFICER_STEPS: dict[str, OfficerStep] = {step.name: step for step in _OFFICER_STEPS}


# --- the requester's steps (the public status page and the citizens' API) ----------------------


@dataclass(frozen=True)
class SubjectStep:
    """A step the requester takes through their secret link (always as the SUBJECT actor)."""

    name: str  # snake_case; the citizens' API's path is the same with dashes
    rules: tuple[str, ...]  # the transitions.RULES entries it may take (a reply: an answer, or a message)
    run: Callable[[RightsRequest, dict], Any]  # (request, cleaned data) -> result
    help: Promise  # what it does (the citizens' API's summary)
    done: Promise | Done  # the message once done
    when: Callable[[RightsRequest], bool] = lambda rr: True  # besides the rules: can it work now?

    @property
    def api_path(self) -> str:
        return self.name.replace("_", "-")

    def offered(self, rr: RightsRequest) -> bool:
        """Whether the status page offers it now (and the API says so)."""
        return any(rr.status in RULES[rule].sources for rule in self.rules) and self.when(rr)

    def message(self, rr: RightsRequest, data: dict, result: Any) -> str:
        return str(self.done if isinstance(self.done, Promise) else self.done(rr, data, result))


def _reply(rr, data):
    if rr.status == Status.AWAITING_SUBJECT:
        return workflow.answer(rr, actor=SUBJECT, body=data["body"])
    return workflow.subject_message(rr, actor=SUBJECT, body=data["body"])


def _add_evidence(rr, data):
    return [workflow.add_evidence(rr, actor=SUBJECT, upload=upload, purpose=Attachment.Purpose.EVIDENCE)
            for upload in data["evidence"]]


def _offered_claim(rr: RightsRequest, data: dict) -> CompensationClaim:
    """The claim answered: the one named, else the open offer."""
    claim = data.get("claim") or rr.claims.filter(status=ClaimStatus.OFFERED).order_by("-pk").first()
    if claim is None:
        raise TransitionNotAllowed(_("There is no offer to answer."))
    return claim


def _appeal_open(rr: RightsRequest) -> bool:
    return bool(rr.appeal_closes_at and timezone.now() <= rr.appeal_closes_at)


def _no_open_claim(rr: RightsRequest) -> bool:
    return not rr.claims.filter(status__in=CompensationClaim.OPEN_STATUSES).exists()


def _an_offer(rr: RightsRequest) -> bool:
    return rr.claims.filter(status=ClaimStatus.OFFERED).exists()


def _answer_the_alternative(rr: RightsRequest, data: dict):
    if data["works"]:
        return workflow.confirm_alternative(rr, actor=SUBJECT, comment=data.get("comment", ""))
    return workflow.alternative_not_working(rr, actor=SUBJECT, comment=data.get("comment", ""))


def _alternative_answered(rr: RightsRequest, data: dict, result) -> str:
    if data["works"]:
        return _("Thank you: you confirmed the other way in works. Your request is fulfilled.")
    return _("Thank you: the organisation is told the other way in does not work, with your words.")


def _an_alternative_request(rr: RightsRequest) -> bool:
    return rr.kind == RightsRequest.Kind.ALTERNATIVE


def _files_to_share(rr: RightsRequest) -> bool:
    return sharing.shareable(rr).exists()


def _shared(rr: RightsRequest, data: dict, result) -> str:
    if result:
        return _("Your choice is saved: the files you ticked may be copied into evidence bundles for a court or a "
                 "regulator.")
    return _("Your choice is saved: no file of yours will be copied into evidence bundles; they list only each "
             "file's fingerprint (SHA-256).")


_SUBJECT_STEPS = [
    SubjectStep("reply", ("answer", "subject_message"), _reply,
                _("Write to the organisation (answers its question if it asked one)."), _("Your message was sent.")),
    SubjectStep("add_evidence", ("add_evidence",), _add_evidence,
                _("Add files to the request (PDF or images, at most 10 MB each), base64-encoded."),
                _("Your files were added.")),
    SubjectStep("confirm_alternative", ("confirm_alternative", "alternative_not_working"), _answer_the_alternative,
                _("Answer whether the other way in provided works (`works`), with a comment (required when it "
                  "does not)."), _alternative_answered, when=_an_alternative_request),
    SubjectStep("withdraw", ("withdraw",), lambda rr, d: workflow.withdraw(rr, actor=SUBJECT),
                _("Withdraw the request (before fulfilment)."), _("Your request was withdrawn.")),
    SubjectStep("appeal", ("appeal",), lambda rr, d: workflow.appeal(rr, actor=SUBJECT, grounds=d["grounds"]),
                _("Appeal a refusal within the appeal window."),
                _("Your appeal was sent. The request is being reviewed again."), when=_appeal_open),
    SubjectStep("claim_compensation", ("claim_compensation",), lambda rr, d: workflow.claim_compensation(
        rr, actor=SUBJECT, amount_minor=d["amount_minor"], currency=d["currency"], covers=d.get("covers", "")),
        _("Claim compensation for the harm the processing caused (one open claim per request)."),
        _("Your claim was sent to the organisation. It will tell you what it offers."), when=_no_open_claim),
    SubjectStep("accept_offer", ("accept_offer",),
                lambda rr, d: workflow.accept_offer(_offered_claim(rr, d), actor=SUBJECT),
                _("Accept the compensation offered."), _("You accepted the offer."), when=_an_offer),
    SubjectStep("decline_offer", ("decline_offer",),
                lambda rr, d: workflow.decline_offer(_offered_claim(rr, d), actor=SUBJECT),
                _("Decline the compensation offered."), _("You declined the offer."), when=_an_offer),
    SubjectStep("share_files", ("share_files",), lambda rr, d: workflow.share_files(
        rr, actor=SUBJECT, attachment_ids=[attachment.pk for attachment in d["files"]]),
        _("Choose which of your uploaded files may be copied into evidence bundles for a court or a regulator "
          "(`files`: their ids; an empty list withdraws the consent)."), _shared, when=_files_to_share),
]
SUBJECT_STEPS: dict[str, SubjectStep] = {step.name: step for step in _SUBJECT_STEPS}

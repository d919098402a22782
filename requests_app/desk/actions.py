"""The steps an officer takes on the case page: one small function per step, each calling
one workflow function (as requests_app/public/views.py SUBJECT_ACTIONS does for the
requester), and when the page offers it.

What a member MAY do is workflow.RULES (and the workflow checks it again on every step);
`offered` only hides what the current state would refuse anyway, so the page shows the
steps that can work now. A step returns the message to show, or what to render.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import DataSystem
from requests_app import workflow
from requests_app.cases import deadlines
from requests_app.cases.selectors import CaseFile
from requests_app.desk import forms
from requests_app.models import Attachment, CompensationClaim, FulfilmentTask, RightsRequest
from requests_app.money import to_major
from requests_app.workflow import task_steps

ClaimStatus = CompensationClaim.Status


@dataclass(frozen=True)
class DeskAction:
    rule: str  # the workflow.RULES entry that says who may, and from which states
    form: type[forms.ActionForm]
    run: Callable  # (rr, actor, user, cleaned_data) -> message | workflow.Contact
    when: Callable[[CaseFile], bool] = lambda case: True  # besides the rule: can it work now?


def _claim_in(*statuses):
    return lambda case: any(claim.status in statuses for claim in case.claims)


def _can_extend(case: CaseFile) -> bool:
    rr = case.request
    policy = deadlines.get_policy(rr.jurisdiction)
    notice_by = deadlines.extension_notice_by(policy, received_at=rr.received_at, tz=rr.organisation.time_zone)
    return (deadlines.can_extend(policy, extensions_so_far=rr.extensions, kind=rr.kind)
            and rr.due_at is not None and timezone.now() <= rr.due_at
            and (notice_by is None or timezone.now() <= notice_by))


def _task_needing_hands(case: CaseFile) -> bool:
    return forms.tasks_needing_hands(case.request).exists()


def _webhook_needing_hands(case: CaseFile) -> bool:
    return forms.tasks_needing_hands(case.request).filter(connector=DataSystem.Connector.WEBHOOK).exists()


def _all_tasks_done(case: CaseFile) -> bool:
    return all(task.status == FulfilmentTask.Status.DONE for task in case.tasks)


def _reveal(rr, actor, user, data):
    return workflow.reveal_contact(rr, actor=actor)


def _assign(rr, actor, user, data):
    workflow.assign(rr, actor=actor, assignee=data["assignee"])
    return _("Assigned to %(name)s.") % {"name": data["assignee"].get_full_name() or data["assignee"].get_username()}


def _verify(rr, actor, user, data):
    workflow.verify_identity(rr, actor=actor, check_performed=data["check_performed"])
    return _("The identity is verified; the clock runs as the law says.")


def _verify_next_of_kin(rr, actor, user, data):
    workflow.verify_next_of_kin(rr, actor=actor, death_checked=data["death_checked"],
                                relationship_checked=data["relationship_checked"],
                                arranged_otherwise=data["arranged_otherwise"] == "yes",
                                check_performed=data["check_performed"])
    return _("The evidence is checked and the request verified; the clock runs as the law says.")


def _verify_power_of_attorney(rr, actor, user, data):
    workflow.verify_power_of_attorney(rr, actor=actor, attachment=data["attachment"],
                                      check_performed=data["check_performed"])
    return _("The power of attorney is checked and the request verified.")


def _by_relative(case: CaseFile) -> bool:
    return case.request.filed_by == RightsRequest.FiledBy.NEXT_OF_KIN


def _refusable(case: CaseFile) -> bool:
    """In review; or a relative's request, their mailbox confirmed, that the check cannot verify."""
    rr = case.request
    return rr.status != RightsRequest.Status.SUBMITTED or (_by_relative(case) and rr.requester_confirmed)


def _on_power_of_attorney(case: CaseFile) -> bool:
    return (case.request.filed_by == RightsRequest.FiledBy.AGENT
            and case.request.attachments.filter(purpose=Attachment.Purpose.AUTHORISATION).exists())


def _ask(rr, actor, user, data):
    workflow.ask_for_information(rr, actor=actor, question=data["question"], reason=data.get("reason", ""))
    if rr.paused_at is None:
        return _("Your question was sent to the requester; the clock keeps running.")
    return _("Your question was sent to the requester; the clock is paused.")


def _extend(rr, actor, user, data):
    workflow.extend(rr, actor=actor, reason=data["reason"])
    return _("The deadline was extended; the requester is told why.")


def _approve(rr, actor, user, data):
    workflow.approve(rr, actor=actor, note=data["note"])
    return _("Approved.") + _late_note(rr, "approve")


def _refuse(rr, actor, user, data):
    workflow.refuse(rr, actor=actor, reason=data["reason"], legal_ground=data["legal_ground_text"])
    event = rr.events.filter(action="refuse").order_by("-seq").first()
    if event.data.get("final"):
        done = _("Refused. This decision on the appeal is final: the requester is told the reason, the legal "
                 "ground and where they can turn now.")
    else:
        done = _("Refused. The requester is told the reason, the legal ground and how to appeal or complain.")
    return done + _late_note(rr, "refuse")


def _late_note(rr, action) -> str:
    """What the officer is told after a decision later than the law allows (it stands, marked late)."""
    event = rr.events.filter(action=action).order_by("-seq").first()
    if not event.data.get("late"):
        return ""
    due = timezone.localtime(parse_datetime(event.data["due_at"]), rr.organisation.time_zone)
    return " " + _("It was due by %(due)s: the decision is recorded as late, on the case and on the dashboard.") % {
        "due": date_format(due, "DATETIME_FORMAT")}


def _start(rr, actor, user, data):
    workflow.start_fulfilment(rr, actor=actor)
    return _("Fulfilment started in the organisation's data systems.")


def _outcome(rr, actor, user, data):
    hand = task_steps.HandOutcome(outcome=data["outcome"], detail=data.get("detail", ""), note=data.get("note", ""),
                                  upload=data.get("upload"))
    task_steps.record_by_hand(data["task"], actor=actor, hand=hand)
    return _("The outcome in %(system)s was recorded.") % {"system": data["task"].system.name}


def _retry(rr, actor, user, data):
    task_steps.retry_task(data["task"], actor=actor)
    return _("%(system)s will be tried again now.") % {"system": data["task"].system.name}


def _repoint(rr, actor, user, data):
    task_steps.repoint_task(data["task"], actor=actor, webhook_url=data["webhook_url"])
    return _("%(system)s now points at the new address and is tried again.") % {"system": data["task"].system.name}


def _finish(rr, actor, user, data):
    workflow.finish_fulfilment(rr, actor=actor, explanation=data.get("explanation", ""))
    return _("The request is fulfilled.")


def _message(rr, actor, user, data):
    workflow.message_subject(rr, actor=actor, body=data["body"])
    return _("Your message was sent to the requester.")


def _note(rr, actor, user, data):
    workflow.add_note(rr, actor=actor, body=data["body"])
    return _("Note added.")


def _assess(rr, actor, user, data):
    workflow.assess_claim(data["claim"], actor=actor, basis=data["basis"], amount_minor=data["amount_minor"],
                          note=data["note"])
    return _("The claim is assessed.")


def _offer(rr, actor, user, data):
    workflow.offer_compensation(data["claim"], actor=actor, amount_minor=data["amount_minor"])
    return _("The offer was sent to the requester.")


def _payment(rr, actor, user, data):
    workflow.record_payment(data["claim"], actor=actor, amount_minor=data["amount_minor"],
                            reference=data["reference"], difference_reason=data["difference_reason"])
    return _("The payment is recorded; the requester is told the amount paid and the reference.")


def _close_claim(rr, actor, user, data):
    workflow.close_claim(data["claim"], actor=actor, note=data["note"])
    return _("The claim is closed; the requester is told where they can turn under their law.")


ACTIONS: dict[str, DeskAction] = {
    "reveal": DeskAction("reveal_contact", forms.EmptyForm, _reveal),
    "assign": DeskAction("assign", forms.AssignForm, _assign),
    "verify": DeskAction("verify", forms.VerifyForm, _verify, when=lambda case: not _by_relative(case)),
    "verify_next_of_kin": DeskAction("verify_next_of_kin", forms.NextOfKinCheckForm, _verify_next_of_kin,
                                     when=_by_relative),
    "verify_power_of_attorney": DeskAction("verify", forms.PowerOfAttorneyForm, _verify_power_of_attorney,
                                           when=_on_power_of_attorney),
    "ask_info": DeskAction("ask_info", forms.QuestionForm, _ask),
    "extend": DeskAction("extend", forms.ExtendForm, _extend, when=_can_extend),
    "approve": DeskAction("approve", forms.ApproveForm, _approve),
    "refuse": DeskAction("refuse", forms.RefuseForm, _refuse, when=_refusable),
    "start_fulfilment": DeskAction("start_fulfilment", forms.EmptyForm, _start),
    "record_outcome": DeskAction("record_task_outcome", forms.OutcomeForm, _outcome, when=_task_needing_hands),
    "retry_task": DeskAction("retry_task", forms.RetryForm, _retry, when=_task_needing_hands),
    "repoint_task": DeskAction("repoint_task", forms.RepointForm, _repoint, when=_webhook_needing_hands),
    "finish_fulfilment": DeskAction("finish_fulfilment", forms.FinishForm, _finish, when=_all_tasks_done),
    "message": DeskAction("message_subject", forms.MessageForm, _message,
                          when=lambda case: case.request.requester_confirmed),
    "note": DeskAction("add_note", forms.NoteForm, _note),
    "assess": DeskAction("assess_claim", forms.AssessForm, _assess, when=_claim_in(ClaimStatus.CLAIMED)),
    "offer": DeskAction("offer_compensation", forms.OfferForm, _offer,
                        when=_claim_in(ClaimStatus.ASSESSED, ClaimStatus.DECLINED)),
    "payment": DeskAction("record_payment", forms.PaymentForm, _payment, when=_claim_in(ClaimStatus.ACCEPTED)),
    "close_claim": DeskAction("close_claim", forms.CloseClaimForm, _close_claim,
                              when=_claim_in(ClaimStatus.DECLINED)),
}


# What the case page calls each step: (the heading that opens its form, its button).
LABELS = {
    "assign": (gettext_lazy("Assign"), gettext_lazy("Assign")),
    "verify": (gettext_lazy("Verify the identity by hand"), gettext_lazy("Mark as verified")),
    "verify_next_of_kin": (gettext_lazy("Check the evidence of death and relationship (PIPL art. 49)"),
                           gettext_lazy("Record the check and verify")),
    "verify_power_of_attorney": (gettext_lazy("Verify on a power of attorney"),
                                 gettext_lazy("Record the check and verify")),
    "ask_info": (gettext_lazy("Ask the requester for information"), gettext_lazy("Send the question")),
    "extend": (gettext_lazy("Extend the deadline"), gettext_lazy("Extend")),
    "approve": (gettext_lazy("Approve"), gettext_lazy("Approve")),
    "refuse": (gettext_lazy("Refuse"), gettext_lazy("Refuse the request")),
    "start_fulfilment": (gettext_lazy("Start fulfilment"), gettext_lazy("Start fulfilment")),
    "record_outcome": (gettext_lazy("Record by hand what was done in a system"), gettext_lazy("Record the outcome")),
    "retry_task": (gettext_lazy("Try a system again"), gettext_lazy("Try again")),
    "repoint_task": (gettext_lazy("Point a system's webhook at a new address"), gettext_lazy("Re-point and try again")),
    "finish_fulfilment": (gettext_lazy("Finish fulfilment"), gettext_lazy("Finish fulfilment")),
    "message": (gettext_lazy("Write to the requester"), gettext_lazy("Send")),
    "note": (gettext_lazy("Add an internal note"), gettext_lazy("Add note")),
    "assess": (gettext_lazy("Assess the compensation claim"), gettext_lazy("Record the assessment")),
    "offer": (gettext_lazy("Offer compensation"), gettext_lazy("Send the offer")),
    "payment": (gettext_lazy("Record the payment"), gettext_lazy("Record the payment")),
    "close_claim": (gettext_lazy("Close the declined claim"), gettext_lazy("Close the claim")),
}
# Steps with nothing (or nothing required) to type: a button on the page, not a folded form.
# Approve is a link to its confirmation page (views.approve_confirm), which holds its form.
BUTTONS = ("approve", "start_fulfilment", "finish_fulfilment")


def may(role: str, name: str) -> bool:
    """Whether the role may take this desk step at all (workflow.RULES), in any state."""
    return role in workflow.RULES[ACTIONS[name].rule].actors


def offered(case: CaseFile, role: str) -> list[str]:
    """The steps to show on the case page: the role may take them and they can work now."""
    status = case.request.status
    return [
        name for name, action in ACTIONS.items()
        if may(role, name) and status in workflow.RULES[action.rule].sources and action.when(case)
    ]


def blank_forms(case: CaseFile, membership, names) -> dict[str, forms.ActionForm]:
    """An unbound form per offered step, the claim steps aimed at the claim they apply to."""
    made = {}
    for name in names:
        initial = {}
        if issubclass(ACTIONS[name].form, forms.ClaimForm):
            wanted = {"assess": {ClaimStatus.CLAIMED}, "offer": {ClaimStatus.ASSESSED, ClaimStatus.DECLINED},
                      "payment": {ClaimStatus.ACCEPTED}, "close_claim": {ClaimStatus.DECLINED}}[name]
            claim = next(c for c in case.claims if c.status in wanted)
            initial = {"claim": claim.pk, "amount": _major(claim)}
        made[name] = ACTIONS[name].form(rr=case.request, membership=membership, initial=initial)
    return made


def _major(claim: CompensationClaim):
    amount = claim.offered_minor if claim.offered_minor is not None else claim.assessed_minor
    return to_major(amount if amount is not None else claim.claimed_minor, claim.currency)

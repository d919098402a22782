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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from orgs.models import DataSystem
from requests_app import deadlines, workflow
from requests_app.connectors import manual
from requests_app.models import CompensationClaim, FulfilmentTask
from requests_app.money import to_major
from requests_app.officer import forms
from requests_app.selectors import CaseFile

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
    return (deadlines.can_extend(policy, extensions_so_far=rr.extensions)
            and rr.due_at is not None and timezone.now() <= rr.due_at)


def _open_manual_task(case: CaseFile) -> bool:
    return any(t.connector == DataSystem.Connector.MANUAL and t.status != FulfilmentTask.Status.DONE
               for t in case.tasks)


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


def _ask(rr, actor, user, data):
    workflow.ask_for_information(rr, actor=actor, question=data["question"])
    return _("Your question was sent to the requester.")


def _extend(rr, actor, user, data):
    workflow.extend(rr, actor=actor, reason=data["reason"])
    return _("The deadline was extended; the requester is told why.")


def _approve(rr, actor, user, data):
    workflow.approve(rr, actor=actor, note=data["note"])
    return _("Approved.")


def _refuse(rr, actor, user, data):
    workflow.refuse(rr, actor=actor, reason=data["reason"], legal_ground=data["legal_ground"])
    return _("Refused. The requester is told the reason, the legal ground and how to appeal or complain.")


def _start(rr, actor, user, data):
    workflow.start_fulfilment(rr, actor=actor)
    return _("Fulfilment started in the organisation's data systems.")


def _outcome(rr, actor, user, data):
    manual.confirm(data["task"], user, outcome=data["outcome"], retention_reason=data["retention_reason"],
                   note=data["note"])
    return _("The outcome in %(system)s was recorded.") % {"system": data["task"].system.name}


def _finish(rr, actor, user, data):
    workflow.finish_fulfilment(rr, actor=actor)
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
    "verify": DeskAction("verify", forms.VerifyForm, _verify),
    "ask_info": DeskAction("ask_info", forms.QuestionForm, _ask),
    "extend": DeskAction("extend", forms.ExtendForm, _extend, when=_can_extend),
    "approve": DeskAction("approve", forms.ApproveForm, _approve),
    "refuse": DeskAction("refuse", forms.RefuseForm, _refuse),
    "start_fulfilment": DeskAction("start_fulfilment", forms.EmptyForm, _start),
    "record_outcome": DeskAction("record_task_outcome", forms.OutcomeForm, _outcome, when=_open_manual_task),
    "finish_fulfilment": DeskAction("finish_fulfilment", forms.EmptyForm, _finish, when=_all_tasks_done),
    "message": DeskAction("message_subject", forms.MessageForm, _message),
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
    "assign": (_l("Assign"), _l("Assign")),
    "verify": (_l("Verify the identity by hand"), _l("Mark as verified")),
    "ask_info": (_l("Ask the requester for information"), _l("Send the question")),
    "extend": (_l("Extend the deadline"), _l("Extend")),
    "approve": (_l("Approve"), _l("Approve")),
    "refuse": (_l("Refuse"), _l("Refuse the request")),
    "start_fulfilment": (_l("Start fulfilment"), _l("Start fulfilment")),
    "record_outcome": (_l("Record the outcome in a manual system"), _l("Record the outcome")),
    "finish_fulfilment": (_l("Finish fulfilment"), _l("Finish fulfilment")),
    "message": (_l("Write to the requester"), _l("Send")),
    "note": (_l("Add an internal note"), _l("Add note")),
    "assess": (_l("Assess the compensation claim"), _l("Record the assessment")),
    "offer": (_l("Offer compensation"), _l("Send the offer")),
    "payment": (_l("Record the payment"), _l("Record the payment")),
    "close_claim": (_l("Close the declined claim"), _l("Close the claim")),
}
# Steps with nothing (or nothing required) to type: a button on the page, not a folded form.
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

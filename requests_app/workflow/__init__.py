"""Changing a case: every state change of a rights request and of its compensation claim.

One function per transition of DESIGN.md. Each locks the request row, checks the
source state against RULES and the actor's role, changes the row, writes exactly one
RequestEvent, and queues side effects on commit. No other code assigns `status`.
A forbidden step raises a WorkflowError subclass and changes nothing.

The steps, by what they are about: filing.py (a submission becomes requests; its code
and references), verification.py (that the request comes from the person), review.py
(assigning, deadlines, approval, refusal, appeal), questions.py (asking the requester,
and the clock paused meanwhile), carrying_out.py (the work in the data systems, the
erasure certificate), closing.py (withdrawal, expiry, removing contact details),
conversation.py (messages, notes, evidence, a look at the contact details),
alternatives.py (another way in than a face scan, provided and confirmed) and
claims.py (compensation), evidence.py (files shared in evidence bundles, and each
bundle exported). This module only gathers them, so that callers write
`workflow.approve(...)` wherever a step lives; the step modules never import it.

Beside the steps: transitions.py (the rules tables and the one locked transition every
step runs in), effects.py (what a step sets off after commit), intake.py (a form's or
the API's submission turned into requests), sweeps.py (the periodic work the clock
owes). May import cases, delivery, transparency, models and the shared words; it queues
background work through requests_app.broker by name, never importing the tasks.
"""

from requests_app.errors import InvalidInput, NotPermitted, TransitionNotAllowed, VerificationFailed, WorkflowError
from requests_app.workflow.alternatives import (
    alternative_not_working,
    close_unconfirmed_alternative,
    confirm_alternative,
    provide_alternative,
)
from requests_app.workflow.carrying_out import (
    ERASURE_KINDS,
    Erasure,
    finish_fulfilment,
    record_task_outcome,
    start_fulfilment,
)
from requests_app.workflow.claims import (
    accept_offer,
    assess_claim,
    claim_compensation,
    close_claim,
    decline_offer,
    offer_compensation,
    record_payment,
)
from requests_app.workflow.closing import (
    CONTACT_FIELDS,
    expire,
    purge_contact_details,
    unverified_deletion_offer,
    withdraw,
)
from requests_app.workflow.conversation import (
    Contact,
    add_evidence,
    add_note,
    message_subject,
    reveal_contact,
    subject_message,
)
from requests_app.workflow.evidence import record_evidence_export, share_files
from requests_app.workflow.filing import (
    MAX_CHALLENGES,
    file_without_verification,
    new_verification_challenge,
    offered_kinds_first,
    record_acknowledgement,
    submit,
    submit_many,
)
from requests_app.workflow.questions import answer, ask_for_information, chase_subject, close_unanswered
from requests_app.workflow.review import (
    appeal,
    appeals_of,
    approve,
    assign,
    decision_lateness,
    extend,
    recount_deadlines,
    refuse,
)
from requests_app.workflow.transitions import (
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
from requests_app.workflow.verification import verify_identity, verify_next_of_kin, verify_power_of_attorney

__all__ = [
    # filing.py
    "submit", "submit_many", "offered_kinds_first", "file_without_verification", "MAX_CHALLENGES",
    "new_verification_challenge", "record_acknowledgement",
    # verification.py
    "verify_identity", "verify_power_of_attorney", "verify_next_of_kin",
    # review.py
    "assign", "extend", "recount_deadlines", "approve", "appeals_of", "decision_lateness", "refuse", "appeal",
    # questions.py
    "ask_for_information", "answer", "chase_subject", "close_unanswered",
    # carrying_out.py
    "start_fulfilment", "Erasure", "record_task_outcome", "ERASURE_KINDS", "finish_fulfilment",
    # closing.py
    "withdraw", "expire", "unverified_deletion_offer", "CONTACT_FIELDS", "purge_contact_details",
    # conversation.py
    "message_subject", "add_note", "Contact", "reveal_contact", "subject_message", "add_evidence",
    # evidence.py
    "share_files", "record_evidence_export",
    # alternatives.py
    "provide_alternative", "confirm_alternative", "alternative_not_working", "close_unconfirmed_alternative",
    # claims.py
    "claim_compensation", "assess_claim", "offer_compensation", "accept_offer", "decline_offer",
    "record_payment", "close_claim",
    # transitions.py: the rules and the role sets, read through workflow by the desk, the API and the tests
    "RULES", "CLAIM_RULES", "DECIDERS", "OPEN_BEFORE_FULFILMENT", "Rule", "Step", "move_task", "policy_of",
    "recompute_deadlines", "require_text", "transition",
    # the errors the steps raise, for callers that catch them as workflow.TransitionNotAllowed
    "WorkflowError", "InvalidInput", "NotPermitted", "TransitionNotAllowed", "VerificationFailed",
]

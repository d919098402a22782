"""Every registered officer step (requests_app/workflow/steps.py) is reachable from the
desk and from the API exactly when its rule allows it.

For each request status, each step and each role (owner, officer, auditor, system owner):

- the desk's case page offers the step exactly when the rule's sources hold the status,
  its actors the role, and the step's `when` holds; a POST to its desk URL then does the
  step (valid input), and otherwise answers 403 (the role) or 409 (the state, or `when`);
- the API's POST answers 403 for a role the rule refuses, 409 for a status it refuses, and
  does the step (200) when both allow, `when` holds and the input is valid;
- a system owner reaches neither (404): their one step, a task's outcome, is on their tasks.

The requests are built through the workflow, one per status (and, for a step that needs a
particular case, that case: a relative's, an agent's, an EU one with its extension, one
with tasks needing hands); each step's own preparation (a claim in the state it applies
to) and each POST run in a savepoint rolled back after, so every post meets the same case.
"""

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orgs.models import DataSystem, Membership, Organisation
from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, SYSTEM
from requests_app.actors import member as as_member
from requests_app.api.serializers import INPUT_FOR
from requests_app.cases import selectors
from requests_app.desk.forms import FORM_FOR
from requests_app.errors import WorkflowError
from requests_app.models import Attachment, CompensationClaim, RightsRequest
from requests_app.workflow.steps import OFFICER_STEPS
from requests_app.workflow.transitions import RULES
from tests import factories

pytestmark = pytest.mark.django_db
Status = RightsRequest.Status
ClaimStatus = CompensationClaim.Status
ROLES = ("owner", "officer", "auditor", "system_owner")


def test_each_surface_has_an_input_for_exactly_the_registered_steps():
    assert set(FORM_FOR) == set(OFFICER_STEPS)
    assert set(INPUT_FOR) == set(OFFICER_STEPS)
    assert all(step.rule_name in RULES for step in OFFICER_STEPS.values())


def test_each_step_has_one_name_on_the_desk_and_in_the_api():
    for name, step in OFFICER_STEPS.items():
        assert reverse("desk:case_action", args=["R", name]) == f"/desk/requests/R/{name}/"
        assert reverse(f"api:request-{name.replace('_', '-')}", args=["R"]) == (
            f"/api/v1/requests/R/{name.replace('_', '-')}/")


# --- the cases the steps are tried on ------------------------------------------------------


RELATIVE = {"filed_by": "next_of_kin", "requester_name": "Guo Jr.", "requester_email": "junior@example.com"}
AGENT = {"filed_by": "agent", "requester_name": "Zhao Lawyer", "requester_email": "zhao@law.example"}


def _pdf(name):
    return SimpleUploadedFile(name, b"%PDF-1.4 scanned", content_type="application/pdf")


def _plain(status, org, officer):
    return factories.request_in_state(status, org, officer, email=f"{status}@example.com")


def _relative(status, org, officer):
    """A relative's request for a deceased person; still submitted: their mailbox confirmed
    and the evidence attached, so the officer's check can verify it, or refuse it."""
    if status != Status.SUBMITTED:
        return factories.request_in_state(status, org, officer, email=f"kin-{status}@example.com", **RELATIVE)
    rr = factories.submitted_request(org, email="kin@example.com", **RELATIVE)
    tasks.send_verification_code(rr.challenges.get().pk)
    workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox())
    workflow.add_evidence(rr, actor=SUBJECT, upload=_pdf("death.pdf"), purpose=Attachment.Purpose.DEATH_EVIDENCE)
    return rr


def _agent(status, org, officer):
    """An agent's request with its power of attorney attached."""
    rr = factories.request_in_state(status, org, officer, email=f"agent-{status}@example.com", **AGENT)
    if status not in (Status.WITHDRAWN, Status.EXPIRED):
        workflow.add_evidence(rr, actor=SUBJECT, upload=_pdf("poa.pdf"), purpose=Attachment.Purpose.AUTHORISATION)
    return rr


def _eu(status, org, officer):
    """Under the GDPR, which allows an extension (CN's law allows none)."""
    Organisation.objects.filter(pk=org.pk).update(jurisdiction="EU")
    org.refresh_from_db()
    try:
        return factories.request_in_state(status, org, officer, email=f"eu-{status}@example.com")
    finally:
        Organisation.objects.filter(pk=org.pk).update(jurisdiction="CN")
        org.refresh_from_db()


def _with_tasks(status, org, officer):
    """Fulfilling, with a manual task (the system owner's) and a webhook task that failed."""
    system_owner = Membership.objects.get(organisation=org, role=Membership.Role.SYSTEM_OWNER).user
    factories.system(org, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=system_owner)
    factories.system(org, name="Gate vendor cloud", connector=DataSystem.Connector.WEBHOOK,
                     webhook_url="https://vendor.example.com/hooks")
    rr = factories.request_in_state(status, org, officer, email=f"tasks-{status}@example.com")
    for task in rr.fulfilment_tasks.filter(connector=DataSystem.Connector.WEBHOOK):
        workflow.record_task_outcome(task, actor=SYSTEM, failed=True, outcome={"error": "unreachable"})
    return rr


def _alternative(status, org, officer):
    """A request for another way in than a face scan (CN): provided to be fulfilling, and
    confirmed by the person to be fulfilled (it never has tasks)."""
    wanted = {"kind": RightsRequest.Kind.ALTERNATIVE, "alternative_wanted": "card", "email": f"alt-{status}@example.com"}
    if status not in (Status.FULFILLING, Status.FULFILLED):
        return factories.request_in_state(status, org, officer, **wanted)
    rr = factories.in_review_request(org, officer, **wanted)
    workflow.provide_alternative(rr, actor=as_member(officer), alternative="card", details="Card at the office")
    if status == Status.FULFILLED:
        workflow.confirm_alternative(rr, actor=SUBJECT)
    return rr


def _alternative_unanswered(status, org, officer):
    """Another way in provided 20 days ago and never answered (fulfilling): the officer may close it."""
    if status != Status.FULFILLING:
        return _alternative(status, org, officer)
    with time_machine.travel(timezone.now() - timedelta(days=20), tick=False):
        rr = _alternative(status, org, officer)
    return rr


# Built in this order: the one with tasks last (its data systems would give the others tasks).
CASES: dict[str, Callable] = {"plain": _plain, "relative": _relative, "agent": _agent, "eu": _eu,
                              "alternative": _alternative, "unanswered": _alternative_unanswered,
                              "tasks": _with_tasks}


def _claim_in(claim_status):
    def prepare(rr, officer) -> dict:
        try:
            return {"claim": factories.claim_in_state(claim_status, rr, officer)}
        except WorkflowError:  # no claim on a withdrawn or expired request
            return {}
    return prepare


def _tasks(rr) -> dict:
    return {"manual": rr.fulfilment_tasks.filter(connector=DataSystem.Connector.MANUAL).first(),
            "webhook": rr.fulfilment_tasks.filter(connector=DataSystem.Connector.WEBHOOK).first()}


def _poa(rr) -> dict:
    return {"poa": rr.attachments.filter(purpose=Attachment.Purpose.AUTHORISATION).first()}


def _pk(thing):
    return thing.pk if thing is not None else ""


def _public_id(task):
    return str(task.public_id) if task is not None else ""


@dataclass
class Try:
    """How a step is tried: on which case, prepared how, and its valid input on each surface."""

    desk: Callable[[dict], dict] = lambda c: {}
    api: Callable[[dict], dict] | None = None  # None: the same as the desk's
    case: str = "plain"  # where the step's rule allows the status; elsewhere the plain case
    prepare: Callable[[RightsRequest, object], dict] | None = None  # what the step needs made first (a claim)
    reads: Callable[[RightsRequest], dict] = lambda rr: {}  # what its input names (a task, a document)
    multipart: bool = False


CHECKED = {"death_checked": "on", "relationship_checked": "on", "arranged_otherwise": "no",
           "check_performed": "Death certificate and household register"}
ASSESS = {"basis": "loss", "note": "Annual pass and travel"}
TRIES: dict[str, Try] = {
    "reveal_contact": Try(),
    "assign": Try(lambda c: {"assignee": c["officer"].pk}),
    "verify": Try(lambda c: {"check_performed": "Saw the annual pass"}),
    "verify_next_of_kin": Try(lambda c: CHECKED, lambda c: {**CHECKED, "death_checked": True,
                                                            "relationship_checked": True, "arranged_otherwise": False},
                              case="relative"),
    "verify_power_of_attorney": Try(lambda c: {"attachment": _pk(c["poa"]), "check_performed": "Notarised"},
                                    case="agent", reads=_poa),
    "ask_info": Try(lambda c: {"question": "Which gate?", "reason": "clarification"}),
    "extend": Try(lambda c: {"reason": "Many systems to search"}, case="eu"),
    "approve": Try(lambda c: {"note": "Fine", "confirmed": "True"}, lambda c: {"note": "Fine"}),
    "refuse": Try(lambda c: {"reason": factories.REFUSAL_REASON, "legal_ground": "cn_47_2"},
                  lambda c: {"reason": factories.REFUSAL_REASON, "legal_ground": factories.REFUSAL_GROUND},
                  case="relative"),
    "provide_alternative": Try(lambda c: {"alternative": "staff", "details": "Show the pass at the lodge"},
                               case="alternative"),
    "close_unconfirmed_alternative": Try(lambda c: {"note": "Let in by the guard every day since."},
                                         case="unanswered"),
    "start_fulfilment": Try(),
    "record_task_outcome": Try(
        lambda c: {"task": _pk(c["manual"]), "outcome": "deleted", "detail": "Struck from the ledger"},
        lambda c: {"task": _public_id(c["manual"]), "outcome": "deleted", "detail": "Struck from the ledger",
                   "upload": _pdf("ledger-page.pdf")},
        case="tasks", reads=_tasks, multipart=True),
    "retry_task": Try(lambda c: {"task": _pk(c["webhook"])}, lambda c: {"task": _public_id(c["webhook"])},
                      case="tasks", reads=_tasks),
    "repoint_task": Try(lambda c: {"task": _pk(c["webhook"]), "webhook_url": "https://new.example.com/hooks"},
                        lambda c: {"task": _public_id(c["webhook"]), "webhook_url": "https://new.example.com/hooks"},
                        case="tasks", reads=_tasks),
    "finish_fulfilment": Try(),
    "message_subject": Try(lambda c: {"body": "We have found two records."}),
    "add_note": Try(lambda c: {"body": "Gate log checked."}),
    "assess_claim": Try(lambda c: {"claim": _pk(c.get("claim")), "amount": "1038.00", **ASSESS},
                        lambda c: {"claim": _pk(c.get("claim")), "amount_minor": 103800, **ASSESS},
                        prepare=_claim_in(ClaimStatus.CLAIMED)),
    "offer_compensation": Try(lambda c: {"claim": _pk(c.get("claim")), "amount": "1038.00"},
                              lambda c: {"claim": _pk(c.get("claim")), "amount_minor": 103800},
                              prepare=_claim_in(ClaimStatus.ASSESSED)),
    "record_payment": Try(lambda c: {"claim": _pk(c.get("claim")), "amount": "1038.00", "reference": "BANK-1"},
                          lambda c: {"claim": _pk(c.get("claim")), "amount_minor": 103800, "reference": "BANK-1"},
                          prepare=_claim_in(ClaimStatus.ACCEPTED)),
    "close_claim": Try(lambda c: {"claim": _pk(c.get("claim")), "note": "Settled in court."},
                       prepare=_claim_in(ClaimStatus.DECLINED)),
}


def test_every_registered_step_is_tried():
    assert set(TRIES) == set(OFFICER_STEPS)


# Where a step's rule allows the status but the step cannot work on the case tried, so the
# desk does not offer it and the API refuses it: the whole list (so the matrix below does
# not pass by trying steps that can never work).
CLAIMS = {"assess_claim", "offer_compensation", "record_payment", "close_claim"}
CANNOT_WORK = {
    # Nothing but the code goes to a requester who never confirmed (those cases were never verified).
    *(("message_subject", status) for status in (Status.SUBMITTED, Status.WITHDRAWN, Status.EXPIRED)),
    *((name, status) for name in CLAIMS for status in (Status.WITHDRAWN, Status.EXPIRED)),  # no claim then
}


class _Undo(Exception):
    pass


@contextmanager
def undone():
    """Whatever happens inside is rolled back (a savepoint), the on-commit effects with it."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


@dataclass
class Member:
    role: str
    desk: Client
    api: object
    pages: dict = field(default_factory=dict)  # the case page's offered steps, per request as prepared

    def offered(self, rr, prepared) -> list[str] | None:
        """The steps the case page offers this member (None: no case page for them, 404)."""
        if (rr.pk, prepared) not in self.pages:
            response = self.desk.get(reverse("desk:case", args=[rr.reference]))
            assert response.status_code in (200, 404), (self.role, response.status_code)
            self.pages[rr.pk, prepared] = response.context["offered"] if response.status_code == 200 else None
        return self.pages[rr.pk, prepared]


@pytest.fixture
def members(org_a, owner_a, officer_a, auditor_a, system_owner_a):
    made = {}
    for role, user in zip(ROLES, (owner_a, officer_a, auditor_a, system_owner_a), strict=True):
        client = Client()
        factories.force_sign_in(client, user)  # an owner passes the second factor too
        made[role] = Member(role, client, factories.member_api(user, org_a))
    return made


def _post_api(member, rr, name, data, multipart):
    url = reverse(f"api:request-{name.replace('_', '-')}", args=[rr.reference])
    return member.api.post(url, data, format="multipart" if multipart else "json")


@pytest.mark.parametrize("status", Status.values)
def test_every_step_is_offered_and_answered_exactly_as_its_rule_allows(status, org_a, officer_a, members):
    needed = {TRIES[name].case for name, step in OFFICER_STEPS.items() if status in step.rule.sources}
    built = {case: build(status, org_a, officer_a) for case, build in CASES.items() if case in needed | {"plain"}}
    problems = []
    for name, step in OFFICER_STEPS.items():
        tried, rule = TRIES[name], RULES[step.rule_name]
        rr = built[tried.case if status in rule.sources else "plain"]
        with undone():
            made = tried.prepare(rr, officer_a) if tried.prepare else {}
            context = {"officer": officer_a, **made, **tried.reads(rr)}
            can_work = step.when(selectors.case_file(rr))
            if status in rule.sources and can_work == ((name, status) in CANNOT_WORK):
                problems.append(f"{name} ({status}): can work {can_work}, CANNOT_WORK says otherwise")
            for member in members.values():
                problems += _check(member, rr, name, rule, can_work, tried, context)
    assert problems == []


def _check(member, rr, name, rule, can_work, tried, context) -> list[str]:
    role, status = member.role, rr.status
    where = f"{name} ({status}, {role})"
    problems = []
    allowed = role in rule.actors and status in rule.sources

    offered = member.offered(rr, tried.prepare)
    desk_url = reverse("desk:case_action", args=[rr.reference, name])
    with undone():
        desk = member.desk.post(desk_url, tried.desk(context)).status_code
    with undone():
        api = _post_api(member, rr, name, (tried.api or tried.desk)(context), tried.multipart).status_code

    if role not in selectors.DESK_ROLES:  # a system owner: no case page, no request in the API
        if (offered, desk, api) != (None, 404, 404):
            problems.append(f"{where}: page {offered}, desk {desk}, api {api}; expected 404s")
        return problems
    should_offer = allowed and can_work
    if (name in offered) != should_offer:
        problems.append(f"{where}: offered {name in offered}, expected {should_offer}")
    if should_offer and desk not in (200, 302):
        problems.append(f"{where}: desk answered {desk} to valid input, expected the step done")
    if not should_offer and desk != (403 if role not in rule.actors else 409):
        problems.append(f"{where}: desk answered {desk}, expected {403 if role not in rule.actors else 409}")
    if role not in rule.actors:
        expected_api = {403}
    elif status not in rule.sources:
        expected_api = {409}
    elif can_work:
        expected_api = {200}
    else:  # allowed by the rule, but what it needs is missing: the input or the workflow says so
        expected_api = {400, 409}
    if api not in expected_api:
        problems.append(f"{where}: api answered {api}, expected {sorted(expected_api)}")
    return problems


def test_a_system_owner_records_their_task_s_outcome_on_their_tasks(org_a, officer_a, members):
    rr = _with_tasks(Status.FULFILLING, org_a, officer_a)
    task = rr.fulfilment_tasks.get(connector=DataSystem.Connector.MANUAL)

    response = members["system_owner"].api.post(
        reverse("api:fulfilment-task-outcome", args=[task.public_id]), {"outcome": "deleted"}, format="json")

    assert response.status_code == 200, response.content
    assert rr.events.order_by("-seq").first().action == "record_task_outcome"
    assert "record_task_outcome" in RULES and "system_owner" in RULES["record_task_outcome"].actors

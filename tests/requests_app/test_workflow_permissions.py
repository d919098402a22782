"""Who may take which step: every workflow step against every kind of actor.

Actors: org A's owner, officer, auditor and data-system owner; an officer of org B; the
site administrator (a superuser who is no member of any organisation); the data subject
(holding the secret link); and the system (Celery tasks). The expectations are written
out from DESIGN.md, not read from workflow.RULES, so a change to the table shows here.
A step an actor may not take raises NotPermitted and leaves the request untouched.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
import time_machine
from django.utils import timezone

from orgs.models import DataSystem, Membership, Organisation
from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, SYSTEM, Actor, ActorKind, member
from requests_app.errors import NotPermitted
from requests_app.models import CompensationClaim, RightsRequest
from requests_app.workflow import task_steps, verification
from tests import factories

Status = RightsRequest.Status
ClaimStatus = CompensationClaim.Status

ACTORS = ["owner_a", "officer_a", "auditor_a", "system_owner_a", "officer_b", "administrator", "subject", "system"]
DECIDERS = {"owner_a", "officer_a"}



@dataclass
class World:
    org_a: Organisation
    officer_a: object
    system_owner_a: object
    code: str = ""  # the subject's one-time code, once sent


@dataclass
class Case:
    """`setup(world)` builds the state and returns (request, what the step acts on);
    `act(target, actor, world)` takes the step."""

    allowed: set[str]
    setup: Callable
    act: Callable


def _in(status):
    def setup(w):
        rr = factories.request_in_state(status, w.org_a, w.officer_a)
        return rr, rr
    return setup


def _submitted_with_code(w):
    rr = factories.submitted_request(w.org_a)
    tasks.send_verification_code(rr.challenges.get().pk)
    w.code = factories.code_from_outbox()
    return rr, rr


def _verify(rr, actor, w):
    if actor.kind == ActorKind.SUBJECT:
        workflow.verify_identity(rr, actor=actor, code=w.code)
    else:
        workflow.verify_identity(rr, actor=actor, check_performed="Saw the annual pass")


def _relative_with_code(w):
    """A relative's request for a deceased person (PIPL art. 49), its code sent to the relative."""
    rr = factories.submitted_request(w.org_a, filed_by="next_of_kin", requester_name="Guo Jr.",
                                     requester_email="junior@example.com")
    tasks.send_verification_code(rr.challenges.get().pk)
    w.code = factories.code_from_outbox()
    upload = SimpleUploadedFile("death.pdf", b"%PDF-1.4 certificate", content_type="application/pdf")
    workflow.add_evidence(rr, actor=SUBJECT, upload=upload, purpose="death_evidence")
    return rr, rr


def _confirm_contact(rr, actor, w):
    if actor.kind == ActorKind.SUBJECT:
        workflow.verify_identity(rr, actor=actor, code=w.code)
    else:  # the step itself: only the relative, with the code, confirms their mailbox
        verification._confirm_contact(rr, actor)


def _eu_in_review(w):
    """Org A under the GDPR, where a deadline may be extended."""
    Organisation.objects.filter(pk=w.org_a.pk).update(jurisdiction="EU")
    w.org_a.refresh_from_db()
    rr = factories.in_review_request(w.org_a, w.officer_a)
    return rr, rr


def _task_of_owned_system(w):
    system = factories.system(w.org_a, name="Pass ledger", connector=DataSystem.Connector.MANUAL,
                              owner=w.system_owner_a)
    rr = factories.fulfilling_request(w.org_a, w.officer_a)
    return rr, rr.fulfilment_tasks.get(system=system)


def _failed_webhook_task(w):
    system = factories.system(w.org_a, name="Gate vendor cloud", connector=DataSystem.Connector.WEBHOOK,
                              webhook_url="https://vendor.example.com/hooks")
    rr = factories.fulfilling_request(w.org_a, w.officer_a)
    task = rr.fulfilment_tasks.get(system=system)
    workflow.record_task_outcome(task, actor=SYSTEM, failed=True, outcome={"error": "unreachable"})
    return rr, task


def _claimed_webhook_task(w):
    """A webhook task a worker claimed (attempt 1) and whose POST the system accepted."""
    from requests_app.workflow.transitions import update_tasks

    system = factories.system(w.org_a, name="Gate vendor cloud", connector=DataSystem.Connector.WEBHOOK,
                              webhook_url="https://vendor.example.com/hooks")
    rr = factories.fulfilling_request(w.org_a, w.officer_a)
    task = rr.fulfilment_tasks.get(system=system)
    update_tasks(type(task).objects.filter(pk=task.pk), "claim", attempts=1,
                 lease_expires_at=timezone.now() + timedelta(minutes=10))
    return rr, task


def _silent_webhook_task(w):
    """A webhook task waiting for a callback that did not come by its deadline."""
    rr, task = _claimed_webhook_task(w)
    task_steps.await_callback(task, actor=SYSTEM, lease=1, status_code=202)
    type(task).objects.filter(pk=task.pk).update(deadline_at=timezone.now() - timedelta(minutes=1))
    return rr, task


def _vault_task_confirmed_by_its_gate(w):
    """A vault task waiting for a gate that keeps templates, whose signed receipt is in."""
    from orgs import devices
    from orgs.models import BiometricRecord
    from requests_app import fulfilment
    from tests.gate import Gate

    activity = factories.activity(w.org_a, name="Face entry", collection_point="North gate")
    point = factories.collection_point(activity)
    gate = Gate(factories.live_device(point, w.officer_a))
    vault = factories.system(w.org_a, name="Gate vault")
    record = factories.person_record(activity, data_system=vault)
    BiometricRecord.objects.filter(pk=record.pk).update(collection_point=point)
    rr = factories.approved_request(w.org_a, w.officer_a)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get(system=vault)
    fulfilment.run_task(task.pk)
    receipt = gate.signed([d["id"] for d in gate.poll().json()["deletions"]])
    devices.accept_receipt(gate.device.credential, receipt["body"], receipt["signature"])
    return rr, task


def _expirable(w):
    with time_machine.travel(timezone.now() - timedelta(days=100), tick=False):
        rr = factories.submitted_request(w.org_a)
    return rr, rr


def _paused_long_ago(w):
    """Waiting on the requester (CN: the clock paused) longer than the policy closes it (30 days)."""
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        rr = factories.awaiting_subject_request(w.org_a, w.officer_a)
    return rr, rr


def _purgeable(w):
    """Withdrawn longer ago than CN keeps contact details (365 days)."""
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        rr = factories.withdrawn_request(w.org_a)
    return rr, rr


def _recountable(w):
    """Verified in February 2027, when no calendar covered 2027; then an administrator added it."""
    from orgs.models import CalendarYear

    with time_machine.travel("2027-02-04 02:00Z", tick=False):
        rr = factories.verified_request(w.org_a)
    CalendarYear.objects.create(jurisdiction="CN", year=2027, covered=True)
    return rr, rr


def _alternative(provided: bool):
    """A request for another way in than a face scan (CN), in review; `provided`: the
    officer provided a way in (fulfilling, waiting for the person's answer)."""
    def setup(w):
        rr = factories.in_review_request(w.org_a, w.officer_a, kind="alternative", alternative_wanted="card")
        if provided:
            workflow.provide_alternative(rr, actor=member(w.officer_a), alternative="card", details="Card")
        return rr, rr
    return setup


def _alternative_unanswered(w):
    """Another way in provided 15 days ago and never answered."""
    with time_machine.travel(timezone.now() - timedelta(days=15), tick=False):
        return _alternative(provided=True)(w)


def _claim(claim_status):
    def setup(w):
        rr = factories.refused_request(w.org_a, w.officer_a)
        return rr, factories.claim_in_state(claim_status, rr, w.officer_a)
    return setup


CASES: dict[str, Case] = {
    "verify": Case(DECIDERS | {"subject"}, _submitted_with_code, _verify),
    "confirm_contact": Case({"subject"}, _relative_with_code, _confirm_contact),
    "verify_next_of_kin": Case(DECIDERS, _relative_with_code, lambda rr, a, w: workflow.verify_next_of_kin(
        rr, actor=a, death_checked=True, relationship_checked=True, arranged_otherwise=False,
        check_performed="Death certificate and household register")),
    "acknowledge": Case({"system"}, _in(Status.SUBMITTED),
                        lambda rr, a, w: workflow.record_acknowledgement(rr, channel="email", actor=a)),
    "assign": Case(DECIDERS, _in(Status.VERIFIED), lambda rr, a, w: workflow.assign(rr, actor=a, assignee=w.officer_a)),
    "ask_info": Case(DECIDERS, _in(Status.IN_REVIEW),
                     lambda rr, a, w: workflow.ask_for_information(rr, actor=a, question="Which gate?")),
    "answer": Case({"subject"}, _in(Status.AWAITING_SUBJECT),
                   lambda rr, a, w: workflow.answer(rr, actor=a, body="The east gate")),
    "extend": Case(DECIDERS, _eu_in_review, lambda rr, a, w: workflow.extend(rr, actor=a, reason="Vendor export")),
    "approve": Case(DECIDERS, _in(Status.IN_REVIEW), lambda rr, a, w: workflow.approve(rr, actor=a)),
    "refuse": Case(DECIDERS, _in(Status.IN_REVIEW),
                   lambda rr, a, w: workflow.refuse(rr, actor=a, reason="Retention duty", legal_ground="Art. 47(2)")),
    "appeal": Case({"subject"}, _in(Status.REFUSED), lambda rr, a, w: workflow.appeal(rr, actor=a, grounds="Unfair")),
    "start_fulfilment": Case(DECIDERS | {"system"}, _in(Status.APPROVED),
                             lambda rr, a, w: workflow.start_fulfilment(rr, actor=a)),
    "record_task_outcome": Case(DECIDERS | {"system", "system_owner_a"}, _task_of_owned_system,
                                lambda task, a, w: workflow.record_task_outcome(task, actor=a, outcome={"deleted": 1})),
    "finish_fulfilment": Case(DECIDERS | {"system"}, _in(Status.FULFILLING),
                              lambda rr, a, w: workflow.finish_fulfilment(rr, actor=a)),
    "await_callback": Case({"system"}, _claimed_webhook_task, lambda task, a, w: task_steps.await_callback(
        task, actor=a, lease=1, status_code=202)),
    "flag_silent_task": Case({"system"}, _silent_webhook_task, lambda task, a, w: task_steps.flag_silent_task(
        task, actor=a, now=timezone.now())),
    "record_device_receipts": Case({"system"}, _vault_task_confirmed_by_its_gate,
                                   lambda task, a, w: task_steps.record_device_receipts(task, actor=a)),
    "retry_task": Case(DECIDERS, _failed_webhook_task, lambda task, a, w: task_steps.retry_task(task, actor=a)),
    "repoint_task": Case(DECIDERS, _failed_webhook_task, lambda task, a, w: task_steps.repoint_task(
        task, actor=a, webhook_url="https://vendor-new.example.com/hooks")),
    "provide_alternative": Case(DECIDERS, _alternative(provided=False), lambda rr, a, w: workflow.provide_alternative(
        rr, actor=a, alternative="staff", details="Show your card to the guard")),
    "confirm_alternative": Case({"subject"}, _alternative(provided=True),
                                lambda rr, a, w: workflow.confirm_alternative(rr, actor=a, comment="Works")),
    "alternative_not_working": Case({"subject"}, _alternative(provided=True),
                                    lambda rr, a, w: workflow.alternative_not_working(rr, actor=a,
                                                                                      comment="No reader")),
    "close_unconfirmed_alternative": Case(DECIDERS, _alternative_unanswered,
                                          lambda rr, a, w: workflow.close_unconfirmed_alternative(
                                              rr, actor=a, note="Let in by card every day since")),
    "withdraw": Case({"subject"}, _in(Status.IN_REVIEW), lambda rr, a, w: workflow.withdraw(rr, actor=a)),
    "expire": Case({"system"}, _expirable, lambda rr, a, w: workflow.expire(rr, actor=a)),
    "chase_subject": Case({"system"}, _paused_long_ago, lambda rr, a, w: workflow.chase_subject(rr, actor=a)),
    "close_unanswered": Case({"system"}, _paused_long_ago,
                             lambda rr, a, w: workflow.close_unanswered(rr, actor=a)),
    "purge_contact": Case({"system"}, _purgeable, lambda rr, a, w: workflow.purge_contact_details(rr, actor=a)),
    "recount_deadlines": Case({"system"}, _recountable, lambda rr, a, w: workflow.recount_deadlines(rr, actor=a)),
    "message_subject": Case(DECIDERS, _in(Status.IN_REVIEW),
                            lambda rr, a, w: workflow.message_subject(rr, actor=a, body="We are on it")),
    "subject_message": Case({"subject"}, _in(Status.IN_REVIEW),
                            lambda rr, a, w: workflow.subject_message(rr, actor=a, body="Any news?")),
    "add_evidence": Case({"subject"}, _in(Status.IN_REVIEW), lambda rr, a, w: workflow.add_evidence(
        rr, actor=a, upload=SimpleUploadedFile("pass.pdf", b"%PDF-1.4 annual pass"), purpose="evidence")),
    "claim_compensation": Case({"subject"}, _in(Status.REFUSED),
                               lambda rr, a, w: workflow.claim_compensation(rr, actor=a, amount_minor=103800,
                                                                            currency="CNY")),
    "assess_claim": Case(DECIDERS, _claim(ClaimStatus.CLAIMED),
                         lambda c, a, w: workflow.assess_claim(c, actor=a, basis="loss", amount_minor=103800)),
    "offer_compensation": Case(DECIDERS, _claim(ClaimStatus.ASSESSED),
                               lambda c, a, w: workflow.offer_compensation(c, actor=a, amount_minor=103800)),
    "accept_offer": Case({"subject"}, _claim(ClaimStatus.OFFERED), lambda c, a, w: workflow.accept_offer(c, actor=a)),
    "decline_offer": Case({"subject"}, _claim(ClaimStatus.OFFERED),
                          lambda c, a, w: workflow.decline_offer(c, actor=a)),
    "record_payment": Case(DECIDERS, _claim(ClaimStatus.ACCEPTED),
                           lambda c, a, w: workflow.record_payment(c, actor=a, amount_minor=103800, reference="P-1")),
    "close_claim": Case(DECIDERS, _claim(ClaimStatus.DECLINED),
                        lambda c, a, w: workflow.close_claim(c, actor=a, note="Declined twice; no new offer")),
    # An auditor may look at who the person is (and that look is recorded), but not act.
    "reveal_contact": Case(DECIDERS | {"auditor_a"}, _in(Status.IN_REVIEW),
                           lambda rr, a, w: workflow.reveal_contact(rr, actor=a)),
    "add_note": Case(DECIDERS, _in(Status.IN_REVIEW),
                     lambda rr, a, w: workflow.add_note(rr, actor=a, body="Checked the gate log")),
    # Evidence bundles: the requester alone chooses which of their files may travel in one
    # (an empty choice: none); owners, officers and auditors export one, on the record.
    "share_files": Case({"subject"}, _in(Status.FULFILLED),
                        lambda rr, a, w: workflow.share_files(rr, actor=a, attachment_ids=[])),
    "export_evidence": Case(DECIDERS | {"auditor_a"}, _in(Status.FULFILLED),
                            lambda rr, a, w: workflow.record_evidence_export(
                                rr, actor=a, manifest_sha256="0" * 64, tree_size=1, files=0)),
}


def _actor(request, name) -> Actor:
    if name == "subject":
        return SUBJECT
    if name == "system":
        return SYSTEM
    return member(request.getfixturevalue(name))


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize("action", list(CASES))
def test_who_may_take_each_step(request, org_a, officer_a, system_owner_a, org_b, action, actor_name):
    case = CASES[action]
    world = World(org_a, officer_a, system_owner_a)
    rr, target = case.setup(world)
    actor = _actor(request, actor_name)
    before = factories.snapshot(rr)

    if actor_name not in case.allowed:
        with pytest.raises(NotPermitted):
            case.act(target, actor, world)
        assert factories.snapshot(rr) == before
        return

    case.act(target, actor, world)
    event = factories.new_event(rr, before)
    assert event.action == action
    assert (event.actor_id, event.actor_kind) == (actor.user_id, actor.kind)


def test_every_workflow_step_is_in_the_matrix():
    assert set(CASES) == set(workflow.RULES)


# --- organisations --------------------------------------------------------------------------


def test_an_officer_of_another_organisation_changes_nothing(org_a, officer_a, officer_b):
    rr = factories.in_review_request(org_a, officer_a)
    before = factories.snapshot(rr)

    for step in (
        lambda: workflow.approve(rr, actor=member(officer_b)),
        lambda: workflow.refuse(rr, actor=member(officer_b), reason="No", legal_ground="Art. 1"),
        lambda: workflow.assign(rr, actor=member(officer_b), assignee=officer_b),
        lambda: workflow.message_subject(rr, actor=member(officer_b), body="Hello"),
    ):
        with pytest.raises(NotPermitted):
            step()

    assert factories.snapshot(rr) == before


def test_an_officer_of_org_a_cannot_decide_org_bs_request(org_b, officer_b, officer_a):
    rr = factories.in_review_request(org_b, officer_b)
    before = factories.snapshot(rr)

    with pytest.raises(NotPermitted):
        workflow.approve(rr, actor=member(officer_a))

    assert factories.snapshot(rr) == before


def test_a_role_counts_only_in_its_own_organisation(org_a, officer_a, org_b, officer_b):
    # officer_b also audits org A: an officer there, a reader here.
    Membership.objects.create(user=officer_b, organisation=org_a, role=Membership.Role.AUDITOR)
    in_a = factories.in_review_request(org_a, officer_a)
    in_b = factories.in_review_request(org_b, officer_b, email="other@example.com")

    with pytest.raises(NotPermitted):
        workflow.approve(in_a, actor=member(officer_b))
    workflow.approve(in_b, actor=member(officer_b))

    in_a.refresh_from_db()
    assert (in_a.status, in_b.status) == (Status.IN_REVIEW, Status.APPROVED)


def test_a_system_owner_of_org_b_cannot_confirm_org_as_task(org_a, officer_a, org_b):
    owner_b = factories.member(org_b, "system_owner", username="sysowner_b")
    system = factories.system(org_a, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=owner_b)
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get(system=system)
    before = factories.snapshot(rr)

    with pytest.raises(NotPermitted):
        workflow.record_task_outcome(task, actor=member(owner_b), outcome={"deleted": 1})

    assert factories.snapshot(rr) == before

"""Builders for test state. Requests are made through the workflow, as in production."""

from django.contrib.auth import get_user_model
from django.core import mail

from orgs.models import DataSystem, Membership, Organisation
from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, member as as_member
from requests_app.models import RightsRequest
from requests_app.subjects import Identity

PASSWORD = "correct-horse-battery"


def organisation(*, name="Test Org", slug="test-org", jurisdiction="CN", time_zone="Asia/Shanghai", **extra):
    return Organisation.objects.create(
        name=name, slug=slug, jurisdiction=jurisdiction, time_zone=time_zone,
        contact_email=f"privacy@{slug}.example", **extra,
    )


def member(org, role, *, username):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


def system(org, *, name="Gate vault", connector=DataSystem.Connector.VAULT, **extra):
    return DataSystem.objects.create(organisation=org, name=name, connector=connector, **extra)


def submitted_request(org, *, kind="deletion", email="guo@example.com", **extra) -> RightsRequest:
    return workflow.submit(organisation=org, kind=kind, identity=Identity(email=email, full_name="Guo"), **extra)


def code_from_outbox() -> str:
    """The six digits of the newest code email in Django's test outbox."""
    import re

    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def verified_request(org, **kwargs) -> RightsRequest:
    rr = submitted_request(org, **kwargs)
    tasks.send_verification_code(rr.challenges.get().pk)
    workflow.verify_identity(rr, actor=SUBJECT, code=code_from_outbox())
    return rr


def in_review_request(org, officer, **kwargs) -> RightsRequest:
    rr = verified_request(org, **kwargs)
    workflow.assign(rr, actor=as_member(officer), assignee=officer)
    return rr


# --- Builders for the workflow suite (tests/requests_app/test_workflow_*.py) -----------
# Every state is reached through workflow functions, the way a user would reach it.

from datetime import timedelta  # noqa: E402  (appended section)

import time_machine  # noqa: E402
from django.utils import timezone  # noqa: E402

from requests_app import audit  # noqa: E402
from requests_app.actors import SYSTEM  # noqa: E402
from requests_app.models import CompensationClaim, RequestEvent  # noqa: E402

REFUSAL_REASON = "The gate records must be kept while the fraud case is open."
REFUSAL_GROUND = "PIPL art. 47(2): a statutory retention period has not expired"


def awaiting_subject_request(org, officer, *, question="Which pass number did you use?", **kwargs) -> RightsRequest:
    rr = in_review_request(org, officer, **kwargs)
    workflow.ask_for_information(rr, actor=as_member(officer), question=question)
    return rr


def approved_request(org, officer, **kwargs) -> RightsRequest:
    rr = in_review_request(org, officer, **kwargs)
    workflow.approve(rr, actor=as_member(officer))
    return rr


def refused_request(org, officer, **kwargs) -> RightsRequest:
    rr = in_review_request(org, officer, **kwargs)
    workflow.refuse(rr, actor=as_member(officer), reason=REFUSAL_REASON, legal_ground=REFUSAL_GROUND)
    return rr


def fulfilling_request(org, officer, **kwargs) -> RightsRequest:
    """Approved and started: one pending task per data system the organisation has."""
    rr = approved_request(org, officer, **kwargs)
    workflow.start_fulfilment(rr, actor=as_member(officer))
    return rr


def fulfilled_request(org, officer, **kwargs) -> RightsRequest:
    rr = fulfilling_request(org, officer, **kwargs)
    for task in rr.fulfilment_tasks.all():
        workflow.record_task_outcome(task, actor=as_member(officer), outcome={"deleted": 1})
    workflow.finish_fulfilment(rr, actor=as_member(officer))
    return rr


def withdrawn_request(org, **kwargs) -> RightsRequest:
    rr = submitted_request(org, **kwargs)
    workflow.withdraw(rr, actor=SUBJECT)
    return rr


def expired_request(org, **kwargs) -> RightsRequest:
    """Filed long enough ago that its time to verify ran out, then expired by the system."""
    with time_machine.travel(timezone.now() - timedelta(days=100), tick=False):
        rr = submitted_request(org, **kwargs)
    workflow.expire(rr, actor=SYSTEM)
    return rr


def request_in_state(status, org, officer, **kwargs) -> RightsRequest:
    """A request of `org` in `status`, built through the workflow; `officer` decides."""
    S = RightsRequest.Status
    with_officer = {
        S.IN_REVIEW: in_review_request, S.AWAITING_SUBJECT: awaiting_subject_request,
        S.APPROVED: approved_request, S.REFUSED: refused_request,
        S.FULFILLING: fulfilling_request, S.FULFILLED: fulfilled_request,
    }
    without_officer = {
        S.SUBMITTED: submitted_request, S.VERIFIED: verified_request,
        S.WITHDRAWN: withdrawn_request, S.EXPIRED: expired_request,
    }
    if status in with_officer:
        rr = with_officer[status](org, officer, **kwargs)
    else:
        rr = without_officer[status](org, **kwargs)
    assert rr.status == status, (rr.status, status)
    return rr


def claim(rr, *, amount_minor=103800, currency="CNY", covers="Annual pass and travel costs") -> CompensationClaim:
    return workflow.claim_compensation(rr, actor=SUBJECT, amount_minor=amount_minor, currency=currency, covers=covers)


def claim_in_state(status, rr, officer) -> CompensationClaim:
    """A compensation claim on `rr` walked to `status` through the workflow."""
    S, actor = CompensationClaim.Status, as_member(officer)
    c = claim(rr)
    if status == S.CLAIMED:
        return c
    workflow.assess_claim(c, actor=actor, basis=CompensationClaim.Basis.LOSS, amount_minor=103800)
    if status == S.ASSESSED:
        return c
    workflow.offer_compensation(c, actor=actor, amount_minor=103800)
    if status == S.OFFERED:
        return c
    if status == S.DECLINED:
        workflow.decline_offer(c, actor=SUBJECT)
        return c
    workflow.accept_offer(c, actor=SUBJECT)
    if status == S.ACCEPTED:
        return c
    workflow.record_payment(c, actor=actor, amount_minor=103800, reference="PAY-2021-0042")
    return c


def snapshot(rr) -> dict:
    """Everything a refused step must leave as it was: the row, its history, claims, tasks."""
    fresh = RightsRequest.objects.get(pk=rr.pk)
    row = {f.attname: getattr(fresh, f.attname) for f in RightsRequest._meta.concrete_fields}
    return {
        "row": row,
        "events": list(fresh.events.values_list("seq", "hash")),
        "claims": list(fresh.claims.order_by("pk").values()),
        "tasks": list(fresh.fulfilment_tasks.order_by("pk").values()),
        "messages": fresh.messages.count(),
    }


def new_event(rr, before: dict) -> RequestEvent:
    """The one event written since `before` (a snapshot); fails if there is not exactly one,
    or if the chain does not hold with it as its head."""
    fresh = RightsRequest.objects.get(pk=rr.pk)
    events = list(fresh.events.filter(seq__gt=len(before["events"])).order_by("seq"))
    assert len(events) == 1, [e.action for e in events]
    assert fresh.event_count == len(before["events"]) + 1
    assert fresh.chain_head == events[0].hash != before["row"]["chain_head"]
    assert audit.verify_chain(fresh) is None
    return events[0]

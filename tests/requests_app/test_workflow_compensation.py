"""Compensation (PIPL art. 69, GDPR art. 82): claimed -> assessed -> offered ->
accepted | declined -> paid, amounts in minor units with a currency, at most one open
claim per request, every step on the request's chain.

The reference case: 1,038 yuan for the annual pass and travel costs (103800 fen).
"""

import pytest
from django.db import IntegrityError, transaction

from requests_app import workflow
from requests_app.actors import SUBJECT, member
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import CompensationClaim, RightsRequest
from tests import factories

Status = RightsRequest.Status
ClaimStatus = CompensationClaim.Status
Basis = CompensationClaim.Basis



@pytest.fixture
def refused(org_a, officer_a):
    return factories.refused_request(org_a, officer_a)


def _assert_refused(rr, call, error=TransitionNotAllowed):
    before = factories.snapshot(rr)
    with pytest.raises(error):
        call()
    assert factories.snapshot(rr) == before


def _claim_event(rr, before, action):
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == (action, rr.status, rr.status)
    return event


# --- the path -------------------------------------------------------------------------------


def test_claim_accepted_and_paid_walks_every_step_on_the_record(refused, officer_a):
    rr, officer = refused, member(officer_a)

    before = factories.snapshot(rr)
    claim = workflow.claim_compensation(rr, actor=SUBJECT, amount_minor=103800, currency="cny", covers=" Pass, travel ")
    assert (claim.status, claim.claimed_minor, claim.currency, claim.covers) == (
        ClaimStatus.CLAIMED, 103800, "CNY", "Pass, travel"
    )
    event = _claim_event(rr, before, "claim_compensation")
    assert (event.actor_kind, event.data) == ("subject", {"claim": claim.pk, "amount_minor": 103800, "currency": "CNY"})

    before = factories.snapshot(rr)
    workflow.assess_claim(claim, actor=officer, basis=Basis.LOSS, amount_minor=103800, note=" Receipts checked ")
    assert (claim.status, claim.basis, claim.assessed_minor, claim.assessment_note) == (
        ClaimStatus.ASSESSED, Basis.LOSS, 103800, "Receipts checked"
    )
    event = _claim_event(rr, before, "assess_claim")
    assert event.actor_id == officer_a.pk and not event.visible_to_subject
    assert event.data == {"claim": claim.pk, "claim_status": "assessed", "basis": "loss", "amount_minor": 103800}

    before = factories.snapshot(rr)
    workflow.offer_compensation(claim, actor=officer, amount_minor=103800)
    assert (claim.status, claim.offered_minor) == (ClaimStatus.OFFERED, 103800)
    assert _claim_event(rr, before, "offer_compensation").visible_to_subject

    before = factories.snapshot(rr)
    workflow.accept_offer(claim, actor=SUBJECT)
    assert claim.status == ClaimStatus.ACCEPTED
    assert _claim_event(rr, before, "accept_offer").actor_kind == "subject"

    before = factories.snapshot(rr)
    workflow.record_payment(claim, actor=officer, amount_minor=103800, reference=" PAY-2021-0042 ")
    assert (claim.status, claim.paid_minor, claim.payment_reference) == (ClaimStatus.PAID, 103800, "PAY-2021-0042")
    assert claim.paid_at is not None
    assert _claim_event(rr, before, "record_payment").data["claim_status"] == "paid"

    rr.refresh_from_db()
    assert rr.status == Status.REFUSED  # the claim never moves the request


def test_a_declined_offer_leaves_the_claim_open_for_a_new_offer_or_closing(refused, officer_a):
    claim = factories.claim_in_state(ClaimStatus.OFFERED, refused, officer_a)
    before = factories.snapshot(refused)

    workflow.decline_offer(claim, actor=SUBJECT)

    assert claim.status == ClaimStatus.DECLINED
    assert _claim_event(refused, before, "decline_offer").actor_kind == "subject"


@pytest.mark.parametrize("basis", [Basis.LOSS, Basis.GAIN, Basis.SET_AMOUNT])
def test_each_legal_basis_of_assessment_is_accepted(refused, officer_a, basis):
    claim = factories.claim(refused)

    workflow.assess_claim(claim, actor=member(officer_a), basis=basis, amount_minor=50000)

    assert (claim.status, claim.basis) == (ClaimStatus.ASSESSED, basis)


@pytest.mark.parametrize("basis", ["", "damages", "LOSS"])
def test_assessment_requires_a_basis(refused, officer_a, basis):
    claim = factories.claim(refused)
    before = factories.snapshot(refused)

    with pytest.raises(InvalidInput) as exc:
        workflow.assess_claim(claim, actor=member(officer_a), basis=basis, amount_minor=50000)

    assert list(exc.value.errors) == ["basis"]
    assert factories.snapshot(refused) == before


# --- wrong order -----------------------------------------------------------------------------

STEPS = {
    "assess": (lambda c, o: workflow.assess_claim(c, actor=o, basis=Basis.LOSS, amount_minor=1), {ClaimStatus.CLAIMED}),
    "offer": (lambda c, o: workflow.offer_compensation(c, actor=o, amount_minor=1),
              {ClaimStatus.ASSESSED, ClaimStatus.DECLINED}),
    "accept": (lambda c, o: workflow.accept_offer(c, actor=SUBJECT), {ClaimStatus.OFFERED}),
    "decline": (lambda c, o: workflow.decline_offer(c, actor=SUBJECT), {ClaimStatus.OFFERED}),
    "pay": (lambda c, o: workflow.record_payment(c, actor=o, amount_minor=1, reference="P-1", difference_reason="x"),
            {ClaimStatus.ACCEPTED}),
    "close": (lambda c, o: workflow.close_claim(c, actor=o, note="No new offer."), {ClaimStatus.DECLINED}),
}
WRONG_ORDER = [(step, status) for step, (_call, sources) in STEPS.items() for status in ClaimStatus.values
               if status not in sources]


@pytest.mark.parametrize(("step", "claim_status"), WRONG_ORDER)
def test_claim_steps_out_of_order_are_refused(refused, officer_a, step, claim_status):
    claim = factories.claim_in_state(claim_status, refused, officer_a)
    call, _sources = STEPS[step]

    _assert_refused(refused, lambda: call(claim, member(officer_a)))
    claim.refresh_from_db()
    assert claim.status == claim_status


# --- one open claim --------------------------------------------------------------------------


@pytest.mark.parametrize("open_status", CompensationClaim.OPEN_STATUSES)
def test_a_second_claim_is_refused_while_one_is_open(refused, officer_a, open_status):
    factories.claim_in_state(open_status, refused, officer_a)

    _assert_refused(refused, lambda: factories.claim(refused, amount_minor=500))
    assert refused.claims.count() == 1


@pytest.mark.parametrize("closed_status", [ClaimStatus.CLOSED, ClaimStatus.PAID])
def test_a_new_claim_may_follow_a_closed_one(refused, officer_a, closed_status):
    factories.claim_in_state(closed_status, refused, officer_a)

    second = factories.claim(refused, amount_minor=500)

    assert second.status == ClaimStatus.CLAIMED and refused.claims.count() == 2


def test_the_database_holds_one_open_claim_per_request(refused):
    factories.claim(refused)

    with pytest.raises(IntegrityError), transaction.atomic():
        CompensationClaim.objects.create(request=refused, claimed_minor=500, currency="CNY")

    assert refused.claims.count() == 1


def test_the_database_refuses_a_currency_that_is_not_three_capitals(refused):
    with pytest.raises(IntegrityError), transaction.atomic():
        CompensationClaim.objects.create(request=refused, claimed_minor=500, currency="cny")


# --- amounts and currency --------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -100, 1038.0, "103800", None, True])
def test_a_claim_must_be_a_positive_whole_number_of_minor_units(refused, amount):
    before = factories.snapshot(refused)

    with pytest.raises(InvalidInput) as exc:
        workflow.claim_compensation(refused, actor=SUBJECT, amount_minor=amount, currency="CNY")

    assert list(exc.value.errors) == ["amount"]
    assert factories.snapshot(refused) == before


@pytest.mark.parametrize("currency", ["", "CN", "CNYY", "C1Y", "ÄÖÜ", "¥¥¥"])
def test_a_claim_needs_a_three_letter_currency(refused, currency):
    before = factories.snapshot(refused)

    with pytest.raises(InvalidInput) as exc:
        workflow.claim_compensation(refused, actor=SUBJECT, amount_minor=103800, currency=currency)

    assert list(exc.value.errors) == ["currency"]
    assert factories.snapshot(refused) == before


@pytest.mark.parametrize("amount", [-1, 10.5, "100", None, True])
@pytest.mark.parametrize("step", ["assess", "offer", "pay"])
def test_assessed_offered_and_paid_amounts_must_be_whole_minor_units(refused, officer_a, step, amount):
    status = {"assess": ClaimStatus.CLAIMED, "offer": ClaimStatus.ASSESSED, "pay": ClaimStatus.ACCEPTED}[step]
    claim = factories.claim_in_state(status, refused, officer_a)
    call = {
        "assess": lambda: workflow.assess_claim(claim, actor=member(officer_a), basis=Basis.LOSS, amount_minor=amount),
        "offer": lambda: workflow.offer_compensation(claim, actor=member(officer_a), amount_minor=amount),
        "pay": lambda: workflow.record_payment(claim, actor=member(officer_a), amount_minor=amount, reference="P-1"),
    }[step]
    before = factories.snapshot(refused)

    with pytest.raises(InvalidInput) as exc:
        call()

    assert list(exc.value.errors) == ["amount"]
    assert factories.snapshot(refused) == before


def test_a_payment_needs_its_reference(refused, officer_a):
    claim = factories.claim_in_state(ClaimStatus.ACCEPTED, refused, officer_a)

    with pytest.raises(InvalidInput) as exc:
        workflow.record_payment(claim, actor=member(officer_a), amount_minor=103800, reference=" ")

    assert list(exc.value.errors) == ["reference"]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED


# --- on which requests -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [s for s in Status.values if s not in (Status.WITHDRAWN, Status.EXPIRED)])
def test_compensation_may_be_claimed_on_a_live_or_decided_request(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    before = factories.snapshot(rr)

    claim = factories.claim(rr)

    assert claim.status == ClaimStatus.CLAIMED
    _claim_event(rr, before, "claim_compensation")


@pytest.mark.parametrize("status", [Status.WITHDRAWN, Status.EXPIRED])
def test_no_compensation_on_a_withdrawn_or_expired_request(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    _assert_refused(rr, lambda: factories.claim(rr))

"""Compensation claims (PIPL art. 69, GDPR art. 82): from the claim to payment or closing.

The requester claims an amount (at most one open claim per request); officers assess it
on a basis of the law, offer an amount, which the person accepts or declines; an
accepted offer is paid, a declined one offered again or closed with a reason. Every step
after the claim runs in `_claim_step`: the request's transition with the claim's row
locked, its status checked against CLAIM_RULES and moved.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _

from orgs import law
from requests_app.actors import Actor
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import CompensationClaim, RightsRequest
from requests_app.workflow.transitions import CLAIM_RULES, Step, require_text, transition


def claim_compensation(
    rights_request: RightsRequest, *, actor: Actor, amount_minor: int, currency: str, covers: str = ""
) -> CompensationClaim:
    """The subject claims compensation; at most one open claim per request."""
    errors = {}
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        errors["amount"] = _("Enter an amount greater than zero.")
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        errors["currency"] = _("Enter a three-letter currency code such as %(example)s.") % {
            "example": law.texts(rights_request.jurisdiction).currency}
    if errors:
        raise InvalidInput(errors)
    with transition(rights_request, "claim_compensation", actor) as step:
        if step.request.claims.filter(status__in=CompensationClaim.OPEN_STATUSES).exists():
            raise TransitionNotAllowed(_("This request already has an open compensation claim."))
        claim = CompensationClaim.objects.create(
            request=step.request, claimed_minor=amount_minor, currency=currency.upper(), covers=covers.strip()
        )
        step.data = {"claim": claim.pk, "amount_minor": amount_minor, "currency": claim.currency}
    return claim


@contextmanager
def _claim_step(claim: CompensationClaim, action: str, actor: Actor) -> Iterator[tuple[Step, CompensationClaim]]:
    sources, target = CLAIM_RULES[action]
    with transition(claim.request, action, actor) as step:
        locked = CompensationClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.status not in sources:
            raise TransitionNotAllowed(
                _("A claim that is %(status)s cannot take this step.") % {"status": locked.get_status_display()}
            )
        yield step, locked
        locked.status = target
        locked.save()
        step.data = {"claim": locked.pk, "claim_status": target, **step.data}
    claim.refresh_from_db()


def _positive_amount(amount_minor: int) -> None:
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor < 0:
        raise InvalidInput({"amount": _("Enter an amount of zero or more.")})


def assess_claim(claim: CompensationClaim, *, actor: Actor, basis: str, amount_minor: int, note: str = "") -> None:
    """Assess the claim on a basis of the jurisdiction's law (orgs/law.py compensation_basis): the
    person's loss, the processor's gain, or a set amount. Internal: the requester is not told."""
    if basis not in CompensationClaim.Basis.values:
        raise InvalidInput({"basis": _("Choose the basis of the assessment.")})
    _positive_amount(amount_minor)
    with _claim_step(claim, "assess_claim", actor) as (step, locked):
        locked.basis, locked.assessed_minor, locked.assessment_note = basis, amount_minor, note.strip()
        step.data = {"basis": basis, "amount_minor": amount_minor}
        step.visible_to_subject = False


def offer_compensation(claim: CompensationClaim, *, actor: Actor, amount_minor: int) -> None:
    """Offer an amount on an assessed claim, or a new amount after the person declined.
    The requester is mailed the amount and how to accept or decline (their status page)."""
    _positive_amount(amount_minor)
    with _claim_step(claim, "offer_compensation", actor) as (step, locked):
        step.data = {"amount_minor": amount_minor, "currency": locked.currency}
        if locked.status == CompensationClaim.Status.DECLINED:
            step.data["previous_offer_minor"] = locked.offered_minor
        locked.offered_minor = amount_minor


def _answer_offer(claim: CompensationClaim, action: str, actor: Actor) -> None:
    # The amount answered goes on the record: a later new offer changes the claim's row.
    with _claim_step(claim, action, actor) as (step, locked):
        step.data = {"amount_minor": locked.offered_minor, "currency": locked.currency}


def accept_offer(claim: CompensationClaim, *, actor: Actor) -> None:
    """The person accepts the open offer; the officers (assignee, else deciders) are told."""
    _answer_offer(claim, "accept_offer", actor)


def decline_offer(claim: CompensationClaim, *, actor: Actor) -> None:
    """The person declines the open offer; the officers are told and may offer again or close
    the claim; the person is told the route to a court or regulator of their jurisdiction."""
    _answer_offer(claim, "decline_offer", actor)


def record_payment(
    claim: CompensationClaim, *, actor: Actor, amount_minor: int, reference: str, difference_reason: str = ""
) -> None:
    """Record the payment of an accepted offer. A payment that differs from the offer needs a
    reason, which is kept and shown with both figures; the requester is mailed the amount paid."""
    _positive_amount(amount_minor)
    require_text(reference=reference)
    with _claim_step(claim, "record_payment", actor) as (step, locked):
        reason = (difference_reason or "").strip()
        if amount_minor != locked.offered_minor and not reason:
            raise InvalidInput({"difference_reason": _(
                "The amount paid differs from the accepted offer of %(offer)s: say why."
            ) % {"offer": locked.offered_display}})
        if amount_minor == locked.offered_minor:
            reason = ""  # nothing to explain; a stray note is not kept as a "difference"
        locked.paid_minor, locked.payment_reference, locked.paid_at = amount_minor, reference.strip(), step.now
        locked.payment_difference_reason = reason
        step.data = {"amount_minor": amount_minor, "currency": locked.currency, "reference": locked.payment_reference,
                     "offered_minor": locked.offered_minor}
        if reason:
            step.data["difference_reason"] = reason


def close_claim(claim: CompensationClaim, *, actor: Actor, note: str) -> None:
    """Close a declined claim without a new offer, saying why; the requester is told the route
    to a court or regulator of their jurisdiction."""
    require_text(note=note)
    with _claim_step(claim, "close_claim", actor) as (step, locked):
        locked.closing_note = note.strip()
        step.data = {"note": locked.closing_note, "offered_minor": locked.offered_minor, "currency": locked.currency}

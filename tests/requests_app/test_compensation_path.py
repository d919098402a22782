"""A compensation claim finishes: each step reaches the right people with the amounts in
money, read from the mails the real outbox sender sent (notifications.deliver into
Django's test outbox). The person answers on their status page, from the link in the
offer mail; the officer works the desk's forms.

The reference case: RMB 1,038 for the annual pass and travel costs (103800 fen).
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from requests_app import workflow
from requests_app.actors import SUBJECT, member
from requests_app.delivery import notifications
from requests_app.models import CompensationClaim, Notification
from tests import factories
from tests.public.pages import page

pytestmark = pytest.mark.django_db
ClaimStatus = CompensationClaim.Status
REQUESTER = "guo@example.com"
LINK = re.compile(r"https?://[^\s]+?/status/([A-Za-z0-9_-]{16,})/")


def sent_now() -> list:
    """Run the real sender over every unsent notification; the mails it sent."""
    before = len(mail.outbox)
    for pk in Notification.objects.filter(sent_at=None).order_by("pk").values_list("pk", flat=True):
        notifications.deliver(pk)
    return mail.outbox[before:]


def to(address, mails) -> list:
    return [m for m in mails if m.to == [address]]


def action_url(rr, action):
    return reverse("desk:case_action", args=[rr.reference, action])


def case_page(client, rr) -> str:
    response = client.get(reverse("desk:case", args=[rr.reference]))
    assert response.status_code == 200
    return page(response).text


@pytest.fixture
def offered(org_a, officer_a):
    """A claim of RMB 1,038 on a request in review, assessed and offered at 1,038 through the workflow."""
    rr = factories.in_review_request(org_a, officer_a)
    claim = factories.claim_in_state(ClaimStatus.OFFERED, rr, officer_a)
    return rr, claim


def test_the_offer_mail_gives_the_amount_and_how_to_accept_or_decline(offered):
    rr, _claim = offered

    (offer_mail,) = [m for m in to(REQUESTER, sent_now()) if "offers you" in m.body]

    assert "1,038.00 CNY" in offer_mail.body
    assert "Accept the offer" in offer_mail.body and "Decline the offer" in offer_mail.body
    assert "is now:" not in offer_mail.body  # says what happened, not only the request's status
    assert LINK.search(offer_mail.body), "no status page link to answer on"


def test_the_path_to_paid_tells_each_side_with_amounts(client, offered, officer_a):
    rr, claim = offered
    offer_mail = [m for m in to(REQUESTER, sent_now()) if "offers you" in m.body][-1]
    token = LINK.search(offer_mail.body).group(1)

    # The person accepts on the status page the mail links to.
    response = client.post(reverse("public:status_action", args=[token, rr.reference, "accept_offer"]),
                           {"claim": claim.pk})
    assert response.status_code == 302
    mails = sent_now()
    (told_officer,) = to(officer_a.email, mails)
    assert "accepted the compensation offer of 1,038.00 CNY" in told_officer.body
    assert reverse("desk:case", args=[rr.reference]) in told_officer.body
    assert "accepted" in told_officer.subject.lower()
    assert not to(REQUESTER, mails)  # no mail about their own step

    # The officer records the payment on the desk; the person hears the amount and the reference.
    client.force_login(officer_a)
    response = client.post(action_url(rr, "record_payment"),
                           {"claim": claim.pk, "amount": "1038.00", "reference": "BANK-2021-0042"})
    assert response.status_code == 302
    (paid_mail,) = to(REQUESTER, sent_now())
    assert "1,038.00 CNY in compensation" in paid_mail.body and "BANK-2021-0042" in paid_mail.body
    claim.refresh_from_db()
    assert (claim.status, claim.paid_minor, claim.payment_difference_reason) == (ClaimStatus.PAID, 103800, "")


def test_a_decline_tells_the_officers_and_not_the_person_who_declined(client, offered, officer_a, owner_a):
    rr, claim = offered  # assigned to officer_a
    sent_now()

    workflow.decline_offer(claim, actor=SUBJECT)

    mails = sent_now()
    (told_officer,) = to(officer_a.email, mails)
    assert "declined the compensation offer of 1,038.00 CNY" in told_officer.body
    assert not to(owner_a.email, mails)  # the assignee hears it, not every decider
    assert not to(REQUESTER, mails)  # no mail about their own step


def test_without_an_assignee_every_decider_hears_the_answer(org_a, officer_a, owner_a):
    rr = factories.verified_request(org_a)
    claim = factories.claim_in_state(ClaimStatus.OFFERED, rr, officer_a)
    sent_now()

    workflow.accept_offer(claim, actor=SUBJECT)

    mails = sent_now()
    assert to(officer_a.email, mails) and to(owner_a.email, mails)


def test_after_a_decline_the_officer_can_offer_again(client, offered, officer_a):
    rr, claim = offered
    workflow.decline_offer(claim, actor=SUBJECT)
    sent_now()
    client.force_login(officer_a)
    assert "Offer compensation" in case_page(client, rr) and "Close the declined claim" in case_page(client, rr)

    response = client.post(action_url(rr, "offer_compensation"), {"claim": claim.pk, "amount": "1200"})

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.offered_minor) == (ClaimStatus.OFFERED, 120000)
    (new_offer,) = to(REQUESTER, sent_now())
    assert "offers you 1,200.00 CNY" in new_offer.body
    assert "replaces the offer of 1,038.00 CNY you declined" in new_offer.body
    # The person can answer the new offer as the first.
    workflow.accept_offer(claim, actor=SUBJECT)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED


def test_after_a_decline_the_officer_can_close_the_claim_and_the_person_is_told_where_to_turn(client, officer_a):
    org = factories.jurisdiction_org("EU", slug="museum-eu")
    eu_officer = factories.member(org, "officer", username="officer_eu")
    rr = factories.in_review_request(org, eu_officer)
    claim = factories.claim(rr, amount_minor=25000, currency="EUR")
    workflow.assess_claim(claim, actor=member(eu_officer), basis="set_amount", amount_minor=7500)
    workflow.offer_compensation(claim, actor=member(eu_officer), amount_minor=7500)
    workflow.decline_offer(claim, actor=SUBJECT)
    sent_now()
    client.force_login(eu_officer)

    response = client.post(action_url(rr, "close_claim"),
                           {"claim": claim.pk, "note": "The delay caused no damage we can compensate."})

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.closing_note) == (ClaimStatus.CLOSED, "The delay caused no damage we can compensate.")
    (closed,) = to(REQUESTER, sent_now())
    assert "closed your compensation claim" in closed.body and "no damage we can compensate" in closed.body
    assert "GDPR arts. 12(4), 77 and 79" in closed.body and "GDPR art. 82" in closed.body
    assert "PIPL" not in closed.body
    # A closed claim takes no new offer, and the desk no longer offers one.
    assert "Offer compensation" not in case_page(client, rr)
    before = factories.snapshot(rr)
    response = client.post(action_url(rr, "offer_compensation"), {"claim": claim.pk, "amount": "100"})
    assert response.status_code == 409
    assert factories.snapshot(rr) == before


def test_closing_needs_a_reason(client, offered, officer_a):
    rr, claim = offered
    workflow.decline_offer(claim, actor=SUBJECT)
    client.force_login(officer_a)
    before = factories.snapshot(rr)

    response = client.post(action_url(rr, "close_claim"), {"claim": claim.pk, "note": " "})

    assert response.status_code == 400
    assert factories.snapshot(rr) == before


# --- a payment that differs from the accepted offer ------------------------------------------


@pytest.fixture
def accepted(offered):
    rr, claim = offered
    workflow.accept_offer(claim, actor=SUBJECT)
    return rr, claim


def test_a_payment_that_differs_from_the_offer_without_a_reason_is_refused(client, accepted, officer_a):
    rr, claim = accepted
    client.force_login(officer_a)
    before = factories.snapshot(rr)

    response = client.post(action_url(rr, "record_payment"), {"claim": claim.pk, "amount": "1.00", "reference": "BANK-1"})

    assert response.status_code == 400
    errors = page(response).find(id="step-record_payment").text
    assert "differs from the accepted offer of 1,038.00 CNY" in errors
    assert factories.snapshot(rr) == before
    claim.refresh_from_db()
    assert (claim.status, claim.paid_minor) == (ClaimStatus.ACCEPTED, None)


def test_a_differing_payment_with_a_reason_is_recorded_and_both_figures_shown(client, accepted, officer_a):
    rr, claim = accepted
    sent_now()
    client.force_login(officer_a)
    reason = "Bank fees of 20.00 deducted by the receiving bank"

    response = client.post(action_url(rr, "record_payment"), {"claim": claim.pk, "amount": "1018.00",
                                                      "reference": "BANK-2", "difference_reason": reason})

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.paid_minor, claim.payment_difference_reason) == (ClaimStatus.PAID, 101800, reason)
    # The desk, the case file and the status page show the offer, the payment and why they differ.
    desk = case_page(client, rr)
    casefile = page(client.get(reverse("desk:casefile_html", args=[rr.reference]))).text
    (paid_mail,) = to(REQUESTER, sent_now())
    token = LINK.search(paid_mail.body).group(1)
    status = page(client.get(reverse("public:status", args=[token]))).text
    for shown in (desk, casefile, status, paid_mail.body):
        assert "1,038.00 CNY" in shown and "1,018.00 CNY" in shown and reason in shown


def test_the_api_needs_the_reason_too(accepted, officer_a):
    rr, claim = accepted
    api = factories.member_api(officer_a, rr.organisation)
    url = f"/api/v1/requests/{rr.reference}/record-payment/"

    refused = api.post(url, {"claim": claim.pk, "amount_minor": 100, "reference": "B-1"}, format="json")
    paid = api.post(url, {"claim": claim.pk, "amount_minor": 100, "reference": "B-1",
                          "difference_reason": "Part payment agreed by phone"}, format="json")

    assert refused.status_code == 400 and "difference_reason" in str(refused.json())
    assert paid.status_code == 200
    (shown,) = paid.json()["claims"]
    assert (shown["paid_minor"], shown["payment_difference_reason"]) == (100, "Part payment agreed by phone")


def test_a_chinese_requester_reads_the_offer_in_chinese_with_the_amount(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a, language="zh-hans")
    factories.claim_in_state(ClaimStatus.OFFERED, rr, officer_a)

    (offer_mail,) = [m for m in to(REQUESTER, sent_now()) if "赔偿方案" in m.body and "提出 1,038.00 CNY" in m.body]

    assert "接受赔偿方案" in offer_mail.body and "拒绝赔偿方案" in offer_mail.body
    assert LINK.search(offer_mail.body)

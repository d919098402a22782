"""An amount in minor units past what the database can hold (a bigint) sent to the claim
steps of the officers' API is a 400 naming the field, not a 500, and changes nothing."""

import pytest

from requests_app.models import CompensationClaim
from tests import factories

pytestmark = pytest.mark.django_db
TOO_MUCH = 10**30


@pytest.mark.parametrize("step, state, extra", [
    ("assess-claim", CompensationClaim.Status.CLAIMED, {"basis": "loss"}),
    ("offer-compensation", CompensationClaim.Status.ASSESSED, {}),
    ("record-payment", CompensationClaim.Status.ACCEPTED, {"reference": "PAY-1", "difference_reason": "typo"}),
])
def test_an_amount_past_the_database_limit_is_refused_as_bad_input(org_a, officer_a, step, state, extra):
    rr = factories.in_review_request(org_a, officer_a)
    claim = factories.claim_in_state(state, rr, officer_a)
    before = factories.snapshot(rr)
    api = factories.member_api(officer_a, org_a)

    response = api.post(f"/api/v1/requests/{rr.reference}/{step}/",
                        {"claim": claim.pk, "amount_minor": TOO_MUCH, **extra}, format="json")

    assert response.status_code == 400
    assert "amount_minor" in response.content.decode()
    assert factories.snapshot(rr) == before

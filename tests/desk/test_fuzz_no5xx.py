"""Every desk step (workflow.steps.OFFICER_STEPS) posted on a case in every state, and in the states
its step forms point at (a task by hand, a failed webhook, a claim at each stage), with
nothing, missing, wrong-typed, oversized, odd unicode and extra fields: never a 5xx, and
a refused post (4xx) changes nothing stored. Seeded (tests/fuzz.py), so every run posts
the same."""

import pytest
from django.urls import reverse

from orgs.models import DataSystem
from requests_app.cases import selectors
from requests_app.desk import actions
from requests_app.desk.forms import FORM_FOR
from requests_app.models import CompensationClaim, RightsRequest
from requests_app.workflow.steps import OFFICER_STEPS
from tests import factories, fuzz

pytestmark = pytest.mark.django_db
Status = RightsRequest.Status
ClaimStatus = CompensationClaim.Status


def _fulfilling_with(connector, **extra):
    def build(org, officer):
        factories.system(org, name=f"{connector} system", connector=connector, **extra)
        rr = factories.fulfilling_request(org, officer)
        if connector == DataSystem.Connector.WEBHOOK:
            from requests_app import workflow
            from requests_app.actors import SYSTEM
            workflow.record_task_outcome(rr.fulfilment_tasks.get(), actor=SYSTEM, failed=True,
                                         outcome={"error": "unreachable after 8 attempts"})
        return rr
    return build


def _claim_in(status):
    def build(org, officer):
        rr = factories.fulfilled_request(org, officer)
        factories.claim_in_state(status, rr, officer)
        return rr
    return build


CASES = {
    **{f"status_{s.value}": (lambda s: lambda org, officer: factories.request_in_state(s, org, officer))(s)
       for s in Status},
    # The case the issue found: record_outcome where no task is manual (only an automatic vault).
    "fulfilling_vault_only": _fulfilling_with(DataSystem.Connector.VAULT),
    "fulfilling_manual_task": _fulfilling_with(DataSystem.Connector.MANUAL),
    "fulfilling_failed_webhook": _fulfilling_with(DataSystem.Connector.WEBHOOK,
                                                  webhook_url="https://vendor.example.com/hooks"),
    "next_of_kin_submitted": lambda org, officer: factories.submitted_request(
        org, filed_by="next_of_kin", requester_name="Guo Junior", requester_email="son@example.com"),
    **{f"claim_{s.value}": _claim_in(s) for s in (ClaimStatus.CLAIMED, ClaimStatus.ACCEPTED, ClaimStatus.DECLINED)},
}


@pytest.mark.parametrize("case", CASES)
def test_no_desk_step_gives_a_5xx_and_a_refused_one_changes_nothing(case, org_a, officer_a, signed_in):
    rr = CASES[case](org_a, officer_a)
    client = signed_in(officer_a)
    membership = officer_a.memberships.get(organisation=org_a)
    offered = actions.offered(selectors.case_file(rr), membership.role)
    problems = []
    for name in OFFICER_STEPS:
        rng = fuzz.seeded(case, name)
        every = fuzz.payloads(fuzz.form_fields(FORM_FOR[name](rr=rr, membership=membership)), rng)
        # A step the state refuses meets the same form and then a 409: one post of a kind
        # drawn by the seed; a step the page offers gets the empty post and three more.
        sent = [every[0], *rng.sample(every[1:], min(3, len(every) - 1))] if name in offered else [rng.choice(every)]
        url = reverse("desk:case_action", args=[rr.reference, name])
        found = fuzz.fuzz(lambda payload: client.post(url, payload.data), sent,
                          refused=lambda response: response.status_code >= 400)
        problems += [f"{name}: {problem}" for problem in found]
    assert problems == []


def test_record_task_outcome_without_a_task_needing_hands_is_refused_and_without_a_task_a_form_error(
    org_a, officer_a, signed_in
):
    """The issue's 500: the step's form had no task to offer; its error summary used to look
    up the first radio button of a choice with none. Now the step is not taken at all while
    no task needs a person (409, as the page does not offer it); once one does, a post
    naming no task is the form's error."""
    client = signed_in(officer_a)
    rr = _fulfilling_with(DataSystem.Connector.VAULT)(org_a, officer_a)
    before = factories.snapshot(rr)
    response = client.post(reverse("desk:case_action", args=[rr.reference, "record_task_outcome"]),
                           {"outcome": "deleted"})
    assert response.status_code == 409
    assert factories.snapshot(rr) == before

    manual = _fulfilling_with(DataSystem.Connector.MANUAL)(org_a, officer_a)
    before = factories.snapshot(manual)
    response = client.post(reverse("desk:case_action", args=[manual.reference, "record_task_outcome"]),
                           {"outcome": "deleted"})
    assert response.status_code == 400
    assert "System: This field is required." in response.content.decode()
    assert factories.snapshot(manual) == before

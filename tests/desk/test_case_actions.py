"""Every step of the case page through the views: allowed (the state moves, one event is
written, back to the case with a message), refused for the state (409, nothing changes),
refused for the role (an auditor: 403, nothing changes), and bad input (400, the form's
errors, nothing changes). State is built through the workflow, as in production."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from orgs.models import DataSystem, Organisation
from requests_app import workflow
from requests_app.actors import SUBJECT, SYSTEM, member
from requests_app.delivery import notifications
from requests_app.models import Attachment, CompensationClaim, Message, Notification, RightsRequest
from tests import factories

pytestmark = pytest.mark.django_db
Status = RightsRequest.Status
ClaimStatus = CompensationClaim.Status


def action_url(rr, action):
    return reverse("desk:case_action", args=[rr.reference, action])


def case_url(rr):
    return reverse("desk:case", args=[rr.reference])


# --- how to reach each state, and what to post ---------------------------------------------


def _in(status, **data):
    def setup(org, officer):
        return factories.request_in_state(status, org, officer), dict(data)
    return setup


def _eu_in_review(org, officer):
    Organisation.objects.filter(pk=org.pk).update(jurisdiction="EU", time_zone="Europe/Berlin")
    org.refresh_from_db()
    return factories.in_review_request(org, officer), {"reason": "The vendor needs six weeks to export the logs"}


def _assign(org, officer):
    return factories.verified_request(org), {"assignee": officer.pk}


def _manual_task(org, officer, *, done=False):
    system = factories.system(org, name="Pass ledger", connector=DataSystem.Connector.MANUAL)
    rr = factories.fulfilling_request(org, officer)
    task = rr.fulfilment_tasks.get(system=system)
    if done:
        workflow.record_task_outcome(task, actor=member(officer), outcome={"records": [{"outcome": "deleted"}]})
    return rr, {"task": task.pk, "outcome": "storage_only",
                "detail": "Tax law: ticket sales kept 10 years (until 2031)", "note": "Hidden from staff"}


def _failed_webhook_task(org, officer, *, done=False):
    system = factories.system(org, name="Gate vendor cloud", connector=DataSystem.Connector.WEBHOOK,
                              webhook_url="https://vendor.example.com/hooks")
    rr = factories.fulfilling_request(org, officer)
    task = rr.fulfilment_tasks.get(system=system)
    workflow.record_task_outcome(task, actor=SYSTEM, failed=True, outcome={"error": "unreachable after 8 attempts"})
    if done:
        workflow.record_task_outcome(task, actor=member(officer), outcome={"records": [{"outcome": "deleted"}]})
    return rr, {"task": task.pk, "webhook_url": "https://vendor-new.example.com/hooks"}


def _finishable(org, officer):
    return factories.fulfilling_request(org, officer), {}  # no data system: nothing left to wait for


def _unfinished(org, officer):
    rr, _data = _manual_task(org, officer)
    return rr, {}


def _claim(status, **data):
    def setup(org, officer):
        rr = factories.refused_request(org, officer)
        claim = factories.claim_in_state(status, rr, officer)
        return rr, {"claim": claim.pk, **data}
    return setup


def _purged(org, officer):
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        rr = factories.withdrawn_request(org)
    workflow.purge_contact_details(rr, actor=SYSTEM)
    return rr, {}


RELATIVE = {"filed_by": "next_of_kin", "requester_name": "Guo Jr.", "requester_email": "junior@example.com"}
AGENT = {"filed_by": "agent", "requester_name": "Zhao Lawyer", "requester_email": "zhao@law.example"}
CHECKED = {"death_checked": "on", "relationship_checked": "on", "arranged_otherwise": "no",
           "check_performed": "Death certificate no. 330106-2026-1147; household register"}


def _pdf(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4 scanned", content_type="application/pdf")


def _relative(org, officer, *, verified=False):
    """A relative's request (PIPL art. 49) with the evidence attached; verified: already checked."""
    if verified:
        return factories.in_review_request(org, officer, **RELATIVE), dict(CHECKED)
    rr = factories.submitted_request(org, **RELATIVE)
    workflow.add_evidence(rr, actor=SUBJECT, upload=_pdf("death.pdf"), purpose=Attachment.Purpose.DEATH_EVIDENCE)
    return rr, dict(CHECKED)


def _on_power_of_attorney(org, officer, *, verified=False):
    rr = factories.in_review_request(org, officer, **AGENT) if verified else factories.submitted_request(org, **AGENT)
    poa = workflow.add_evidence(rr, actor=SUBJECT, upload=_pdf("poa.pdf"), purpose=Attachment.Purpose.AUTHORISATION)
    return rr, {"attachment": poa.pk, "check_performed": "Durable power of attorney, notarised"}


def _alternative(status, **data):
    """A request for another way in than a face scan (CN), in `status`."""
    def setup(org, officer):
        return factories.request_in_state(status, org, officer, kind="alternative", alternative_wanted="card"), dict(data)
    return setup


def _unanswered(days_ago):
    """Another way in provided `days_ago` days ago, never answered."""
    def setup(org, officer):
        with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
            rr = factories.in_review_request(org, officer, kind="alternative", alternative_wanted="card")
            workflow.provide_alternative(rr, actor=member(officer), alternative="card", details="Card at the office")
        return rr, {"note": "Let in by card every day since."}
    return setup


@dataclass
class Step:
    allowed: Callable  # (org, officer) -> (request, POST data) in a state where the step works
    then: str | None  # the status after it (None: unchanged)
    event: str  # the event it writes
    wrong_state: Callable | None  # a state where the workflow refuses it (None: it never does)


ASSESS = {"basis": "loss", "amount": "1038.00", "note": "Annual pass 1,018 + travel 20"}
STEPS = {
    "assign": Step(_assign, Status.IN_REVIEW, "assign",
                   lambda org, officer: (factories.submitted_request(org), {"assignee": officer.pk})),
    "verify": Step(_in(Status.SUBMITTED, check_performed="Compared the pass photo at the ticket office"),
                   Status.VERIFIED, "verify", _in(Status.IN_REVIEW, check_performed="Again")),
    "verify_next_of_kin": Step(_relative, Status.VERIFIED, "verify_next_of_kin",
                               lambda org, officer: _relative(org, officer, verified=True)),
    "verify_power_of_attorney": Step(_on_power_of_attorney, Status.VERIFIED, "verify",
                                     lambda org, officer: _on_power_of_attorney(org, officer, verified=True)),
    "ask_info": Step(_in(Status.IN_REVIEW, question="Which gate did you use?", reason="clarification"),
                     Status.AWAITING_SUBJECT, "ask_info",
                     _in(Status.APPROVED, question="Too late", reason="clarification")),
    "extend": Step(_eu_in_review, None, "extend", _in(Status.IN_REVIEW, reason="CN allows no extension")),
    "approve": Step(_in(Status.IN_REVIEW, note="Deletion of face data ordered", confirmed="True"), Status.APPROVED,
                    "approve", _in(Status.VERIFIED, confirmed="True")),
    "refuse": Step(_in(Status.IN_REVIEW, reason="Fraud case open", legal_ground="cn_47_2"), Status.REFUSED,
                   "refuse", _in(Status.APPROVED, reason="Too late", legal_ground="cn_47_2")),
    "provide_alternative": Step(_alternative(Status.IN_REVIEW, alternative="card", details="Card at the office"),
                                Status.FULFILLING, "provide_alternative",
                                _alternative(Status.VERIFIED, alternative="card", details="Too early")),
    "close_unconfirmed_alternative": Step(_unanswered(15), Status.FULFILLED, "close_unconfirmed_alternative",
                                          _unanswered(3)),
    "start_fulfilment": Step(_in(Status.APPROVED), Status.FULFILLING, "start_fulfilment", _in(Status.IN_REVIEW)),
    "record_task_outcome": Step(_manual_task, None, "record_task_outcome",
                           lambda org, officer: _manual_task(org, officer, done=True)),
    "finish_fulfilment": Step(_finishable, Status.FULFILLED, "finish_fulfilment", _unfinished),
    "retry_task": Step(_failed_webhook_task, None, "retry_task",
                       lambda org, officer: _failed_webhook_task(org, officer, done=True)),
    "repoint_task": Step(_failed_webhook_task, None, "repoint_task",
                         lambda org, officer: _failed_webhook_task(org, officer, done=True)),
    "message_subject": Step(_in(Status.IN_REVIEW, body="We have found two records."), None, "message_subject", None),
    "add_note": Step(_in(Status.IN_REVIEW, body="Gate log checked: two entries."), None, "add_note", None),
    "assess_claim": Step(_claim(ClaimStatus.CLAIMED, **ASSESS), None, "assess_claim", _claim(ClaimStatus.ASSESSED, **ASSESS)),
    "offer_compensation": Step(_claim(ClaimStatus.ASSESSED, amount="1038.00"), None, "offer_compensation",
                  _claim(ClaimStatus.CLAIMED, amount="1038.00")),
    "record_payment": Step(_claim(ClaimStatus.ACCEPTED, amount="1038.00", reference="BANK-2021-0042"), None,
                    "record_payment", _claim(ClaimStatus.OFFERED, amount="1038.00", reference="BANK-1")),
    "close_claim": Step(_claim(ClaimStatus.DECLINED, note="Settled by the court already."), None, "close_claim",
                        _claim(ClaimStatus.OFFERED, note="Too early")),
    "reveal_contact": Step(_in(Status.IN_REVIEW), None, "reveal_contact", _purged),
}


def test_every_desk_step_is_tested():
    from requests_app.workflow.steps import OFFICER_STEPS

    assert set(STEPS) == set(OFFICER_STEPS)


@pytest.mark.parametrize("action", list(STEPS))
def test_an_officer_takes_the_step_through_the_page(officer_client, org_a, officer_a, action):
    step = STEPS[action]
    rr, data = step.allowed(org_a, officer_a)
    before = factories.snapshot(rr)

    response = officer_client.post(action_url(rr, action), data)

    if action == "reveal_contact":
        assert response.status_code == 200
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"] == case_url(rr)
    event = factories.new_event(rr, before)
    assert event.action == step.event
    assert event.actor_id == officer_a.pk
    rr.refresh_from_db()
    assert rr.status == (step.then or before["row"]["status"])
    if action != "reveal_contact":
        page = officer_client.get(case_url(rr))
        assert page.status_code == 200
        assert [str(m) for m in page.context["messages"]]  # the outcome is said on the page


def _last_event(rr):
    return rr.events.order_by("-seq").first()


@pytest.mark.parametrize("action", [name for name, step in STEPS.items() if step.wrong_state])
def test_a_step_the_state_does_not_allow_is_refused_with_409_and_changes_nothing(
    officer_client, org_a, officer_a, action
):
    rr, data = STEPS[action].wrong_state(org_a, officer_a)
    before = factories.snapshot(rr)

    response = officer_client.post(action_url(rr, action), data)

    assert response.status_code == 409, response.content.decode()[:2000]
    assert factories.snapshot(rr) == before
    assert [m for m in response.context["messages"] if m.level_tag == "error"]
    assert rr.reference in response.content.decode()  # the case page, with the reason


@pytest.mark.parametrize("action", [name for name in STEPS if name != "reveal_contact"])
def test_an_auditor_sees_the_case_but_every_step_is_refused(signed_in, org_a, officer_a, auditor_a, action):
    rr, data = STEPS[action].allowed(org_a, officer_a)
    before = factories.snapshot(rr)
    client = signed_in(auditor_a)

    response = client.post(action_url(rr, action), data)

    assert response.status_code == 403
    assert factories.snapshot(rr) == before
    assert "not act" in " ".join(str(m) for m in response.context["messages"])


def test_an_auditor_is_shown_no_step_but_may_reveal_and_that_is_recorded(signed_in, org_a, officer_a, auditor_a):
    rr = factories.in_review_request(org_a, officer_a)
    client = signed_in(auditor_a)

    page = client.get(case_url(rr))

    assert page.status_code == 200
    assert page.context["steps"] == []
    html = page.content.decode()
    assert f'action="{action_url(rr, "approve")}"' not in html
    assert f'action="{action_url(rr, "reveal_contact")}"' in html

    revealed = client.post(action_url(rr, "reveal_contact"))

    assert revealed.status_code == 200
    assert "guo@example.com" in revealed.content.decode()
    event = rr.events.order_by("-seq").first()
    assert (event.action, event.actor_id, event.visible_to_subject) == ("reveal_contact", auditor_a.pk, False)


def test_a_system_owner_gets_404_on_the_case_and_its_steps(signed_in, org_a, officer_a, system_owner_a):
    rr = factories.in_review_request(org_a, officer_a)
    client = signed_in(system_owner_a)
    before = factories.snapshot(rr)

    assert client.get(case_url(rr)).status_code == 404
    assert client.post(action_url(rr, "approve")).status_code == 404
    assert factories.snapshot(rr) == before


def test_an_unknown_step_is_404(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    assert officer_client.post(action_url(rr, "delete_everything")).status_code == 404


def test_a_step_is_post_only(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    assert officer_client.get(action_url(rr, "approve")).status_code == 405
    rr.refresh_from_db()
    assert rr.status == Status.IN_REVIEW


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    {"reason": "Fraud case open", "legal_ground": ""},
    {"reason": "", "legal_ground": "cn_47_2"},
    {"reason": "   ", "legal_ground": "   "},
    {"reason": "Fraud case open", "legal_ground": "other", "legal_ground_other": "  "},
    {"reason": "Fraud case open", "legal_ground": "eu_12_5"},  # not a ground of this request's law
])
def test_a_refusal_requires_a_reason_and_a_legal_ground(officer_client, org_a, officer_a, data):
    rr = factories.in_review_request(org_a, officer_a)
    before = factories.snapshot(rr)

    response = officer_client.post(action_url(rr, "refuse"), data)

    assert response.status_code == 400
    assert factories.snapshot(rr) == before
    assert response.context["open_form"] == "refuse"
    assert 'class="error-summary"' in response.content.decode()


def test_storage_only_requires_the_retention_duty(officer_client, org_a, officer_a):
    rr, data = _manual_task(org_a, officer_a)
    before = factories.snapshot(rr)

    response = officer_client.post(action_url(rr, "record_task_outcome"), {**data, "detail": ""})

    assert response.status_code == 400
    assert factories.snapshot(rr) == before


def test_an_assignee_from_another_organisation_is_refused(officer_client, org_a, officer_a, officer_b):
    rr = factories.verified_request(org_a)
    before = factories.snapshot(rr)

    response = officer_client.post(action_url(rr, "assign"), {"assignee": officer_b.pk})

    assert response.status_code == 400
    assert factories.snapshot(rr) == before


def test_a_claim_of_another_request_cannot_be_stepped_through_this_one(officer_client, org_a, officer_a):
    rr, _data = _claim(ClaimStatus.CLAIMED)(org_a, officer_a)
    other, data = _claim(ClaimStatus.CLAIMED, **ASSESS)(org_a, officer_a)
    before, before_other = factories.snapshot(rr), factories.snapshot(other)

    response = officer_client.post(action_url(rr, "assess_claim"), data)

    assert response.status_code == 400
    assert (factories.snapshot(rr), factories.snapshot(other)) == (before, before_other)


def test_an_amount_with_more_decimals_than_the_currency_has_is_refused(officer_client, org_a, officer_a):
    rr, data = _claim(ClaimStatus.CLAIMED, **{**ASSESS, "amount": "10.005"})(org_a, officer_a)
    before = factories.snapshot(rr)

    response = officer_client.post(action_url(rr, "assess_claim"), data)

    assert response.status_code == 400
    assert factories.snapshot(rr) == before


# --- what the steps record ---------------------------------------------------------------------


def test_the_assessment_is_stored_in_minor_units_on_the_chosen_basis(officer_client, org_a, officer_a):
    rr, data = _claim(ClaimStatus.CLAIMED, **ASSESS)(org_a, officer_a)

    officer_client.post(action_url(rr, "assess_claim"), {**data, "basis": "gain"})

    claim = CompensationClaim.objects.get(pk=data["claim"])
    assert (claim.status, claim.basis, claim.assessed_minor) == (ClaimStatus.ASSESSED, "gain", 103800)


def test_storage_only_is_recorded_with_its_reason(officer_client, org_a, officer_a):
    rr, data = _manual_task(org_a, officer_a)

    officer_client.post(action_url(rr, "record_task_outcome"), data)

    task = rr.fulfilment_tasks.get(pk=data["task"])
    assert task.status == "done"
    assert task.result["records"] == [{"outcome": "storage_only", "reason": data["detail"]}]
    page = officer_client.get(case_url(rr)).content.decode()
    assert "Storage only" in page and data["detail"] in page


def test_an_internal_note_is_not_shown_to_the_requester(officer_client, client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)

    officer_client.post(action_url(rr, "add_note"), {"body": "Gate log checked: two entries."})

    note = Message.objects.get(request=rr, direction=Message.Direction.INTERNAL)
    assert note.author == officer_a
    event = rr.events.order_by("-seq").first()
    assert (event.action, event.visible_to_subject) == ("add_note", False)
    assert not Notification.objects.filter(request=rr, event=event).exists()
    assert "Gate log checked" in officer_client.get(case_url(rr)).content.decode()


def test_the_refusal_letter_states_the_reason_the_ground_and_the_route_to_court(officer_client, org_a, officer_a):
    from django.core import mail

    rr = factories.in_review_request(org_a, officer_a)
    officer_client.post(action_url(rr, "refuse"), {"reason": "A fraud case about this pass is open",
                                                   "legal_ground": "cn_47_2"})
    letter = Notification.objects.get(request=rr, kind=Notification.Kind.SUBJECT_UPDATE, event__action="refuse")

    notifications.deliver(letter.pk)

    body = mail.outbox[-1].body
    assert mail.outbox[-1].to == ["guo@example.com"]
    assert "A fraud case about this pass is open" in body and "PIPL art. 47(2)" in body
    # The route to the regulator and the court, in the words of the organisation's law (CN).
    assert "cyberspace administration" in body and "people's court (PIPL art. 50)" in body


# --- the case page ------------------------------------------------------------------------------


def test_contact_details_are_masked_until_revealed_and_then_in_that_response_only(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)

    html = officer_client.get(case_url(rr)).content.decode()
    assert "guo@example.com" not in html and "g***@example.com" in html
    assert not rr.events.filter(action="reveal_contact").exists()

    revealed = officer_client.post(action_url(rr, "reveal_contact")).content.decode()
    assert "guo@example.com" in revealed
    assert rr.events.filter(action="reveal_contact", actor=officer_a).count() == 1

    again = officer_client.get(case_url(rr)).content.decode()
    assert "guo@example.com" not in again
    assert "Contact details revealed" in again  # the timeline shows the look


def test_the_page_shows_only_the_steps_the_state_allows(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)

    names = {step["name"] for step in officer_client.get(case_url(rr)).context["steps"]}

    assert {"approve", "refuse", "ask_info", "assign", "message_subject", "add_note"} <= names
    assert not names & {"verify", "start_fulfilment", "finish_fulfilment", "extend", "record_task_outcome",
                        "assess_claim"}


def test_extension_is_offered_only_where_the_law_allows_it(officer_client, org_a, officer_a):
    cn = factories.in_review_request(org_a, officer_a)
    assert "extend" not in {s["name"] for s in officer_client.get(case_url(cn)).context["steps"]}

    eu, _data = _eu_in_review(org_a, officer_a)
    assert "extend" in {s["name"] for s in officer_client.get(case_url(eu)).context["steps"]}


def test_biometric_records_are_shown_once_verified_without_templates_or_hashes(officer_client, org_a, officer_a):
    gate = factories.activity(org_a, name="Annual pass entry", collection_point="North gate")
    record = factories.person_record(gate, email="guo@example.com")
    factories.person_record(gate, email="someone-else@example.com")
    unverified = factories.submitted_request(org_a)

    assert officer_client.get(case_url(unverified)).context["case"].records == []

    rr = factories.in_review_request(org_a, officer_a, email="guo@example.com")
    response = officer_client.get(case_url(rr))
    html = response.content.decode()

    assert [r.pk for r in response.context["case"].records] == [record.pk]
    assert "North gate" in html and "Annual pass entry" in html and "Consent" in html
    assert record.email_hash not in html
    assert bytes(record.template_ciphertext).hex()[:16] not in html


def test_dates_are_shown_in_the_organisations_time_zone(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    response = officer_client.get(case_url(rr))

    local = timezone.localtime(rr.due_at, org_a.time_zone)
    assert local.hour == 23  # the end of the due day where the organisation is
    from django.utils.formats import date_format

    assert date_format(local, "DATETIME_FORMAT") in response.content.decode()


def test_the_case_page_reads_in_a_fixed_number_of_queries(officer_client, org_a, officer_a,
                                                          django_assert_max_num_queries):
    rr = factories.fulfilling_request(org_a, officer_a)
    for n in range(5):
        workflow.add_note(rr, actor=member(officer_a), body=f"note {n}")
    with django_assert_max_num_queries(20):
        assert officer_client.get(case_url(rr)).status_code == 200

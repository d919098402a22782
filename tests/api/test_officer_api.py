"""The officers' API: the queue, one request, every workflow step, manual tasks, the
dashboard. State is built through the workflow (tests/factories.py)."""

import pytest
from django.urls import reverse

from orgs.models import DataSystem
from requests_app.models import CompensationClaim, FulfilmentTask, RightsRequest
from tests import factories

pytestmark = pytest.mark.django_db
S = RightsRequest.Status


@pytest.fixture
def api(officer_a, org_a):
    return factories.member_api(officer_a, org_a)


def url(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs)


def step_url(rr, step):
    return url(f"request-{step}", reference=rr.reference)


def assert_error(response, status, code=None, fields=()):
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["message"]
    if code:
        assert body["code"] == code, body
    assert set(fields) <= set(body["fields"]), body


# --- the queue -------------------------------------------------------------------------------


def test_queue_lists_open_requests_of_the_organisation_masked(api, org_a, org_b, officer_a):
    mine = factories.in_review_request(org_a, officer_a, email="guo.li@example.com")
    factories.fulfilled_request(org_a, officer_a, email="done@example.com")
    factories.verified_request(org_b, email="other@example.com")

    response = api.get(url("request-list"))

    assert response.status_code == 200
    body = response.json()
    assert [row["reference"] for row in body["results"]] == [mine.reference]
    assert body["results"][0]["masked_identifiers"] == "g***@example.com"
    assert "guo.li@example.com" not in response.content.decode()


def test_queue_filters_by_status_and_searches_by_email(api, org_a, officer_a):
    factories.verified_request(org_a, email="a@example.com")
    done = factories.fulfilled_request(org_a, officer_a, email="b@example.com")

    by_status = api.get(url("request-list"), {"status": [S.FULFILLED]}).json()["results"]
    by_email = api.get(url("request-list"), {"q": "B@example.com", "status": list(S.values)}).json()["results"]

    assert [r["reference"] for r in by_status] == [done.reference]
    assert [r["reference"] for r in by_email] == [done.reference]


def test_queue_refuses_a_bad_filter_with_field_errors(api):
    assert_error(api.get(url("request-list"), {"status": "nonsense", "due_within": "x"}), 400, "invalid",
                 fields=("status", "due_within"))


def test_queue_pages_by_cursor_without_repeats(api, org_a, monkeypatch):
    monkeypatch.setattr("requests_app.api.officer.PER_PAGE", 2)
    made = {factories.verified_request(org_a, email=f"p{i}@example.com").reference for i in range(5)}
    seen, link = [], url("request-list")
    while link:
        body = api.get(link).json()
        seen += [row["reference"] for row in body["results"]]
        link = body["next"]
    assert sorted(seen) == sorted(made) and len(seen) == 5
    second = api.get(api.get(url("request-list")).json()["next"]).json()
    assert second["previous"]


# --- one request ---------------------------------------------------------------------------------


def test_retrieve_shows_the_request_with_its_events(api, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)

    response = api.get(url("request-detail", reference=rr.reference.lower()))

    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == rr.reference and body["status"] == S.IN_REVIEW
    assert [e["action"] for e in body["events"]] == ["submit", "verify", "assign"]
    event = body["events"][-1]
    assert set(event) == {"seq", "at", "action", "actor", "from", "to", "data", "hash"}
    assert event["actor"] == "officer_a" and event["from"] == S.VERIFIED and event["to"] == S.IN_REVIEW
    assert "guo@example.com" not in response.content.decode()


def test_retrieve_an_unknown_reference_is_404(api):
    assert_error(api.get(url("request-detail", reference="NOSUCHREF9")), 404, "not_found")


# --- the steps -------------------------------------------------------------------------------------


@pytest.fixture
def decider(officer_a):
    return officer_a


STEP_CASES = [
    # step, starting state, body, state after
    ("assign", S.VERIFIED, lambda o: {"assignee": o.pk}, S.IN_REVIEW),
    ("verify", S.SUBMITTED, lambda o: {"check_performed": "Saw the annual pass"}, S.VERIFIED),
    ("ask-info", S.IN_REVIEW, lambda o: {"question": "Which gate?", "reason": "clarification"}, S.AWAITING_SUBJECT),
    ("approve", S.IN_REVIEW, lambda o: {"note": "Fine"}, S.APPROVED),
    ("refuse", S.IN_REVIEW, lambda o: {"reason": factories.REFUSAL_REASON, "legal_ground": factories.REFUSAL_GROUND},
     S.REFUSED),
    ("start-fulfilment", S.APPROVED, lambda o: {}, S.FULFILLING),
    ("finish-fulfilment", S.FULFILLING, lambda o: {}, S.FULFILLED),
    ("message-subject", S.IN_REVIEW, lambda o: {"body": "We are on it."}, S.IN_REVIEW),
    ("add-note", S.IN_REVIEW, lambda o: {"body": "Checked the CRM."}, S.IN_REVIEW),
]


@pytest.mark.parametrize(("step", "start", "body", "after"), STEP_CASES, ids=[c[0] for c in STEP_CASES])
def test_each_step_runs_the_workflow_and_returns_the_request(api, org_a, officer_a, step, start, body, after):
    rr = factories.request_in_state(start, org_a, officer_a)
    events = rr.events.count()

    response = api.post(step_url(rr, step), body(officer_a), format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == after
    assert rr.events.count() == events + 1
    assert response.json()["events"][-1]["actor"] == "officer_a"


def test_extend_where_the_law_allows_it(org_a, officer_a):
    eu = factories.jurisdiction_org("EU")
    officer = factories.member(eu, "officer", username="officer_eu")
    rr = factories.in_review_request(eu, officer)
    due = rr.due_at
    api = factories.member_api(officer, eu)

    response = api.post(step_url(rr, "extend"), {"reason": "Many systems to search"})

    assert response.status_code == 200, response.content
    rr.refresh_from_db()
    assert rr.extensions == 1 and rr.due_at > due
    # China's law allows none: the workflow refuses, 409.
    cn = factories.in_review_request(org_a, officer_a, email="cn@example.com")
    assert_error(factories.member_api(officer_a, org_a).post(step_url(cn, "extend"), {"reason": "x"}), 409)


@pytest.mark.parametrize(("step", "body", "fields"), [
    ("refuse", {"reason": "No"}, ["legal_ground"]),
    ("ask-info", {"question": "   "}, ["question"]),
    ("assign", {"assignee": "x"}, ["assignee"]),
    ("message-subject", {}, ["body"]),
])
def test_bad_input_is_400_with_field_errors_and_changes_nothing(api, org_a, officer_a, step, body, fields):
    rr = factories.in_review_request(org_a, officer_a)
    before = factories.snapshot(rr)

    assert_error(api.post(step_url(rr, step), body, format="json"), 400, "invalid", fields=fields)
    assert factories.snapshot(rr) == before


def test_assigning_to_someone_of_another_organisation_is_400(api, org_a, officer_a, officer_b):
    rr = factories.in_review_request(org_a, officer_a)
    assert_error(api.post(step_url(rr, "assign"), {"assignee": officer_b.pk}), 400, fields=["assignee"])


def test_a_step_the_state_forbids_is_409(api, org_a, officer_a):
    rr = factories.submitted_request(org_a)
    before = factories.snapshot(rr)

    assert_error(api.post(step_url(rr, "approve"), {}), 409, "transition_not_allowed")
    assert factories.snapshot(rr) == before


def test_a_step_on_an_unknown_reference_is_404(api):
    assert_error(api.post(url("request-approve", reference="NOSUCHREF9"), {}), 404, "not_found")


def test_auditors_read_but_every_post_is_403(org_a, officer_a, auditor_a):
    rr = factories.in_review_request(org_a, officer_a)
    api = factories.member_api(auditor_a, org_a)
    before = factories.snapshot(rr)

    assert api.get(url("request-detail", reference=rr.reference)).status_code == 200
    assert api.get(url("dashboard")).status_code == 200
    for step in ("approve", "add-note", "assign", "refuse"):
        assert_error(api.post(step_url(rr, step), {"body": "x"}), 403, "not_permitted")
    assert factories.snapshot(rr) == before


def test_the_compensation_steps(api, org_a, officer_a):
    rr = factories.fulfilled_request(org_a, officer_a)
    claim = factories.claim(rr)

    assessed = api.post(step_url(rr, "assess-claim"),
                        {"claim": claim.pk, "basis": "loss", "amount_minor": 50000, "note": "Receipts"})
    offered = api.post(step_url(rr, "offer-compensation"), {"claim": claim.pk, "amount_minor": 50000})

    assert assessed.status_code == 200 and offered.status_code == 200, offered.content
    claim.refresh_from_db()
    assert claim.status == CompensationClaim.Status.OFFERED and claim.offered_minor == 50000
    assert offered.json()["claims"][0]["status"] == "offered"
    # Paying before the requester accepted: the claim's state forbids it.
    assert_error(api.post(step_url(rr, "record-payment"),
                          {"claim": claim.pk, "amount_minor": 50000, "reference": "PAY-1"}), 409)


def test_recording_a_payment_of_an_accepted_offer(api, org_a, officer_a):
    rr = factories.fulfilled_request(org_a, officer_a)
    claim = factories.claim_in_state(CompensationClaim.Status.ACCEPTED, rr, officer_a)

    response = api.post(step_url(rr, "record-payment"), {"claim": claim.pk, "amount_minor": 103800,
                                                         "reference": "PAY-2026-1"})

    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.status == CompensationClaim.Status.PAID and claim.payment_reference == "PAY-2026-1"


def test_a_claim_of_another_request_is_400(api, org_a, org_b, officer_a, officer_b):
    rr = factories.fulfilled_request(org_a, officer_a)
    other = factories.claim(factories.fulfilled_request(org_b, officer_b, email="b@example.com"))
    assert_error(api.post(step_url(rr, "offer-compensation"), {"claim": other.pk, "amount_minor": 1}), 400,
                 fields=["claim"])
    assert_error(api.post(step_url(rr, "assess-claim"), {"basis": "guess", "amount_minor": -1}), 400,
                 fields=["claim", "basis", "amount_minor"])


# --- fulfilment tasks -----------------------------------------------------------------------------


@pytest.fixture
def manual_task(org_a, officer_a, system_owner_a):
    factories.system(org_a, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=system_owner_a)
    factories.system(org_a, name="Locker list", connector=DataSystem.Connector.MANUAL)
    rr = factories.fulfilling_request(org_a, officer_a)
    return rr.fulfilment_tasks.get(system__name="Pass ledger")


def test_system_owners_see_and_confirm_only_their_systems_tasks(org_a, manual_task, system_owner_a):
    api = factories.member_api(system_owner_a, org_a)
    other = FulfilmentTask.objects.get(system__name="Locker list")

    listed = api.get(url("fulfilment-task-list")).json()
    done = api.post(url("fulfilment-task-outcome", public_id=manual_task.public_id), {"outcome": "deleted"})

    assert [t["public_id"] for t in listed] == [str(manual_task.public_id)]
    assert done.status_code == 200, done.content
    assert done.json()["status"] == FulfilmentTask.Status.DONE
    assert_error(api.post(url("fulfilment-task-outcome", public_id=other.public_id), {"outcome": "deleted"}), 404)
    # A system owner works no desk: the requests are not theirs to see.
    assert_error(api.get(url("request-list")), 404)


def test_officers_confirm_any_manual_task_once(api, manual_task):
    target = url("fulfilment-task-outcome", public_id=manual_task.public_id)
    assert len(api.get(url("fulfilment-task-list")).json()) == 2

    assert_error(api.post(target, {"outcome": "storage_only"}), 400, "invalid", fields=["detail"])
    assert_error(api.post(target, {"outcome": "burnt"}), 400, fields=["outcome"])
    assert api.post(target, {"outcome": "storage_only", "retention_reason": "Tax law, 10 years"}).status_code == 200
    assert_error(api.post(target, {"outcome": "deleted"}), 409)
    assert_error(api.post(url("fulfilment-task-outcome", public_id="not-a-uuid"), {"outcome": "deleted"}), 404)


def test_an_auditor_may_not_record_an_outcome(org_a, manual_task, auditor_a):
    api = factories.member_api(auditor_a, org_a)
    assert_error(api.post(url("fulfilment-task-outcome", public_id=manual_task.public_id), {"outcome": "deleted"}),
                 403, "not_permitted")


def test_the_whole_walk_ends_fulfilled(api, org_a, officer_a, manual_task):
    rr = manual_task.request
    for task in rr.fulfilment_tasks.all():
        done = api.post(url("fulfilment-task-outcome", public_id=task.public_id), {"outcome": "not_found"})
        assert done.status_code == 200
    finished = api.post(step_url(rr, "finish-fulfilment"))
    assert finished.status_code == 200 and finished.json()["status"] == S.FULFILLED
    assert finished.json()["certificate"]


def test_an_outcome_recorded_by_hand_on_the_request_takes_its_file_as_multipart(api, org_a, officer_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    factories.system(org_a, name="Ticket office archive", connector=DataSystem.Connector.MANUAL)
    rr = factories.fulfilling_request(org_a, officer_a, kind="access")
    task = rr.fulfilment_tasks.get()
    copy = SimpleUploadedFile("your-data.pdf", b"%PDF-1.4 the annual pass form", content_type="application/pdf")

    missing = api.post(step_url(rr, "record-task-outcome"), {"task": str(task.public_id), "outcome": "copy_provided"},
                       format="multipart")
    done = api.post(step_url(rr, "record-task-outcome"),
                    {"task": str(task.public_id), "outcome": "copy_provided", "upload": copy}, format="multipart")

    assert_error(missing, 400, "invalid", fields=["upload"])
    assert done.status_code == 200, done.content
    task.refresh_from_db()
    assert task.status == FulfilmentTask.Status.DONE and task.result["attachments"]
    assert rr.attachments.get(pk=task.result["attachments"][0]).original_name == "your-data.pdf"
    # JSON is not what this step takes: its input has a file.
    assert_error(api.post(step_url(rr, "record-task-outcome"), {"task": str(task.public_id)}, format="json"), 415)


def test_retry_and_repoint_a_failed_webhook_task(api, org_a, officer_a):
    from requests_app import workflow
    from requests_app.actors import SYSTEM

    factories.system(org_a, name="Gate vendor cloud", connector=DataSystem.Connector.WEBHOOK,
                     webhook_url="https://vendor.example.com/hooks")
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get()
    workflow.record_task_outcome(task, actor=SYSTEM, failed=True, outcome={"error": "unreachable"})

    retried = api.post(step_url(rr, "retry-task"), {"task": str(task.public_id)}, format="json")
    repointed = api.post(step_url(rr, "repoint-task"),
                         {"task": str(task.public_id), "webhook_url": "https://vendor-new.example.com/hooks"},
                         format="json")

    assert retried.status_code == 200 and repointed.status_code == 200, repointed.content
    assert [e["action"] for e in repointed.json()["events"]][-2:] == ["retry_task", "repoint_task"]
    task.system.refresh_from_db()
    assert task.system.webhook_url == "https://vendor-new.example.com/hooks"
    assert_error(api.post(step_url(rr, "retry-task"), {"task": "not-a-uuid"}, format="json"), 400, fields=["task"])


def test_revealing_the_contact_details_answers_them_and_is_recorded_for_an_auditor_too(org_a, officer_a,
                                                                                       auditor_a):
    rr = factories.in_review_request(org_a, officer_a, email="guo.bing@example.com")

    response = factories.member_api(auditor_a, org_a).post(step_url(rr, "reveal-contact"))

    assert response.status_code == 200, response.content
    assert response.json()["email"] == "guo.bing@example.com"
    event = rr.events.order_by("-seq").first()
    assert (event.action, event.actor_id, event.visible_to_subject) == ("reveal_contact", auditor_a.pk, False)


def test_the_former_paths_of_message_and_note_still_answer_and_are_marked_deprecated(api, client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)

    message = api.post(f"/api/v1/requests/{rr.reference}/message/", {"body": "We are on it."}, format="json")
    note = api.post(f"/api/v1/requests/{rr.reference}/note/", {"body": "Checked the CRM."}, format="json")

    assert message.status_code == 200 and note.status_code == 200
    assert [e["action"] for e in note.json()["events"]][-2:] == ["message_subject", "add_note"]
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for former, now in (("message", "message-subject"), ("note", "add-note")):
        operation = paths[f"/api/v1/requests/{{reference}}/{former}/"]["post"]
        assert operation["deprecated"] is True and now in operation["summary"]
        assert "deprecated" not in paths[f"/api/v1/requests/{{reference}}/{now}/"]["post"]


# --- the dashboard -----------------------------------------------------------------------------------


def test_dashboard_figures_of_the_acting_organisation(api, org_a, org_b, officer_a, officer_b):
    factories.in_review_request(org_a, officer_a)
    factories.refused_request(org_a, officer_a, email="r@example.com")
    factories.in_review_request(org_b, officer_b, email="b@example.com")
    factories.in_review_request(org_b, officer_b, email="c@example.com")

    body = api.get(url("dashboard")).json()

    assert body["open"] == 1
    assert body["refusal_grounds"] == [{"legal_ground": factories.REFUSAL_GROUND, "count": 1}]
    assert {"overdue", "due_this_week", "median_days", "p90_days", "weeks", "by_kind", "by_outcome"} <= set(body)


def test_no_token_is_401(client):
    response = client.get(url("request-list"))
    assert_error(response, 401, "not_authenticated")


def test_the_published_schema_carries_no_engineers_notes(client):
    """Docstrings of views and serializers say what a class owns and why; the docs for the
    API's users keep only what extend_schema and the fields' help texts say."""
    import inspect

    from requests_app.api import citizen, officer, owner, serializers, systems

    schema = client.get("/api/schema/?format=json").content.decode()
    notes = [inspect.getdoc(cls).splitlines()[0] for module in (citizen, officer, owner, serializers, systems)
             for _name, cls in inspect.getmembers(module, inspect.isclass)
             if cls.__module__ == module.__name__ and inspect.getdoc(cls)]
    assert notes  # there are docstrings to keep out
    leaked = [note for note in notes if len(note) > 20 and json_escaped(note) in schema]
    assert leaked == []


def json_escaped(text: str) -> str:
    import json

    return json.dumps(text)[1:-1]

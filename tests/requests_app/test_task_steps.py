"""When the automatic path does not finish a task: a busy database is retried at once, and
an officer can retry a task, point its webhook elsewhere, or record by hand what was done,
for every connector, after which the request finishes."""

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection

from orgs.models import BiometricRecord, DataSystem
from requests_app import fulfilment, workflow
from requests_app.actors import SYSTEM, member
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import FulfilmentTask, Notification, RightsRequest
from requests_app.workflow import task_steps
from tests import factories
from tests.requests_app.test_fulfilment_webhook import SECRET, ExternalSystem

TaskStatus = FulfilmentTask.Status
Connector = DataSystem.Connector


@pytest.fixture
def external():
    system = ExternalSystem()
    yield system
    system.close()


def _fulfilling(org, officer, **systems):
    """A deletion of Guo's face record, started in the given systems (name -> connector kwargs)."""
    gate = factories.activity(org)
    for name, extra in systems.items():
        if extra.get("connector") == Connector.WEBHOOK:
            factories.webhook_system(org, name=name, url=extra["url"], secret=SECRET)
        else:
            factories.system(org, name=name, **extra)
    vault = DataSystem.objects.filter(organisation=org, connector=Connector.VAULT).first()
    if vault:
        factories.person_record(gate, data_system=vault)
    rr = factories.fulfilling_request(org, officer)
    return rr, {task.system.name: task for task in rr.fulfilment_tasks.select_related("system")}


def _fail(task, why="unreachable after 8 attempts (ConnectionError)"):
    workflow.record_task_outcome(task, actor=SYSTEM, failed=True, outcome={"connector": task.connector, "error": why})
    task.refresh_from_db()


# --- a busy database ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_busy_database_gives_the_task_back_with_its_cause_and_the_retry_does_the_work(org_a, officer_a):
    rr, tasks = _fulfilling(org_a, officer_a, **{"Gate vault": {"connector": Connector.VAULT}})
    task = tasks["Gate vault"]
    db = connection.settings_dict
    other = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                            dbname=db["NAME"])
    try:
        # Another writer holds the request's row (a web request mid-step); this worker may
        # wait only briefly, as a busy SQLite file makes it fail.
        other.execute("SELECT 1 FROM requests_app_rightsrequest WHERE id = %s FOR UPDATE", [rr.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        with pytest.raises(OperationalError):
            fulfilment.run_task(task.pk)
        task.refresh_from_db()
        assert (task.status, task.attempts) == (TaskStatus.PENDING, 1)
        assert "database busy" in task.last_error
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")

    fulfilment.run_task(task.pk)  # the retry, seconds later

    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.last_error == ""
    assert BiometricRecord.objects.get(organisation=org_a).state == BiometricRecord.State.DELETED


# --- retry ---------------------------------------------------------------------------------


def test_a_failed_vault_task_tried_again_deletes_the_records_and_the_request_finishes(org_a, officer_a):
    rr, tasks = _fulfilling(org_a, officer_a, **{"Gate vault": {"connector": Connector.VAULT}})
    task = tasks["Gate vault"]
    _fail(task, "gave up after 10 attempts")

    task_steps.retry_task(task, actor=member(officer_a))

    task.refresh_from_db()
    assert (task.status, task.attempts, task.last_error) == (TaskStatus.PENDING, 0, "")
    event = rr.events.order_by("-seq").first()
    assert (event.action, event.data["previous_error"]) == ("retry_task", "gave up after 10 attempts")
    fulfilment.run_task(task.pk)
    fulfilment.complete_if_done(rr.pk)
    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.FULFILLED
    assert rr.certificate.body["totals"] == {"deleted": 1}


def test_a_silent_webhook_tried_again_is_sent_again(org_a, officer_a, external):
    rr, tasks = _fulfilling(org_a, officer_a, CRM={"connector": Connector.WEBHOOK, "url": external.url})
    task = tasks["CRM"]
    fulfilment.run_task(task.pk)
    FulfilmentTask.objects.filter(pk=task.pk).update(deadline_at="2000-01-01T00:00Z")
    fulfilment.flag_silent_tasks()

    task_steps.retry_task(task, actor=member(officer_a))
    fulfilment.run_task(task.pk)

    task.refresh_from_db()
    assert len(external.received) == 2
    assert task.status == TaskStatus.AWAITING_CALLBACK and task.flagged_at is None


def test_a_manual_task_tried_again_tells_its_owner_again(org_a, officer_a, system_owner_a):
    rr, tasks = _fulfilling(org_a, officer_a, Ledger={"connector": Connector.MANUAL, "owner": system_owner_a})
    task = tasks["Ledger"]
    told = Notification.objects.filter(kind=Notification.Kind.TASK_ASSIGNED, user=system_owner_a)
    assert told.count() == 1

    task_steps.retry_task(task, actor=member(officer_a))

    assert told.count() == 2


def test_a_task_a_worker_holds_now_or_one_done_cannot_be_retried(org_a, officer_a):
    rr, tasks = _fulfilling(org_a, officer_a, **{"Gate vault": {"connector": Connector.VAULT}})
    task = tasks["Gate vault"]
    lease = fulfilment._claim(task.pk)
    assert lease == 1
    with pytest.raises(TransitionNotAllowed):
        task_steps.retry_task(task, actor=member(officer_a))
    fulfilment.CONNECTORS[Connector.VAULT](task, lease=lease)
    with pytest.raises(TransitionNotAllowed):
        task_steps.retry_task(task, actor=member(officer_a))


# --- re-point ------------------------------------------------------------------------------


def test_a_webhook_pointed_at_its_new_address_is_sent_there(org_a, officer_a, external):
    rr, tasks = _fulfilling(org_a, officer_a, CRM={"connector": Connector.WEBHOOK,
                                                   "url": "http://127.0.0.1:9/nothing-listens"})
    task = tasks["CRM"]
    _fail(task)

    task_steps.repoint_task(task, actor=member(officer_a), webhook_url=external.url)
    fulfilment.run_task(task.pk)

    task.refresh_from_db()
    assert task.status == TaskStatus.AWAITING_CALLBACK and len(external.received) == 1
    assert task.system.webhook_url == external.url
    event = rr.events.get(action="repoint_task")
    assert (event.data["from"], event.data["to"]) == ("http://127.0.0.1:9/nothing-listens", external.url)


def test_a_webhook_cannot_be_pointed_inside_the_network_in_production(org_a, officer_a, settings):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    rr, tasks = _fulfilling(org_a, officer_a, CRM={"connector": Connector.WEBHOOK, "url": "https://crm.example.com/h"})
    task = tasks["CRM"]
    _fail(task)
    before = factories.snapshot(rr)

    with pytest.raises(InvalidInput) as refused:
        task_steps.repoint_task(task, actor=member(officer_a), webhook_url="https://169.254.169.254/latest")

    assert "webhook_url" in refused.value.errors
    assert factories.snapshot(rr) == before
    assert DataSystem.objects.get(pk=task.system_id).webhook_url == "https://crm.example.com/h"


def test_only_a_webhook_task_can_be_re_pointed(org_a, officer_a, external):
    rr, tasks = _fulfilling(org_a, officer_a, **{"Gate vault": {"connector": Connector.VAULT}})
    with pytest.raises(TransitionNotAllowed):
        task_steps.repoint_task(tasks["Gate vault"], actor=member(officer_a), webhook_url=external.url)


# --- by hand, for every connector -----------------------------------------------------------


def test_a_failed_vault_task_recorded_by_hand_really_erases_the_records(org_a, officer_a):
    rr, tasks = _fulfilling(org_a, officer_a, **{"Gate vault": {"connector": Connector.VAULT}})
    task = tasks["Gate vault"]
    _fail(task, "template unreadable")

    task_steps.record_by_hand(task, actor=member(officer_a), hand=task_steps.HandOutcome(
        outcome="deleted", detail="Deleted with the vault's console after a key restore"))

    record = BiometricRecord.objects.get(organisation=org_a)
    assert record.state == BiometricRecord.State.DELETED and record.template_ciphertext is None
    assert rr.events.filter(action="erase_record").count() == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.result["by_hand"] is True
    fulfilment.complete_if_done(rr.pk)
    rr.refresh_from_db()
    systems = rr.certificate.body["systems"]
    assert systems[0]["records"][0]["outcome"] == "deleted"


def test_a_failed_webhook_recorded_by_hand_lets_the_request_finish(org_a, officer_a):
    rr, tasks = _fulfilling(org_a, officer_a, **{
        "Gate vault": {"connector": Connector.VAULT},
        "Gate vendor cloud": {"connector": Connector.WEBHOOK, "url": "http://127.0.0.1:9/nothing"}})
    fulfilment.run_task(tasks["Gate vault"].pk)
    _fail(tasks["Gate vendor cloud"])

    task_steps.record_by_hand(tasks["Gate vendor cloud"], actor=member(officer_a), hand=task_steps.HandOutcome(
        outcome="deleted", detail="The vendor confirmed by phone and letter that its copies are deleted",
        note="Letter ref. V-2026-118"))
    fulfilment.complete_if_done(rr.pk)

    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.FULFILLED
    cloud = next(s for s in rr.certificate.body["systems"] if s["system"] == "Gate vendor cloud")
    assert cloud["records"] == [
        {"outcome": "deleted", "detail": "The vendor confirmed by phone and letter that its copies are deleted"}]
    assert "V-2026-118" not in str(rr.certificate.body)  # the internal note stays on the desk
    event = rr.events.filter(action="record_task_outcome").order_by("-seq").first()
    assert event.actor_id == officer_a.pk and event.data["outcome"]["by_hand"] is True


def test_a_late_callback_after_an_outcome_by_hand_is_refused(client, org_a, officer_a):
    import json

    from requests_app.delivery import signing

    rr, tasks = _fulfilling(org_a, officer_a, CRM={"connector": Connector.WEBHOOK, "url": "http://127.0.0.1:9/x"})
    task = tasks["CRM"]
    _fail(task)
    task_steps.record_by_hand(task, actor=member(officer_a), hand=task_steps.HandOutcome(outcome="not_found"))
    body = json.dumps({"status": "done", "records": []}).encode()

    response = client.post(f"/hooks/fulfilment/{task.public_id}/", data=body, content_type="application/json",
                           headers=signing.sign(SECRET, body))

    assert response.status_code == 409
    task.refresh_from_db()
    assert task.result["records"] == [{"outcome": "not_found"}]


# --- outcomes that fit the request ---------------------------------------------------------

EXPECTED = {
    "access": {"copy_provided", "not_found"},
    "copy": {"copy_provided", "not_found"},
    "portability": {"machine_readable", "not_found"},
    "correction": {"corrected", "not_found"},
    "deletion": {"deleted", "storage_only", "not_found"},
    "withdraw_consent": {"deleted", "storage_only", "kept", "not_found"},
    "restriction": {"restricted", "not_found"},
    "explanation": {"explained"},
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_each_kind_of_request_offers_its_own_outcomes(org_a, officer_a, kind):
    factories.system(org_a, name="Ledger", connector=Connector.MANUAL)
    rr = factories.fulfilling_request(org_a, officer_a, kind=kind)
    from requests_app.fulfilment.forms import HandOutcomeForm

    form = HandOutcomeForm(rights_request=rr)

    assert {value for value, _label in form.fields["outcome"].choices} == EXPECTED[kind]
    assert ("upload" in form.fields) == (kind in ("access", "copy", "portability"))


@pytest.mark.parametrize("kind,outcome", [("deletion", "corrected"), ("access", "deleted"), ("correction", "copy_provided")])
def test_an_outcome_that_does_not_fit_the_kind_is_refused(org_a, officer_a, kind, outcome):
    factories.system(org_a, name="Ledger", connector=Connector.MANUAL)
    rr = factories.fulfilling_request(org_a, officer_a, kind=kind)
    task = rr.fulfilment_tasks.get()
    before = factories.snapshot(rr)

    with pytest.raises(InvalidInput):
        task_steps.record_by_hand(task, actor=member(officer_a),
                                  hand=task_steps.HandOutcome(outcome=outcome, detail="x", upload=_pdf()))
    assert factories.snapshot(rr) == before


def test_a_correction_needs_what_changed(org_a, officer_a):
    factories.system(org_a, name="Ledger", connector=Connector.MANUAL)
    rr = factories.fulfilling_request(org_a, officer_a, kind="correction")
    task = rr.fulfilment_tasks.get()
    with pytest.raises(InvalidInput) as refused:
        task_steps.record_by_hand(task, actor=member(officer_a), hand=task_steps.HandOutcome(outcome="corrected"))
    assert "detail" in refused.value.errors

    task_steps.record_by_hand(task, actor=member(officer_a), hand=task_steps.HandOutcome(
        outcome="corrected", detail="Surname on the pass: GUO BIN -> GUO BING"))

    task.refresh_from_db()
    assert task.result["records"] == [{"outcome": "corrected", "detail": "Surname on the pass: GUO BIN -> GUO BING"}]


def _pdf(name="copy-of-your-data.pdf", content=b"%PDF-1.4 the records we hold about you"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")

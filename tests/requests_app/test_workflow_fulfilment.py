"""Fulfilment: one task per data system, an outcome per task, then the request is fulfilled."""

import pytest

from orgs.models import DataSystem
from requests_app import workflow
from requests_app.actors import SYSTEM, member
from requests_app.errors import NotPermitted, TransitionNotAllowed
from requests_app.models import FulfilmentTask, RightsRequest
from tests import factories

Status = RightsRequest.Status
DELETED = {"records": [{"id": 1, "outcome": "deleted"}]}
STORAGE_ONLY = {"records": [{"id": 2, "outcome": "storage_only", "why": "statutory retention"}]}



@pytest.fixture
def systems(org_a, org_b, system_owner_a):
    """Org A: a vault and a manual system that hold personal data, a weather feed that does not.
    Org B has a vault of its own."""
    return {
        "vault": factories.system(org_a, name="Gate vault"),
        "ledger": factories.system(
            org_a, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=system_owner_a
        ),
        "weather": factories.system(org_a, name="Weather feed", holds_personal_data=False),
        "other_org": factories.system(org_b, name="Sales vault"),
    }


def _assert_refused(rr, call, error=TransitionNotAllowed):
    before = factories.snapshot(rr)
    with pytest.raises(error):
        call()
    assert factories.snapshot(rr) == before


def _all_but(*allowed):
    return [s for s in Status.values if s not in allowed]


# --- start --------------------------------------------------------------------------------


def test_start_creates_one_task_per_system_that_may_hold_the_data(org_a, officer_a, systems):
    rr = factories.approved_request(org_a, officer_a)
    before = factories.snapshot(rr)

    created = workflow.start_fulfilment(rr, actor=member(officer_a))

    assert rr.status == Status.FULFILLING
    tasks = list(rr.fulfilment_tasks.all())
    assert {t.system_id for t in tasks} == {systems["vault"].pk, systems["ledger"].pk}
    assert {t.pk for t in created} == {t.pk for t in tasks}
    assert all(t.status == FulfilmentTask.Status.PENDING for t in tasks)
    assert {t.system_id: t.connector for t in tasks} == {
        systems["vault"].pk: DataSystem.Connector.VAULT, systems["ledger"].pk: DataSystem.Connector.MANUAL
    }
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == (
        "start_fulfilment", Status.APPROVED, Status.FULFILLING
    )
    assert sorted(event.data["systems"]) == sorted([systems["vault"].pk, systems["ledger"].pk])


def test_the_system_may_start_fulfilment(org_a, officer_a, systems):
    rr = factories.approved_request(org_a, officer_a)
    before = factories.snapshot(rr)

    workflow.start_fulfilment(rr, actor=SYSTEM)

    assert rr.status == Status.FULFILLING and rr.fulfilment_tasks.count() == 2
    event = factories.new_event(rr, before)
    assert (event.actor_id, event.actor_kind) == (None, "system")


@pytest.mark.parametrize("status", _all_but(Status.APPROVED))
def test_fulfilment_starts_only_once_approved(org_a, officer_a, systems, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    _assert_refused(rr, lambda: workflow.start_fulfilment(rr, actor=member(officer_a)))


# --- outcomes --------------------------------------------------------------------------------


def test_recording_an_outcome_completes_that_task_only(org_a, officer_a, systems):
    rr = factories.fulfilling_request(org_a, officer_a)
    vault_task = rr.fulfilment_tasks.get(system=systems["vault"])
    before = factories.snapshot(rr)

    workflow.record_task_outcome(vault_task, actor=member(officer_a), outcome=DELETED)

    assert (vault_task.status, vault_task.result) == (FulfilmentTask.Status.DONE, DELETED)
    assert vault_task.completed_at is not None
    assert rr.fulfilment_tasks.get(system=systems["ledger"]).status == FulfilmentTask.Status.PENDING
    rr.refresh_from_db()
    assert rr.status == Status.FULFILLING
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == (
        "record_task_outcome", Status.FULFILLING, Status.FULFILLING
    )
    assert event.data == {"task": vault_task.pk, "system": systems["vault"].pk, "outcome": DELETED}
    assert not event.visible_to_subject


def test_storage_only_outcome_is_kept_per_record(org_a, officer_a, systems):
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get(system=systems["ledger"])

    workflow.record_task_outcome(task, actor=member(officer_a), outcome=STORAGE_ONLY)

    assert FulfilmentTask.objects.get(pk=task.pk).result == STORAGE_ONLY


def test_an_outcome_cannot_be_recorded_twice(org_a, officer_a, systems):
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get(system=systems["vault"])
    workflow.record_task_outcome(task, actor=member(officer_a), outcome=DELETED)

    _assert_refused(rr, lambda: workflow.record_task_outcome(task, actor=member(officer_a), outcome=STORAGE_ONLY))
    assert FulfilmentTask.objects.get(pk=task.pk).result == DELETED


def test_system_owner_confirms_the_task_of_their_own_system(org_a, officer_a, system_owner_a, systems):
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get(system=systems["ledger"])
    before = factories.snapshot(rr)

    workflow.record_task_outcome(task, actor=member(system_owner_a), outcome=DELETED)

    assert task.status == FulfilmentTask.Status.DONE
    assert factories.new_event(rr, before).actor_id == system_owner_a.pk


def test_system_owner_cannot_confirm_a_system_they_do_not_own(org_a, officer_a, system_owner_a, systems):
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get(system=systems["vault"])  # no owner
    _assert_refused(
        rr, lambda: workflow.record_task_outcome(task, actor=member(system_owner_a), outcome={}), NotPermitted
    )

    other_owner = factories.member(org_a, "system_owner", username="sysowner2_a")
    ledger_task = rr.fulfilment_tasks.get(system=systems["ledger"])  # owned by system_owner_a
    _assert_refused(
        rr, lambda: workflow.record_task_outcome(ledger_task, actor=member(other_owner), outcome={}), NotPermitted
    )


def test_the_system_records_a_connectors_outcome(org_a, officer_a, systems):
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get(system=systems["vault"])
    before = factories.snapshot(rr)

    workflow.record_task_outcome(task, actor=SYSTEM, outcome=DELETED)

    assert task.status == FulfilmentTask.Status.DONE
    assert factories.new_event(rr, before).actor_kind == "system"


@pytest.mark.parametrize("status", _all_but(Status.FULFILLING))
def test_outcomes_are_recorded_only_while_fulfilling(org_a, officer_a, systems, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    # A task row to report on, whatever the state (a fulfilled request already has done ones).
    task = rr.fulfilment_tasks.first() or FulfilmentTask.objects.create(
        request=rr, system=systems["vault"], connector=DataSystem.Connector.VAULT
    )
    _assert_refused(rr, lambda: workflow.record_task_outcome(task, actor=member(officer_a), outcome=DELETED))


# --- finish ----------------------------------------------------------------------------------


def test_finishing_is_refused_while_a_system_has_not_finished(org_a, officer_a, systems):
    rr = factories.fulfilling_request(org_a, officer_a)
    workflow.record_task_outcome(rr.fulfilment_tasks.get(system=systems["vault"]), actor=SYSTEM, outcome=DELETED)

    _assert_refused(rr, lambda: workflow.finish_fulfilment(rr, actor=member(officer_a)))
    assert rr.status == Status.FULFILLING and rr.closed_at is None


def test_finishing_once_every_task_is_done_fulfils_and_closes_the_request(org_a, officer_a, systems):
    rr = factories.fulfilling_request(org_a, officer_a)
    for task in rr.fulfilment_tasks.all():
        workflow.record_task_outcome(task, actor=SYSTEM, outcome=DELETED)
    before = factories.snapshot(rr)

    workflow.finish_fulfilment(rr, actor=member(officer_a))

    assert rr.status == Status.FULFILLED and rr.closed_at is not None and not rr.is_open
    event = factories.new_event(rr, before)
    assert (event.action, event.from_status, event.to_status) == (
        "finish_fulfilment", Status.FULFILLING, Status.FULFILLED
    )
    assert event.visible_to_subject


def test_the_system_may_finish_fulfilment(org_a, officer_a, systems):
    rr = factories.fulfilling_request(org_a, officer_a)
    for task in rr.fulfilment_tasks.all():
        workflow.record_task_outcome(task, actor=SYSTEM, outcome=DELETED)

    workflow.finish_fulfilment(rr, actor=SYSTEM)

    assert rr.status == Status.FULFILLED


@pytest.mark.parametrize("status", _all_but(Status.FULFILLING))
def test_finishing_only_while_fulfilling(org_a, officer_a, systems, status):
    rr = factories.request_in_state(status, org_a, officer_a)
    _assert_refused(rr, lambda: workflow.finish_fulfilment(rr, actor=member(officer_a)))


def test_the_whole_history_of_a_fulfilled_request_holds(org_a, officer_a, systems):
    rr = factories.fulfilled_request(org_a, officer_a)

    assert [e.action for e in rr.events.order_by("seq")] == [
        "submit", "verify", "assign", "approve", "start_fulfilment",
        "record_task_outcome", "record_task_outcome", "finish_fulfilment",
    ]
    assert [(e.from_status, e.to_status) for e in rr.events.order_by("seq")][-1] == (
        Status.FULFILLING, Status.FULFILLED
    )

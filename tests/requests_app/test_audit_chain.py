"""The audit trail is tamper-evident: any edit, deletion or reordering of events shows.

Tampering is done the way someone with owner rights on the database would: switch off
the append-only trigger and write raw SQL, since the model, its queryset and the
trigger all refuse to change or delete an event.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError

from requests_app import workflow
from requests_app.actors import member
from requests_app.models import RequestEvent, RightsRequest
from requests_app.transparency.audit import event_hash, verify_chain
from tests import factories, tampering


@pytest.fixture
def approved(org_a, officer_a) -> RightsRequest:
    """A request with four events: submit, verify, assign, approve."""
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a), note="Entry by face scan is not necessary.")
    return rr


def run_verify(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_audit_chain", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_verify_expecting_break(*args) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="Audit chain broken"):
        call_command("verify_audit_chain", *args, stdout=StringIO(), stderr=err)
    return err.getvalue()


def event(rr: RightsRequest, seq: int) -> RequestEvent:
    return RequestEvent.objects.get(request=rr, seq=seq)


def raw_delete(rr: RightsRequest, seq: int) -> None:
    tampering.delete_event(rr.pk, seq)


raw_update = tampering.update_event


def test_the_app_and_the_database_refuse_to_change_or_delete_events(approved):
    first = event(approved, 1)
    with pytest.raises(PermissionError):
        RequestEvent.objects.filter(pk=first.pk).update(data={})
    with pytest.raises(PermissionError):
        RequestEvent.objects.filter(pk=first.pk).delete()
    with pytest.raises(PermissionError):
        first.delete()
    for sql in ("UPDATE requests_app_requestevent SET data = '{}' WHERE id = %s",
                "DELETE FROM requests_app_requestevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [first.pk])
    assert event(approved, 1).data == first.data
    assert verify_chain(fresh(approved)) is None


def fresh(rr: RightsRequest) -> RightsRequest:
    return RightsRequest.objects.get(pk=rr.pk)


def test_untouched_chain_holds(approved):
    assert [e.action for e in approved.events.order_by("seq")] == ["submit", "verify", "assign", "approve"]
    assert verify_chain(fresh(approved)) is None

    out, err = run_verify()

    assert "Audit chain holds: 1 requests, 4 events checked." in out
    assert err == ""


def test_edited_event_data_is_reported_as_changed(approved):
    raw_update(event(approved, 4).pk, data={"note": "Approved without review."})

    chain_break = verify_chain(fresh(approved))

    assert chain_break.seq == 4
    assert "content changed" in chain_break.problem
    assert f"{approved.reference} event 4: content changed" in run_verify_expecting_break()


def test_deleted_middle_event_is_reported_missing(approved):
    raw_delete(approved, 2)

    chain_break = verify_chain(fresh(approved))

    assert (chain_break.seq, chain_break.problem) == (2, "missing (deleted)")
    assert f"{approved.reference} event 2: missing" in run_verify_expecting_break()


def test_deleted_last_event_is_reported(approved):
    raw_delete(approved, 4)

    chain_break = verify_chain(fresh(approved))

    assert chain_break.seq == 4
    assert "missing" in chain_break.problem
    assert f"{approved.reference} event 4: missing" in run_verify_expecting_break()


def test_reordered_events_are_reported(approved):
    # Swap seq 2 and 3 (through a free number: (request, seq) is unique).
    second, third = event(approved, 2).pk, event(approved, 3).pk
    raw_update(second, seq=99)
    raw_update(third, seq=2)
    raw_update(second, seq=3)

    chain_break = verify_chain(fresh(approved))

    assert chain_break.seq == 2
    assert chain_break.problem == "does not follow the previous event"
    assert f"{approved.reference} event 2: does not follow" in run_verify_expecting_break()


def test_changed_prev_hash_is_reported(approved):
    raw_update(event(approved, 3).pk, prev_hash="0" * 64)

    assert f"{approved.reference} event 3: does not follow" in run_verify_expecting_break()


def test_rehashed_forgery_is_caught_by_the_request_chain_head(approved):
    """Even an attacker who recomputes the edited event's hash is caught by the head."""
    forged = event(approved, 4)
    forged.data = {"note": "forged"}
    raw_update(forged.pk, data=forged.data, hash=event_hash(forged))

    assert verify_chain(fresh(approved)) is not None
    assert approved.reference in run_verify_expecting_break()


def test_only_the_tampered_request_is_reported(approved, org_a):
    untouched = factories.verified_request(org_a, email="other@example.com")
    raw_update(event(approved, 1).pk, data={"kind": "access"})

    err = run_verify_expecting_break()

    assert err.splitlines() == [f"{approved.reference} event 1: content changed after it was written"]
    assert untouched.reference not in err


def test_reference_option_checks_only_that_request(approved, org_a):
    untouched = factories.verified_request(org_a, email="other@example.com")
    raw_update(event(approved, 1).pk, data={"kind": "access"})

    out, _err = run_verify("--reference", untouched.reference)
    assert "Audit chain holds: 1 requests, 2 events checked." in out

    assert f"{approved.reference} event 1" in run_verify_expecting_break("--reference", approved.reference)


def test_unknown_reference_is_an_error(db):
    with pytest.raises(CommandError, match="No request has the reference"):
        run_verify("--reference", "NOSUCHREF2")


def test_event_appended_behind_the_apps_back_is_reported(approved):
    """A well-formed event added by SQL, chained correctly, still shows: the head did not move."""
    last = event(approved, 4)
    extra = RequestEvent(
        request=approved, seq=5, action="approve", actor_kind="system", data={},
        created_at=last.created_at, prev_hash=last.hash,
    )
    extra.hash = event_hash(extra)
    extra.save()

    chain_break = verify_chain(fresh(approved))

    assert (chain_break.seq, chain_break.problem) == (5, "added after the chain head")

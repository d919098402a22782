"""The transparency log: every event a leaf of RFC 9162's tree, heads signed with a key
outside the database and published, proofs a requester checks with a script of their
own, and a rewrite, a dropped tail or an emptied table found against an earlier head."""

import hashlib
import itertools
import json
import runpy
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from requests_app import workflow
from requests_app.actors import member
from requests_app.models import LogLeaf, PendingEntry, RequestEvent, RightsRequest, SignedTreeHead
from requests_app.transparency import heads, proofs, sequencer
from requests_app.transparency.audit import event_hash
from tests import factories, tampering
from tests.transparency import log

SCRIPT = runpy.run_path(str(log.VERIFIER))


def leaves_of_all_events() -> list[bytes]:
    return [hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest()
            for h in RequestEvent.objects.order_by("id").values_list("hash", flat=True)]


def verify_command(*args) -> str:
    out = StringIO()
    call_command("verify_audit_chain", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def verify_expecting_break(*args) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="Audit chain broken"):
        call_command("verify_audit_chain", *args, stdout=StringIO(), stderr=err)
    return err.getvalue()


@pytest.fixture
def three_cases(org_a, officer_a, django_capture_on_commit_callbacks):
    """Three requests written in three rounds, the log integrated (and each head
    published, on commit) after each: heads of 1, 3 and 7 entries."""
    cases = []
    for build in (factories.submitted_request, factories.verified_request):
        cases.append(build(org_a, email=f"p{len(cases)}@example.com"))
        with django_capture_on_commit_callbacks(execute=True):
            sequencer.integrate()
    cases.append(factories.in_review_request(org_a, officer_a, email="p2@example.com"))
    workflow.approve(cases[-1], actor=member(officer_a), note="Entry by face is not necessary.")
    with django_capture_on_commit_callbacks(execute=True):
        sequencer.integrate()
    return cases


def save_witness_head(client, tmp_path):
    """What a witness does: copy the published checkpoint and keep it elsewhere."""
    kept = tmp_path / "witness" / "checkpoint"
    kept.parent.mkdir()
    kept.write_text(client.get("/log/checkpoint").content.decode())
    return kept


def rewrite_request_history(rr: RightsRequest, note: str) -> None:
    """Change what every event of `rr` says and recompute every hash and the request's
    head, as an owner of the database with the triggers switched off could."""
    prev = ""
    for ev in RequestEvent.objects.filter(request=rr).order_by("seq"):
        ev.data = {**ev.data, "note": note}
        ev.prev_hash = prev
        ev.hash = event_hash(ev)
        tampering.update_event(ev.pk, data=ev.data, prev_hash=ev.prev_hash, hash=ev.hash)
        prev = ev.hash
    with tampering.triggers_off() as cursor:
        cursor.execute("UPDATE requests_app_rightsrequest SET chain_head = %s WHERE id = %s", [prev, rr.pk])


# --- the tree and its heads --------------------------------------------------------------

def test_every_event_is_a_leaf_in_the_order_written_and_the_signed_root_is_rfc_9162s(three_cases):
    head = sequencer.latest_head()

    assert not PendingEntry.objects.exists()
    assert head.size == RequestEvent.objects.count() == LogLeaf.objects.count()
    assert bytes(head.root) == log.mth(leaves_of_all_events())
    assert list(SignedTreeHead.objects.values_list("size", flat=True)) == [1, 3, 7]
    for earlier in SignedTreeHead.objects.all():
        assert bytes(earlier.root) == log.mth(leaves_of_all_events()[:earlier.size])


def test_integrating_again_with_nothing_new_signs_nothing(three_cases):
    heads_before = SignedTreeHead.objects.count()

    assert sequencer.integrate() is None
    assert SignedTreeHead.objects.count() == heads_before


def test_each_head_is_signed_and_published_to_the_checkpoint_files_and_the_public_urls(three_cases, client, settings):
    head = sequencer.latest_head()
    checkpoint = heads.parse(head.checkpoint)
    published = heads.log_dir()

    assert (checkpoint.size, checkpoint.root) == (head.size, bytes(head.root))
    assert (published / "checkpoint").read_text() == head.checkpoint
    assert heads.published_checkpoints() == [h.checkpoint for h in SignedTreeHead.objects.order_by("size")]
    assert client.get("/log/checkpoint").content.decode() == head.checkpoint
    assert client.get(f"/log/heads/{head.size}").content.decode() == head.checkpoint
    assert client.get("/log/key").content.decode().strip() == heads.verifier_key()
    page = client.get("/log/").content.decode()
    assert bytes(head.root).hex() in page and heads.verifier_key() in page


def test_a_checkpoint_signed_with_another_key_or_altered_is_refused(three_cases, tmp_path, settings):
    head = sequencer.latest_head()
    altered = head.checkpoint.replace(f"\n{head.size}\n", f"\n{head.size + 1}\n")
    with pytest.raises(heads.BadCheckpoint, match="does not verify"):
        heads.parse(altered)
    settings.TRANSPARENCY_LOG_KEY_FILE = str(tmp_path / "other.key")
    heads.create_key(tmp_path / "other.key")
    with pytest.raises(heads.BadCheckpoint):
        heads.parse(head.checkpoint)


def test_the_signing_key_is_a_file_with_owner_only_permissions(tmp_path):
    key_file = tmp_path / "log.key"
    heads.create_key(key_file)

    assert key_file.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        heads.create_key(key_file)


# --- proofs, checked by the requester's own script ---------------------------------------

def test_every_events_inclusion_proof_verifies_with_the_independent_script(three_cases, tmp_path):
    events = list(RequestEvent.objects.order_by("id"))

    for event in events:
        result = log.run_verifier(proofs.inclusion(event), tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith(f"OK: event {event.seq} ({event.action})")


def test_inclusion_proofs_for_every_leaf_of_every_size_agree_with_the_definition(org_a):
    for _ in range(13):
        factories.submitted_request(org_a, email=f"n{RequestEvent.objects.count()}@example.com")
        sequencer.integrate(batch=1 + RequestEvent.objects.count() % 3)
    leaves = leaves_of_all_events()
    for head in SignedTreeHead.objects.all():
        for leaf in LogLeaf.objects.filter(index__lt=head.size).select_related("event"):
            proof = proofs.inclusion(leaf.event, head)
            path = [bytes.fromhex(h) for h in proof["inclusion_path"]]
            assert SCRIPT["root_from_inclusion"](leaves[leaf.index], leaf.index, head.size, path) == bytes(head.root)


def test_a_changed_proof_or_another_key_is_refused_by_the_script(three_cases, tmp_path):
    event = RequestEvent.objects.order_by("id").last()
    proof = proofs.inclusion(event)
    changed_content = {**proof, "event": {**proof["event"], "data": {"note": "Approved without review."}}}
    changed_path = {**proof, "inclusion_path": ["00" * 32, *proof["inclusion_path"][1:]]}
    other_key = tmp_path / "other.key"
    heads.create_key(other_key)
    from django.test import override_settings
    with override_settings(TRANSPARENCY_LOG_KEY_FILE=str(other_key)):
        stranger = heads.verifier_key()

    for bad, key in ((changed_content, None), (changed_path, None), (proof, stranger)):
        result = log.run_verifier(bad, tmp_path, key)
        assert result.returncode != 0
        assert "NOT VERIFIED" in result.stderr


def test_consistency_proofs_between_every_pair_of_heads_verify_with_the_script(three_cases, client, tmp_path):
    sizes = list(SignedTreeHead.objects.values_list("size", flat=True))

    for first, second in itertools.combinations_with_replacement(sizes, 2):
        response = client.get("/log/proof/consistency", {"first": first, "second": second})
        assert response.status_code == 200
        result = log.run_verifier(response.json(), tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"tree of {second} entries extends its tree of {first}" in result.stdout


def test_consistency_proofs_for_all_sizes_up_to_seventeen(org_a):
    for _ in range(17):
        factories.submitted_request(org_a, email=f"c{RequestEvent.objects.count()}@example.com")
    sequencer.integrate(batch=1)
    heads_by_size = {h.size: h for h in SignedTreeHead.objects.all()}
    holds = SCRIPT["consistency_holds"]
    for first, second in itertools.combinations(sorted(heads_by_size), 2):
        path = [bytes.fromhex(h) for h in proofs.consistency(heads_by_size[first], heads_by_size[second])["consistency_path"]]
        first_root, second_root = bytes(heads_by_size[first].root), bytes(heads_by_size[second].root)
        assert holds(first, second, first_root, second_root, path)
        assert not holds(first, second, second_root, first_root, path)


@pytest.mark.parametrize("query, status", [
    ({"first": "x", "second": "2"}, 400), ({"first": "7", "second": "3"}, 400),
    ({"first": "1", "second": "999999"}, 404), ({}, 400),
])
def test_bad_consistency_queries_get_a_clear_error(three_cases, client, query, status):
    response = client.get("/log/proof/consistency", query)

    assert response.status_code == status
    assert response.json()["detail"]


def test_the_public_inclusion_proof_by_hash_carries_no_event_content(three_cases, client, tmp_path):
    event = RequestEvent.objects.order_by("id").first()

    response = client.get("/log/proof/inclusion", {"event_hash": event.hash})

    assert response.status_code == 200
    assert "event" not in response.json()
    assert log.run_verifier(response.json(), tmp_path).returncode == 0
    assert client.get("/log/proof/inclusion", {"event_hash": "zz"}).status_code == 400
    assert client.get("/log/proof/inclusion", {"event_hash": "ab" * 32}).status_code == 404


def test_an_event_waiting_to_be_logged_gets_its_proof_at_once(org_a, tmp_path):
    rr = factories.submitted_request(org_a)
    event = rr.events.get(seq=1)
    assert PendingEntry.objects.filter(event=event).exists()

    proof = proofs.inclusion(event)

    assert not PendingEntry.objects.exists()
    assert log.run_verifier(proof, tmp_path).returncode == 0


# --- what the database's owner could do, found ------------------------------------------

def test_the_untouched_log_and_chains_verify(three_cases):
    out = verify_command()

    total = RequestEvent.objects.count()
    assert f"Audit chain holds: 3 requests, {total} events checked." in out
    assert f"Transparency log holds: {total} entries against 3 signed heads" in out


def test_events_written_since_the_last_head_are_checked_as_waiting(three_cases, org_a):
    factories.submitted_request(org_a, email="late@example.com")

    assert "1 waiting to be logged" in verify_command()


def test_a_rewritten_history_with_recomputed_hashes_is_found_against_the_signed_head(three_cases, client, tmp_path):
    rr = three_cases[-1]
    rewrite_request_history(rr, "Approved without review.")

    # The request's own chain holds again: only the log knows.
    from requests_app.transparency.audit import verify_chain
    assert verify_chain(RightsRequest.objects.get(pk=rr.pk)) is None
    assert "was rewritten after it was logged" in verify_expecting_break()

    # Rebuilding the leaves and nodes too leaves the signed heads, which cannot be redone.
    log.rebuild_log_without_signing()
    found = verify_expecting_break()
    assert "no longer have the root signed for them" in found


def test_a_dropped_tail_is_found_by_the_published_heads_and_by_a_witness(three_cases, client, tmp_path, settings):
    witness = save_witness_head(client, tmp_path)
    rr = three_cases[-1]
    last = rr.events.order_by("-seq").first()
    keep = LogLeaf.objects.get(event=last).index
    # Delete the last event, step the request's head back, and cut the log and its heads.
    tampering.delete_event(rr.pk, last.seq)
    previous = rr.events.order_by("-seq").first()
    with tampering.triggers_off() as cursor:
        cursor.execute("UPDATE requests_app_rightsrequest SET chain_head = %s, event_count = %s WHERE id = %s",
                       [previous.hash, previous.seq, rr.pk])
    log.drop_log_tail(keep)

    assert "was published but is missing from the database" in verify_expecting_break()

    # Even with the published files wiped as well, a witness's head finds it.
    for published in heads.log_dir().iterdir():
        published.unlink()
    found = verify_expecting_break("--head", str(witness))
    assert f"a head was signed for {keep + 1} entries but the log holds only {keep}" in found


@pytest.mark.parametrize("table", ["requests_app_requestevent", "requests_app_logleaf", "requests_app_lognode",
                                   "requests_app_signedtreehead"])
def test_truncate_is_refused_like_update_and_delete(three_cases, table):
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
        log.truncate(table)

    assert verify_command()


@pytest.mark.parametrize("table", ["requests_app_logleaf", "requests_app_lognode", "requests_app_signedtreehead"])
def test_the_log_refuses_update_and_delete(three_cases, table):
    for sql in (f"UPDATE {table} SET size = size" if table.endswith("head") else f"UPDATE {table} SET index = index",
                f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            from django.db import connection
            with connection.cursor() as cursor:
                cursor.execute(sql)
    with pytest.raises(PermissionError):
        LogLeaf.objects.all().delete()


def test_an_emptied_log_is_found_against_an_earlier_head(three_cases, client, tmp_path):
    witness = save_witness_head(client, tmp_path)
    size = sequencer.latest_head().size
    with tampering.triggers_off() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL rightsdesk.allow_truncate = on")
        cursor.execute("TRUNCATE requests_app_logleaf, requests_app_lognode, requests_app_signedtreehead, "
                       "requests_app_treestate")
    for published in heads.log_dir().iterdir():
        published.unlink()

    found = verify_expecting_break("--head", str(witness))

    assert f"a head was signed for {size} entries but the log holds only 0" in found


def test_the_purge_destroys_the_persons_key_and_every_proof_and_head_still_verifies(
        org_a, officer_a, client, tmp_path, django_capture_on_commit_callbacks):
    import time_machine
    from datetime import timedelta
    from django.utils import timezone

    from requests_app.actors import SYSTEM
    from requests_app.models import SubjectKey

    reason = "Mr Guo still owes the park for pass 2019-0427"
    with time_machine.travel(timezone.now() - timedelta(days=1000), tick=False):
        rr = factories.in_review_request(org_a, officer_a, email="refuse@example.com")
        workflow.refuse(rr, actor=member(officer_a), reason=reason, legal_ground=factories.REFUSAL_GROUND)
    with django_capture_on_commit_callbacks(execute=True):
        sequencer.integrate()
    witness = save_witness_head(client, tmp_path)
    refusal = rr.events.get(action="refuse")
    assert reason in refusal.opened["reason"]

    workflow.purge_contact_details(rr, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        sequencer.integrate()

    refusal = RequestEvent.objects.get(pk=refusal.pk)
    assert SubjectKey.objects.get(subject_id=rr.subject_id).destroyed_at is not None
    assert reason not in str(refusal.opened) and reason not in json.dumps(refusal.data)
    assert "Transparency log holds" in verify_command("--head", str(witness))
    proof = proofs.inclusion(refusal)
    assert log.run_verifier(proof, tmp_path).returncode == 0


def test_the_public_proof_of_a_step_just_taken_logs_it_at_once(three_cases, org_a, client, tmp_path):
    rr = factories.submitted_request(org_a, email="new@example.com")

    response = client.get("/log/proof/inclusion", {"event_hash": rr.events.get(seq=1).hash})

    assert response.status_code == 200
    assert log.run_verifier(response.json(), tmp_path).returncode == 0
    assert not PendingEntry.objects.exists()


def test_entries_left_under_no_signed_head_are_reported(three_cases):
    with tampering.triggers_off() as cursor:
        cursor.execute("DELETE FROM requests_app_signedtreehead WHERE size > 3")
    for published in heads.log_dir().iterdir():
        published.unlink()

    assert "log entries 3 to 6 are under no signed head (heads removed)" in verify_expecting_break()

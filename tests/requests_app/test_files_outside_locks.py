"""A request's files are on disk, under their SHA-256, before any row is locked
(requests_app/cases/files.py): the requester's evidence (status page and form), the vault's
export, the file an owner records by hand. A refused step leaves its stored file usable
and no row naming a missing file.

`journal` records, in order, each disk access of the storage and each SELECT ... FOR
UPDATE, with how many transactions were open at the time (the test's own wrapping
transaction not counted) and which files were on disk when the first lock was taken."""

import hashlib
import json
import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from orgs.models import BiometricRecord, DataSystem
from requests_app import fulfilment, workflow
from requests_app.actors import SUBJECT, member
from requests_app.cases import exports, files
from requests_app.cases.subjects import Identity
from requests_app.errors import InvalidInput, TransitionNotAllowed, Unavailable
from requests_app.fulfilment import vault
from requests_app.models import Attachment, FulfilmentTask
from requests_app.workflow import intake, task_steps
from tests import factories
from tests.public import citizen

PDF = citizen.pdf_bytes("Annual pass 2019, Guo Bing")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _open_transactions() -> int:
    return sum(1 for block in connection.atomic_blocks if not block._from_testcase)


def _on_disk(media_root) -> set[str]:
    return {str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file()}


@pytest.fixture
def journal(media_root):
    """`with journal() as events:` records what the block did to the disk and the locks."""

    @contextmanager
    def record():
        events = []

        def watch(execute, sql, params, many, context):
            if "FOR UPDATE" in sql:
                first = not any(event[0] == "lock" for event in events)
                events.append(("lock", re.search(r'FROM "(\w+)"', sql).group(1), _on_disk(media_root) if first else None))
            return execute(sql, params, many, context)

        with pytest.MonkeyPatch.context() as patch, connection.execute_wrapper(watch):
            for method in ("_save", "_open", "exists"):
                real = getattr(FileSystemStorage, method)

                def wrapped(self, name, *args, _real=real, _method=method, **kwargs):
                    events.append(("disk", _method, name, _open_transactions()))
                    return _real(self, name, *args, **kwargs)

                patch.setattr(FileSystemStorage, method, wrapped)
            yield events

    return record


def _written(events) -> list[str]:
    return [name for kind, method, name, _ in (e for e in events if e[0] == "disk") if method == "_save"]


def assert_disk_before_locks(events, *, written: int) -> None:
    """Every disk access came before the first row lock, with no transaction open, and the
    files written were on disk when that lock was taken."""
    disk = [i for i, event in enumerate(events) if event[0] == "disk"]
    locks = [i for i, event in enumerate(events) if event[0] == "lock"]
    assert len(_written(events)) == written
    assert locks, "no row was locked"
    assert max(disk) < locks[0], f"the disk was touched under a row lock: {events}"
    assert all(event[3] == 0 for event in events if event[0] == "disk"), "the disk was touched inside a transaction"
    assert set(_written(events)) <= events[locks[0]][2]


def assert_every_row_names_a_file_on_disk(media_root) -> None:
    named = set(Attachment.objects.values_list("file", flat=True))
    assert named <= _on_disk(media_root)


def _name_of(content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    return f"attachments/{digest[:2]}/{digest}"


def _pdf(name="pass.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- the requester's evidence, on the status page ----------------------------------------


def test_evidence_from_the_status_page_is_on_disk_before_the_request_is_locked(client, org_a, journal, media_root):
    token, (rr,) = citizen.file_and_verify(client, org_a)

    with journal() as events:
        client.post(citizen.action_url(token, rr, "add_evidence"), {"evidence": [_pdf()]})

    attachment = rr.attachments.get()
    assert attachment.file.name == _name_of(PDF) and attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert_disk_before_locks(events, written=1)
    assert events[[e[0] for e in events].index("lock")][1] == "requests_app_rightsrequest"


def test_evidence_refused_for_a_withdrawn_request_stays_usable_and_unnamed(org_a, journal, media_root):
    closed = factories.withdrawn_request(org_a)
    open_one = factories.verified_request(org_a, email="another@example.com")

    with pytest.raises(TransitionNotAllowed):
        workflow.add_evidence(closed, actor=SUBJECT, upload=_pdf(), purpose=Attachment.Purpose.EVIDENCE)

    assert _name_of(PDF) in _on_disk(media_root) and not Attachment.objects.exists()
    with journal() as events:
        again = workflow.add_evidence(open_one, actor=SUBJECT, upload=_pdf("same.pdf"), purpose="evidence")
    assert _written(events) == []  # same bytes, same name: the file stored before is reused
    assert again.file.name == _name_of(PDF) and again.file.read() == PDF
    assert_every_row_names_a_file_on_disk(media_root)


# --- the requester's evidence, on the request form (intake) ----------------------------------


def _file(org, **kwargs):
    return intake.file_requests(
        organisation=org, kinds=["deletion", "access"], identity=Identity(email="guo@example.com", full_name="Guo"),
        data_description="Face scan at the north gate", evidence=[_pdf()],
        authorisation=_pdf("signed.pdf", citizen.pdf_bytes("I authorise")), **kwargs,
    )


def test_the_forms_files_are_on_disk_before_the_requests_are_filed(org_a, journal, media_root):
    with journal() as events:
        result = _file(org_a)

    assert len(result.created) == 2
    assert_disk_before_locks(events, written=2)
    for rr in result.created:  # one file on disk per content, named by both requests
        assert sorted(a.file.name for a in rr.attachments.all()) == sorted(
            [_name_of(PDF), _name_of(citizen.pdf_bytes("I authorise"))])
    assert_every_row_names_a_file_on_disk(media_root)


def test_a_form_refused_inside_its_transaction_leaves_its_files_and_no_rows(org_a, media_root):
    with pytest.raises(InvalidInput):
        _file(org_a, claim=intake.ClaimInput(amount=Decimal("1038"), currency="C1Y"))

    assert not Attachment.objects.exists()
    assert {_name_of(PDF), _name_of(citizen.pdf_bytes("I authorise"))} <= _on_disk(media_root)
    result = _file(org_a)  # the next try names the same files
    assert {a.file.name for a in Attachment.objects.filter(request__in=result.created)} == {
        _name_of(PDF), _name_of(citizen.pdf_bytes("I authorise"))}
    assert_every_row_names_a_file_on_disk(media_root)


# --- the vault's export ------------------------------------------------------------------------


@pytest.fixture
def access_task(org_a, officer_a):
    gate = factories.system(org_a, name="Gate vault")
    face = factories.activity(org_a, name="Face entry", modality="face", collection_point="East gate")
    factories.person_record(face, data_system=gate)
    rr = factories.approved_request(org_a, officer_a, kind="access")
    fulfilment.begin(rr.pk)
    return rr.fulfilment_tasks.get(connector=DataSystem.Connector.VAULT)


def test_an_export_is_on_disk_before_the_vault_locks_the_request(access_task, journal, media_root):
    with journal() as events:
        fulfilment.run_task(access_task.pk)

    access_task.refresh_from_db()
    assert access_task.status == FulfilmentTask.Status.DONE
    assert_disk_before_locks(events, written=2)
    assert events[[e[0] for e in events].index("lock")][1] == "requests_app_rightsrequest"
    assert {a.file.name for a in Attachment.objects.filter(pk__in=access_task.result["attachments"])} == set(
        _written(events))
    assert_every_row_names_a_file_on_disk(media_root)


def test_an_export_for_a_task_taken_over_leaves_its_files_and_no_rows(access_task, media_root):
    lease = fulfilment._claim(access_task.pk)

    assert vault.run(access_task, lease=lease + 1) is False

    assert not Attachment.objects.exists()
    assert len([name for name in _on_disk(media_root) if name.startswith("attachments/")]) == 2
    assert vault.run(access_task, lease=lease) is True
    assert_every_row_names_a_file_on_disk(media_root)


def test_records_changed_before_the_lock_are_exported_again(access_task, monkeypatch, media_root):
    real, calls = exports.store_export, []

    def store_then_change(rr, task, records):
        stored = real(rr, task, records)
        calls.append(stored)
        if len(calls) == 1:  # another process changes the record before the vault locks it
            BiometricRecord.objects.update(state=BiometricRecord.State.RESTRICTED)
        return stored

    monkeypatch.setattr(exports, "store_export", store_then_change)
    fulfilment.run_task(access_task.pk)

    access_task.refresh_from_db()
    assert len(calls) == 2 and access_task.status == FulfilmentTask.Status.DONE
    data = Attachment.objects.get(pk__in=access_task.result["attachments"], content_type="application/json")
    assert [r["state"] for r in json.loads(data.file.read())["records"]] == ["restricted"]
    assert_every_row_names_a_file_on_disk(media_root)


def test_records_that_keep_changing_give_the_task_back_for_a_retry(access_task, monkeypatch):
    real, states = exports.store_export, (BiometricRecord.State.RESTRICTED, BiometricRecord.State.ACTIVE)

    def store_then_change(rr, task, records):
        stored = real(rr, task, records)
        BiometricRecord.objects.update(state=states[records[0].state == BiometricRecord.State.RESTRICTED])
        return stored

    monkeypatch.setattr(exports, "store_export", store_then_change)
    with pytest.raises(Unavailable):
        fulfilment.run_task(access_task.pk)

    access_task.refresh_from_db()
    assert access_task.status == FulfilmentTask.Status.PENDING and not Attachment.objects.exists()


# --- the file an owner or officer records by hand ---------------------------------------------


@pytest.fixture
def manual_task(org_a, officer_a):
    factories.system(org_a, name="Ledger", connector=DataSystem.Connector.MANUAL)
    rr = factories.fulfilling_request(org_a, officer_a, kind="access")
    return rr.fulfilment_tasks.get()


def _by_hand(task, officer, content=PDF):
    task_steps.record_by_hand(task, actor=member(officer), hand=task_steps.HandOutcome(
        outcome="copy_provided", upload=_pdf("copy.pdf", content)))


def test_a_file_recorded_by_hand_is_on_disk_before_the_request_is_locked(manual_task, officer_a, journal,
                                                                          media_root):
    with journal() as events:
        _by_hand(manual_task, officer_a)

    manual_task.refresh_from_db()
    assert manual_task.status == FulfilmentTask.Status.DONE
    assert_disk_before_locks(events, written=1)
    assert Attachment.objects.get(pk__in=manual_task.result["attachments"]).file.name == _name_of(PDF)


def test_a_file_recorded_for_a_task_already_done_stays_usable_and_unnamed(manual_task, officer_a, media_root):
    _by_hand(manual_task, officer_a)
    other = b"%PDF-1.4 a second copy, sent too late"

    with pytest.raises(TransitionNotAllowed):
        _by_hand(manual_task, officer_a, content=other)

    assert _name_of(other) in _on_disk(media_root)
    assert not Attachment.objects.filter(sha256=hashlib.sha256(other).hexdigest()).exists()
    assert files.store(other, original_name="again.pdf").name == _name_of(other)  # reused as it is
    assert_every_row_names_a_file_on_disk(media_root)

"""Evidence bundles (requests_app/evidence/): one ZIP per case or order, for a court or a
regulator, checked offline by the script inside it, run here as a separate Python that
cannot import the project. A tampered bundle is refused with what failed named; the
requester's files travel only with their consent; another organisation gets 404."""

import hashlib
import io
import json
import re
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from orgs import erasure
from orgs.models import BiometricRecord, ErasureOrder
from requests_app import workflow
from requests_app.actors import SUBJECT
from requests_app.evidence import bundles
from tests import factories
from tests.evidence.conftest import members, rebuilt, run_verifier

pytestmark = pytest.mark.django_db


def desk(user) -> Client:
    client = Client()
    factories.force_sign_in(client, user)
    return client


def test_a_finished_case_s_bundle_verifies_offline_and_its_export_is_on_the_record(
        finished_case, officer_a, tmp_path):
    rr = finished_case
    response = desk(officer_a).get(reverse("desk:case_evidence", args=[rr.reference]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    bundle = b"".join(response.streaming_content)

    result = run_verifier(bundle, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VERIFIED" in result.stdout and "2 device receipt signature(s) checked" in result.stdout

    files = members(bundle)
    assert files["verify.py"] == bundles.VERIFIER.read_bytes()
    names = set(files)
    assert {f"casefile/casefile-{rr.reference}.{ext}" for ext in ("html", "pdf", "json")} <= names
    assert files[f"casefile/casefile-{rr.reference}.pdf"].startswith(b"%PDF")
    assert {f"certificate/{rr.certificate.number}.{ext}" for ext in ("html", "pdf", "json")} <= names
    assert "请求" in files["README.txt"].decode() and "How to verify" in files["README.txt"].decode()
    # Recorded after building, by whom, naming the bundle: the bundle holds every event before it.
    export = rr.events.order_by("-seq").first()
    assert (export.action, export.actor_id, export.visible_to_subject) == ("export_evidence", officer_a.pk, False)
    assert export.data["manifest_sha256"] == hashlib.sha256(files["manifest.json"]).hexdigest()
    events = sorted(name for name in names if name.startswith("events/"))
    assert len(events) == export.seq - 1


def test_only_the_file_the_requester_shared_travels_the_same_bytes_each_time_until_consent_is_revoked(
        finished_case, org_a, officer_a):
    rr = finished_case
    bundle = bundles.case_bundle(rr)
    files = members(bundle)
    index = {entry["name"]: entry for entry in json.loads(files["attachments/index.json"])}
    assert index["annual-pass.pdf"]["shared"] and index["annual-pass.pdf"]["file"] == "attachments/01-annual-pass.pdf"
    assert files["attachments/01-annual-pass.pdf"] == b"%PDF-1.4 annual pass HWW-2019-0427"
    letter = index["letter-to-park.pdf"]
    assert (letter["shared"], letter["file"]) == (False, None)
    assert letter["sha256"] == hashlib.sha256(b"%PDF-1.4 a letter the requester keeps to himself").hexdigest()
    assert not any(b"keeps to himself" in data for data in files.values())

    # Deterministic: the log grows past the case (another request), the bytes do not move.
    factories.in_review_request(org_a, officer_a, email="another@example.com")
    assert bundles.case_bundle(rr) == bundle

    workflow.share_files(rr, actor=SUBJECT, attachment_ids=[])
    after = members(bundles.case_bundle(rr))
    assert not [name for name in after if name.startswith("attachments/") and name != "attachments/index.json"]
    assert not any(entry["shared"] for entry in json.loads(after["attachments/index.json"]))


def test_a_requester_may_share_only_their_own_uploads(org_a, officer_a):
    mine = factories.in_review_request(org_a, officer_a)
    other = factories.in_review_request(org_a, officer_a, email="someone@example.com")
    theirs = workflow.add_evidence(other, actor=SUBJECT, upload=_pdf(), purpose="evidence")
    mine.refresh_from_db()
    before = mine.event_count
    with pytest.raises(workflow.InvalidInput):
        workflow.share_files(mine, actor=SUBJECT, attachment_ids=[theirs.pk])
    mine.refresh_from_db()
    assert mine.event_count == before


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("other.pdf", b"%PDF-1.4 someone else", "application/pdf")


def _edit_json(edit):
    def change(data: bytes) -> bytes:
        value = json.loads(data)
        edit(value)
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).encode()
    return change


def _flip_first_proof_hash(proof):
    proof["inclusion_path"][0] = ("0" if proof["inclusion_path"][0][0] != "0" else "1") + proof["inclusion_path"][0][1:]


def _forge_receipt(certificate):
    receipt = certificate["body"]["systems"][0]["devices"][0]["receipts"][0]
    receipt["body"] = receipt["body"].replace('"deleted":[', '"deleted":[999,')
    receipt["body_sha256"] = hashlib.sha256(receipt["body"].encode()).hexdigest()
    certificate["body_sha256"] = hashlib.sha256(json.dumps(
        certificate["body"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


TAMPERING = {
    "changed event JSON": (dict(change={"events/0002.json": _edit_json(lambda p: p["event"].update(actor_kind="x"))},
                                resign=True), r"events/0002\.json: the event's content does not hash"),
    "changed proof hash": (dict(change={"events/0003.json": _edit_json(_flip_first_proof_hash)}, resign=True),
                           r"events/0003\.json: its inclusion proof does not lead to the signed head's root"),
    "removed event": (dict(remove=["events/0002.json"]), r"events/0002\.json: listed in the manifest but missing"),
    "removed event, manifest re-signed": (dict(remove=["events/0002.json"], resign=True),
                                          r"chain: event 2 is missing"),
    "extra member": (dict(add={"attachments/02-letter-to-park.pdf": b"%PDF-1.4 slipped in"}),
                     r"attachments/02-letter-to-park\.pdf: in the bundle but not in the manifest"),
    "forged manifest signature": (dict(change={"manifest.sig": lambda sig: b"A" * 86 + b"==\n"}),
                                  r"manifest\.sig: the manifest's signature does not verify"),
    "a byte changed in the case file": (dict(change={"README.txt": lambda data: data.replace(b"What", b"Wh4t", 1)}),
                                        r"README\.txt: its content is not what the manifest lists"),
    "changed attachment": (dict(change={"attachments/01-annual-pass.pdf": lambda data: data + b" "}, resign=True),
                           r"attachments/01-annual-pass\.pdf: the file does not have the SHA-256"),
    "changed device receipt": (dict(change={"devices/receipts.json": _edit_json(
        lambda devices: devices[0]["receipts"][0].update(signature=devices[1]["receipts"][0]["signature"]))},
        resign=True), r"devices/receipts\.json: not the receipts the certificate lists"),
}


def test_a_tampered_bundle_is_refused_naming_what_failed(finished_case, tmp_path):
    """Each way of tampering, on one bundle (building one renders two PDFs: seconds)."""
    bundle = bundles.case_bundle(finished_case)
    number = finished_case.certificate.number
    cases = {**TAMPERING, "receipt forged in the certificate itself": (
        dict(change={f"certificate/{number}.json": _edit_json(_forge_receipt)}, resign=True),
        r"the receipt of device HZ-GATE-00\d .* does not verify with its key")}
    for how, (changes, failure) in cases.items():
        result = run_verifier(rebuilt(bundle, **changes), tmp_path)
        assert result.returncode == 1, (how, result.stdout)
        assert re.search(r"FAIL  " + failure, result.stdout), (how, result.stdout)
        assert "NOT VERIFIED" in result.stdout, how
    forged = run_verifier(rebuilt(bundle, **cases["receipt forged in the certificate itself"][0]), tmp_path)
    assert "no event in the log states this certificate's hash" in forged.stdout
    # Checked against another key than the log's, even an untouched bundle is refused.
    other_key = run_verifier(bundle, tmp_path, "--log-key", "ab" * 32, key=None)
    assert other_key.returncode == 1 and "signed with another key than the one given" in other_key.stdout
    without = run_verifier(bundle, tmp_path, key=None)
    assert without.returncode == 0 and "compare it with the one the organisation publishes" in without.stdout


def test_another_organisation_s_officer_gets_404_and_nothing_is_recorded(officer_b, org_a, officer_a):
    finished_case = factories.fulfilled_request(org_a, officer_a)
    finished_case.refresh_from_db()
    before = finished_case.event_count
    assert desk(officer_b).get(reverse("desk:case_evidence", args=[finished_case.reference])).status_code == 404
    order = factories.erasure_order(org_a, collection_point="North gate")
    assert desk(officer_b).get(reverse("desk:order_evidence", args=[order.pk])).status_code == 404
    finished_case.refresh_from_db()
    assert finished_case.event_count == before


def test_an_auditor_may_export_and_the_case_page_links_the_bundle(org_a, officer_a, auditor_a):
    finished_case = factories.in_review_request(org_a, officer_a)
    client = desk(auditor_a)
    page = client.get(reverse("desk:case", args=[finished_case.reference])).content.decode()
    assert reverse("desk:case_evidence", args=[finished_case.reference]) in page
    assert client.get(reverse("desk:case_evidence", args=[finished_case.reference])).status_code == 200
    assert finished_case.events.order_by("-seq").first().actor_id == auditor_a.pk


def test_the_decommission_order_s_bundle_verifies_and_says_orders_are_not_in_the_log(
        org_a, owner_a, officer_a, point, gates, tmp_path):
    records = factories.vault_records(point.activity, 12)
    BiometricRecord.objects.filter(pk__in=[r.pk for r in records]).update(collection_point=point)
    order = erasure.order_decommission(point, reason="Nanjing order: face cameras out of sales offices", by=owner_a)
    factories.run_order(order, chunk_size=5)
    for gate in gates:
        gate.work()
    order.refresh_from_db()
    assert order.status == ErasureOrder.Status.DONE

    client = desk(officer_a)
    assert reverse("desk:order_evidence", args=[order.pk]) in client.get(reverse("desk:scanners")).content.decode()
    response = client.get(reverse("desk:order_evidence", args=[order.pk]))
    assert response.status_code == 200
    bundle = b"".join(response.streaming_content)
    result = run_verifier(bundle, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 device receipt signature(s) checked" in result.stdout

    files = members(bundle)
    summary = json.loads(files["order.json"])
    assert (summary["records_erased"], summary["in_transparency_log"]) == (12, False)
    assert [d["device"] for d in summary["devices"]] == ["HZ-GATE-001", "HZ-GATE-002"]
    assert all(d["waiting"] == 0 for d in summary["devices"])
    assert "not in the transparency log" in files["README.txt"].decode()
    assert bundles.order_bundle(order) == bundles.order_bundle(order)

    tampered = rebuilt(bundle, change={"devices/receipts.json": _edit_json(
        lambda devices: devices[0]["receipts"][0].update(body="{}"))}, resign=True)
    assert run_verifier(tampered, tmp_path).returncode == 1


def test_the_status_page_offers_the_choice_in_the_requester_s_language(finished_case, client):
    from requests_app.cases import tokens

    token = tokens.issue_status_link(finished_case.submission)
    english = client.get(reverse("public:status", args=[token])).content.decode()
    assert "Share my uploaded files in evidence bundles" in english and "letter-to-park.pdf" in english
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("public:status", args=[token])).content.decode()
    assert "Share my uploaded files in evidence bundles" not in chinese and "在证据包中共享我上传的文件" in chinese

"""Fixtures of the evidence bundles' suite: a finished face-deletion case at the Hangzhou
park's north gate, its two gates holding copies, two files the requester uploaded (one
shared in bundles through the status page, one not); and the independent verifier run
as a separate Python with no Django settings."""

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orgs.models import BiometricRecord, DataSystem
from requests_app import fulfilment, workflow
from requests_app.actors import SUBJECT
from requests_app.cases import tokens
from requests_app.evidence import bundles
from requests_app.models import Attachment, RightsRequest
from requests_app.transparency import heads
from tests import factories
from tests.gate import Gate

VERIFIER = Path(bundles.__file__).with_name("verify_bundle.py")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def point(org_a):
    activity = factories.activity(org_a, name="Face entry", collection_point="North gate")
    return factories.collection_point(activity, signage=True)


@pytest.fixture
def gates(point, owner_a):
    north = Gate(factories.live_device(point, owner_a, serial="HZ-GATE-001", location="North gate, lane 1"))
    south = Gate(factories.live_device(point, owner_a, serial="HZ-GATE-002", location="North gate, lane 2"))
    return north, south


def upload(rr, name, content):
    return workflow.add_evidence(rr, actor=SUBJECT, upload=SimpleUploadedFile(name, content, "application/pdf"),
                                 purpose=Attachment.Purpose.EVIDENCE)


@pytest.fixture
def finished_case(org_a, officer_a, point, gates, client):
    """Fulfilled through the workflow: the vault erased Guo's record, both gates signed
    receipts; of his two uploads he shared the pass on his status page, not the letter."""
    vault = factories.system(org_a, name="Gate vault")
    record = factories.person_record(point.activity, data_system=vault)
    BiometricRecord.objects.filter(pk=record.pk).update(collection_point=point)
    rr = factories.approved_request(org_a, officer_a)
    shared = upload(rr, "annual-pass.pdf", b"%PDF-1.4 annual pass HWW-2019-0427")
    upload(rr, "letter-to-park.pdf", b"%PDF-1.4 a letter the requester keeps to himself")
    token = tokens.issue_status_link(rr.submission)
    response = client.post(reverse("public:status_action", args=[token, rr.reference, "share_files"]),
                           {"files": [shared.pk]})
    assert response.status_code == 302
    fulfilment.begin(rr.pk)
    fulfilment.run_task(rr.fulfilment_tasks.get(connector=DataSystem.Connector.VAULT).pk)
    for gate in gates:
        assert gate.work().status_code == 201
    fulfilment.complete_if_done(rr.pk)
    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.FULFILLED and rr.certificate is not None
    return rr


def run_verifier(bundle: bytes, tmp_path, *args, key: str | None = "log") -> subprocess.CompletedProcess:
    """The verifier copied out of the project and run by a Python that cannot see it (-I:
    no PYTHONPATH, no user site) and with no Django settings in its environment."""
    where = tmp_path / "offline"
    where.mkdir(exist_ok=True)
    script = shutil.copy(VERIFIER, where / "verify.py")
    (where / "bundle.zip").write_bytes(bundle)
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO", "PYTHON"))}
    command = [sys.executable, "-I", str(script), str(where / "bundle.zip"), *args]
    if key == "log":
        command += ["--log-key", heads.verifier_key()]
    return subprocess.run(command, cwd=where, env=env, capture_output=True, text=True, timeout=60)


def members(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rebuilt(bundle: bytes, *, change=None, remove=(), add=None, resign=False) -> bytes:
    """The bundle with members changed, removed or added. `resign`: the manifest is brought
    in line and signed again with the log's own key, as only the log's keeper could, so
    the check under the manifest has to find the change by itself."""
    files = members(bundle)
    for name, edit in (change or {}).items():
        files[name] = edit(files[name])
    for name in remove:
        del files[name]
    files.update(add or {})
    if resign:
        import base64
        import hashlib

        manifest = json.loads(files["manifest.json"])
        manifest["members"] = [
            {"name": name, "size": len(files[name]), "sha256": hashlib.sha256(files[name]).hexdigest()}
            for name in [m["name"] for m in manifest["members"]] if name in files]
        files["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()
        files["manifest.sig"] = base64.b64encode(heads.sign_detached(files["manifest.json"])) + b"\n"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()

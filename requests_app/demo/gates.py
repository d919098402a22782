"""The demo's gates that keep templates on themselves (orgs/devices.py).

Each run gives every such live gate a fresh credential: its key pair is made here, as a
gate makes its own, and the public half registered. The tokens and private keys go to
var/demo-gates.json, which `make run`'s gate simulator (bench/gates.py, in the Procfile)
reads to play the gates over HTTP; while seeding, the receipts of the past's requests are
played here, in-process, through the same step that takes a receipt from the API.
"""

import base64
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from django.conf import settings
from django.utils import timezone

from orgs import devices
from orgs.models import Device, Organisation
from orgs.models.register import DeviceStatus, TemplateStorage
from requests_app.fulfilment import devices as device_receipts


def gates_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-gates.json"


def enrol(orgs: list[Organisation]) -> dict[str, Ed25519PrivateKey]:
    """Credentials for the organisations' live gates that keep templates; returns their keys by serial."""
    keys, entries = {}, []
    for device in Device.objects.filter(organisation__in=orgs, status=DeviceStatus.LIVE,
                                        template_storage=TemplateStorage.ON_DEVICE).order_by("serial"):
        key = Ed25519PrivateKey.generate()
        public = base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
        token = devices.issue_credential(device, verify_key=public)
        keys[device.serial] = key
        entries.append({"serial": device.serial, "organisation": device.organisation.slug, "token": token,
                        "private_key": base64.b64encode(key.private_bytes(
                            Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()})
    path = gates_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps({"gates": entries}, indent=2))
    partial.chmod(0o600)  # tokens and private keys: the gates' secrets
    os.replace(partial, path)
    return keys


def confirm(keys: dict[str, Ed25519PrivateKey], organisation: Organisation) -> int:
    """Each of the organisation's demo gates deletes what waits for it and confirms it, now."""
    confirmed = 0
    for device in Device.objects.filter(organisation=organisation, serial__in=list(keys)).select_related(
            "credential"):
        ids = list(devices.pending(device).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), devices.BATCH):
            batch = ids[start:start + devices.BATCH]
            body = devices.receipt_message(device.serial, batch, timezone.now().isoformat(), os.urandom(8).hex())
            signature = base64.b64encode(keys[device.serial].sign(body.encode())).decode()
            device_receipts.receive_receipt(device.credential, body, signature)
            confirmed += len(batch)
    return confirmed

"""A gate as the device connector sees it, for tests: its own Ed25519 key, its token, and
the three calls of the device API (requests_app/api/devices.py) through a test client."""

import base64
import secrets

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client
from django.utils import timezone

from orgs import devices


class Gate:
    def __init__(self, device, *, issued_by=None):
        self.device = device
        self.key = Ed25519PrivateKey.generate()
        self.verify_key = base64.b64encode(self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
        self.token = devices.issue_credential(device, verify_key=self.verify_key, by=issued_by)
        self.client = Client()
        self.holds = set()  # the record ids whose templates it keeps

    def _auth(self):
        return {"HTTP_AUTHORIZATION": f"Device {self.token}"}

    def poll(self):
        return self.client.get("/api/v1/device/deletions/", **self._auth())

    def signed(self, deletion_ids, *, key=None, serial=None):
        body = devices.receipt_message(serial or self.device.serial, list(deletion_ids),
                                       timezone.now().isoformat(), secrets.token_hex(8))
        signature = base64.b64encode((key or self.key).sign(body.encode())).decode()
        return {"body": body, "signature": signature}

    def send(self, receipt):
        return self.client.post("/api/v1/device/receipts/", receipt, content_type="application/json", **self._auth())

    def work(self):
        """Poll, delete what is asked, acknowledge it; returns the receipt's answer (or None)."""
        deletions = self.poll().json()["deletions"]
        if not deletions:
            return None
        for deletion in deletions:
            if deletion.get("wipe"):
                self.holds.clear()
            elif deletion.get("range"):
                first, last = deletion["range"]
                self.holds = {held for held in self.holds if not first <= held <= last}
            else:
                self.holds.discard(deletion["record"])
        return self.send(self.signed([d["id"] for d in deletions]))

    def inventory(self, holds):
        return self.client.post("/api/v1/device/inventory/", {"holds": list(holds)}, content_type="application/json",
                                **self._auth())

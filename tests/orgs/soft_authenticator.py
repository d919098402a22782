"""A passkey in software, for the server-side tests: it answers the JSON options of
orgs/accounts/passkey_views.py as a browser and its authenticator would (ES256 key, "none"
attestation), so registration and sign-in run through the real checks of py_webauthn
without a browser. The browser tests use Chromium's own virtual authenticator."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


class SoftAuthenticator:
    """One credential on one authenticator, for the site's relying party and origin."""

    def __init__(self, *, rp_id: str | None = None, origin: str | None = None):
        self.rp_id = rp_id or settings.OTP_WEBAUTHN_RP_ID
        self.origin = origin or settings.OTP_WEBAUTHN_ALLOWED_ORIGINS[0]
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.user_handle = b""
        self.sign_count = 0

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}).encode()

    def _auth_data(self, flags: int, attested: bytes = b"") -> bytes:
        self.sign_count += 1
        return hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", self.sign_count) + attested

    def create(self, options: dict, *, origin: str | None = None) -> dict:
        """The browser's answer to navigator.credentials.create() with these options."""
        self.user_handle = unb64url(options["user"]["id"])
        numbers = self.key.public_key().public_numbers()
        cose_key = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + cose_key
        auth_data = self._auth_data(0x45, attested)  # user present, verified, credential data attached
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(self._client_data("webauthn.create", options["challenge"], origin)),
                         "attestationObject": b64url(attestation), "transports": ["internal"]},
            "authenticatorAttachment": "platform", "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, options: dict, *, origin: str | None = None) -> dict:
        """The browser's answer to navigator.credentials.get() with these options (the
        credential is offered whether or not the options name it, as a forger would)."""
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._auth_data(0x05)  # user present, verified
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                         "signature": b64url(signature), "userHandle": b64url(self.user_handle)},
            "authenticatorAttachment": "platform", "clientExtensionResults": {},
        }

"""A test agent written from the DRP 1.0 specification (data-rights-protocol.md), not from
Rightsdesk's code: it builds the spec's example messages (2.01, 2.04, 2.05) and signs them
as 3.07.1 says, with PyNaCl: the JSON document with its Ed25519 signature prepended
("combined mode"), base64-encoded, sent as text/plain with the pair-wise bearer token."""

import base64
import json
from datetime import datetime, timedelta, timezone

from nacl.encoding import Base64Encoder
from nacl.signing import SigningKey

# DRP 2.01, as printed (the schema.org/Person claims of 3.04 are added per request).
SPEC_EXERCISE = {
    "agent-id": "aa-id",
    "business-id": "cb-id",
    "issued-at": "<ISO 8601 Timestamp>",
    "expires-at": "<ISO 8601 Timestamp>",
    "agent-request-id": "foo",
    "drp.version": "1.0",
    "exercise": "sale:opt-out",
    "regime": "ccpa",
    "relationships": ["customer", "marketing"],
    "status_callback": "https://dsr-agent.example.com/update_status",
}
# DRP 2.05
SPEC_SETUP = {
    "agent-id": "aa-id",
    "business-id": "cb-id",
    "issued-at": "<ISO 8601 Timestamp>",
    "expires-at": "<ISO 8601 Timestamp>",
    "drp.version": "1.0",
}
# DRP 2.04; signed "according to the guidance in section 3.07", so with its claims too.
SPEC_REVOKE = {"reason": "I don't want my account deleted"}
# DRP 3.04: the claims of the person.
PERSON = {"name": "Jordan Lee", "email": "jordan.lee@example.com", "email_verified": True,
          "phone_number": "+14158672201", "phone_number_verified": False}


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


class Agent:
    def __init__(self, agent_id: str, business_id: str, key: SigningKey | None = None):
        self.agent_id, self.business_id = agent_id, business_id
        self.key = key or SigningKey.generate()
        self.token = ""

    @property
    def verify_key(self) -> str:
        """As the Authorized Agent directory holds it (DRP 3.05.1): base64."""
        return self.key.verify_key.encode(Base64Encoder).decode()

    def envelope(self, *, issued_at: datetime | None = None, lifetime=timedelta(minutes=10), **claims) -> dict:
        issued_at = issued_at or datetime.now(timezone.utc)
        return {"agent-id": self.agent_id, "business-id": self.business_id, "issued-at": iso(issued_at),
                "expires-at": iso(issued_at + lifetime), **claims}

    def setup_message(self, **overrides) -> dict:
        return {**SPEC_SETUP, **self.envelope(), **overrides}

    def exercise_message(self, *, callback: str = "", person: dict | None = None, **overrides) -> dict:
        message = {**SPEC_EXERCISE, **self.envelope(), **(PERSON if person is None else person), **overrides}
        if callback:
            message["status_callback"] = callback
        else:
            message.pop("status_callback")
        return message

    def revoke_message(self, **overrides) -> dict:
        return {**SPEC_REVOKE, **self.envelope(), **overrides}

    def sign(self, message: dict, key: SigningKey | None = None) -> bytes:
        return base64.b64encode((key or self.key).sign(json.dumps(message).encode()))

    # --- over HTTP (Django's test client) -------------------------------------------------

    def _auth(self, token):
        token = self.token if token is None else token
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def register(self, client, message: dict | None = None, key=None):
        response = client.post(f"/v1/agent/{self.agent_id}", self.sign(message or self.setup_message(), key),
                               content_type="text/plain")
        if response.status_code == 200:
            self.token = response.json()["token"]
        return response

    def info(self, client, agent_id: str | None = None, token=None):
        return client.get(f"/v1/agent/{agent_id or self.agent_id}", **self._auth(token))

    def file(self, client, message: dict, *, key=None, token=None, body: bytes | None = None):
        return client.post("/v1/data-rights-request", body if body is not None else self.sign(message, key),
                           content_type="text/plain", **self._auth(token))

    def status(self, client, request_id: str, token=None):
        return client.get(f"/v1/data-rights-request/{request_id}", **self._auth(token))

    def revoke(self, client, request_id: str, message: dict | None = None, *, key=None, token=None):
        return client.delete(f"/v1/data-rights-request/{request_id}", self.sign(message or self.revoke_message(), key),
                             content_type="text/plain", **self._auth(token))

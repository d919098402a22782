"""The demo's authorised agent in the Data Rights Protocol (requests_app/drp/), registered
for Golden Gate Fitness as an administrator would register one from the DRP directory.

Each run gives it a fresh Ed25519 key, as gates.py does for the gates: the verify key is
registered, the signing key goes to var/demo-drp-agent.json (mode 0600), which the CLI
agent (bench/drp_agent.py) reads to register, file, follow and revoke against `make run`.
"""

import json
import os
from pathlib import Path

from django.conf import settings
from nacl.encoding import Base64Encoder
from nacl.signing import SigningKey

from orgs.models import Organisation
from requests_app.models import DrpAgent

AGENT_ID = "RIGHTSDESK_DEMO_AGENT"
# Local callbacks (bench/drp_agent.py listen) on any port; allowed in development only
# (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE_ADDRESSES follow DEBUG).
CALLBACK_PREFIXES = "http://127.0.0.1:\nhttp://localhost:"


def agent_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-drp-agent.json"


def enrol(organisation: Organisation) -> DrpAgent:
    """The demo agent, with a new key, allowed to address `organisation`; its key written out."""
    key = SigningKey.generate()
    agent, _created = DrpAgent.objects.update_or_create(agent_id=AGENT_ID, defaults={
        "name": "Demo Privacy Agent", "contact_email": "drp@agent.demo.rightsdesk.example",
        "verify_key": key.verify_key.encode(Base64Encoder).decode(), "callback_prefixes": CALLBACK_PREFIXES,
        "active": True,
    })
    agent.organisations.add(organisation)
    path = agent_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps({
        "agent_id": AGENT_ID, "business_id": organisation.slug, "api_base": settings.SITE_URL.rstrip("/"),
        "signing_key": key.encode(Base64Encoder).decode(),
    }, indent=2))
    partial.chmod(0o600)  # the agent's signing key
    os.replace(partial, path)
    return agent

"""Authorised agents and their pair-wise bearer tokens (DRP 2.05, 2.06, 3.07).

A token is drawn from libsodium's CSPRNG, shown once, stored only as its SHA-256, and
belongs to one agent and one organisation: it tells which key verifies the agent's
messages and which business they address. A new pair-wise setup replaces it.
"""

import hashlib

import nacl.utils
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orgs.models import Organisation
from requests_app.models import DrpAgent, DrpToken

PREFIX = "drp_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_agent(agent_id: str) -> DrpAgent | None:
    return DrpAgent.objects.filter(agent_id=agent_id, active=True).first()


def addressable(agent: DrpAgent, business_id: str) -> Organisation | None:
    """The organisation `business_id` names (its slug), if the agent may address it and it takes requests."""
    return agent.organisations.filter(slug=business_id, accepts_public_requests=True).first()


def issue_token(agent: DrpAgent, organisation: Organisation) -> str:
    """A new bearer token for the pair, replacing any before it; returned once, never stored."""
    token = PREFIX + nacl.utils.random(32).hex()
    with transaction.atomic():
        DrpToken.objects.update_or_create(agent=agent, organisation=organisation,
                                          defaults={"token_hash": _hash(token), "created_at": timezone.now()})
    return token


def from_request(request) -> DrpToken | None:
    """The token of `Authorization: Bearer <token>`, if it is a live agent's and the agent may
    still address its organisation (an administrator may have taken it off the list); else None."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return None
    return (DrpToken.objects.select_related("agent", "organisation")
            .filter(token_hash=_hash(token), agent__active=True, agent__organisations=F("organisation"))
            .first())

"""Signed DRP messages: a JSON document with its Ed25519 signature prepended (libsodium's
"combined mode"), base64-encoded, sent as text/plain (DRP 2.01, 3.07.1).

`open_message` validates in exactly the order DRP 3.07 prescribes, stopping at the first
failure: the body decodes from base64; the signature verifies to the agent's key (the
agent known from the bearer token, or for the pair-wise setup from the URL); the
`agent-id` claim is that agent; the `business-id` claim is the organisation addressed;
`issued-at` is not in the future; `expires-at` is not past. Then `take` records the
message, so the same one is never acted on twice (a replay inside its window).
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import nacl.exceptions
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from nacl.encoding import Base64Encoder
from nacl.signing import VerifyKey

from requests_app.models import DrpAgent, DrpMessage

MAX_BODY = 64 * 1024
# DRP 2.01 recommends windows of no more than ten minutes; a message valid for longer is
# refused, so no message stays replayable for long, and the store of taken ones stays small.
MAX_WINDOW = timedelta(hours=1)


class Refused(Exception):
    """A request the protocol refuses: an HTTP status and the DRP 3.06 error body."""

    def __init__(self, status: int, message, *, fatal: bool = False):
        super().__init__(str(message))
        self.status, self.message, self.fatal = status, str(message), fatal

    def body(self) -> dict:
        body = {"code": str(self.status), "message": self.message}
        if self.fatal:
            body["fatal"] = True
        return body


@dataclass(frozen=True)
class Opened:
    message: dict
    raw: bytes  # the signed buffer, hashed to refuse a replay
    expires_at: datetime


def verify_key(agent: DrpAgent) -> VerifyKey:
    return VerifyKey(agent.verify_key.encode(), encoder=Base64Encoder)


def open_message(body: bytes, agent: DrpAgent, business_allowed: Callable[[object], bool],
                 now: datetime | None = None) -> Opened:
    """The message of `body`, checked in DRP 3.07's order; Refused at the first failure.
    `business_allowed(business_id)` says whether the `business-id` claim names the
    organisation addressed."""
    now = now or timezone.now()
    # 1. decodes from base64 into a binary buffer
    text = body.strip()
    if not text or len(text) > MAX_BODY:
        raise Refused(400, _("The body must be a base64-encoded signed message."))
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Refused(400, _("The body must be a base64-encoded signed message.")) from None
    # 2. the signature at its start verifies to the agent's key
    try:
        signed = verify_key(agent).verify(raw)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, nacl.exceptions.TypeError, ValueError):
        raise Refused(403, _("The signature does not verify to the agent's key.")) from None
    try:
        message = json.loads(signed.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        raise Refused(400, _("The signed message is not a JSON document.")) from None
    if not isinstance(message, dict):
        raise Refused(400, _("The signed message is not a JSON object."))
    if _has_nul(message):
        # PostgreSQL's text and jsonb cannot hold U+0000: refused here, not by a failed INSERT.
        raise Refused(400, _("The signed message contains a NUL character."))
    # 3. the agent-id claim is the agent the token (or URL) names
    if message.get("agent-id") != agent.agent_id:
        raise Refused(403, _("The agent-id claim is not the agent this token was issued to."))
    # 4. the business-id claim is the organisation addressed
    if not isinstance(message.get("business-id"), str) or not business_allowed(message["business-id"]):
        raise Refused(403, _("The business-id claim does not name this business."))
    # 5. now is after issued-at
    issued_at = _timestamp(message, "issued-at")
    if issued_at > now:
        raise Refused(403, _("The message was issued in the future: check the clock of the system signing it."))
    # 6. now is before expires-at
    expires_at = _timestamp(message, "expires-at")
    if now >= expires_at:
        raise Refused(403, _("The message has expired."), fatal=True)
    if expires_at - issued_at > MAX_WINDOW:
        raise Refused(403, _("The message is valid for too long: keep expires-at within an hour of issued-at."))
    return Opened(message=message, raw=raw, expires_at=expires_at)


def _has_nul(message: dict) -> bool:
    """Whether any key or string in the message holds U+0000; a loop, not recursion, as a
    message may nest as deep as json.loads allows."""
    pending = [message]
    while pending:
        value = pending.pop()
        if isinstance(value, str) and "\x00" in value:
            return True
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def _timestamp(message: dict, claim: str) -> datetime:
    value = message.get(claim)
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise Refused(400, _("The %(claim)s claim must be an ISO 8601 timestamp.") % {"claim": claim})
    if moment.tzinfo is None:  # as the reference implementation reads it
        moment = moment.replace(tzinfo=dt_timezone.utc)
    return moment


def take(agent: DrpAgent, opened: Opened) -> None:
    """Record the message as taken; Refused (403) if it was taken before. Call it inside
    the transaction that acts on the message, so a message whose action fails may be sent
    again, and two copies arriving at once are taken once (the unique hash waits for the
    first transaction). Taken messages past their expiry are cleared here as well."""
    digest = hashlib.sha256(opened.raw).hexdigest()
    DrpMessage.objects.filter(agent=agent, expires_at__lt=timezone.now() - timedelta(minutes=5)).delete()
    try:
        with transaction.atomic():
            DrpMessage.objects.create(agent=agent, digest=digest, expires_at=opened.expires_at)
    except IntegrityError:
        raise Refused(403, _("This message was received before; sign a new one.")) from None

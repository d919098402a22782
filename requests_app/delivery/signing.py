"""HMAC-SHA256 signatures for webhooks, both ways, with a timestamp against replay.

The signed message is "<unix timestamp>.<raw body>", sent as two headers:
X-Rightsdesk-Timestamp and X-Rightsdesk-Signature (hex). A receiver refuses a
signature that does not match or a timestamp more than TOLERANCE away from its clock;
a callback that matches but repeats one already processed is refused by the task's
state (it is no longer waiting for one).
"""

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Rightsdesk-Timestamp"
SIGNATURE_HEADER = "X-Rightsdesk-Signature"
TOLERANCE_SECONDS = 300


class BadSignature(Exception):
    pass


def sign(secret: str | bytes, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers to send with `body` (`secret` as text, or the key's bytes)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    key = secret if isinstance(secret, bytes) else secret.encode()
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: digest}


def verify(secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float | None = None) -> None:
    """Raise BadSignature unless the signature is right and fresh."""
    if not timestamp or not signature:
        raise BadSignature("missing signature headers")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise BadSignature("malformed timestamp") from None
    now = time.time() if now is None else now
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        raise BadSignature("timestamp outside the allowed window")
    expected = sign(secret, body, sent_at)[SIGNATURE_HEADER]
    if not hmac.compare_digest(expected, signature):
        raise BadSignature("signature does not match")

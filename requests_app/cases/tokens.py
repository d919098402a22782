"""Public references, status tokens and one-time verification codes.

References are short and readable (no 0/O, 1/I). Status tokens carry 192 random bits
and only their hash is stored; each email carries a new one and earlier ones keep
working while they are used (STATUS_LINK_IDLE_DAYS) and until the contact details are purged. Codes are six digits, stored as keyed
hashes, valid 15 minutes, for at most five attempts.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app.errors import VerificationFailed
from requests_app.models import RightsRequest, StatusLink, VerificationChallenge

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 10
CODE_VALIDITY = timedelta(minutes=15)
CODE_LEASE = timedelta(minutes=2)


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _i in range(REFERENCE_LENGTH))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _code_digest(challenge_pk: int, code: str) -> str:
    # Keyed, so a copy of the table does not give up live codes by trying a million values.
    return hmac.new(settings.SECRET_KEY.encode(), f"code:{challenge_pk}:{code}".encode(), hashlib.sha256).hexdigest()


def issue_status_link(submission) -> str:
    """A new secret token for the submission's status page (earlier ones keep working)."""
    token = secrets.token_urlsafe(24)
    StatusLink.objects.create(token_hash=_digest(token), submission=submission)
    return token


def submission_for_token(token: str):
    """The submission the token opens, or None. Constant work whatever the token."""
    if not token or len(token) > 64:
        return None
    # A link left unused for a long time stops working (a forwarded or leaked email goes
    # stale); a person following their case gets a fresh link with every email anyway.
    cutoff = timezone.now() - timedelta(days=settings.STATUS_LINK_IDLE_DAYS)
    link = (
        StatusLink.objects.filter(token_hash=_digest(token))
        .filter(Q(last_used_at__gt=cutoff) | Q(last_used_at__isnull=True, created_at__gt=cutoff))
        .first()
    )
    if link is None:
        return None
    StatusLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    return link.submission


def claim_code(challenge: VerificationChallenge) -> str | None:
    """Make the challenge's code, under a short lease; None if it was sent or is being sent.

    A worker that dies before `mark_code_sent` leaves the lease to run out, and the
    re-send sweep then makes a fresh code: a code is never marked sent before it was.
    """
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    claimed = (
        VerificationChallenge.objects.filter(pk=challenge.pk, sent_at__isnull=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(code_hash=_code_digest(challenge.pk, code), lease_until=now + CODE_LEASE)
    )
    return code if claimed else None


def mark_code_sent(challenge: VerificationChallenge) -> None:
    now = timezone.now()
    VerificationChallenge.objects.filter(pk=challenge.pk).update(sent_at=now, expires_at=now + CODE_VALIDITY)


def check_code(rights_request: RightsRequest, code: str, *, use: bool = True) -> int:
    """Accept the code of the request's newest challenge or raise VerificationFailed;
    returns the challenge's id. `use=False`: the caller spends it with `use_code` inside
    the transaction of its own step, so a step that fails leaves the code unused.

    A wrong code's attempt is committed even though the caller's step then fails, so
    guessing costs attempts whatever happens around it (call this outside a transaction).
    """
    code = (code or "").strip()
    with transaction.atomic():
        challenge = (
            VerificationChallenge.objects.select_for_update()
            .filter(request=rights_request, sent_at__isnull=False)
            .order_by("-created_at", "-pk")
            .first()
        )
        if challenge is None or challenge.used_at is not None:
            raise VerificationFailed(_("There is no code waiting for this request. Ask for a new one."))
        if challenge.attempts >= VerificationChallenge.MAX_ATTEMPTS:
            raise VerificationFailed(_("Too many wrong codes. Ask for a new one."))
        if timezone.now() > challenge.expires_at:
            raise VerificationFailed(_("This code has expired. Ask for a new one."))
        if hmac.compare_digest(challenge.code_hash, _code_digest(challenge.pk, code)):
            if use:
                challenge.used_at = timezone.now()
                challenge.save(update_fields=["used_at"])
            return challenge.pk
        VerificationChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
    raise VerificationFailed(_("That code is not right. Check it and try again."))


def use_code(challenge_id: int) -> None:
    """Spend a code `check_code(use=False)` accepted, in the caller's transaction; of two
    steps racing with the same code only one spends it (the other is refused)."""
    if not VerificationChallenge.objects.filter(pk=challenge_id, used_at__isnull=True).update(used_at=timezone.now()):
        raise VerificationFailed(_("There is no code waiting for this request. Ask for a new one."))

"""Issuing and revoking API tokens (the account page calls these).

A token is `secrets.token_urlsafe(32)`, shown once; only its SHA-256 is stored
(authentication.token_digest) with its first characters for recognising it later.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from orgs.models import ApiToken, Membership
from requests_app.api.authentication import token_digest

PREFIX_LENGTH = 8


def issue_token(membership: Membership, *, name: str) -> tuple[ApiToken, str]:
    """A new token of the member, acting in the membership's organisation, expiring after
    settings.API_TOKEN_LIFETIME_DAYS. Returns the row and the token itself (never stored)."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=membership.user, organisation=membership.organisation, name=name.strip(),
        token_hash=token_digest(raw), prefix=raw[:PREFIX_LENGTH],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS),
    )
    return token, raw


def tokens_of(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).select_related("organisation").order_by("-created_at")


def revoke_token(user, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False if there is no such live token of theirs.
    Idempotent: revoking twice keeps the first time."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )

"""API tokens: `Authorization: Token <token>`; only the SHA-256 of a token is stored."""

import hashlib

from django.utils import timezone
from rest_framework import authentication, exceptions

from orgs.models import ApiToken, Membership


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        now = timezone.now()
        token = (
            ApiToken.objects.select_related("user", "organisation")
            .filter(token_hash=token_digest(key), revoked_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if not Membership.objects.filter(user=token.user, organisation=token.organisation).exists():
            raise exceptions.AuthenticationFailed("The token's user is no longer a member of its organisation.")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

"""An organisation's doors for other software: members' tokens for the REST API, and
the subscriptions its events are posted to (signed webhooks)."""

import base64
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs import crypto
from orgs.models.organisations import Organisation


class ApiToken(models.Model):
    """A member's token for the REST API, acting in one organisation; only its hash is kept.

    Shown once when created; expires; revocable from the account page.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class EventSubscription(models.Model):
    """An organisation's endpoint told of its requests' events, by signed POST."""

    class Event(models.TextChoices):
        RECEIVED = "request.received", _("Request received")
        DUE_SOON = "request.due_soon", _("Request due soon")
        FULFILLED = "request.fulfilled", _("Request fulfilled")

    # Standard Webhooks secrets: "whsec_" and the base64 of the key (requests_app/delivery/event_webhooks.py).
    SECRET_PREFIX = "whsec_"
    # After a new secret is made the previous one signs too, for this long, so the
    # subscriber can switch at its own pace (several signatures in webhook-signature).
    ROTATION_OVERLAP = timedelta(hours=24)

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="subscriptions")
    url = models.URLField(_("URL"))
    events = models.JSONField(_("events"), default=list)
    secret_ciphertext = models.BinaryField(editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    previous_secret_ciphertext = models.BinaryField(null=True, editable=False)
    previous_secret_until = models.DateTimeField(_("previous secret signs until"), null=True, blank=True,
                                                 editable=False)
    legacy_signature = models.BooleanField(
        _("also send the old X-Rightsdesk signature"), default=False,
        help_text=_("For a subscriber made before Standard Webhooks signatures, until it checks those."),
    )

    class Meta:
        ordering = ["organisation", "url"]
        verbose_name = _("event subscription")
        verbose_name_plural = _("event subscriptions")

    def __str__(self):
        return f"{self.organisation} → {self.url}"

    @classmethod
    def new_secret(cls) -> str:
        return cls.SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()

    def set_secret(self, secret: str, *, rotate: bool = False) -> None:
        """Make `secret` (a "whsec_..." string) the one that signs; with `rotate`, the one
        it replaces signs beside it for ROTATION_OVERLAP."""
        if not secret.startswith(self.SECRET_PREFIX) or not base64.b64decode(secret[len(self.SECRET_PREFIX):]):
            raise ValueError("a subscription secret is whsec_ and the base64 of a key")
        if rotate and self.secret_ciphertext:
            self.previous_secret_ciphertext = self.secret_ciphertext
            self.previous_secret_until = timezone.now() + self.ROTATION_OVERLAP
        self.secret_ciphertext = crypto.encrypt_template(secret.encode())

    def secret(self) -> str:
        return crypto.decrypt_template(self.secret_ciphertext).decode()

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets that sign a message sent now: the current one, then the previous one
        while its overlap lasts."""
        now = now or timezone.now()
        found = [self.secret()]
        if self.previous_secret_ciphertext and self.previous_secret_until and now < self.previous_secret_until:
            found.append(crypto.decrypt_template(self.previous_secret_ciphertext).decode())
        return found

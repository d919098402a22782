"""The requester's secrets, stored only as hashes (requests_app/cases/tokens.py makes and
checks them): the code that verifies a request (VerificationChallenge) and the secret link
to a submission's status page (StatusLink)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app.models.requests import RightsRequest


class VerificationChallenge(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    MAX_ATTEMPTS = 5

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="challenges", db_index=False)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices, default=Channel.EMAIL)
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("verification challenge")
        verbose_name_plural = _("verification challenges")
        constraints = [
            models.CheckConstraint(condition=Q(attempts__lte=5), name="challenge_attempts_capped"),
        ]
        indexes = [
            # A request's codes: the code check and the resend's count (workflow/filing.py),
            # the latest code (public/views.py, api/citizen.py).
            models.Index(fields=["request"], name="challenge_request_idx"),
            # The re-send sweep's codes that never went out (workflow/sweeps.py
            # _unsent_challenges, every minute): the few unsent, not every code ever made.
            models.Index(fields=["created_at"], name="challenge_unsent_idx",
                         condition=Q(sent_at__isnull=True, used_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.request} · {self.get_channel_display()}"


class StatusLink(models.Model):
    """A secret link to a submission's status page; only the token's hash is stored.

    Every email to the requester carries a fresh link, so no token ever passes through
    the queue or the outbox; each stays valid while it is used (settings.STATUS_LINK_IDLE_DAYS)
    and until the contact details are purged.
    """

    token_hash = models.CharField(max_length=64, editable=False)  # unique in Meta: no `_like` twin
    submission = models.UUIDField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("status link")
        verbose_name_plural = _("status links")
        constraints = [
            # The status page opened by its link (cases/tokens.py): by the token's hash.
            models.UniqueConstraint(fields=["token_hash"], name="status_link_token_unique"),
        ]
        indexes = [
            # The contact purge deletes a submission's links (workflow/closing.py).
            models.Index(fields=["submission"], name="status_link_submission_idx"),
        ]

    def __str__(self):
        return f"{self.submission} · {self.created_at:%Y-%m-%d}"

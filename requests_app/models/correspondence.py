"""A case's words and files: its messages (to and from the requester, and the officers'
internal notes) and its attachments (evidence sent in, exports and certificates sent
out). Migration 0001 names `requests_app.models.attachment_path`: the package re-exports it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app.models.requests import RightsRequest


class Message(models.Model):
    class Direction(models.TextChoices):
        TO_SUBJECT = "to_subject", _("To the requester")
        FROM_SUBJECT = "from_subject", _("From the requester")
        INTERNAL = "internal", _("Internal note")

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("direction"), max_length=12, choices=Direction.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self):
        return f"{self.request} · {self.get_direction_display()}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Never the uploaded name on disk: it may carry personal data. Files stored before
    # requests_app/cases/files.py lie here; new ones are named by files.store (attachments/<hash>).
    return f"requests/{instance.request_id}/{instance.sha256}"


class Attachment(models.Model):
    class Purpose(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence")
        AUTHORISATION = "authorisation", _("Signed authorisation")
        DEATH_EVIDENCE = "death_evidence", _("Evidence of death and relationship")
        EXPORT = "export", _("Data export")
        CERTIFICATE = "certificate", _("Deletion certificate")

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    from_subject = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name

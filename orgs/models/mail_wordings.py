"""An organisation's own greeting and closing around the mails Rightsdesk writes to requesters."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models.organisations import Organisation


class MailWording(models.Model):
    """An organisation's own words around a mail to requesters: a greeting before and a
    closing after the text Rightsdesk writes. That text (the step, the dates, the law's
    reasons and routes to a regulator or court, the status link) stays as it is: the
    organisation frames it and cannot change it. Plain text, never a template."""

    class Kind(models.TextChoices):
        # The mails a requester receives (requests_app.models.NotificationKind values).
        SUBJECT_UPDATE = "subject_update", _("Update on the request")
        ACKNOWLEDGEMENT = "acknowledgement", _("Receipt acknowledged")
        STATUS_LINK = "status_link", _("A new link to the status page")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="mail_wordings")
    kind = models.CharField(_("mail"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    greeting = models.CharField(_("greeting"), max_length=300, blank=True)
    closing = models.TextField(_("closing"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("mail wording")
        verbose_name_plural = _("mail wordings")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "language"], name="one_wording_per_mail"),
        ]

    def __str__(self):
        return f"{self.organisation} · {self.get_kind_display()} · {self.language}"

    def frame(self, text: str) -> str:
        """`text` (the locked part) between this organisation's greeting and closing."""
        parts = [self.greeting.strip(), text.strip(), self.closing.strip()]
        return "\n\n".join(part for part in parts if part) + "\n"

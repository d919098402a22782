"""What an organisation processes and where: its data systems, its processing
activities (with the biometric modalities they collect), and the duties it names to
keep the identifiers of records it deletes."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs import crypto
from orgs.models.organisations import Organisation


class Connector(models.TextChoices):
    VAULT = "vault", _("Built-in biometric vault")
    WEBHOOK = "webhook", _("Signed webhook")
    MANUAL = "manual", _("Manual (system owner confirms)")


class DataSystem(models.Model):
    Connector = Connector

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="systems")
    name = models.CharField(_("name"), max_length=200)
    connector = models.CharField(_("connector"), max_length=10, choices=Connector.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_systems"
    )
    description = models.TextField(_("description"), blank=True)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    # The shared HMAC secret of the webhook, encrypted like biometric templates.
    webhook_secret_ciphertext = models.BinaryField(null=True, editable=False)
    webhook_timeout_hours = models.PositiveIntegerField(
        _("hours to wait for the system's callback"), default=72
    )
    holds_personal_data = models.BooleanField(_("may hold personal data"), default=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("data system")
        verbose_name_plural = _("data systems")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="system_name_unique_in_org"),
            models.CheckConstraint(condition=Q(connector__in=Connector.values), name="system_connector_valid"),
            models.CheckConstraint(
                condition=~Q(connector="webhook") | ~Q(webhook_url=""), name="webhook_system_has_url"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_connector_display()})"

    def set_webhook_secret(self, secret: str) -> None:
        self.webhook_secret_ciphertext = crypto.encrypt_template(secret.encode())

    def webhook_secret(self) -> str:
        return crypto.decrypt_template(self.webhook_secret_ciphertext).decode()


class Modality(models.TextChoices):
    FACE = "face", _("Face")
    FINGERPRINT = "fingerprint", _("Fingerprint")
    IRIS = "iris", _("Iris")
    VOICE = "voice", _("Voice")
    PALM = "palm", _("Palm")
    GAIT = "gait", _("Gait")


class ProcessingActivity(models.Model):
    class LegalBasis(models.TextChoices):
        SEPARATE_CONSENT = "separate_consent", _("Separate (explicit) consent")
        WRITTEN_CONSENT = "written_consent", _("Written consent")
        CONSENT = "consent", _("Consent")
        CONTRACT = "contract", _("Necessary for a contract")
        LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
        PUBLIC_SECURITY = "public_security", _("Public security")
        LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests")

    class ConsentType(models.TextChoices):
        NONE = "none", _("No consent")
        IMPLIED = "implied", _("Implied")
        BUNDLED = "bundled", _("Bundled with other terms")
        SEPARATE = "separate", _("Separate")
        WRITTEN = "written", _("Written")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="activities")
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.CharField(_("legal basis"), max_length=30, choices=LegalBasis.choices)
    collection_point = models.CharField(_("collection point"), max_length=200)
    modality = models.CharField(_("modality"), max_length=20, choices=Modality.choices)
    consent_type = models.CharField(_("consent type"), max_length=20, choices=ConsentType.choices)
    retention_days = models.PositiveIntegerField(_("retention period (days)"))
    statutory_retention = models.BooleanField(
        _("a statutory retention duty applies"),
        default=False,
        help_text=_("Deletion then ends as storage only, as the organisation's law provides: kept for the "
                    "legal duty and processed for nothing else."),
    )
    signage = models.CharField(_("signage"), max_length=300, blank=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")

    def __str__(self):
        return f"{self.name} · {self.collection_point}"


class RetentionDuty(models.Model):
    """A duty, named by the organisation with its legal basis, to keep the identifiers (keyed
    hashes, masked form) of the records it deletes, for one processing activity or for all
    of them (empty activity). Without one, a deleted record keeps only what its certificate
    needs: which record, which system, when, why and by whose order. Pseudonymous data is
    personal data (GDPR recital 26): a hash still singles the person out."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="retention_duties")
    activity = models.ForeignKey(
        "ProcessingActivity", on_delete=models.CASCADE, null=True, blank=True, related_name="retention_duties",
        verbose_name=_("processing activity"), help_text=_("Empty: every activity of the organisation."),
    )
    name = models.CharField(_("duty"), max_length=200,
                            help_text=_("What requires keeping who a deleted record was about."))
    legal_basis = models.CharField(_("legal basis"), max_length=300,
                                   help_text=_("The law, article or order that imposes the duty."))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ["organisation", "name", "pk"]
        verbose_name = _("identifier retention duty")
        verbose_name_plural = _("identifier retention duties")

    def __str__(self):
        return f"{self.name} ({self.legal_basis})"

    def clean(self):
        if self.activity_id and self.organisation_id and self.activity.organisation_id != self.organisation_id:
            raise ValidationError({"activity": _("This activity belongs to another organisation.")})

    def statement(self) -> dict:
        """What a certificate says of it."""
        return {"duty": self.name, "legal_basis": self.legal_basis}

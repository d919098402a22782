import base64
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField

from orgs import calendars, crypto


class Jurisdiction(models.TextChoices):
    """Codes of the deadline policies in requests_app/deadlines.py (a test keeps them equal)."""

    CN = "CN", _("China (PIPL)")
    EU = "EU", _("European Union (GDPR)")
    US_CA = "US-CA", _("California (CCPA/CPRA)")
    BR = "BR", _("Brazil (LGPD)")
    US_VA = "US-VA", _("Virginia (VCDPA)")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PARK = "park", _("Park or venue")
        PROPERTY_SALES = "property_sales", _("Property sales office")
        HOUSING_ESTATE = "housing_estate", _("Housing estate")
        RETAIL = "retail", _("Shop or mall")
        EMPLOYER = "employer", _("Employer")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, help_text=_("In English: the primary name."))
    name_zh = models.CharField(_("name in Chinese"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    city = models.CharField(_("city"), max_length=100, blank=True, help_text=_("In English."))
    city_zh = models.CharField(_("city in Chinese"), max_length=100, blank=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=8, choices=Jurisdiction.choices)
    time_zone = TimeZoneField(_("time zone"), default="Asia/Shanghai")
    contact_email = models.EmailField(_("privacy contact email"))
    contact_phone = models.CharField(_("privacy contact phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    accepts_public_requests = models.BooleanField(_("accepts public requests"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(jurisdiction__in=Jurisdiction.values), name="organisation_jurisdiction_valid"
            ),
        ]

    def __str__(self):
        return self.local_name

    # Names in the reader's language (the active one: the visitor's on a page, the
    # recipient's in a mail); the English name where no Chinese one is given.
    @property
    def local_name(self) -> str:
        return self.name_zh if self.name_zh and _reads_chinese() else self.name

    @property
    def local_city(self) -> str:
        return self.city_zh if self.city_zh and _reads_chinese() else self.city


def _reads_chinese() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").lower().startswith("zh")


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    OFFICER = "officer", _("Privacy officer")
    SYSTEM_OWNER = "system_owner", _("Data-system owner")
    AUDITOR = "auditor", _("Auditor")


class Membership(models.Model):
    Role = MembershipRole

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_user_and_org"),
            models.CheckConstraint(condition=Q(role__in=MembershipRole.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


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


class BiometricRecordQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state=BiometricRecord.State.ACTIVE)

    def matching(self, identifier_hashes: dict[str, str]):
        """Records whose identifiers equal any of the given {kind: hash}."""
        condition = Q()
        for kind, value in identifier_hashes.items():
            if value:
                condition |= Q(**{f"{kind}_hash": value})
        return self.filter(condition) if condition else self.none()


class RecordState(models.TextChoices):
    ACTIVE = "active", _("Active")
    RESTRICTED = "restricted", _("Storage only")
    DELETED = "deleted", _("Deleted")


class BiometricRecord(models.Model):
    State = RecordState

    # Indexed by biometric_retention_idx, which starts with it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="biometric_records", db_index=False
    )
    system = models.ForeignKey(DataSystem, on_delete=models.PROTECT, related_name="biometric_records")
    activity = models.ForeignKey(ProcessingActivity, on_delete=models.PROTECT, related_name="biometric_records")
    modality = models.CharField(_("modality"), max_length=20, choices=Modality.choices)
    email_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    member_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    masked_identifiers = models.CharField(_("identifiers (masked)"), max_length=300, blank=True)
    template_ciphertext = models.BinaryField(null=True, editable=False)
    collected_at = models.DateTimeField(_("collected at"))
    retain_until = models.DateTimeField(_("retain until"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.ACTIVE)
    tombstoned_at = models.DateTimeField(_("deleted or restricted at"), null=True, blank=True)
    tombstone_reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = BiometricRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-collected_at"]
        verbose_name = _("biometric record")
        verbose_name_plural = _("biometric records")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RecordState.values), name="biometric_state_valid"),
            models.CheckConstraint(condition=Q(modality__in=Modality.values), name="biometric_modality_valid"),
            # A deleted record keeps its tombstone and nothing of the template.
            models.CheckConstraint(
                condition=~Q(state="deleted") | Q(template_ciphertext__isnull=True, tombstoned_at__isnull=False),
                name="deleted_record_has_no_template",
            ),
        ]
        # Every index is paid for on each erasure (a million rows in a bulk order): only
        # those a query uses. Hashes are matched by equality, so plain b-trees, not LIKE ones.
        indexes = [
            models.Index(fields=["organisation", "state", "retain_until"], name="biometric_retention_idx"),
            models.Index(fields=["email_hash"], name="biometric_email_hash_idx"),
            models.Index(fields=["phone_hash"], name="biometric_phone_hash_idx"),
            models.Index(fields=["member_number_hash"], name="biometric_member_hash_idx"),
            models.Index(fields=["id_number_hash"], name="biometric_id_hash_idx"),
        ]

    def __str__(self):
        return f"{self.get_modality_display()} · {self.masked_identifiers or self.pk}"

    def __repr__(self):
        # Never the template, not even its ciphertext.
        return f"<BiometricRecord {self.pk} {self.modality} {self.state}>"

    def set_template(self, template: bytes) -> None:
        self.template_ciphertext = crypto.encrypt_template(template)

    def read_template(self) -> bytes:
        return crypto.decrypt_template(self.template_ciphertext)


class ErasureCertificate(models.Model):
    """What was deleted or restricted, from which system, when and by which connector.

    Issued at the end of a request's fulfilment or of a bulk or retention order; the body
    is JSON, its SHA-256 printed on the certificate so a copy can be checked.
    """

    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="certificates")
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    body = models.JSONField(_("content"), editable=False)
    body_sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("erasure certificate")
        verbose_name_plural = _("erasure certificates")

    def __str__(self):
        return self.number


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class ErasureOrder(models.Model):
    """Delete every biometric record of one activity or collection point, or past retention.

    Run as chunks by a task that claims the order, erases the next chunk after `last_id`,
    and queues itself again; progress is `processed` of `total`.
    """

    class Kind(models.TextChoices):
        ORDER = "order", _("Ordered deletion (activity or collection point)")
        # The order's reason names the organisation's law (orgs/erasure.py retention_reason).
        RETENTION = "retention", _("Retention period expired")

    Status = OrderStatus

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="erasure_orders")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ORDER)
    activity = models.ForeignKey(
        ProcessingActivity, on_delete=models.PROTECT, null=True, blank=True, related_name="erasure_orders"
    )
    collection_point = models.CharField(_("collection point"), max_length=200, blank=True)
    retain_until_before = models.DateTimeField(_("records retained until before"), null=True, blank=True)
    reason = models.TextField(_("reason and legal basis"))
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    total = models.PositiveIntegerField(_("records selected"), default=0)
    processed = models.PositiveIntegerField(_("records erased"), default=0)
    last_id = models.BigIntegerField(default=0, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("ordered at"), default=timezone.now, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    certificate = models.ForeignKey(
        ErasureCertificate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("erasure order")
        verbose_name_plural = _("erasure orders")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(
                condition=~Q(kind="order") | Q(activity__isnull=False) | ~Q(collection_point=""),
                name="order_names_what_to_erase",
            ),
            models.CheckConstraint(
                condition=~Q(kind="retention") | Q(retain_until_before__isnull=False),
                name="retention_order_has_cut_off",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} · {self.organisation}"

    def save(self, *args, **kwargs):
        # Sized when created, so its progress reads "0 / N" until the first chunk, never
        # "0 / 0". The first chunk sizes it again, in case records changed in between.
        if self._state.adding and not self.total:
            from orgs.erasure import selection  # erasure imports these models

            self.total = selection(self).count()
        super().save(*args, **kwargs)


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

    # Standard Webhooks secrets: "whsec_" and the base64 of the key (requests_app/event_webhooks.py).
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


class CalendarRow(models.Model):
    """A row of the working-day calendars: saving or deleting one tells every process
    to build its calendars again (orgs/calendars.py)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        calendars.invalidate()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        calendars.invalidate()
        return result


class CalendarYear(CalendarRow):
    """A year of a jurisdiction's working-day calendar that an administrator adds where the
    library does not know it yet (China's State Council notice comes out each autumn), or
    corrects. Its days override the library; `covered` says the year is complete, so a
    business-day deadline counted through it raises no warning (orgs/calendars.py)."""

    jurisdiction = models.CharField(_("jurisdiction"), max_length=8, choices=Jurisdiction.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    covered = models.BooleanField(
        _("year complete"), default=False,
        help_text=_("Tick once every holiday and make-up working day of the year is entered: "
                    "deadlines counted through it then carry no warning."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True,
                              help_text=_("Where the days come from, e.g. the State Council notice."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("working-day calendar year")
        verbose_name_plural = _("working-day calendar years")
        ordering = ["jurisdiction", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year"], name="one_calendar_year_per_jurisdiction"),
        ]

    def __str__(self):
        return f"{self.get_jurisdiction_display()} {self.year}"



class CalendarDay(CalendarRow):
    """One day of a CalendarYear that differs from Mon-Fri: a holiday, or a working day
    (a Saturday or Sunday worked in exchange, 调休). It overrides the library's day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (no work)")
        WORKING_DAY = "working_day", _("Working day (a make-up working day)")

    calendar_year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["calendar_year", "day"], name="one_entry_per_calendar_day"),
        ]

    def __str__(self):
        return f"{self.day} · {self.get_kind_display()}"

    def clean(self):
        try:
            year = self.calendar_year.year
        except CalendarYear.DoesNotExist:
            return
        if self.day and year and self.day.year != year:
            raise ValidationError({"day": _("This day is not in %(year)s.") % {"year": year}})


"""The tables of requests_app: requests and their people, events, tasks, claims,
messages, notifications, deliveries, and the transparency log's (log.py); with the two
things that work on rows alone: sealing texts under a person's key (sealed.py) and
many rows in one statement (bulk.py). Imports nothing of requests_app but money.py.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import DataSystem, Jurisdiction, Organisation
from requests_app.money import format_money


class DataSubject(models.Model):
    """The person a request is about. Contact details are purged after the policy's period."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    # Keyed hashes of the identifiers the organisation may know them by (orgs/identifiers.py).
    email_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    member_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    masked_identifiers = models.CharField(_("identifiers (masked)"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    contact_purged_at = models.DateTimeField(_("contact details purged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data subject")
        verbose_name_plural = _("data subjects")

    def __str__(self):
        return self.masked_identifiers or f"#{self.pk}"

    def identifier_hashes(self) -> dict[str, str]:
        return {
            "email": self.email_hash,
            "phone": self.phone_hash,
            "member_number": self.member_number_hash,
            "id_number": self.id_number_hash,
        }


class SubjectKey(models.Model):
    """The person's own data key: 32 random bytes that seal the purgeable texts of their
    cases' events (requests_app/models/sealed.py), stored only wrapped under the server's
    SUBJECT_WRAPPING_KEYS. The contact purge destroys it: `wrapped` is emptied and
    `destroyed_at` set, and from then on nothing sealed under it can be opened."""

    subject = models.OneToOneField(
        DataSubject, on_delete=models.CASCADE, primary_key=True, related_name="data_key", editable=False
    )
    wrapped = models.BinaryField(blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    destroyed_at = models.DateTimeField(_("destroyed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("data key of a person")
        verbose_name_plural = _("data keys of people")
        constraints = [
            models.CheckConstraint(
                condition=Q(destroyed_at__isnull=True) | Q(wrapped=b""), name="destroyed_key_holds_nothing"
            ),
        ]

    def __str__(self):
        return f"key of subject #{self.subject_id}"


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Identity verified")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_SUBJECT = "awaiting_subject", _("Waiting for the requester")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    FULFILLING = "fulfilling", _("Being carried out")
    FULFILLED = "fulfilled", _("Fulfilled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access (see my data)")
    COPY = "copy", _("Copy of my data")
    PORTABILITY = "portability", _("Transfer (portability)")
    CORRECTION = "correction", _("Correction")
    DELETION = "deletion", _("Deletion")
    RESTRICTION = "restriction", _("Restrict processing")
    WITHDRAW_CONSENT = "withdraw_consent", _("Withdraw consent")
    EXPLANATION = "explanation", _("Explain the processing rules")
    # Kinds only some laws give (deadlines.Policy.extra_kinds); offered only there.
    OPT_OUT_SALE = "opt_out_sale", _("Opt out of the sale or sharing of my data")
    LIMIT_SENSITIVE = "limit_sensitive", _("Limit the use of my sensitive personal information")
    OPT_OUT_TARGETED = "opt_out_targeted", _("Opt out of targeted advertising")
    OPT_OUT_PROFILING = "opt_out_profiling", _("Opt out of profiling")


class FiledBy(models.TextChoices):
    SELF = "self", _("The person themselves")
    NEXT_OF_KIN = "next_of_kin", _("Close relative of a deceased person")
    AGENT = "agent", _("Authorised agent")


class RightsRequest(models.Model):
    Kind = RequestKind

    FiledBy = FiledBy

    Status = RequestStatus

    CLOSED_STATUSES = (Status.FULFILLED, Status.WITHDRAWN, Status.EXPIRED, Status.REFUSED)

    reference = models.CharField(_("reference"), max_length=12, unique=True, editable=False)
    # Requests filed together (one form, several kinds) share this: one code verifies them
    # all and one secret link shows them all. Random, so it can appear in a URL.
    submission = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="requests")
    subject = models.ForeignKey(DataSubject, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    filed_by = models.CharField(_("filed by"), max_length=12, choices=FiledBy.choices, default=FiledBy.SELF)
    requester_name = models.CharField(_("requester name (relative or agent)"), max_length=200, blank=True)
    requester_email = models.EmailField(_("requester email (relative or agent)"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=8, choices=Jurisdiction.choices)
    data_description = models.TextField(_("what data, collected where"), blank=True)
    details = models.TextField(_("details"), blank=True)

    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    clock_started_at = models.DateTimeField(_("clock started at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock paused at"), null=True, blank=True)
    paused_total = models.DurationField(_("time paused"), default=timedelta)
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    extension_reason = models.TextField(_("extension reason"), blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    target_at = models.DateTimeField(_("internal target"), null=True, blank=True)
    acknowledge_by = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    # The first year a business-day deadline of this request is counted through that no
    # working-day calendar covers (weekends only were skipped there): the officers are warned.
    calendar_uncovered_year = models.PositiveSmallIntegerField(
        _("year without a working-day calendar"), null=True, blank=True, editable=False
    )
    expires_at = models.DateTimeField(_("expires unverified at"), null=True, blank=True)
    appeal_closes_at = models.DateTimeField(_("appeal window closes at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # When the requester was told the request was received (CCPA regs §7021(a)): the code
    # mail, which says how verification works and when the answer is due.
    acknowledged_at = models.DateTimeField(_("receipt acknowledged at"), null=True, blank=True)
    # When the relative who filed for a deceased person confirmed their own mailbox with
    # the code; the request is verified only by an officer's check of the evidence.
    contact_confirmed_at = models.DateTimeField(_("requester's contact confirmed at"), null=True, blank=True)
    # PIPL art. 49: did the deceased arrange otherwise? (asked of the relative; null: not asked)
    deceased_arranged_otherwise = models.BooleanField(_("the deceased arranged otherwise"), null=True, blank=True)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_requests"
    )
    refusal_reason = models.TextField(_("refusal reason"), blank=True)
    refusal_legal_ground = models.CharField(_("legal ground of refusal"), max_length=200, blank=True)
    # The next instant the deadline sweep must look at this request (a reminder threshold,
    # the acknowledgement, or overdue); null when nothing is left to remind of.
    next_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    certificate = models.ForeignKey(
        "orgs.ErasureCertificate", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Head of the audit chain: hash of the newest event, so deleting the last one shows.
    chain_head = models.CharField(max_length=64, blank=True, editable=False)
    event_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = [models.F("due_at").asc(nulls_last=True), "pk"]
        verbose_name = _("rights request")
        verbose_name_plural = _("rights requests")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="request_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=RequestKind.values), name="request_kind_valid"),
            models.CheckConstraint(condition=Q(filed_by__in=FiledBy.values), name="request_filed_by_valid"),
            models.CheckConstraint(
                condition=Q(jurisdiction__in=Jurisdiction.values), name="request_jurisdiction_valid"
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(due_at__gte=models.F("received_at")),
                name="request_due_after_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | (~Q(refusal_reason="") & ~Q(refusal_legal_ground="")),
                name="refusal_has_reason_and_ground",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_at"], name="request_queue_idx"),
            # The desk's queue in its keyset order (officer/pagination.py), read in order and
            # stopped after one page however deep the cursor: open requests (the default
            # queue, and any choice of open statuses) from a small partial index, since
            # they cluster at the late due dates; every status from the full one.
            models.Index(
                fields=["organisation", "due_at", "id"], name="request_open_queue_idx",
                condition=Q(status__in=["submitted", "verified", "in_review", "awaiting_subject", "approved",
                                        "fulfilling"]),
            ),
            models.Index(fields=["organisation", "due_at", "id"], name="request_queue_due_idx"),
            models.Index(
                fields=["next_reminder_at"], name="request_next_reminder_idx", condition=Q(next_reminder_at__isnull=False)
            ),
            # The daily sweeps read only what they act on: unverified requests, closed cases.
            models.Index(fields=["expires_at"], name="request_unverified_idx", condition=Q(status="submitted")),
            models.Index(fields=["closed_at"], name="request_closed_idx", condition=Q(closed_at__isnull=False)),
            # The dashboard (requests_app/desk/dashboard.py) reads an organisation's
            # requests from this index alone (index-only scans): counts by status and
            # kind, days to answer, the weekly on-time rate (a closed_at range) and the
            # refusal grounds. Without it a busy organisation's dashboard reads every
            # table page holding one of its requests.
            # (Key columns rather than INCLUDE, which SQLite, the embedded set-up, lacks.)
            models.Index(
                fields=[
                    "organisation", "closed_at", "status", "kind", "received_at", "due_at", "paused_at",
                    "refusal_legal_ground",
                ],
                name="request_dashboard_idx",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES

    @property
    def is_overdue(self) -> bool:
        """Open, its clock running, and past its due date (as the queue's "overdue")."""
        return self.is_open and self.paused_at is None and self.due_at is not None and self.due_at < timezone.now()

    @property
    def requester_confirmed(self) -> bool:
        """Whether the requester may be written to beyond the code: verified, or (a relative
        of a deceased person, whose request an officer still has to check) their own
        mailbox confirmed with the code."""
        return self.verified_at is not None or self.contact_confirmed_at is not None

    @property
    def contact_email(self) -> str:
        """Where mail about the request goes: the relative or agent who filed it, else the subject."""
        if self.filed_by != FiledBy.SELF and self.requester_email:
            return self.requester_email
        return self.subject.email

    @property
    def confirmation_email(self) -> str:
        """Where the code goes: the person's own mailbox, never an agent's (CCPA regs §7063);
        for a deceased person, the relative's own (the deceased's mailbox verifies nothing)."""
        if self.filed_by == FiledBy.NEXT_OF_KIN:
            return self.requester_email
        return self.subject.email

    @property
    def contact_phone(self) -> str:
        """The phone the code and texts go to: the person's own, never a deceased person's."""
        return "" if self.filed_by == FiledBy.NEXT_OF_KIN else self.subject.phone


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    ASSESSED = "assessed", _("Assessed")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    PAID = "paid", _("Paid")
    # Declined and not offered again: the person is told the route to a court or regulator.
    CLOSED = "closed", _("Closed")


class CompensationClaim(models.Model):
    """A claim for damages on a request (PIPL art. 69, GDPR art. 82). Amounts in minor units."""

    Status = ClaimStatus

    class Basis(models.TextChoices):
        LOSS = "loss", _("The individual's loss")
        GAIN = "gain", _("The processor's gain")
        SET_AMOUNT = "set_amount", _("An amount set on the circumstances")

    # A declined claim stays open: the officer may offer again or close it.
    OPEN_STATUSES = (Status.CLAIMED, Status.ASSESSED, Status.OFFERED, Status.ACCEPTED, Status.DECLINED)

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="claims")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CLAIMED)
    currency = models.CharField(_("currency"), max_length=3)
    claimed_minor = models.PositiveBigIntegerField(_("amount claimed (minor units)"))
    covers = models.TextField(_("what it covers"), blank=True)
    basis = models.CharField(_("basis of assessment"), max_length=12, choices=Basis.choices, blank=True)
    assessed_minor = models.PositiveBigIntegerField(_("amount assessed (minor units)"), null=True, blank=True)
    assessment_note = models.TextField(_("assessment note"), blank=True)
    offered_minor = models.PositiveBigIntegerField(_("amount offered (minor units)"), null=True, blank=True)
    paid_minor = models.PositiveBigIntegerField(_("amount paid (minor units)"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    # Why the amount paid differs from the accepted offer (required then, blank otherwise).
    payment_difference_reason = models.TextField(_("why the payment differs from the offer"), blank=True)
    closing_note = models.TextField(_("why the claim was closed"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("compensation claim")
        verbose_name_plural = _("compensation claims")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="claim_currency_iso"),
            models.CheckConstraint(condition=Q(claimed_minor__gt=0), name="claim_amount_positive"),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=["claimed", "assessed", "offered", "accepted", "declined"]),
                name="one_open_claim_per_request",
            ),
        ]

    def __str__(self):
        return f"{format_money(self.claimed_minor, self.currency)} ({self.get_status_display()})"

    @property
    def offered_display(self) -> str:
        return format_money(self.offered_minor, self.currency)

    @property
    def assessed_display(self) -> str:
        return format_money(self.assessed_minor, self.currency)

    @property
    def claimed_display(self) -> str:
        return format_money(self.claimed_minor, self.currency)

    @property
    def paid_display(self) -> str:
        return format_money(self.paid_minor, self.currency)

    @property
    def paid_differs(self) -> bool:
        return self.paid_minor is not None and self.offered_minor is not None and self.paid_minor != self.offered_minor


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk update and delete are refused too; a database trigger backs this up."""

    def update(self, **kwargs):
        raise PermissionError("request events are append-only")

    def delete(self):
        raise PermissionError("request events are append-only")


class RequestEvent(models.Model):
    """One entry of a request's append-only, hash-chained history (requests_app/transparency/audit.py)."""

    request = models.ForeignKey(RightsRequest, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(editable=False)
    action = models.CharField(_("action"), max_length=40, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False
    )
    actor_kind = models.CharField(_("actor"), max_length=10, editable=False)
    from_status = models.CharField(_("from"), max_length=20, blank=True, editable=False)
    to_status = models.CharField(_("to"), max_length=20, blank=True, editable=False)
    data = models.JSONField(_("details"), default=dict, blank=True, editable=False)
    visible_to_subject = models.BooleanField(_("visible to the requester"), default=False, editable=False)
    created_at = models.DateTimeField(_("at"), editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["request", "seq"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        constraints = [models.UniqueConstraint(fields=["request", "seq"], name="one_event_per_seq")]

    def __str__(self):
        return f"{self.request_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("request events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("request events are append-only")

    @property
    def opened(self) -> dict:
        """`data` with its sealed texts opened, or marked removed once the person's key is
        gone (requests_app/models/sealed.py). What every reader shows; `data` is what is hashed."""
        from requests_app.models import sealed

        return sealed.opened(self)


class VerificationChallenge(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    MAX_ATTEMPTS = 5

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="challenges")
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

    def __str__(self):
        return f"{self.request} · {self.get_channel_display()}"


class Threshold(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledgement due")
    DAYS_7 = "7d", _("Due in 7 days")
    DAYS_2 = "2d", _("Due in 2 days")
    DUE_TODAY = "due", _("Due today")
    OVERDUE = "overdue", _("Overdue (escalated)")


class Reminder(models.Model):
    Threshold = Threshold

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="reminders")
    threshold = models.CharField(_("threshold"), max_length=12, choices=Threshold.choices)
    due_at = models.DateTimeField(_("for due date"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["request", "threshold", "due_at"], name="one_reminder_per_threshold"),
            models.CheckConstraint(condition=Q(threshold__in=Threshold.values), name="reminder_threshold_valid"),
        ]

    def __str__(self):
        return f"{self.request} · {self.get_threshold_display()}"


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


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    AWAITING_CALLBACK = "awaiting_callback", _("Waiting for the system")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class FulfilmentTask(models.Model):
    """The part of a request's fulfilment that one DataSystem carries out."""

    Status = TaskStatus

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="fulfilment_tasks")
    system = models.ForeignKey(DataSystem, on_delete=models.PROTECT, related_name="fulfilment_tasks")
    connector = models.CharField(max_length=10, choices=DataSystem.Connector.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    # The webhook's callback URL names the task by this, never by its sequential id.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # Why the last attempt did not finish (database busy, endpoint down, ...), shown to
    # the officers while the task waits for its retry; cleared once it is done.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "system"]
        verbose_name = _("fulfilment task")
        verbose_name_plural = _("fulfilment tasks")
        constraints = [
            models.UniqueConstraint(fields=["request", "system"], name="one_task_per_system"),
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="task_status_valid"),
        ]

    def __str__(self):
        return f"{self.request} · {self.system.name}"


class StatusLink(models.Model):
    """A secret link to a submission's status page; only the token's hash is stored.

    Every email to the requester carries a fresh link, so no token ever passes through
    the queue or the outbox; each stays valid while it is used (settings.STATUS_LINK_IDLE_DAYS)
    and until the contact details are purged.
    """

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    submission = models.UUIDField(db_index=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("status link")
        verbose_name_plural = _("status links")

    def __str__(self):
        return f"{self.submission} · {self.created_at:%Y-%m-%d}"


class NotificationKind(models.TextChoices):
    SUBJECT_UPDATE = "subject_update", _("Update to the requester")
    ACKNOWLEDGEMENT = "acknowledgement", _("Receipt acknowledged to the requester")
    NEW_REQUEST = "new_request", _("New verified request")
    ASSIGNED = "assigned", _("Request assigned")
    SUBJECT_REPLIED = "subject_replied", _("The requester replied")
    REMINDER = "reminder", _("Deadline reminder")
    ESCALATION = "escalation", _("Overdue escalation")
    TASK_ASSIGNED = "task_assigned", _("Fulfilment task to confirm")
    TASK_FLAGGED = "task_flagged", _("Fulfilment task silent past its deadline")
    STATUS_LINK = "status_link", _("Link to the status page")
    CLAIM_ANSWERED = "claim_answered", _("The requester answered a compensation offer")
    UNVERIFIED_EXPIRED = "unverified_expired", _("Closed unverified: letter to the requester")
    PAUSE_REMINDER = "pause_reminder", _("Unanswered question: reminder to the requester")
    PAUSE_CLOSED = "pause_closed", _("Closed unanswered: letter to the requester")


class Notification(models.Model):
    """One email to send: the outbox row is the truth, the queued task only a nudge.

    `key` makes each notification exist once however often the code that creates it
    runs; the lease and `sent_at` make it go out once however often its task runs.
    """

    Kind = NotificationKind

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120, unique=True, editable=False)
    # A member of the organisation, or null for the requester (the subject, or who filed for them).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True)
    event = models.ForeignKey(RequestEvent, on_delete=models.PROTECT, null=True, blank=True)
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, null=True, blank=True)
    task = models.ForeignKey(FulfilmentTask, on_delete=models.CASCADE, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="notification_unsent_idx", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.request} · {self.get_kind_display()}"


class EventDelivery(models.Model):
    """One signed POST of an event to one subscription: created once (key), sent once (lease)."""

    subscription = models.ForeignKey("orgs.EventSubscription", on_delete=models.CASCADE, related_name="deliveries")
    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="event_deliveries")
    event = models.CharField(max_length=40)
    key = models.CharField(max_length=160, unique=True, editable=False)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        indexes = [models.Index(fields=["created_at"], name="delivery_unsent_idx", condition=Q(sent_at__isnull=True))]

    def __str__(self):
        return f"{self.event} · {self.request_id}"


# The transparency log's tables live with the code that owns them.
from requests_app.models.log import (  # noqa: E402,F401
    LogLeaf, LogNode, PendingEntry, SignedTreeHead, TreeState,
)

"""A request and its person: DataSubject (with SubjectKey, the person's own data key),
RightsRequest, and the choices of its status, its kind and who filed it."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Alternative, Jurisdiction, Organisation


class DataSubject(models.Model):
    """The person a request is about. Contact details are purged after the policy's period."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    # Keyed hashes of the identifiers the organisation may know them by (orgs/identifiers.py).
    # Their indexes are in Meta (no db_index: that would add a `_like` twin no query uses).
    email_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    member_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    masked_identifiers = models.CharField(_("identifiers (masked)"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    contact_purged_at = models.DateTimeField(_("contact details purged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data subject")
        verbose_name_plural = _("data subjects")
        # Each index is named by the query that needs it (tests/test_indexes.py lists them);
        # id_number_hash has none: nothing looks a person up by it.
        indexes = [
            # The duplicate check of intake (workflow/intake.py open_duplicates), the desk's
            # search by email (cases/selectors.py search), the status-page resend
            # (public/views.py) and the expiry letter's open opt-out (workflow/closing.py).
            models.Index(fields=["email_hash"], name="subject_email_hash_idx"),
            # The duplicate check of intake and the expiry letter's open opt-out, by phone.
            models.Index(fields=["phone_hash"], name="subject_phone_hash_idx"),
            # The desk's search by member or pass number (cases/selectors.py search).
            models.Index(fields=["member_number_hash"], name="subject_member_hash_idx"),
        ]

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
    # Another way in than a face scan (China: Measures art. 10; SPC Fa Shi [2021] No. 15 art. 10).
    ALTERNATIVE = "alternative", _("Another way in than my face")


class FiledBy(models.TextChoices):
    SELF = "self", _("The person themselves")
    NEXT_OF_KIN = "next_of_kin", _("Close relative of a deceased person")
    AGENT = "agent", _("Authorised agent")


class RightsRequest(models.Model):
    Kind = RequestKind

    FiledBy = FiledBy

    Status = RequestStatus

    CLOSED_STATUSES = (Status.FULFILLED, Status.WITHDRAWN, Status.EXPIRED, Status.REFUSED)

    # Unique by a constraint in Meta, not unique=True (which adds a `_like` twin index).
    reference = models.CharField(_("reference"), max_length=12, editable=False)
    # Requests filed together (one form, several kinds) share this: one code verifies them
    # all and one secret link shows them all. Random, so it can appear in a URL.
    submission = models.UUIDField(default=uuid.uuid4, editable=False)
    # No index of its own: every index of the queue and the dashboard leads with it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="requests", db_index=False
    )
    subject = models.ForeignKey(DataSubject, on_delete=models.PROTECT, related_name="requests", db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    filed_by = models.CharField(_("filed by"), max_length=12, choices=FiledBy.choices, default=FiledBy.SELF)
    requester_name = models.CharField(_("requester name (relative or agent)"), max_length=200, blank=True)
    requester_email = models.EmailField(_("requester email (relative or agent)"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=8, choices=Jurisdiction.choices)
    data_description = models.TextField(_("what data, collected where"), blank=True)
    details = models.TextField(_("details"), blank=True)
    # An `alternative` request: the other way in the person would like (their own words go
    # in `details`); blank for every other kind.
    alternative_wanted = models.CharField(
        _("other way in wanted"), max_length=8, choices=Alternative.choices, blank=True
    )
    # The scanner the request is about, when filed from its entry on the public register (or
    # the QR code on its sign); kept as the point was chosen, and emptied if the point goes.
    collection_point = models.ForeignKey(
        "orgs.CollectionPoint", on_delete=models.SET_NULL, null=True, blank=True, related_name="requests",
        verbose_name=_("collection point"), db_index=False,
    )

    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    clock_started_at = models.DateTimeField(_("clock started at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock paused at"), null=True, blank=True)
    paused_total = models.DurationField(_("time paused"), default=timedelta)
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    extension_reason = models.TextField(_("extension reason"), blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
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
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_requests",
        db_index=False,
    )
    refusal_reason = models.TextField(_("refusal reason"), blank=True)
    refusal_legal_ground = models.CharField(_("legal ground of refusal"), max_length=200, blank=True)
    # The next instant the deadline sweep must look at this request is a NextReminder row
    # (requests_app/models/outbox.py), not a column here: the sweep moves it for every
    # request crossing a threshold, and a write to this wide row goes into every index.
    certificate = models.ForeignKey(
        "orgs.ErasureCertificate", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # Head of the audit chain: hash of the newest event, so deleting the last one shows.
    chain_head = models.CharField(max_length=64, blank=True, editable=False)
    event_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = [models.F("due_at").asc(nulls_last=True), "pk"]
        verbose_name = _("rights request")
        verbose_name_plural = _("rights requests")
        constraints = [
            # Reference lookups: the case page and the API (cases/selectors.py request_for),
            # the desk's search and bulk steps, the status-page resend, the regulator's view;
            # and the clash check of a newly drawn reference (workflow/filing.py).
            models.UniqueConstraint(fields=["reference"], name="request_reference_unique"),
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
        # Each index is named by the query that needs it; tests/test_indexes.py holds the
        # list, so one added or dropped shows in the suite. Every index is written on every
        # intake: one no query needs is a cost with no return.
        indexes = [
            # The queue filtered by status (desk/filters.py) and the counts per status
            # (cases/selectors.py counts_by_status), from the index alone.
            models.Index(fields=["organisation", "status", "due_at"], name="request_queue_idx"),
            # The desk's queue in its keyset order (desk/pagination.py), read in order and
            # stopped after one page however deep the cursor: open requests (the default
            # queue, and any choice of open statuses) from a small partial index, since
            # they cluster at the late due dates; every status from the full one.
            models.Index(
                fields=["organisation", "due_at", "id"], name="request_open_queue_idx",
                condition=Q(status__in=["submitted", "verified", "in_review", "awaiting_subject", "approved",
                                        "fulfilling"]),
            ),
            models.Index(fields=["organisation", "due_at", "id"], name="request_queue_due_idx"),
            # The daily sweeps read only what they act on: unverified requests (expire_unverified),
            # closed cases (purge_closed_contacts).
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
            # A submission's requests: the status page (public/views.py), a new code
            # (workflow/filing.py), verification of the whole submission (workflow/verification.py).
            models.Index(fields=["submission"], name="request_submission_idx"),
            # A person's requests: the duplicate check of intake (the subjects found by
            # email_hash / phone_hash, then their requests), the contact purge's other cases
            # of the same person (workflow/closing.py), the keys that open sealed texts
            # (models/sealed.py).
            models.Index(fields=["subject"], name="request_subject_idx"),
            # The queue filtered by assignee, and "mine" (desk/filters.py). Partial: a new
            # request has nobody yet, so intake writes nothing to it.
            models.Index(fields=["assignee"], name="request_assignee_idx", condition=Q(assignee__isnull=False)),
            # The request an erasure certificate was issued for (cases/documents.py), and the
            # PROTECT check when one is deleted. Partial, as above: empty at intake.
            models.Index(fields=["certificate"], name="request_certificate_idx", condition=Q(certificate__isnull=False)),
            # SET_NULL when a collection point is deleted from the register. Partial: most
            # requests name no point.
            models.Index(fields=["collection_point"], name="request_point_idx",
                         condition=Q(collection_point__isnull=False)),
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

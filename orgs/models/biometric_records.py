"""The vault's biometric records: encrypted templates, found by the keyed hashes of
their identifiers, tombstoned (never simply dropped) when deleted or restricted.

`person_hash` says whose record it is, for counting people rather than records (the
filing threshold of the face-recognition Measures, art. 15; orgs/filing.py): the keyed
hash of the strongest identifier the record carries, in the order of PERSON_KEY_ORDER
(an ID number names one person for life; a phone number or an email address may
change hands or be shared; a member or pass number is only the organisation's own). It
is set whenever a record is saved or bulk-created through the model, so no enrolment
path can forget it; a record with no identifier has none ("") and counts as a person of
its own. Erasure clears it with the other identifiers (orgs/erasure.py).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orgs import crypto
from orgs.models.organisations import Organisation
from orgs.models.processing import DataSystem, Modality, ProcessingActivity


# The strongest identifier first: the one a person's records are counted by.
PERSON_KEY_ORDER = ("id_number_hash", "phone_hash", "email_hash", "member_number_hash")


def person_key(record: "BiometricRecord") -> str:
    """The keyed hash of the record's strongest identifier ("" if it carries none). Hashes
    are keyed per kind (orgs/identifiers.py), so two kinds never give the same value."""
    return next((value for value in (getattr(record, name) for name in PERSON_KEY_ORDER) if value), "")


class BiometricRecordQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for record in objs:
            record.person_hash = person_key(record)
        return super().bulk_create(objs, *args, **kwargs)

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
    # Where it was collected; a device there that keeps templates on itself (Measures art. 8)
    # holds a copy, deleted through the device connector (orgs/devices.py).
    collection_point = models.ForeignKey(
        "orgs.CollectionPoint", on_delete=models.PROTECT, null=True, blank=True, related_name="biometric_records",
        verbose_name=_("collection point"), db_index=False,
    )
    # Collected on the person's consent: the ledger entry that gave it (orgs/consent.py). A
    # record without one is held on its activity's legal basis (orgs.consent.record_basis).
    # Neither this nor collection_point above is indexed: no query looks records up by them (a
    # decommission order walks its selection in id order), and each index is paid for on every
    # erasure of a million rows.
    consent = models.ForeignKey(
        "orgs.ConsentEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="records",
        verbose_name=_("consent"), db_index=False,
    )
    modality = models.CharField(_("modality"), max_length=20, choices=Modality.choices)
    email_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    member_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The strongest of the four above (person_key): whose record it is, for counting people.
    person_hash = models.CharField(max_length=64, blank=True, editable=False)
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
            # The filing threshold's count of distinct people whose face data is held (orgs/filing.py):
            # an index-only scan over the organisation's face records still holding data.
            models.Index(fields=["organisation", "person_hash"], name="biometric_face_person_idx",
                         condition=Q(modality="face", state__in=["active", "restricted"])),
        ]

    def __str__(self):
        return f"{self.get_modality_display()} · {self.masked_identifiers or self.pk}"

    def __repr__(self):
        # Never the template, not even its ciphertext.
        return f"<BiometricRecord {self.pk} {self.modality} {self.state}>"

    def save(self, *args, **kwargs):
        self.person_hash = person_key(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(PERSON_KEY_ORDER):
            kwargs["update_fields"] = {*update_fields, "person_hash"}
        super().save(*args, **kwargs)

    def set_template(self, template: bytes) -> None:
        self.template_ciphertext = crypto.encrypt_template(template)

    def read_template(self) -> bytes:
        return crypto.decrypt_template(self.template_ciphertext)

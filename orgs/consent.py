"""Consent, as a ledger (PIPL arts. 14, 15, 29, 31; Measures for the Application of Facial
Recognition Technology art. 6): the rules for recording a consent or its withdrawal, and
what a biometric record is held on.

- `give`: a person's consent to one processing activity, given separately (a consent
  bundled with other terms is refused), a child under 14's by a guardian (refused
  without one), to an activity that rests on consent (refused otherwise).
- `withdraw`: the person takes it back. Withdrawing is never harder than consenting (PIPL
  art. 15): it is recorded even when the ledger holds no consent (one given before the
  ledger was kept), refused only when the person's latest entry is already a withdrawal.
  It erases at once the person's records of that activity whose basis is consent
  (`consent_based`), and leaves those held on another basis.
- `record_basis`: for one record, whether it rests on consent and, if not, the basis to
  show ("Held on another basis: legal obligation").

Every refusal is a ValidationError keyed by field, with a code and a message fit to show.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import erasure, law
from orgs.identifiers import Identifiers
from orgs.models import BiometricRecord, ConsentEvent, Organisation, ProcessingActivity

Basis = ProcessingActivity.LegalBasis
ConsentType = ProcessingActivity.ConsentType
Action = ConsentEvent.Action

# The legal bases that are consent: withdrawing it ends the processing.
CONSENT_BASES = frozenset({Basis.CONSENT, Basis.SEPARATE_CONSENT, Basis.WRITTEN_CONSENT})
# How an activity asks that counts as separate consent (Measures arts. 6, 8).
SEPARATE_TYPES = frozenset({ConsentType.SEPARATE, ConsentType.WRITTEN})


# --- what a record is held on ------------------------------------------------------------------


@dataclass(frozen=True)
class RecordBasis:
    consent: bool  # withdrawing consent erases it
    label: str  # the basis, as shown: "Consent", "Legal obligation"

    def kept_reason(self) -> str:
        """Why a withdrawal of consent leaves the record, for the certificate."""
        return _("Held on another basis: %(basis)s") % {"basis": self.label.lower()}


def record_basis(record: BiometricRecord) -> RecordBasis:
    """Whether the record rests on consent: collected on a consent in the ledger, or of an
    activity whose legal basis is consent; else the activity's basis, labelled."""
    activity = record.activity
    consent = record.consent_id is not None or activity.legal_basis in CONSENT_BASES
    return RecordBasis(consent=consent, label=str(activity.get_legal_basis_display()))


def consent_based(records: QuerySet) -> QuerySet:
    """The records among `records` that rest on consent (the same rule as `record_basis`)."""
    return records.filter(Q(consent__isnull=False) | Q(activity__legal_basis__in=CONSENT_BASES))


# --- the ledger --------------------------------------------------------------------------------


def current(organisation: Organisation, activity: ProcessingActivity,
            identifier_hashes: dict[str, str]) -> ConsentEvent | None:
    """The person's latest entry about the activity: their consent as it stands (None: none recorded)."""
    return (ConsentEvent.objects.filter(organisation=organisation, activity=activity)
            .matching(identifier_hashes).latest_first().first())


def mask_name(name: str) -> str:
    """A guardian's name as the ledger shows it: its first character, the rest hidden."""
    name = " ".join(name.split())
    return f"{name[:1]}{'*' * max(len(name) - 1, 2)}" if name else ""


def _citation(text) -> str:
    return f" ({text})" if text else ""


def _check_common(organisation: Organisation, activity: ProcessingActivity, identifiers: Identifiers) -> None:
    errors = {}
    if activity.organisation_id != organisation.pk:
        errors["activity"] = [ValidationError(_("This activity belongs to another organisation."), code="other_org")]
    elif activity.legal_basis not in CONSENT_BASES:
        errors["activity"] = [ValidationError(
            _("The activity “%(activity)s” does not rest on consent (its legal basis: %(basis)s): there is no "
              "consent to record."), code="not_on_consent",
            params={"activity": activity.name, "basis": str(activity.get_legal_basis_display()).lower()})]
    if not identifiers.hashes:
        errors["email"] = [ValidationError(_("Give at least one identifier: email, phone or member number."),
                                           code="no_identifier")]
    if errors:
        raise ValidationError(errors)


def _check_in_order(latest: ConsentEvent | None, at: datetime) -> None:
    """The ledger of a person and an activity reads in time order: an entry dated before their
    latest one would change nothing of their consent as it stands, yet look as if it did."""
    if latest is not None and at < latest.at:
        raise ValidationError({"at": [ValidationError(
            _("This person's latest entry about this activity is dated later: an entry cannot be dated before "
              "it."), code="out_of_order")]})


def _entry(organisation, activity, identifiers, action, at, recorded_by, **fields) -> ConsentEvent:
    return ConsentEvent.objects.create(
        organisation=organisation, activity=activity, action=action, at=at,
        recorded_by=recorded_by.get_username() if recorded_by is not None else "",
        **identifiers.model_fields(), **fields)


def give(organisation: Organisation, activity: ProcessingActivity, identifiers: Identifiers, *, channel: str,
         separate: bool, wording: str = "", wording_version: str = "", under_14: bool = False,
         guardian_name: str = "", guardian_relation: str = "", at: datetime | None = None,
         recorded_by=None) -> ConsentEvent:
    """Record that the person consented to the activity. Refused (ValidationError): an activity
    of another organisation or not resting on consent, no identifier, a consent given as part
    of other terms (`separate` false), a child under 14's consent without a guardian named.
    The guardian's name is stored masked. One row, never changed."""
    _check_common(organisation, activity, identifiers)
    at = at or timezone.now()
    _check_in_order(current(organisation, activity, identifiers.hashes_by_kind()), at)
    texts = law.texts(organisation.jurisdiction)
    errors = {}
    if not separate:
        errors["separate"] = [ValidationError(
            _("A consent given as part of other terms (bundled) is not a valid consent to this processing: ask "
              "for it separately, on its own%(law)s."), code="bundled",
            params={"law": _citation(texts.separate_consent)})]
    if under_14 and not (guardian_name.strip() and guardian_relation.strip()):
        errors["guardian_name"] = [ValidationError(
            _("A child under 14 cannot consent alone: record the consent of a parent or guardian, with their name "
              "and relation to the child%(law)s."), code="no_guardian",
            params={"law": _citation(texts.guardian_consent)})]
    if errors:
        raise ValidationError(errors)
    return _entry(organisation, activity, identifiers, Action.GIVEN, at, recorded_by, channel=channel,
                  separate=True, wording=wording, wording_version=wording_version, under_14=under_14,
                  guardian_masked_name=mask_name(guardian_name) if under_14 else "",
                  guardian_relation=guardian_relation.strip() if under_14 else "")


def _with_known(identifiers: Identifiers, latest: ConsentEvent | None) -> Identifiers:
    """The person as the withdrawal names them, with the identifiers their latest entry
    knew them by too: a consent given with email and phone and withdrawn by phone is
    withdrawn whichever of the two the person is looked up by."""
    if latest is None:
        return identifiers
    hashes = {f"{kind}_hash": value for kind, value in latest.identifier_hashes().items() if value}
    masked = [part for part in latest.masked_identifiers.split(", ") if part]
    masked += [part for part in identifiers.masked.split(", ") if part and part not in masked]
    return Identifiers(values={}, hashes={**hashes, **identifiers.hashes}, masked=", ".join(masked))


def withdrawal_reason(event: ConsentEvent) -> str:
    """Written on every record a withdrawal erases (the tombstone's reason)."""
    return f"Consent withdrawn: consent ledger entry #{event.pk}"


@dataclass(frozen=True)
class Withdrawal:
    event: ConsentEvent
    deleted: int  # consent-based records erased
    restricted: int  # consent-based records a statutory duty keeps for storage only


def withdraw(organisation: Organisation, activity: ProcessingActivity, identifiers: Identifiers, *, channel: str,
             reference: str = "", at: datetime | None = None, recorded_by=None, erase: bool = True) -> Withdrawal:
    """Record that the person withdrew their consent to the activity and, with `erase`,
    erase in the same transaction their records of the activity that rest on consent
    (tombstoned; kept for storage only where the activity has a statutory retention duty);
    records of other activities, held on their own basis, stay. Refused (ValidationError, code "already_withdrawn")
    when the person's latest entry about the activity is a withdrawal already, and for an
    activity of another organisation or not resting on consent, or no identifier.
    A rights request's withdrawal passes erase=False: its vault task erases the records,
    each with its event (requests_app/fulfilment/vault.py)."""
    _check_common(organisation, activity, identifiers)
    at = at or timezone.now()
    with transaction.atomic():
        if erase:
            # One withdrawal at a time per activity: two kiosks at once record one. (A request's
            # withdrawal is serialised by the request's own row lock, and takes no other lock:
            # its vault task already holds the records' locks.)
            ProcessingActivity.objects.select_for_update().filter(pk=activity.pk).first()
        latest = current(organisation, activity, identifiers.hashes_by_kind())
        if latest is not None and latest.action == Action.WITHDRAWN:
            raise ValidationError({"action": [ValidationError(
                _("This person's consent to “%(activity)s” was withdrawn already."), code="already_withdrawn",
                params={"activity": activity.name})]})
        _check_in_order(latest, at)
        person = _with_known(identifiers, latest)
        event = _entry(organisation, activity, person, Action.WITHDRAWN, at, recorded_by, channel=channel,
                       reference=reference)
        deleted = restricted = 0
        if erase:
            records = (BiometricRecord.objects.filter(organisation=organisation, activity=activity)
                       .matching(person.hashes_by_kind()).exclude(state=BiometricRecord.State.DELETED))
            on_consent = consent_based(records)
            reason = withdrawal_reason(event)
            if activity.statutory_retention:
                restricted = erasure.restrict(on_consent, reason=reason)
            else:
                deleted = erasure.tombstone(on_consent, reason=reason)
    return Withdrawal(event=event, deleted=deleted, restricted=restricted)

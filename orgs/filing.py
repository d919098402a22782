"""The filing threshold of the face-recognition Measures (CAC and Ministry of Public
Security, Order No. 19, in force 2025-06-01), art. 15, for organisations under Chinese
law (the Measures apply to no other): the live count, the obligation and its clock.

**Who is counted.** The people whose face data the organisation stores: its face records
still holding data (state active or restricted: a restricted record is kept for storage
only, and stored data is what the article counts), across all its activities, points
and devices, counted by person, not by record. A person is their record's `person_hash`
(orgs/models/biometric_records.py): the keyed hash of the strongest identifier the record
carries (ID number, then phone, then email, then member or pass number). Two records of
one person under the same strongest identifier count once; a record with no identifier
at all counts as one person. Two records of one person that share no such identifier
(one knows only the email, the other only the phone) count twice: the count errs
towards filing, never away from it. One query over the partial index
biometric_face_person_idx (an index-only scan on PostgreSQL).

**When an obligation opens** (`check`, run by the beat task orgs.check_filings and after
records are written): at THRESHOLD people or more, a first filing, due 30 working days
later on the organisation's calendar (orgs/calendars.py); never a second while one is
open or filed (a partial unique constraint holds that under concurrency too). If the
count falls below the threshold before it is filed, the open first filing closes
("closed, below threshold", with the count). Once filed, a substantive change (a new
collection point, a new or changed activity purpose, a modality the organisation did not
use) opens a re-filing, also due in 30 working days (`note_change`, called by
orgs/register.py's save steps); while one is open, further changes are added to its reason.

**Filing** (`mark_filed`): an owner or officer records the reference the administration
gave; the row is locked and only an open obligation can be filed.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs import calendars
from orgs.models import (
    BiometricRecord, FilingKind, FilingObligation, FilingStatus, FilingTrigger, Jurisdiction, Modality, Organisation,
    RecordState,
)

logger = logging.getLogger(__name__)
THRESHOLD = 100_000
WORKING_DAYS = 30
HOLDING = (RecordState.ACTIVE, RecordState.RESTRICTED)


def applies(organisation: Organisation) -> bool:
    """The Measures bind processors in China: organisations under Chinese law here."""
    return organisation.jurisdiction == Jurisdiction.CN


# --- the count -----------------------------------------------------------------------------------


def face_records(organisation_id: int):
    """The organisation's face records still holding data: the ones the count is made of."""
    return BiometricRecord.objects.filter(organisation_id=organisation_id, modality=Modality.FACE,
                                          state__in=HOLDING).order_by()


_PEOPLE = {"named": Count("person_hash", distinct=True, filter=~Q(person_hash="")),
           "unnamed": Count("person_hash", filter=Q(person_hash=""))}


def people_count(organisation: Organisation | int) -> int:
    """How many distinct people's face data the organisation stores (see the module's doc)."""
    organisation_id = getattr(organisation, "pk", organisation)
    counts = face_records(organisation_id).aggregate(**_PEOPLE)
    return counts["named"] + counts["unnamed"]


def people_by(organisation: Organisation, field: str) -> dict[int | None, int]:
    """Distinct people per activity ("activity_id") or per collection point ("collection_point_id");
    one person in two activities counts in each."""
    rows = face_records(organisation.pk).values(field).annotate(**_PEOPLE)
    return {row[field]: row["named"] + row["unnamed"] for row in rows}


# --- the clock -----------------------------------------------------------------------------------


def add_working_days(start: date, days: int, calendar) -> date:
    """The `days`-th working day after `start` (start itself is day 0)."""
    current = start
    while days:
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            days -= 1
    return current


def working_days_left(today: date, due: date, calendar) -> int:
    """Working days after `today` up to and including `due` (0 on the due day or after it)."""
    left, current = 0, today
    while current < due:
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            left += 1
    return left


def due_at(organisation: Organisation, opened_at: datetime) -> datetime:
    """The end of the 30th working day after `opened_at`, in the organisation's time zone, as UTC."""
    tz = organisation.time_zone
    start = timezone.localtime(opened_at, tz).date()
    day = add_working_days(start, WORKING_DAYS, calendars.calendar_for(organisation.jurisdiction))
    return datetime.combine(day, time.max, tzinfo=tz).astimezone(UTC)


def due_date(obligation: FilingObligation) -> date:
    return timezone.localtime(obligation.due_at, obligation.organisation.time_zone).date()


def days_left(obligation: FilingObligation, *, now: datetime | None = None) -> int:
    """Working days left to file (0 on the due day and once overdue)."""
    organisation = obligation.organisation
    today = timezone.localtime(now or timezone.now(), organisation.time_zone).date()
    return working_days_left(today, due_date(obligation), calendars.calendar_for(organisation.jurisdiction))


# --- opening and closing -------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    count: int
    opened: FilingObligation | None = None
    closed: FilingObligation | None = None


def _open(organisation: Organisation, *, kind: str, trigger: str, changes: list, count: int,
          now: datetime) -> FilingObligation | None:
    """A new open obligation; None if the constraint says one stands already (another run won)."""
    obligation = FilingObligation(organisation=organisation, kind=kind, trigger=trigger, changes=changes,
                                  people_counted=count, opened_at=now, due_at=due_at(organisation, now))
    try:
        with transaction.atomic():
            obligation.save()
    except IntegrityError:
        return None
    logger.info("filing obligation %s opened for organisation %s (%s)", obligation.pk, organisation.pk, trigger)
    return obligation


def standing_first_filing(organisation: Organisation) -> FilingObligation | None:
    return (FilingObligation.objects.filter(organisation=organisation, kind=FilingKind.FIRST,
                                            status__in=[FilingStatus.OPEN, FilingStatus.FILED]).first())


def check(organisation: Organisation, *, now: datetime | None = None) -> CheckResult:
    """Count the organisation's people and open or close its first filing accordingly: at
    THRESHOLD or more with none standing, open one; below it with one open, close it.
    Idempotent: a second run changes nothing. An organisation outside China: nothing."""
    if not applies(organisation):
        return CheckResult(count=0)
    now = now or timezone.now()
    count = people_count(organisation)
    standing = standing_first_filing(organisation)
    if standing is None and count >= THRESHOLD:
        return CheckResult(count, opened=_open(organisation, kind=FilingKind.FIRST, trigger=FilingTrigger.THRESHOLD,
                                               changes=[], count=count, now=now))
    if standing is not None and standing.is_open and count < THRESHOLD:
        closed = FilingObligation.objects.filter(pk=standing.pk, status=FilingStatus.OPEN).update(
            status=FilingStatus.CLOSED_BELOW, closed_at=now, people_when_closed=count)
        if closed:
            standing.refresh_from_db()
            return CheckResult(count, closed=standing)
    return CheckResult(count)


def check_all(*, now: datetime | None = None) -> int:
    """`check` every organisation under Chinese law; returns how many obligations opened or closed."""
    changed = 0
    for organisation in Organisation.objects.filter(jurisdiction=Jurisdiction.CN).order_by("pk"):
        result = check(organisation, now=now)
        changed += bool(result.opened or result.closed)
    return changed


def note_change(organisation: Organisation, *, trigger: str, what: str,
                now: datetime | None = None) -> FilingObligation | None:
    """A substantive change (`trigger`: new point, purpose or modality; `what` says which) of an
    organisation whose filing is filed opens a re-filing due in 30 working days, or adds to the
    reason of the one already open. Returns the re-filing, or None if none is needed (not under
    Chinese law, nothing filed yet: the first filing will describe the processing as it is then)."""
    if not applies(organisation):
        return None
    if not FilingObligation.objects.filter(organisation=organisation, status=FilingStatus.FILED).exists():
        return None
    now = now or timezone.now()
    change = {"trigger": str(trigger), "what": what[:500]}
    with transaction.atomic():
        open_one = (FilingObligation.objects.select_for_update()
                    .filter(organisation=organisation, kind=FilingKind.REFILING, status=FilingStatus.OPEN).first())
        if open_one is not None:
            if change not in open_one.changes:
                open_one.changes = [*open_one.changes, change]
                open_one.save(update_fields=["changes"])
            return open_one
    return _open(organisation, kind=FilingKind.REFILING, trigger=trigger, changes=[change],
                 count=people_count(organisation), now=now)


def describe(obligation: FilingObligation) -> list[str]:
    """Why it was opened, in the active language: the count reached, or each change."""
    if obligation.trigger == FilingTrigger.THRESHOLD:
        return [_("The face data of %(count)s people was stored (the threshold is %(threshold)s).") % {
            "count": obligation.people_counted, "threshold": THRESHOLD}]
    lines = []
    for change in obligation.changes:
        label = FilingTrigger(change["trigger"]).label if change.get("trigger") in FilingTrigger.values else ""
        what = change.get("what", "")
        if change.get("trigger") == FilingTrigger.NEW_MODALITY and what in Modality.values:
            what = Modality(what).label
        lines.append(f"{label}: {what}")
    return lines


def mark_filed(obligation: FilingObligation, *, user, reference: str, now: datetime | None = None) -> FilingObligation:
    """Open -> filed, with the administration's reference and who recorded it. Raises
    ValidationError: no reference (code "reference"), not open (code "wrong_status")."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": ValidationError(
            _("Give the filing reference (the receipt number) the cyberspace administration gave."),
            code="reference")})
    if len(reference) > 100:
        raise ValidationError({"reference": ValidationError(_("The filing reference is at most 100 characters."),
                                                            code="reference")})
    with transaction.atomic():
        fresh = FilingObligation.objects.select_for_update().get(pk=obligation.pk)
        if fresh.status != FilingStatus.OPEN:
            raise ValidationError(_("This obligation is %(status)s: only an open one can be marked filed."),
                                  code="wrong_status", params={"status": fresh.get_status_display().lower()})
        fresh.status, fresh.filed_at, fresh.reference = FilingStatus.FILED, now or timezone.now(), reference
        fresh.filed_by = user
        fresh.filed_by_name = (user.get_full_name() or user.get_username()) if user is not None else ""
        fresh.save(update_fields=["status", "filed_at", "reference", "filed_by", "filed_by_name"])
    return fresh

"""Filing requests from the public form: duplicates, evidence and a claim around the workflow.

A request that repeats an open one (same person, organisation and kind) is not filed
again: the person is pointed to the open one and sent its status link.
"""

import functools
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from orgs.models import Organisation
from requests_app import workflow
from requests_app.actors import SUBJECT
from requests_app.cases import files
from requests_app.cases.subjects import Identity, build_subject
from requests_app.delivery import status_links
from requests_app.errors import InvalidInput
from requests_app.models import Attachment, DataSubject, RightsRequest
from requests_app.workflow import submission_rows


@dataclass(frozen=True)
class ClaimInput:
    amount: Decimal
    currency: str
    covers: str = ""

    @property
    def amount_minor(self) -> int:
        from requests_app.money import MINOR_UNIT_EXPONENT

        return int(self.amount.scaleb(MINOR_UNIT_EXPONENT.get(self.currency, 2)))


@dataclass
class IntakeResult:
    created: list[RightsRequest] = field(default_factory=list)
    existing: list[RightsRequest] = field(default_factory=list)


def open_duplicates(organisation: Organisation, identity: Identity, kinds: list[str]) -> list[RightsRequest]:
    """Open requests of the same person (by email or phone hash) to the organisation, of these kinds.

    Bad identifiers are refused here, before anything is looked up, as the workflow refuses them."""
    try:
        subject = build_subject(identity, jurisdiction=organisation.jurisdiction, reachable=False)
    except ValidationError as exc:
        raise InvalidInput(exc.message_dict) from None
    hashes = [(column, value) for column, value in (("email_hash", subject.email_hash),
                                                    ("phone_hash", subject.phone_hash)) if value]
    if not hashes:  # a deceased person named without email or phone: nothing to match by
        return []
    with submission_rows.planned_once() as cursor:
        cursor.execute(duplicates_sql(tuple(column for column, _value in hashes), len(kinds)),
                       [value for _column, value in hashes] + [organisation.pk, *kinds,
                                                               *RightsRequest.CLOSED_STATUSES])
        found = [pk for (pk,) in cursor.fetchall()]
    return list(RightsRequest.objects.filter(pk__in=found).order_by("pk")) if found else []


@functools.cache
def duplicates_sql(hash_columns: tuple[str, ...] | list[str], kinds: int) -> str:
    """The duplicate check: from the person's hashes to their requests, each step by its
    index whatever the statistics say. The organisation, kind and status are applied only to
    the person's own requests (materialized first), so no plan can start from the
    organisation's requests. Parameters: the hashes, the organisation, the kinds, the closed
    statuses."""
    people = " UNION ALL ".join(f'SELECT "id" FROM "{DataSubject._meta.db_table}" WHERE "{column}" = %s'
                                for column in hash_columns)
    return (f'WITH "people" AS MATERIALIZED ({people}), "theirs" AS MATERIALIZED ('
            f'SELECT "id", "organisation_id", "kind", "status" FROM "{RightsRequest._meta.db_table}" '
            f'WHERE "subject_id" IN (SELECT "id" FROM "people")) '
            f'SELECT "id" FROM "theirs" WHERE "organisation_id" = %s AND "kind" IN ({", ".join(["%s"] * kinds)}) '
            f'AND "status" NOT IN ({", ".join(["%s"] * len(RightsRequest.CLOSED_STATUSES))})')


def file_requests(
    *,
    organisation: Organisation,
    kinds: list[str],
    identity: Identity,
    evidence: list = (),
    authorisation=None,
    death_evidence=None,
    claim: ClaimInput | None = None,
    **details,
) -> IntakeResult:
    """File the kinds not already open; attach the files and the claim to each new request.

    The files are stored (requests_app/cases/files.py) before the transaction that files the
    requests, so no disk write happens under its locks; if filing fails, they stay
    on disk unnamed, which is harmless."""
    existing = open_duplicates(organisation, identity, kinds)
    new_kinds = [kind for kind in kinds if kind not in {rr.kind for rr in existing}]
    result = IntakeResult(existing=existing)
    verified = [rr for rr in existing if rr.verified_at is not None]
    if verified:  # an unverified one has no status page yet: its code mail is all it sends
        status_links.send_status_link(verified[0])
    if not new_kinds:
        return result
    uploads = [(upload, Attachment.Purpose.EVIDENCE) for upload in evidence]
    if authorisation:
        uploads.append((authorisation, Attachment.Purpose.AUTHORISATION))
    if death_evidence:
        uploads.append((death_evidence, Attachment.Purpose.DEATH_EVIDENCE))
    stored = [(files.store_upload(upload), purpose) for upload, purpose in uploads]
    # Without files or a claim, submit_many's rows are one statement: no transaction around it.
    with transaction.atomic() if stored or claim is not None else nullcontext():
        result.created = workflow.submit_many(organisation=organisation, kinds=new_kinds, identity=identity, **details)
        for rr in result.created:
            for stored_file, purpose in stored:
                workflow.add_evidence(rr, actor=SUBJECT, upload=stored_file, purpose=purpose)
        if claim is not None:
            workflow.claim_compensation(
                result.created[0], actor=SUBJECT, amount_minor=claim.amount_minor,
                currency=claim.currency, covers=claim.covers,
            )
    return result

"""What leaves the system as a document: a person's data export, and a certificate's content.

An export (access, copy, portability) is a JSON file for machines and an HTML page for
people, both stored as attachments of the request: the files before the vault locks
any row (store_export), their rows under its locks (attach_export). They describe each
record — the activity, its purpose and legal basis, where and when it was collected, how
long it is kept, its state — and never carry the template, its ciphertext or the
identifier hashes.
"""

import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone, translation

from orgs.models import BiometricRecord
from requests_app.cases import files
from requests_app.models import Attachment, FulfilmentTask, RightsRequest

EXPORT_FORMAT = "rightsdesk-export/1"
# The keys of a task's per-record outcome a certificate repeats; anything else stays out.
CERTIFICATE_RECORD_KEYS = (
    "id", "external_id", "modality", "activity", "collection_point", "outcome", "reason", "detail",
    "identifiers_kept",
)


def record_entry(record: BiometricRecord) -> dict:
    """One record as the person may see it (no template, no hashes)."""
    activity = record.activity
    return {
        "id": record.pk,
        "activity": activity.name,
        "purpose": activity.purpose,
        "legal_basis": activity.legal_basis,
        "collection_point": activity.collection_point,
        "modality": record.modality,
        "collected_at": record.collected_at,
        "retain_until": record.retain_until,
        "state": record.state,
    }


@dataclass(frozen=True)
class StoredExport:
    """An export's two files, stored before any row is locked, and what they were made
    from: under the lock the step checks the records still read the same (`source`)."""

    source: tuple
    files: tuple[files.StoredFile, ...]


def export_source(rights_request: RightsRequest, task: FulfilmentTask, records: list[BiometricRecord]) -> tuple:
    """Everything the export's files are made of but the time: equal sources, equal exports.
    Reads only the rows given (with the records' activities joined): no query, no disk."""
    organisation = rights_request.organisation
    return (
        rights_request.reference, rights_request.kind, organisation.name, organisation.local_name,
        str(organisation.time_zone), rights_request.subject.preferred_language, task.system_id, task.system.name,
        json.dumps([record_entry(record) for record in records], cls=DjangoJSONEncoder, sort_keys=True),
    )


def store_export(
    rights_request: RightsRequest, task: FulfilmentTask, records: list[BiometricRecord]
) -> StoredExport:
    """Render the JSON and HTML export of `records` (held by the task's system) and store
    both files (files.store). Call it before any row is locked; `attach_export` then
    names them under the lock. Stored for nothing (the records changed, the step was
    refused), the files are harmless: see files.py."""
    now = timezone.now()
    body = {
        "format": EXPORT_FORMAT,
        "request": rights_request.reference,
        "kind": rights_request.kind,
        "organisation": rights_request.organisation.name,
        "system": task.system.name,
        "generated_at": now,
        "records": [record_entry(record) for record in records],
    }
    data = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
    context = {"request": rights_request, "system": task.system, "generated_at": now, "records": records}
    with translation.override(rights_request.subject.preferred_language), timezone.override(
        rights_request.organisation.time_zone
    ):
        page = render_to_string("exports/records.html", context).encode()
    stem = f"{rights_request.reference}-{task.system_id}"
    return StoredExport(
        source=export_source(rights_request, task, records),
        files=(
            files.store(data, original_name=f"{stem}.json", content_type="application/json"),
            files.store(page, original_name=f"{stem}.html", content_type="text/html"),
        ),
    )


def attach_export(rights_request: RightsRequest, export: StoredExport) -> list[Attachment]:
    """Save the rows naming a stored export's files on the request (inside the step)."""
    attachments = [files.attachment(rights_request, stored, purpose=Attachment.Purpose.EXPORT)
                   for stored in export.files]
    for attachment in attachments:
        attachment.save()
    return attachments


def certificate_body(rights_request: RightsRequest, tasks: list[FulfilmentTask]) -> dict:
    """What a request's erasure certificate states: per system, by which connector, when,
    and per record what became of it."""
    systems, totals = [], {}
    for task in tasks:
        records = [
            {key: entry[key] for key in CERTIFICATE_RECORD_KEYS if key in entry}
            for entry in task.result.get("records", [])
            if isinstance(entry, dict)
        ]
        for entry in records:
            totals[entry.get("outcome", "")] = totals.get(entry.get("outcome", ""), 0) + 1
        systems.append({
            "system": task.system.name,
            "connector": task.connector,
            "completed_at": task.completed_at,
            "records": records,
            "note": task.result.get("note", ""),
            # The devices that held copies, each with its signed receipt (orgs/devices.py).
            "devices": task.result.get("devices", []),
        })
    return {
        "request": rights_request.reference,
        "kind": rights_request.kind,
        "jurisdiction": rights_request.jurisdiction,
        "subject": rights_request.subject.masked_identifiers,
        "systems": systems,
        "totals": {outcome: count for outcome, count in sorted(totals.items()) if outcome},
    }

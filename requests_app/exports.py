"""What leaves the system as a document: a person's data export, and a certificate's content.

An export (access, copy, portability) is a JSON file for machines and an HTML page for
people, both stored as attachments of the request. They describe each record — the
activity, its purpose and legal basis, where and when it was collected, how long it is
kept, its state — and never carry the template, its ciphertext or the identifier hashes.
"""

import hashlib
import json

from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone, translation

from orgs.models import BiometricRecord
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


def export_records(
    rights_request: RightsRequest, task: FulfilmentTask, records: list[BiometricRecord]
) -> list[Attachment]:
    """Store the JSON and HTML export of `records` (held by the task's system) on the request."""
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
    return [
        _attach(rights_request, f"{stem}.json", data, "application/json"),
        _attach(rights_request, f"{stem}.html", page, "text/html"),
    ]


def _attach(rights_request: RightsRequest, name: str, content: bytes, content_type: str) -> Attachment:
    attachment = Attachment(
        request=rights_request, purpose=Attachment.Purpose.EXPORT, original_name=name, content_type=content_type,
        size=len(content), sha256=hashlib.sha256(content).hexdigest(),
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


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
        })
    return {
        "request": rights_request.reference,
        "kind": rights_request.kind,
        "jurisdiction": rights_request.jurisdiction,
        "subject": rights_request.subject.masked_identifiers,
        "systems": systems,
        "totals": {outcome: count for outcome, count in sorted(totals.items()) if outcome},
    }

"""A request's case file: everything a court or a regulator needs to read the case.

One builder, `case_file(rights_request)`, gathers the request, every event of its audit
chain with its hash, the hash it follows and whether each link holds, the chain's
verdict (`requests_app.transparency.audit.verify_chain`, the same check the command runs), the
messages (internal notes marked), the attachments as a list (name, size, SHA-256: the
files themselves stay on the server), the outcome and the erasure certificate. The
JSON export is that dict as it is; the printable page renders the same dict.

The subject appears only by masked identifiers: the file travels, the contact
details stay behind. Free text the subject wrote (the request's details, messages) is
part of the case and is reproduced as written. The purgeable texts of the events
(requests_app/models/sealed.py) are shown opened while the person's key exists, and as removed
after the contact purge; each such event also carries its data as stored (the sealed
envelopes), which is what its hash covers.

Read by the desk (requests_app/desk/report_views.py) and the admin alike, so it
lives beside the other documents (documents.py, exports.py), not in either of them.
"""

import hashlib
import json
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.certificates import canonical_json
from orgs.identifiers import IdentifierKind, mask
from requests_app.models import Message, RightsRequest, sealed
from requests_app.transparency import audit, proofs

FORMAT = "rightsdesk-casefile/1"


def casefile_queryset():
    """Requests with what the case file's header reads joined in (filter it by scope first)."""
    return RightsRequest.objects.select_related("organisation", "subject", "assignee", "certificate")


def _when(moment: datetime | None, tz) -> dict | None:
    if moment is None:
        return None
    return {"utc": moment.astimezone(UTC), "local": moment.astimezone(tz)}


def _user(user) -> str | None:
    return user.get_username() if user is not None else None


def _actor(event) -> str:
    if event.actor_id is not None:
        return event.actor.get_username()
    return {"subject": _("the requester"), "system": _("the system")}.get(event.actor_kind, event.actor_kind)


def _status_label(code: str) -> str:
    return str(dict(RightsRequest.Status.choices).get(code, code)) if code else ""


def _events(rights_request: RightsRequest, tz) -> list[dict]:
    """Every event in order, each with its own link checks: does its stored hash match
    its content, and does it name the previous event's hash as its predecessor."""
    entries, previous_hash, expected_seq = [], "", 1
    events = sealed.opened_events(rights_request.events.select_related("actor").order_by("seq"))
    for event in events:
        entries.append({
            "seq": event.seq,
            "seq_in_order": event.seq == expected_seq,
            "at": _when(event.created_at, tz),
            "action": event.action,
            "actor": _actor(event),
            "actor_kind": event.actor_kind,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "from_label": _status_label(event.from_status),
            "to_label": _status_label(event.to_status),
            # As readers show it: sealed texts opened, or marked removed after the purge.
            "details": event.opened,
            # As stored and hashed, where that differs (sealed texts): the hash can be checked.
            "details_as_stored": event.data if event.opened is not event.data else None,
            "visible_to_requester": event.visible_to_subject,
            "prev_hash": event.prev_hash,
            "hash": event.hash,
            "hash_matches_content": audit.event_hash(event) == event.hash,
            "follows_previous": event.prev_hash == previous_hash,
        })
        previous_hash, expected_seq = event.hash, event.seq + 1
    return entries


def _chain(rights_request: RightsRequest, events: list[dict]) -> dict:
    broken = audit.verify_chain(rights_request)
    return {
        "holds": broken is None,
        "events_checked": len(events),
        "event_count_on_request": rights_request.event_count,
        "head": rights_request.chain_head,
        "break": None if broken is None else {"seq": broken.seq, "problem": broken.problem, "text": str(broken)},
    }


def _requester(rights_request: RightsRequest) -> dict | None:
    """Who filed for the subject (a relative or an agent): their name, their email masked."""
    if rights_request.filed_by == RightsRequest.FiledBy.SELF:
        return None
    email = rights_request.requester_email
    return {
        "name": rights_request.requester_name,
        "email": mask(IdentifierKind.EMAIL, email.lower()) if email else "",
    }


def _certificate(rights_request: RightsRequest, tz) -> dict | None:
    certificate = rights_request.certificate
    if certificate is None:
        return None
    recomputed = hashlib.sha256(canonical_json(certificate.body).encode()).hexdigest()
    return {
        "number": certificate.number,
        "issued_at": _when(certificate.issued_at, tz),
        "body_sha256": certificate.body_sha256,
        "body_intact": recomputed == certificate.body_sha256,
        "body": certificate.body,
    }


def case_file(rights_request: RightsRequest, *, now: datetime | None = None, head=None) -> dict:
    """The case file of `rights_request` (load it with `casefile_queryset()`): a dict of
    plain values and aware datetimes, ready for DjangoJSONEncoder or a template. The log
    proofs are against the signed head `head` (the newest by default)."""
    rr, org = rights_request, rights_request.organisation
    tz = org.time_zone
    events = _events(rr, tz)
    messages = list(rr.messages.select_related("author").order_by("created_at", "pk"))
    attachments = list(rr.attachments.order_by("created_at", "pk"))
    tasks = list(rr.fulfilment_tasks.select_related("system").order_by("pk"))
    claims = list(rr.claims.order_by("created_at", "pk"))
    return {
        "format": FORMAT,
        "generated_at": _when(now or timezone.now(), tz),
        "organisation": {"name": org.name, "jurisdiction": org.jurisdiction, "time_zone": str(tz)},
        "request": {
            "reference": rr.reference,
            "kind": rr.kind,
            "kind_label": rr.get_kind_display(),
            "jurisdiction": rr.jurisdiction,
            "filed_by": rr.filed_by,
            "filed_by_label": rr.get_filed_by_display(),
            "requester": _requester(rr),
            "subject": rr.subject.masked_identifiers,
            "status": rr.status,
            "status_label": rr.get_status_display(),
            "assignee": _user(rr.assignee),
            "data_description": rr.data_description,
            "details": rr.details,
            "alternative_wanted": rr.alternative_wanted,
            "received_at": _when(rr.received_at, tz),
            "verified_at": _when(rr.verified_at, tz),
            "clock_started_at": _when(rr.clock_started_at, tz),
            "paused_total_seconds": int(rr.paused_total.total_seconds()),
            "extensions": rr.extensions,
            "extension_reason": rr.extension_reason,
            "target_at": _when(rr.target_at, tz),
            "due_at": _when(rr.due_at, tz),
            "closed_at": _when(rr.closed_at, tz),
            "on_time": None if rr.closed_at is None or rr.due_at is None else rr.closed_at <= rr.due_at,
        },
        "chain": _chain(rr, events),
        "events": events,
        "messages": [
            {
                "at": _when(m.created_at, tz),
                "direction": m.direction,
                "direction_label": m.get_direction_display(),
                "internal": m.direction == Message.Direction.INTERNAL,
                "author": _user(m.author) if m.direction != Message.Direction.FROM_SUBJECT else _("the requester"),
                "body": m.body,
            }
            for m in messages
        ],
        "attachments": [
            {
                "name": a.original_name,
                "purpose": a.purpose,
                "purpose_label": a.get_purpose_display(),
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "from_requester": a.from_subject,
                "at": _when(a.created_at, tz),
            }
            for a in attachments
        ],
        "outcome": {
            "status": rr.status,
            "status_label": rr.get_status_display(),
            "closed_at": _when(rr.closed_at, tz),
            "refusal_reason": rr.refusal_reason,
            "refusal_legal_ground": rr.refusal_legal_ground,
            "appeal_closes_at": _when(rr.appeal_closes_at, tz),
            "fulfilment": [
                {
                    "system": t.system.name,
                    "connector": t.connector,
                    "status": t.status,
                    "status_label": t.get_status_display(),
                    "completed_at": _when(t.completed_at, tz),
                }
                for t in tasks
            ],
            "compensation": [
                {
                    "status": c.status,
                    "status_label": c.get_status_display(),
                    "currency": c.currency,
                    "claimed_minor": c.claimed_minor,
                    "basis": c.basis,
                    "assessed_minor": c.assessed_minor,
                    "offered_minor": c.offered_minor,
                    "paid_minor": c.paid_minor,
                    "payment_reference": c.payment_reference,
                    "paid_at": _when(c.paid_at, tz),
                    # In money as well as minor units, and why a payment differs from the offer.
                    "claimed": c.claimed_display,
                    "assessed": c.assessed_display,
                    "offered": c.offered_display,
                    "paid": c.paid_display,
                    "payment_difference_reason": c.payment_difference_reason,
                    "closing_note": c.closing_note,
                }
                for c in claims
            ],
        },
        "certificate": _certificate(rr, tz),
        # Each event's place in the public log and its RFC 9162 proof against a signed head.
        "log": proofs.for_request(rr, head),
    }


def as_json(case: dict) -> bytes:
    return json.dumps(case, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def details_text(details) -> str:
    return json.dumps(details, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def as_html(case: dict, *, request=None, documents_url: str | None = None) -> str:
    """The printable page, times in the organisation's zone (and UTC beside them).
    `documents_url`: where the request's documents are, ending in "/" (the desk's by
    default; a regulator's page links to its own, requests_app/oversight/)."""
    if documents_url is None:
        documents_url = reverse("desk:document_html", args=[case["request"]["reference"], "x"])[:-len("x.html")]
    events = [{**event, "details_text": details_text(event["details"])} for event in case["events"]]
    certificate = case["certificate"] and {
        **case["certificate"], "body_text": json.dumps(
            case["certificate"]["body"], cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, indent=2)
    }
    context = {"case": {**case, "events": events, "certificate": certificate}, "documents_url": documents_url}
    with timezone.override(case["organisation"]["time_zone"]):
        return render_to_string("desk/casefile.html", context, request=request)


def filename(case: dict, extension: str) -> str:
    return f"casefile-{case['request']['reference']}.{extension}"

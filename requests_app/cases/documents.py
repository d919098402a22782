"""Printable documents the requester receives: the erasure certificate and the decision
letters (refusal, extension, fulfilment), each as HTML and as PDF (WeasyPrint).

Everything is generated on demand from what is already stored: the certificate from its
hashed body (never re-derived, so what was hashed is what is printed), the letters from
the request's events, tasks and files. Nothing new is stored. A document is in the
requester's language (the subject's preferred_language) and its times in the
organisation's time zone, labelled with the zone; every text that cites law comes from
orgs.law for the request's jurisdiction.

Callers have already decided who may see the request (the status-page token, or the
desk's scoping); the public check page sees only `public_summary`, which carries no
personal data.
"""

import hashlib
import hmac
import os
from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from orgs import law
from orgs.certificates import canonical_json
from orgs.models import ErasureCertificate, ErasureOrder, Modality
from requests_app.cases import deadlines
from requests_app.cases.outcomes import RecordOutcome
from requests_app.models import Attachment, RightsRequest, sealed
from requests_app.transparency import proofs

LETTERS = ("refusal", "extension", "fulfilment")
FORMATS = ("html", "pdf")
# The events each letter reports; the newest one counts (a case refused twice gets the second).
# A request for another way in is fulfilled when the person confirms it works (or, with no
# answer in time, closed by the officer without it).
LETTER_EVENTS = {"refusal": ("refuse",), "extension": ("extend",),
                 "fulfilment": ("finish_fulfilment", "confirm_alternative", "close_unconfirmed_alternative")}


def letters_for(actions) -> list[str]:
    """The letters a case has, given the actions of its events."""
    return [name for name in LETTERS if set(LETTER_EVENTS[name]) & set(actions)]
# Files that came from the requester or are the case's own evidence are not "provided" to them.
NOT_PROVIDED = (Attachment.Purpose.EVIDENCE, Attachment.Purpose.AUTHORISATION, Attachment.Purpose.DEATH_EVIDENCE)


@dataclass
class Document:
    template: str  # under templates/documents/
    filename: str  # without extension
    language: str
    time_zone: object
    context: dict = field(default_factory=dict)


def _when(value):
    """An instant from a stored body (ISO text) or a model field."""
    if value is None or hasattr(value, "tzinfo"):
        return value
    return parse_datetime(str(value))


def outcome_label(code: str, jurisdiction: str) -> str:
    # Storage only is explained by the request's own law, not by the PIPL default label.
    if code == RecordOutcome.STORAGE_ONLY:
        return _("Kept for storage only")
    try:
        return str(RecordOutcome(code).label)
    except ValueError:
        return code.replace("_", " ").capitalize()


def modality_label(code: str) -> str:
    """"Face" or "人脸" for the stored code "face"; a code the table does not know, as it is."""
    try:
        return str(Modality(code).label) if code else ""
    except ValueError:
        return code


def kind_label(kind: str) -> str:
    for choices in (RightsRequest.Kind, ErasureOrder.Kind):
        try:
            return str(choices(kind).label)
        except ValueError:
            continue
    return kind


def check_url(certificate: ErasureCertificate) -> str:
    """The public check page, filled in with this certificate's number and hash."""
    query = urlencode({"number": certificate.number, "sha256": certificate.body_sha256})
    return settings.SITE_URL.rstrip("/") + reverse("public:certificate_check") + "?" + query


def log_url() -> str:
    """The public log's page, which says how to check a certificate's proof."""
    return settings.SITE_URL.rstrip("/") + reverse("log:overview")


def certificate_log_proof(rights_request: RightsRequest, head=None) -> dict | None:
    """The proof that the event which issued the request's certificate (and states its
    number and hash) is in the public log's signed head `head` (by default the newest)."""
    event = rights_request.events.filter(action="finish_fulfilment").order_by("-seq").first()
    return proofs.inclusion(event, head) if event is not None else None


# --- the certificate ---------------------------------------------------------------------


def _systems(body: dict, jurisdiction: str) -> list[dict]:
    if body.get("type") == "erasure_order":  # a bulk or retention order: counts, not records
        return [{"name": row.get("system", ""), "connector": row.get("connector", ""),
                 "completed_at": _when(body.get("finished_at")), "note": "",
                 "records": [], "count": row.get("records", 0), "modality": modality_label(row.get("modality", ""))}
                for row in body.get("by_system", [])]
    systems = []
    for entry in body.get("systems", []):
        # A manual or webhook system may name a record by its own id, by ours, or not at all.
        records = [{**record, "label": outcome_label(record.get("outcome", ""), jurisdiction),
                    "modality": modality_label(record.get("modality", "")),
                    "ident": record.get("external_id") or record.get("id") or ""}
                   for record in entry.get("records", []) if isinstance(record, dict)]
        systems.append({"name": entry.get("system", ""), "connector": entry.get("connector", ""),
                        "completed_at": _when(entry.get("completed_at")), "note": entry.get("note", ""),
                        "records": records, "count": len(records)})
    return systems


def _devices(body: dict) -> list[dict]:
    """The devices that deleted their copies, each with its signed receipts (orgs/devices.py)."""
    listed = body.get("devices") if body.get("type") == "erasure_order" else [
        device for entry in body.get("systems", []) for device in entry.get("devices", [])]
    return [{**device, "receipts": [{**receipt, "received_at": _when(receipt.get("received_at"))}
                                    for receipt in device.get("receipts", []) if isinstance(receipt, dict)]}
            for device in listed or [] if isinstance(device, dict)]


def _totals(body: dict, jurisdiction: str) -> list[dict]:
    totals = body.get("totals")
    if totals is None:  # an order erases, it does not sort records by outcome
        totals = {"deleted": body.get("records_erased", 0)}
    return [{"outcome": code, "label": outcome_label(code, jurisdiction), "count": count}
            for code, count in totals.items()]


def certificate_context(certificate: ErasureCertificate, rights_request: RightsRequest | None = None,
                        head=None) -> dict:
    """What the certificate states, read from its hashed body; its log proof against the
    signed head `head` (the newest by default)."""
    body = certificate.body
    jurisdiction = body.get("jurisdiction") or certificate.organisation.jurisdiction
    texts = law.texts(jurisdiction)
    filed_by = None
    if rights_request is not None and rights_request.filed_by != RightsRequest.FiledBy.SELF:
        filed_by = {"role": rights_request.get_filed_by_display(), "name": rights_request.requester_name}
    storage_only = any(t["outcome"] == RecordOutcome.STORAGE_ONLY for t in _totals(body, jurisdiction))
    return {
        "certificate": certificate,
        "number": certificate.number,
        "sha256": certificate.body_sha256,
        "issued_at": _when(body.get("issued_at")) or certificate.issued_at,
        "issuer": body.get("organisation") or certificate.organisation.name,
        "reference": body.get("request", ""),
        "kind": kind_label(body.get("kind", "")),
        "subject": body.get("subject", ""),
        "filed_by": filed_by,
        "reason": body.get("reason", ""),
        "systems": _systems(body, jurisdiction),
        "devices": _devices(body),
        "totals": _totals(body, jurisdiction),
        "law": texts,
        "storage_only_law": texts.storage_only if storage_only else "",
        "identifiers_kept": [kept for kept in body.get("identifiers_kept", []) if isinstance(kept, dict)],
        "check_url": check_url(certificate),
        "log_proof": certificate_log_proof(rights_request, head) if rights_request is not None else None,
        "log_url": log_url(),
    }


def public_summary(certificate: ErasureCertificate) -> dict:
    """What the check page may show anyone: no identifier, record, name or reason."""
    context = certificate_context(certificate)
    return {
        "number": certificate.number,
        "organisation": context["issuer"],
        "issued_at": context["issued_at"],
        "kind": context["kind"],
        "systems": sorted({system["name"] for system in context["systems"]}),
        "totals": context["totals"],
        "time_zone": certificate.organisation.time_zone,
    }


def check_certificate(number: str, sha256: str) -> ErasureCertificate | None:
    """The certificate with this number and hash whose stored body still hashes to it, or
    None: an unknown number, a wrong hash and an altered body all look the same."""
    certificate = (ErasureCertificate.objects.select_related("organisation")
                   .filter(number="".join(number.split()).upper()).first())
    given = "".join(sha256.split()).lower()
    if certificate is None or not hmac.compare_digest(certificate.body_sha256, given):
        return None
    if hashlib.sha256(canonical_json(certificate.body).encode()).hexdigest() != certificate.body_sha256:
        return None
    return certificate


# --- the letters -------------------------------------------------------------------------


def available(rights_request: RightsRequest) -> list[str]:
    """The documents this request has: the certificate once issued, each letter once decided."""
    every = [action for actions in LETTER_EVENTS.values() for action in actions]
    actions = set(rights_request.events.filter(action__in=every).values_list("action", flat=True))
    names = ["certificate"] if rights_request.certificate_id else []
    return names + letters_for(actions)


def _event(rights_request: RightsRequest, name: str):
    event = rights_request.events.filter(action__in=LETTER_EVENTS[name]).order_by("-seq").first()
    if event is None:
        raise Http404
    return event


def _refusal(rr: RightsRequest, event, texts) -> dict:
    policy = deadlines.get_policy(rr.jurisdiction)
    return {
        "reason": event.opened.get("reason", ""),
        "legal_ground": event.opened.get("legal_ground", ""),
        "appeal_closes_at": deadlines.appeal_closes_at(policy, refused_at=event.created_at,
                                                       tz=rr.organisation.time_zone),
        "reasons_required": texts.reasons_required,
        "redress": texts.redress,
        # The decision on an appeal; final where the law says so (US-VA): no further appeal.
        "appeal_decision": bool(event.opened.get("appeal_decision")),
        "final": bool(event.opened.get("final")),
        "appeal_final": texts.appeal_final,
    }


def _extension(rr: RightsRequest, event, texts) -> dict:
    return {"reason": event.opened.get("reason", ""), "previous_due": _when(event.opened.get("from")),
            "new_due": _when(event.opened.get("to"))}


def _fulfilment(rr: RightsRequest, event, texts) -> dict:
    systems = []
    for task in rr.fulfilment_tasks.select_related("system").order_by("pk"):
        counts: dict[str, int] = {}
        for record in task.result.get("records", []):
            if isinstance(record, dict) and record.get("outcome"):
                counts[record["outcome"]] = counts.get(record["outcome"], 0) + 1
        systems.append({"name": task.system.name, "completed_at": task.completed_at,
                        "note": task.result.get("note", ""),
                        "outcomes": [{"label": outcome_label(code, rr.jurisdiction), "count": count}
                                     for code, count in sorted(counts.items())]})
    files = rr.attachments.exclude(from_subject=True).exclude(purpose__in=NOT_PROVIDED).order_by("created_at")
    return {"systems": systems, "files": list(files), "certificate": rr.certificate,
            "check_url": check_url(rr.certificate) if rr.certificate else "",
            # An opt-out's letter names the law it was carried out under (orgs/law.py opt_out).
            "opt_out_law": (texts.opt_out or "") if rr.kind in deadlines.OPT_OUT_KINDS else "",
            # Another way in: what was provided, the person's confirmation, and the law (orgs/law.py).
            **(_alternative(rr, texts) if rr.kind == RightsRequest.Kind.ALTERNATIVE else {})}


def _alternative(rr: RightsRequest, texts) -> dict:
    provided = rr.events.filter(action="provide_alternative").order_by("-seq").first()
    confirmed = rr.events.filter(action="confirm_alternative").order_by("-seq").first()
    unconfirmed = rr.events.filter(action="close_unconfirmed_alternative").order_by("-seq").first()
    return {
        "alternative_unconfirmed": sealed.opened(unconfirmed) if unconfirmed else None,
        "alternative_closed_at": unconfirmed.created_at if unconfirmed else None,
        "alternative": sealed.opened(provided) if provided else None,
        "alternative_provided_at": provided.created_at if provided else None,
        "alternative_confirmation": sealed.opened(confirmed) if confirmed else None,
        "alternative_confirmed_at": confirmed.created_at if confirmed else None,
        "alternative_law": texts.alternative or "",
    }


LETTER_CONTEXT = {"refusal": _refusal, "extension": _extension, "fulfilment": _fulfilment}


def for_request(rights_request: RightsRequest, name: str, *, head=None) -> Document:
    """The document `name` (certificate or a letter) of the request, or 404 if it has none;
    a certificate's log proof against `head` (the newest signed head by default)."""
    rr = rights_request
    language = rr.subject.preferred_language or settings.LANGUAGE_CODE
    common = {"rr": rr, "organisation": rr.organisation, "law": law.texts(rr.jurisdiction),
              "subject": rr.subject.masked_identifiers,
              # the bound method: the template calls it inside the document's language
              "filed_by": rr.get_filed_by_display if rr.filed_by != RightsRequest.FiledBy.SELF else "",
              "requester_name": rr.requester_name}
    if name == "certificate":
        if rr.certificate is None:
            raise Http404
        with translation.override(language):
            context = certificate_context(rr.certificate, rr, head)
        return Document("certificate.html", rr.certificate.number, language, rr.organisation.time_zone,
                        {**common, **context})
    if name not in LETTER_CONTEXT:
        raise Http404
    event = _event(rr, name)
    with translation.override(language):  # labels computed here are in the letter's language
        context = LETTER_CONTEXT[name](rr, event, common["law"])
    return Document(f"{name}.html", f"{rr.reference}-{name}", language, rr.organisation.time_zone,
                    {**common, **context, "event": event, "dated": event.created_at})


def for_order(certificate: ErasureCertificate, language: str) -> Document:
    """The certificate of an erasure or decommission order, in `language`."""
    organisation = certificate.organisation
    with translation.override(language):
        context = certificate_context(certificate)
    return Document("certificate.html", certificate.number, language, organisation.time_zone,
                    {"organisation": organisation, "law": law.texts(organisation.jurisdiction), **context})


def certificate_response(certificate: ErasureCertificate, fmt: str, request=None) -> HttpResponse:
    """A certificate as a page or a PDF: a request's as its requester got it, an order's in
    the reader's language. For the desk and the regulators' pages alike."""
    rr = (RightsRequest.objects.select_related("organisation", "subject", "certificate")
          .filter(certificate=certificate).first())
    if rr is not None:
        return response(for_request(rr, "certificate"), fmt, request)
    language = getattr(request, "LANGUAGE_CODE", None) or "en"
    return response(for_order(certificate, language), fmt, request)


def order_certificate_response(order, fmt: str, request=None) -> HttpResponse:
    """The certificate of an erasure or decommission order; 404 while the order has none."""
    if order.certificate is None:
        raise Http404
    return certificate_response(order.certificate, fmt, request)


# --- rendering ---------------------------------------------------------------------------


def render_html(document: Document, *, csp_nonce: str = "") -> str:
    """`csp_nonce`: the page's Content-Security-Policy nonce, which lets the inline
    stylesheet apply in a browser (the PDF renderer needs none)."""
    with translation.override(document.language), timezone.override(document.time_zone):
        return render_to_string(f"documents/{document.template}",
                                {**document.context, "zone": document.time_zone, "csp_nonce": csp_nonce})


def render_pdf(document: Document) -> bytes:
    return html_to_pdf(render_html(document))


# fontTools stamps each embedded font subset with this time instead of "now" (the
# reproducible-builds convention), so the same page gives the same PDF bytes.
FONT_TIMESTAMP = "315532800"  # 1980-01-01, as the members of an evidence bundle's ZIP


def html_to_pdf(html: str, *, reproducible: bool = False) -> bytes:
    """The page as a PDF. `reproducible`: the same HTML gives the same bytes (an evidence
    bundle's members are hashed and its ZIP is built twice to the same bytes), with a file
    identifier taken from the HTML and the fonts' timestamp fixed for the process."""
    import weasyprint  # imported here: only document downloads need Pango

    options = {}
    if reproducible:
        os.environ.setdefault("SOURCE_DATE_EPOCH", FONT_TIMESTAMP)
        options["pdf_identifier"] = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    # A document needs nothing from outside (its stylesheet is inline): fetch no URL, so no
    # text typed into a case can make the renderer read a file or call a server.
    return weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(**options)


def _refuse_fetch(url, *args, **kwargs):
    raise ValueError("documents load no external resources")


def response(document: Document, fmt: str, request=None) -> HttpResponse:
    """The document as an HTML page or a PDF download; any other format is 404."""
    if fmt == "pdf":
        result = HttpResponse(render_pdf(document), content_type="application/pdf")
        result["Content-Disposition"] = f'inline; filename="{document.filename}.pdf"'
        return result
    if fmt == "html":
        return HttpResponse(render_html(document, csp_nonce=str(getattr(request, "csp_nonce", ""))))
    raise Http404

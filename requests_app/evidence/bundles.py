"""What a bundle holds, gathered from the stored rows and files; archive.py writes it.

A case's bundle is proved against one signed tree head: the first head that covers every
event of the request. So the same case gives the same bytes whenever it is built (until
a new event is written on it), however far the log has grown since: the head, the
proofs, the case file's "generated" time (that head's signing time) do not move.

The desk records each export as an event after building (workflow.record_evidence_export),
so a bundle holds every event before its own export, and the export event names the
bundle by its manifest's SHA-256.

Order events are not in the transparency log (it holds request events only): an order's
bundle carries what can be checked without it, the certificate's hash and the devices'
signed receipts, and says so in its README.
"""

import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Count, Max, Min, Q, Sum
from django.template.loader import render_to_string
from django.utils import translation

from orgs.models import ErasureCertificate, ErasureOrder
from requests_app.cases import casefile, documents, sharing
from requests_app.evidence.archive import Bundle
from requests_app.models import LogLeaf, RightsRequest, SignedTreeHead
from requests_app.transparency import heads, sequencer
from requests_app.transparency.audit import event_content
from requests_app.transparency.proofs import NotLogged
from requests_app.transparency.tree import StoredTree

VERIFIER = Path(__file__).with_name("verify_bundle.py")
# The requester's shared files a bundle carries at most, together; past it a file is
# listed with its hash but left out (each upload is at most MAX_UPLOAD_BYTES).
FILES_CAP_BYTES = 200 * 1024 * 1024
README_LANGUAGES = ("en", "zh-hans")


@dataclass(frozen=True)
class Built:
    manifest_sha256: str
    tree_size: int | None
    files_included: int


def case_bundle(rights_request: RightsRequest) -> bytes:
    out = io.BytesIO()
    write_case_bundle(rights_request, out)
    return out.getvalue()


def order_bundle(order: ErasureOrder) -> bytes:
    out = io.BytesIO()
    write_order_bundle(order, out)
    return out.getvalue()


# --- a case ------------------------------------------------------------------------------


def covering_head(rights_request: RightsRequest) -> SignedTreeHead:
    """The first signed head whose tree holds every event of the request (logging any
    still pending first). NotLogged if the log cannot cover them (a sequencer racing a
    new event three times over)."""
    for _attempt in range(3):
        sequencer.integrate()
        count = RightsRequest.objects.filter(pk=rights_request.pk).values_list("event_count", flat=True).get()
        logged = LogLeaf.objects.filter(event__request=rights_request).aggregate(n=Count("pk"), last=Max("index"))
        if logged["n"] == count and count:
            head = SignedTreeHead.objects.filter(size__gt=logged["last"]).order_by("size").first()
            if head is not None:
                return head
    raise NotLogged(f"the events of request {rights_request.pk} are not all in the log")


def write_case_bundle(rights_request: RightsRequest, out) -> Built:
    """Write the case's bundle to `out` (a binary file). Reads only; the caller records the export."""
    head = covering_head(rights_request)
    rr = casefile.casefile_queryset().get(pk=rights_request.pk)
    leaves = list(LogLeaf.objects.filter(event__request=rr, index__lt=head.size).select_related("event")
                  .order_by("event__seq"))
    events = [leaf.event for leaf in leaves]
    bundle = Bundle(out)
    _readme(bundle, "case", {"reference": rr.reference, "organisation": rr.organisation.name, "head": head,
                             "events": len(events), "certificate": rr.certificate})
    _log_files(bundle, head)
    case = casefile.case_file(rr, now=head.signed_at, head=head)
    html = casefile.as_html(case)
    name = f"casefile/casefile-{rr.reference}"
    bundle.add(f"{name}.html", html)
    bundle.add(f"{name}.pdf", documents.html_to_pdf(html, reproducible=True))
    bundle.add(f"{name}.json", casefile.as_json(case))
    tree = StoredTree(head.size)
    for leaf, event in zip(leaves, events):
        bundle.add_json(f"events/{event.seq:04d}.json", {  # the shape of proofs.inclusion: verify_log_proof.py reads it
            "event": event_content(event), "event_hash": event.hash, "leaf_index": leaf.index,
            "leaf_hash": bytes(leaf.leaf_hash).hex(), "tree_size": head.size, "root_hash": bytes(head.root).hex(),
            "inclusion_path": [digest.hex() for digest in tree.inclusion_path(leaf.index)],
            "checkpoint": head.checkpoint})
    bundle.add_json("chain.json", {"reference": rr.reference, "request": rr.pk, "event_count": len(events),
                                   "chain_head": events[-1].hash,
                                   "links": [{"seq": e.seq, "prev": e.prev_hash, "hash": e.hash} for e in events]})
    included = _attachments(bundle, rr, last_seq=events[-1].seq)
    if rr.certificate is not None:
        document = documents.for_request(rr, "certificate", head=head)
        _certificate(bundle, rr.certificate, documents.render_html(document))
    manifest = bundle.finish(kind="case", reference=rr.reference, organisation=rr.organisation.name,
                             as_of=head.signed_at, tree_size=head.size)
    return Built(manifest, head.size, included)


def _safe_name(name: str) -> str:
    """A file name that is only a name (no folders, no control characters) and not long."""
    name = re.sub(r"[^\w.\- ]+", "_", Path(name.replace("\\", "/")).name).strip(" ._") or "file"
    return name[-80:]


def _attachments(bundle: Bundle, rr: RightsRequest, *, last_seq: int) -> int:
    """Every file's hash; the file itself where the requester shared it (sharing.py) as of
    the bundle's last event, while the cap allows. Returns how many files went in."""
    shared = sharing.shared_ids(rr, up_to_seq=last_seq)
    listed, included, room = [], 0, FILES_CAP_BYTES
    for number, attachment in enumerate(rr.attachments.order_by("created_at", "pk"), start=1):
        entry = {"id": attachment.pk, "name": attachment.original_name, "purpose": attachment.purpose,
                 "content_type": attachment.content_type, "size": attachment.size, "sha256": attachment.sha256,
                 "from_requester": attachment.from_subject, "added_at": attachment.created_at,
                 "shared": attachment.pk in shared, "file": None, "left_out": ""}
        if not entry["shared"]:
            entry["left_out"] = "not shared by the requester"
        elif attachment.size > room:
            entry["left_out"] = "over the bundle's size limit"
        else:
            entry["file"] = f"attachments/{number:02d}-{_safe_name(attachment.original_name)}"
            try:
                with attachment.file.open("rb") as source:
                    bundle.add_stream(entry["file"], source)
            except OSError:  # the row outlived its file (restored backup, moved storage)
                entry["file"], entry["left_out"] = None, "the stored file is missing"
            else:
                included, room = included + 1, room - attachment.size
        listed.append(entry)
    bundle.add_json("attachments/index.json", listed)
    return included


# --- an order ----------------------------------------------------------------------------


def write_order_bundle(order: ErasureOrder, out) -> Built:
    """Write the order's bundle to `out`: its progress, certificate and device receipts."""
    order = ErasureOrder.objects.select_related("organisation", "point", "activity", "ordered_by",
                                                "certificate").get(pk=order.pk)
    summary = order_summary(order)
    bundle = Bundle(out)
    _readme(bundle, "order", {"order": order, "organisation": order.organisation.name,
                              "certificate": order.certificate})
    _log_files(bundle, None)
    bundle.add_json("order.json", summary)
    if order.certificate is not None:
        language = translation.get_language() or "en"
        _certificate(bundle, order.certificate,
                     documents.render_html(documents.for_order(order.certificate, language)))
    manifest = bundle.finish(kind="order", order=order.pk, organisation=order.organisation.name,
                             as_of=summary["as_of"], tree_size=None)
    return Built(manifest, None, 0)


def order_summary(order: ErasureOrder) -> dict:
    """The order, its progress in chunks and each device's share, from its rows; as of its
    last change (so the same order gives the same summary)."""
    per_device = (order.device_deletions.order_by().values("device__serial", "device__location")
                  .annotate(asked=Count("pk"), records=Sum("records"),
                            confirmed=Count("pk", filter=Q(receipt__isnull=False)),
                            first_queued=Min("queued_at"), receipts=Count("receipt", distinct=True),
                            last_receipt=Max("receipt__received_at"))
                  .order_by("device__serial"))
    devices = [{"device": row["device__serial"], "location": row["device__location"], "deletions": row["asked"],
                "records": row["records"], "confirmed": row["confirmed"], "waiting": row["asked"] - row["confirmed"],
                "first_queued_at": row["first_queued"], "receipts": row["receipts"]} for row in per_device]
    moments = [order.created_at, order.finished_at, *(row["last_receipt"] for row in per_device)]
    point = order.point
    return {
        "order": order.pk, "kind": order.kind, "kind_label": str(order.get_kind_display()),
        "status": order.status, "status_label": str(order.get_status_display()),
        "organisation": order.organisation.name,
        "collection_point": {"id": str(point.public_id), "name": point.name, "site": point.site} if point else
        (order.collection_point or None),
        "activity": order.activity.name if order.activity_id else None,
        "reason": order.reason, "ordered_by": order.ordered_by.get_username() if order.ordered_by_id else None,
        "ordered_at": order.created_at, "finished_at": order.finished_at,
        "records_selected": order.total, "records_erased": order.processed, "erased_up_to_record_id": order.last_id,
        "devices": devices,
        "certificate": {"number": order.certificate.number, "sha256": order.certificate.body_sha256}
        if order.certificate_id else None,
        # Only request events are in the transparency log; an order's steps are not.
        "in_transparency_log": False,
        "as_of": max(moment for moment in moments if moment is not None),
    }


# --- shared members ----------------------------------------------------------------------


def _readme(bundle: Bundle, kind: str, context: dict) -> None:
    parts = []
    for language in README_LANGUAGES:
        with translation.override(language):
            parts.append(render_to_string(f"evidence/README_{kind}.txt", context).strip())
    bundle.add("README.txt", "\n\n" + ("=" * 72 + "\n\n").join(part + "\n\n" for part in parts))
    bundle.add("verify.py", VERIFIER.read_bytes())


def _log_files(bundle: Bundle, head: SignedTreeHead | None) -> None:
    bundle.add("log/key.txt", heads.verifier_key() + "\n")
    if head is not None:
        bundle.add("log/checkpoint.txt", head.checkpoint)


def _certificate(bundle: Bundle, certificate: ErasureCertificate, html: str) -> None:
    name = f"certificate/{certificate.number}"
    bundle.add_json(f"{name}.json", {"number": certificate.number, "issued_at": certificate.issued_at,
                                     "body_sha256": certificate.body_sha256, "body": certificate.body})
    bundle.add(f"{name}.html", html)
    bundle.add(f"{name}.pdf", documents.html_to_pdf(html, reproducible=True))
    bundle.add_json("devices/receipts.json", device_receipts(certificate.body))


def device_receipts(body: dict) -> list[dict]:
    """The devices and their signed receipts a certificate's body lists (a request's per
    system, an order's at the top), as the body has them."""
    if body.get("type") == "erasure_order":
        return list(body.get("devices") or [])
    return [device for entry in body.get("systems", []) for device in entry.get("devices", []) or []]

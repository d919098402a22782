"""The log's public pages: the newest signed head, any head, the key, proofs, and a page
that tells a requester how to check their own certificate. Nothing here is personal:
heads are hashes, and an inclusion proof by hash says no more than the hash one holds."""

import re

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_ratelimit import ALL
from django_ratelimit.decorators import ratelimit

from requests_app.models import LogLeaf, PendingEntry, SignedTreeHead
from requests_app.transparency import heads, proofs, sequencer
from requests_app.transparency.tree import leaf_hash

HEX_HASH = re.compile(r"^[0-9a-f]{64}$")
PROOF_RATE = "600/h"  # a proof reads a few dozen rows; a verifier needs one per head it holds


def _text(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


@require_GET
def overview(request):
    head = sequencer.latest_head()
    return render(request, "public/log.html", {
        "head": head, "root_hex": bytes(head.root).hex() if head else "", "verifier_key": heads.verifier_key(),
    })


@require_GET
def checkpoint(request):
    head = sequencer.latest_head()
    if head is None:
        return HttpResponse(_("No tree head has been signed yet."), status=404, content_type="text/plain; charset=utf-8")
    return _text(head.checkpoint)


@require_GET
def head(request, size: int):
    return _text(get_object_or_404(SignedTreeHead, size=size).checkpoint)


@require_GET
def checkpoints(request):
    """Every head from `since` on (oldest first, at most 1,000): what a witness copies."""
    since = request.GET.get("since", "0")
    if not since.isdigit():
        return _bad(_("since must be a tree size (a whole number)."))
    rows = SignedTreeHead.objects.filter(size__gte=int(since)).order_by("size")[:1000]
    return _text("\n".join(row.checkpoint for row in rows))


@require_GET
def key(request):
    return _text(heads.verifier_key() + "\n")


@require_GET
@ratelimit(key="ip", rate=PROOF_RATE, method=ALL, block=True)
def consistency(request):
    first, second = request.GET.get("first", ""), request.GET.get("second", "")
    if not (first.isdigit() and second.isdigit()):
        return _bad(_("first and second must be tree sizes (whole numbers)."))
    first_head = SignedTreeHead.objects.filter(size=int(first)).first()
    second_head = SignedTreeHead.objects.filter(size=int(second)).first()
    if first_head is None or second_head is None:
        return _bad(_("Both sizes must be of signed tree heads (see /log/checkpoints)."), status=404)
    if not 0 < first_head.size <= second_head.size:
        return _bad(_("The first tree must not be larger than the second, nor empty."))
    return JsonResponse(proofs.consistency(first_head, second_head))


@require_GET
@ratelimit(key="ip", rate=PROOF_RATE, method=ALL, block=True)
def inclusion(request):
    """The proof for an event hash (as a certificate prints it) in the newest head, or in
    the head of `tree_size`; without the event's content, which stays with its request."""
    event_hash = request.GET.get("event_hash", "").strip().lower()
    if not HEX_HASH.match(event_hash):
        return _bad(_("event_hash must be 64 hexadecimal characters."))
    size = request.GET.get("tree_size", "")
    if size and not size.isdigit():
        return _bad(_("tree_size must be a whole number."))
    leaves = LogLeaf.objects.filter(leaf_hash=leaf_hash(event_hash)).select_related("event")
    leaf = leaves.first()
    if leaf is None and PendingEntry.objects.exists():  # a step just taken: log what waits
        sequencer.integrate()
        leaf = leaves.first()
    head = SignedTreeHead.objects.filter(size=int(size)).first() if size else sequencer.latest_head()
    if leaf is None or head is None:
        return _bad(_("No event in the log has this hash."), status=404)
    try:
        proof = proofs.inclusion(leaf.event, head)
    except proofs.NotLogged:
        return _bad(_("This event came after that tree head; ask for a later one."), status=404)
    del proof["event"]
    return JsonResponse(proof)

"""Evidence bundles on the desk (requests_app/evidence/): a case's and an order's, for
owners, officers and auditors of the organisation (another organisation's reference or
order is 404, like every desk view).

A bundle is built first, into a temporary file that spills to disk past a few megabytes
(a case's shared files can be large), and only then is its export recorded on the
request's chain, naming the bundle by its manifest's hash: the bundle holds every event
before its own export. An order has no chain of its own to record it on.
"""

import tempfile

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from orgs.models import ErasureOrder
from requests_app import workflow
from requests_app.actors import member
from requests_app.cases import selectors
from requests_app.desk.access import desk_view
from requests_app.evidence import bundles

IN_MEMORY = 8 * 1024 * 1024


def _zip(spooled, filename: str) -> FileResponse:
    spooled.seek(0)
    return FileResponse(spooled, as_attachment=True, filename=filename, content_type="application/zip")


@desk_view()
@require_GET
def case_bundle(request, membership, reference):
    rr = selectors.request_for(membership, reference)
    spooled = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
    built = bundles.write_case_bundle(rr, spooled)
    workflow.record_evidence_export(rr, actor=member(request.user), manifest_sha256=built.manifest_sha256,
                                    tree_size=built.tree_size, files=built.files_included)
    return _zip(spooled, f"evidence-{rr.reference}.zip")


@desk_view()
@require_GET
def order_bundle(request, membership, order_id):
    order = get_object_or_404(ErasureOrder, organisation=membership.organisation, pk=order_id)
    spooled = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
    bundles.write_order_bundle(order, spooled)
    return _zip(spooled, f"evidence-order-{order.pk}.zip")

"""Evidence bundles for a regulator (requests_app/evidence/): a case's, and an order's
removal of scanners, as the organisation's desk builds them. The download is recorded in
the organisation's history of oversight, like every page a regulator opens; it is not an
event of the request's chain, whose steps are the organisation's and the requester's.
"""

import tempfile

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from orgs.models import AccessKind as Kind
from orgs.models import ErasureOrder
from requests_app.evidence import bundles
from requests_app.oversight.access import oversight_view
from requests_app.oversight.views import _request

IN_MEMORY = 8 * 1024 * 1024  # past this a bundle spills to a temporary file


def _zip(write, subject, filename: str) -> FileResponse:
    spooled = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
    write(subject, spooled)
    spooled.seek(0)
    return FileResponse(spooled, as_attachment=True, filename=filename, content_type="application/zip")


@oversight_view(Kind.EVIDENCE)
@require_GET
def case_bundle(request, grant, reference):
    rr = _request(request, grant, reference)
    return _zip(bundles.write_case_bundle, rr, f"evidence-{rr.reference}.zip")


@oversight_view(Kind.EVIDENCE)
@require_GET
def order_bundle(request, grant, order_id):
    order = get_object_or_404(ErasureOrder, organisation=grant.organisation, pk=order_id)
    request.viewed = f"order {order.pk}"
    return _zip(bundles.write_order_bundle, order, f"evidence-order-{order.pk}.zip")

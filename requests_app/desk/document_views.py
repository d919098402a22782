"""The requester's documents (certificate, letters) as the desk downloads them: scoped
like every desk view (another organisation's reference is 404), rendered on demand."""

from django.views.decorators.http import require_GET

from requests_app.cases import documents, selectors
from requests_app.desk.access import desk_view


@desk_view()
@require_GET
def document(request, membership, reference, name, fmt):
    rr = selectors.request_for(membership, reference)
    return documents.response(documents.for_request(rr, name), fmt, request)

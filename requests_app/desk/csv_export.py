"""The CSV export of a filtered queue: the same requests the queue shows, as a file.

The caller hands in the queue's filtered queryset (QueueFilter over
`selectors.requests_visible_to`), so scoping and filters are the queue's own. Rows
are streamed from a server-side cursor in queue order: an export of 50,000 requests
never sits in memory. No contact details: the subject is shown by masked identifiers
only, the assignee by username.

"Overdue" is the dashboard's: open, the clock running, past due. A request waiting for
the requester with its clock paused is not overdue (its due date moves on when they
answer); the "Clock paused" column says which those are.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a
formula; such a cell is written with a leading apostrophe, which they show as text
(OWASP "CSV injection").
"""

import csv
from collections.abc import Iterable, Iterator

from django.db.models import F, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app.cases.spreadsheets import FORMULA_STARTS, safe_cell  # noqa: F401  (named here too)
from requests_app.models import RightsRequest

CHUNK = 2000


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def header() -> list[str]:
    return [
        _("Reference"), _("Kind"), _("Status"), _("Jurisdiction"), _("Filed by"), _("Subject (masked)"),
        _("Assigned to"), _("Received"), _("Due"), _("Closed"), _("Clock paused"), _("Overdue"),
        _("Extensions"),
    ]


def export_queryset(queryset: QuerySet[RightsRequest]) -> QuerySet[RightsRequest]:
    """What a row reads, in queue order (due date, soonest first; none last)."""
    return (
        queryset.select_related("subject", "assignee")
        .only(
            "pk", "reference", "kind", "status", "jurisdiction", "filed_by", "received_at", "due_at", "closed_at",
            "paused_at", "extensions", "subject__masked_identifiers", "assignee__username",
        )
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    )


def rows(queryset: QuerySet[RightsRequest], *, tz, now) -> Iterator[list[str]]:
    kinds, statuses = dict(RightsRequest.Kind.choices), dict(RightsRequest.Status.choices)
    filed = dict(RightsRequest.FiledBy.choices)

    def local(moment):
        return moment.astimezone(tz).isoformat(timespec="seconds") if moment else ""

    yes, no = _("yes"), _("no")
    for rr in export_queryset(queryset).iterator(chunk_size=CHUNK):
        overdue = rr.is_open and rr.paused_at is None and rr.due_at is not None and rr.due_at < now
        yield [
            safe_cell(value)
            for value in (
                rr.reference, kinds.get(rr.kind, rr.kind), statuses.get(rr.status, rr.status), rr.jurisdiction,
                filed.get(rr.filed_by, rr.filed_by), rr.subject.masked_identifiers,
                rr.assignee.get_username() if rr.assignee_id else "", local(rr.received_at), local(rr.due_at),
                local(rr.closed_at), yes if rr.is_open and rr.paused_at else no, yes if overdue else no, rr.extensions,
            )
        ]


def lines(records: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a BOM, so spreadsheet programs read the UTF-8 (Chinese names) as UTF-8
    yield writer.writerow(header())
    for record in records:
        yield writer.writerow(record)


def response(queryset: QuerySet[RightsRequest], *, organisation, filename: str) -> StreamingHttpResponse:
    """Stream the CSV of `queryset` (already scoped and filtered), times in the organisation's zone."""
    body = lines(rows(queryset, tz=organisation.time_zone, now=timezone.now()))
    streaming = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    streaming["Content-Disposition"] = f'attachment; filename="{filename}"'
    return streaming

"""Keyset (cursor) pagination of the queue on (due_at NULLS LAST, pk).

A page is read as "the next N rows after this key" (or before it, read backwards and
turned round), so page 2,000 costs what page 1 costs and a request that arrives or
moves while someone pages neither repeats nor skips a row. The cursor is the key of the
row at the page's edge, signed so it cannot be edited (a bad one means the first page).

The order is two segments: the requests with a due date by (due_at, pk), then those
whose clock has not started by pk. Each segment is read with a plain range condition
(`due_at >= x AND (due_at > x OR pk > y)`), which an index on (organisation, due_at,
id) answers in order and stops after N rows; one OR across both segments could not be.
A page that straddles the two reads both: at most two queries.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import F, Q, QuerySet

SALT = "rightsdesk.desk.queue-cursor"
PER_PAGE = 50
# The queue's order as one ORDER BY (what the pages add up to; exports and benches use it).
FORWARD = (F("due_at").asc(nulls_last=True), "pk")


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None


def _cursor(direction: str, row) -> str:
    return signing.dumps([direction, row.due_at.isoformat() if row.due_at else None, row.pk], salt=SALT)


def _decode(cursor: str | None):
    try:
        direction, due, pk = signing.loads(cursor, salt=SALT)
        return direction, datetime.fromisoformat(due) if due else None, int(pk)
    except (signing.BadSignature, TypeError, ValueError):
        return None


def _forward(queryset: QuerySet, after, n: int) -> list:
    """Up to n rows after the key `after` ((due, pk) or None for the start)."""
    rows = []
    if after is None or after[0] is not None:
        dated = queryset.filter(due_at__isnull=False)
        if after is not None:
            due, pk = after
            dated = dated.filter(due_at__gte=due).filter(Q(due_at__gt=due) | Q(pk__gt=pk))
        rows = list(dated.order_by("due_at", "pk")[:n])
    if len(rows) < n:
        undated = queryset.filter(due_at__isnull=True)
        if after is not None and after[0] is None:
            undated = undated.filter(pk__gt=after[1])
        rows += list(undated.order_by("pk")[: n - len(rows)])
    return rows


def _backward(queryset: QuerySet, before, n: int) -> list:
    """Up to n rows before the key `before`, nearest first."""
    due, pk = before
    rows = []
    if due is None:
        rows = list(queryset.filter(due_at__isnull=True, pk__lt=pk).order_by("-pk")[:n])
    if len(rows) < n:
        dated = queryset.filter(due_at__isnull=False)
        if due is not None:
            dated = dated.filter(due_at__lte=due).filter(Q(due_at__lt=due) | Q(pk__lt=pk))
        rows += list(dated.order_by("-due_at", "-pk")[: n - len(rows)])
    return rows


def paginate(queryset: QuerySet, cursor: str | None, per_page: int = PER_PAGE) -> Page:
    """One page of `queryset` at `cursor` (None: the first page)."""
    position = _decode(cursor) if cursor else None
    if position is not None and position[0] == "b":
        rows = _backward(queryset, position[1:], per_page + 1)
        if len(rows) <= per_page:
            return paginate(queryset, None, per_page)  # back at the start: a full first page
        rows = rows[:per_page][::-1]
        return Page(rows, _cursor("a", rows[-1]), _cursor("b", rows[0]))
    rows = _forward(queryset, position[1:] if position else None, per_page + 1)
    more = len(rows) > per_page
    rows = rows[:per_page]
    return Page(
        rows,
        _cursor("a", rows[-1]) if more else None,
        _cursor("b", rows[0]) if position is not None and rows else None,
    )

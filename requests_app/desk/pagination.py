"""Keyset (cursor) pagination of the queue, in any of its sort orders.

A page is read as "the next N rows after this key" (or before it, read backwards and
turned round), so page 2,000 costs what page 1 costs and a request that arrives or
moves while someone pages neither repeats nor skips a row. The key is (sort value, pk);
the cursor is the key of the row at the page's edge with the sort it belongs to, signed
so it cannot be edited (a bad one, or one of another sort, means the first page).

Each sort is one column read with a plain range condition
(`x >= v AND (x > v OR pk > p)`), which an index on (organisation, x, id) answers in
order and stops after N rows. The due date may be empty (the clock has not started):
those rows come last, by pk, as a second segment read on its own; one OR across both
segments could not use the index. A page that straddles the two reads both: at most
two queries.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core import signing
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from requests_app.desk.clock import STATUS_ORDER

SALT = "rightsdesk.desk.queue-cursor"
PER_PAGE = 50
# The default order as one ORDER BY (what the pages add up to; exports and benches use it).
FORWARD = (F("due_at").asc(nulls_last=True), "pk")


@dataclass(frozen=True)
class Sort:
    label: object
    field: str  # a column of RightsRequest, or an annotation of `annotate`
    kind: str = "datetime"  # how the key travels in the cursor: "datetime", "int" or "str"
    descending: bool = False
    nullable: bool = False  # empty values come last, whatever the direction
    annotate: dict = field(default_factory=dict)

    def prepare(self, queryset: QuerySet) -> QuerySet:
        return queryset.annotate(**self.annotate) if self.annotate else queryset

    def order_by(self) -> tuple:
        column = F(self.field).desc(nulls_last=True) if self.descending else F(self.field).asc(nulls_last=True)
        return (column, "-pk" if self.descending else "pk")


STAGE_RANK = Case(*[When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)],
                  default=Value(len(STATUS_ORDER)), output_field=IntegerField())
SORTS = {
    "due": Sort(_("Due date (soonest first)"), "due_at", nullable=True),
    "received": Sort(_("Received (newest first)"), "received_at", descending=True),
    "received_oldest": Sort(_("Received (oldest first)"), "received_at"),
    "reference": Sort(_("Reference"), "reference", kind="str"),
    "status": Sort(_("Status (by stage)"), "status_rank", kind="int", annotate={"status_rank": STAGE_RANK}),
}
DEFAULT_SORT = "due"


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None


def _encode(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _decoded(sort: Sort, value):
    if value is None:
        return None
    if sort.kind == "datetime":
        return datetime.fromisoformat(value)
    return int(value) if sort.kind == "int" else str(value)


def _cursor(direction: str, row, name: str = DEFAULT_SORT) -> str:
    return signing.dumps([direction, name, _encode(getattr(row, SORTS[name].field)), row.pk], salt=SALT)


def _decode(cursor: str | None, name: str, sort: Sort):
    try:
        direction, sorted_by, value, pk = signing.loads(cursor, salt=SALT)
        if sorted_by != name or direction not in ("a", "b"):
            return None
        return direction, (_decoded(sort, value), int(pk))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def _rows(queryset: QuerySet, sort: Sort, key, n: int, *, backwards: bool) -> list:
    """Up to n rows after `key` in the sort's order ((value, pk), or None: from the start),
    or with `backwards` the rows before it, nearest first."""
    descending = sort.descending != backwards
    pk_order = "-pk" if descending else "pk"

    def valued(after):
        rows = queryset.filter(**{f"{sort.field}__isnull": False}) if sort.nullable else queryset
        if after is not None:
            (value, pk), (wide, strict) = after, (("lte", "lt") if descending else ("gte", "gt"))
            rows = rows.filter(**{f"{sort.field}__{wide}": value}).filter(
                Q(**{f"{sort.field}__{strict}": value}) | Q(**{f"pk__{strict}": pk}))
        return list(rows.order_by(("-" if descending else "") + sort.field, pk_order)[:n])

    def empty(after_pk):
        rows = queryset.filter(**{f"{sort.field}__isnull": True})
        if after_pk is not None:
            rows = rows.filter(**{"pk__lt" if descending else "pk__gt": after_pk})
        return list(rows.order_by(pk_order)[:n])

    if not sort.nullable:
        return valued(key)
    in_empty = key is not None and key[0] is None
    # Forwards: the valued segment, then the empty one; backwards the other way round.
    if not backwards:
        rows = [] if in_empty else valued(key)
        return rows + (empty(key[1] if in_empty else None)[: n - len(rows)] if len(rows) < n else [])
    rows = empty(key[1]) if in_empty else []
    return rows + (valued(None if in_empty else key)[: n - len(rows)] if len(rows) < n else [])


def paginate(queryset: QuerySet, cursor: str | None, per_page: int = PER_PAGE, sort: str = DEFAULT_SORT) -> Page:
    """One page of `queryset` in the order `sort` (a key of SORTS) at `cursor` (None: the first page)."""
    name = sort if sort in SORTS else DEFAULT_SORT
    order = SORTS[name]
    original, queryset = queryset, order.prepare(queryset)
    position = _decode(cursor, name, order) if cursor else None
    if position is not None and position[0] == "b":
        rows = _rows(queryset, order, position[1], per_page + 1, backwards=True)
        if len(rows) <= per_page:
            return paginate(original, None, per_page, name)  # back at the start: a full first page
        rows = rows[:per_page][::-1]
        return Page(rows, _cursor("a", rows[-1], name), _cursor("b", rows[0], name))
    rows = _rows(queryset, order, position[1] if position else None, per_page + 1, backwards=False)
    more = len(rows) > per_page
    rows = rows[:per_page]
    return Page(
        rows,
        _cursor("a", rows[-1], name) if more else None,
        _cursor("b", rows[0], name) if position is not None and rows else None,
    )

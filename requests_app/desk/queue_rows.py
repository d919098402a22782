"""The rows of the queue: what each shows, worked out once per page, and their HTML.

A page has fifty rows of nine cells; written as a template, each row took some twenty
variable lookups, a few filters and translations, half the page's time. So the values are
worked out here once per page (labels translated once, the case link from one reverse(),
dates and names as the template's filters wrote them) and the rows are written with
format_html, escaping every value as the template did. templates/desk/queue.html has the
table around them; the words are the ones the template had (the same msgids).
"""

from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from requests_app.desk import clock
from requests_app.models import RightsRequest

URGENT = {"overdue": "row-overdue", "due_soon": "row-due-soon"}  # the row's colour


@dataclass
class QueueRow:
    request: RightsRequest
    clock: clock.Clock
    stage: str  # the badge colour of its status (clock.STAGES)
    status_label: str
    kind_label: str
    url: str  # its case page
    due: tuple[str, str] | None  # (ISO 8601, local day) in the organisation's time zone
    received: tuple[str, str]
    assignee: str  # the name shown, or ""
    requester: str  # the name, or else the masked identifiers, cut to 32 characters
    urgency: str  # "overdue", "due_soon" or "": what the row's colour says


def urgency_of(c: clock.Clock) -> str:
    return c.urgency if c.urgency in ("overdue", "due_soon") else ""


def rows_of_page(requests: list[RightsRequest], now, tz) -> list[QueueRow]:
    """A page's rows, with what each shows worked out once per page: the labels translated
    once (get_FOO_display hashes every choice's lazy label, translating each, on every
    call), the case link from one reverse(), the dates as the `date` filter writes them
    ('c' and "Y-m-d", in the organisation's time zone), the names as `truncatechars:32`
    and `get_full_name|default:get_username` wrote them."""
    statuses = {value: str(label) for value, label in RightsRequest.Status.choices}
    kinds = {value: str(label) for value, label in RightsRequest.Kind.choices}
    before, after = reverse("desk:case", args=["~"]).split("~")  # "~" is never escaped
    safe = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves as it is

    def when(moment):
        local = moment.astimezone(tz)
        return local.isoformat(), local.date().isoformat()

    rows = []
    for rr in requests:
        at = clock.clock(rr, now)
        rows.append(QueueRow(
            rr, at, clock.stage(rr.status), statuses.get(rr.status, rr.status), kinds.get(rr.kind, rr.kind),
            f"{before}{quote(rr.reference, safe=safe)}{after}", when(rr.due_at) if rr.due_at else None,
            when(rr.received_at), (rr.assignee.get_full_name() or rr.assignee.get_username()) if rr.assignee else "",
            Truncator(rr.subject.full_name or rr.subject.masked_identifiers).chars(32), urgency_of(at),
        ))
    return rows


def rows_html(rows: list[QueueRow], *, selectable: bool) -> SafeString:
    """The table's rows; `selectable`: with the tick box of the bulk steps."""
    return mark_safe("".join(_row(row, selectable) for row in rows))


def _words(translated: str, **values) -> str:
    """A translation with escaped values put in, as {% blocktranslate %} does (the words
    themselves are the translators', put in as they are). Call it with `_("…")` written
    out, so makemessages finds the words."""
    return translated % {name: escape(value) for name, value in values.items()}


def _row(row: QueueRow, selectable: bool) -> str:
    rr = row.request
    ref = escape(rr.reference)
    # The words are looked up outside the f-strings: makemessages reads no call inside one.
    select = _words(_("Select %(reference)s"), reference=rr.reference)
    pick = (f'<td><input type="checkbox" name="references" value="{ref}" id="pick-{ref}" '
            f'aria-label="{select}"></td>') if selectable else ""
    year = rr.calendar_uncovered_year
    warning = ""
    if year:
        counted = _words(_("Counted through %(year)s, a year no working-day calendar covers"), year=year)
        no_calendar = _words(_("No calendar for %(year)s"), year=year)
        warning = (f' <span class="calendar-warning" title="{counted}">'
                   f'<span aria-hidden="true">⚠ </span>{no_calendar}</span>')
    subject = rr.subject
    if subject.full_name:
        requester = escape(row.requester)
    else:
        requester = format_html("<small>{}</small>", row.requester) if row.requester else "—"
    due = format_html('<time datetime="{}">{}</time>', *row.due) if row.due else "—"
    return (
        f'\n      <tr class="{URGENT.get(row.urgency, "")}" data-reference="{ref}">\n'
        f"        {pick}\n"
        f'        <td><a href="{escape(row.url)}">{ref}</a></td>\n'
        + format_html('        <td><span class="clock clock-{}" data-clock>{}</span>', row.clock.urgency, row.clock.text)
        + f"{warning}</td>\n"
        + format_html('        <td><span class="status-badge stage-{}">{}</span></td>\n', row.stage, row.status_label)
        + format_html('        <td class="requester" title="{}">', subject.masked_identifiers) + f"{requester}</td>\n"
        + format_html('        <td class="kind" title="{}">{}</td>\n', row.kind_label, row.kind_label)
        + f"        <td>{due}</td>\n"
        + format_html('        <td><time datetime="{}">{}</time></td>\n', *row.received)
        + f"        <td>{escape(row.assignee) if row.assignee else '—'}</td>\n"
        "      </tr>\n    "
    )

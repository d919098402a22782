"""What a request's clock says on the desk: days left, overdue by how many days, or
paused; and which stage its status belongs to (the colour of its badge).

Both are said in words as well as in colour (a colour-blind officer, a printout, a
screen reader): `Clock.text` is what the row and the case page show, `Clock.urgency`
only picks the colour.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from requests_app.models import RightsRequest

Status = RightsRequest.Status
DAY = timedelta(days=1)
NEAR_DUE = timedelta(days=2)  # red-amber: as the queue's "due soon" always was
THIS_WEEK = timedelta(days=7)

# The badge colour of each status: where the request stands, not its exact step.
STAGES = {
    Status.SUBMITTED: "new", Status.VERIFIED: "new",
    Status.IN_REVIEW: "review",
    Status.AWAITING_SUBJECT: "waiting",
    Status.APPROVED: "fulfilling", Status.FULFILLING: "fulfilling",
    Status.FULFILLED: "closed", Status.REFUSED: "closed", Status.WITHDRAWN: "closed", Status.EXPIRED: "closed",
}
# The order the "status" sort follows: the stages as a request moves through them.
STATUS_ORDER = [Status.SUBMITTED, Status.VERIFIED, Status.IN_REVIEW, Status.AWAITING_SUBJECT, Status.APPROVED,
                Status.FULFILLING, Status.FULFILLED, Status.REFUSED, Status.WITHDRAWN, Status.EXPIRED]


def stage(status: str) -> str:
    return STAGES.get(status, "new")


@dataclass(frozen=True)
class Clock:
    urgency: str  # "overdue", "due_soon", "due_week", "on_time", "paused", "not_started" or "closed"
    days: int | None  # days left (or, overdue, days late)
    text: str


def clock(rr: RightsRequest, now: datetime) -> Clock:
    """The request's clock at `now`. A paused clock (waiting for the requester) is not
    running late, whatever its due date: the same rule as the dashboard and the filters."""
    if not rr.is_open:
        return Clock("closed", None, "—")
    if rr.paused_at is not None:
        return Clock("paused", None, _("Paused"))
    if rr.due_at is None:
        return Clock("not_started", None, _("Clock not started"))
    left = rr.due_at - now
    if left < timedelta(0):
        late = max(1, math.ceil(-left / DAY))
        return Clock("overdue", late, ngettext("Overdue %(n)d day", "Overdue %(n)d days", late) % {"n": late})
    days = int(left // DAY)
    urgency = "due_soon" if left <= NEAR_DUE else "due_week" if left <= THIS_WEEK else "on_time"
    if days == 0:
        return Clock(urgency, 0, _("Due today"))
    return Clock(urgency, days, ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days})

"""When a request's deadline reminders fall due (DESIGN.md "Deadlines").

Thresholds are counted back from the due instant: 7 days, 2 days, the due day itself,
and overdue (escalated to the owners). A CCPA request is also acknowledged to the
consumer at the first sweep after receipt (10 business days at the latest). The
request's NextReminder row holds the earliest instant the sweep must look at it (`point`
sets it), so the sweep reads only the requests that have something due.
"""

from datetime import datetime, timedelta

from requests_app.models import NextReminder, Reminder, RightsRequest

Threshold = Reminder.Threshold
BEFORE_DUE = [
    (Threshold.DAYS_7, timedelta(days=7)),
    (Threshold.DAYS_2, timedelta(days=2)),
    (Threshold.DUE_TODAY, timedelta(days=1)),  # the due instant is the end of the due day
    (Threshold.OVERDUE, timedelta(0)),
]
REMINDED_STATUSES = {
    RightsRequest.Status.SUBMITTED, RightsRequest.Status.VERIFIED, RightsRequest.Status.IN_REVIEW,
    RightsRequest.Status.AWAITING_SUBJECT, RightsRequest.Status.APPROVED, RightsRequest.Status.FULFILLING,
}


def schedule(rr: RightsRequest, status: str | None = None) -> list[tuple[str, datetime, datetime]]:
    """Every (threshold, instant it fires, due date it is for) of the request as it stands
    (or as it will stand in `status`, for a step that is about to move it). A submitted
    (unverified) request has only the acknowledgement, where its policy has one.
    `rr` may also be the sweep's DueRequest, which has the same fields."""
    if (status or rr.status) not in REMINDED_STATUSES or rr.paused_at is not None:
        return []
    fires = []
    # The code mail is the acknowledgement (tasks.send_verification_code): none is sent
    # while the request waits for verification, nor once it was given.
    status = status or rr.status
    if rr.acknowledge_by is not None and rr.acknowledged_at is None and status != RightsRequest.Status.SUBMITTED:
        fires.append((Threshold.ACKNOWLEDGE, rr.received_at, rr.acknowledge_by))
    # An unverified request is not work for officers yet: no due-date reminder, no
    # escalation (it expires before its due date instead, deadlines.unverified_expires_at).
    if rr.due_at is not None and (status or rr.status) != RightsRequest.Status.SUBMITTED:
        fires += [(threshold, rr.due_at - before, rr.due_at) for threshold, before in BEFORE_DUE]
    return fires


def first_reminder_at(rr: RightsRequest, status: str | None = None) -> datetime | None:
    """Where a changed due date starts its own reminders: the earliest of its thresholds."""
    instants = [fires_at for _threshold, fires_at, _due in schedule(rr, status)]
    return min(instants) if instants else None


def crossed(rr: RightsRequest, now: datetime) -> list[tuple[str, datetime, datetime]]:
    """The thresholds whose instant has come, earliest first (recorded once each by the sweep)."""
    return sorted((entry for entry in schedule(rr) if entry[1] <= now), key=lambda entry: entry[1])


def to_send(crossed_now: list[tuple[str, datetime, datetime]]) -> set[tuple[str, datetime]]:
    """Which of the thresholds crossed in one sweep are sent, as (threshold, due date).

    Of the due-date thresholds only the newest: a request first seen after several have
    passed (a sweep that was down, a due date moved into the past) gets one message, not
    a burst; the older ones are recorded unsent. The acknowledgement goes to the consumer,
    not to the officers, and is owed whatever else is due, so it is always sent.
    """
    chosen = {(threshold, due) for threshold, _fires, due in crossed_now if threshold == Threshold.ACKNOWLEDGE}
    before_due = [entry for entry in crossed_now if entry[0] != Threshold.ACKNOWLEDGE]
    if before_due:
        threshold, _fires, due = max(before_due, key=lambda entry: entry[1])
        chosen.add((threshold, due))
    return chosen


def next_after(rr: RightsRequest, now: datetime) -> datetime | None:
    later = [fires_at for _threshold, fires_at, _due in schedule(rr) if fires_at > now]
    return min(later) if later else None


def point(rr: RightsRequest, at: datetime | None) -> None:
    """Set when the sweep next looks at the (saved) request; None: not until a step sets it
    again. Called inside the step's transaction, which holds the request's row lock."""
    if at is None:
        NextReminder.objects.filter(request_id=rr.pk).delete()
    else:
        NextReminder.objects.bulk_create(
            [NextReminder(request_id=rr.pk, at=at)], update_conflicts=True, unique_fields=["request"],
            update_fields=["at"],
        )


def next_reminder_at(rr: RightsRequest) -> datetime | None:
    """When the sweep next looks at the request, if ever."""
    return NextReminder.objects.filter(request_id=rr.pk).values_list("at", flat=True).first()

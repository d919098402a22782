"""Periodic sweeps: deadline reminders, re-queueing lost work, expiry, contact purge.

Each runs from beat (config/celery.py) and is safe to run twice or twice at once: the
deadline sweep claims its requests with row locks and records each reminder under a
unique constraint; the others only queue idempotent tasks or call workflow steps that
check their own preconditions. `now` is for choosing the work (tests pass it); workflow
steps check against the real clock.
"""

import logging
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from orgs import calendars
from orgs.models import DataSystem
from requests_app import broker, workflow
from requests_app.actors import SYSTEM
from requests_app.cases import deadlines, reminders
from requests_app.delivery import event_webhooks, notifications
from requests_app.delivery import drp_callbacks
from requests_app.delivery.notifications import Outgoing
from requests_app.errors import WorkflowError
from requests_app.models import (
    FulfilmentTask,
    NextReminder,
    Notification,
    Reminder,
    RequestEvent,
    RightsRequest,
    VerificationChallenge,
)
from requests_app.models import bulk

logger = logging.getLogger(__name__)
Status, Threshold, Kind = RightsRequest.Status, Reminder.Threshold, Notification.Kind


# --- deadline reminders -----------------------------------------------------------------

class DueRequest(NamedTuple):
    """What the sweep reads of a claimed request: enough for reminders.schedule and the
    recipients (plain tuples: a batch of 5,000 model instances costs more than the sweep's SQL)."""

    pk: int
    organisation_id: int
    assignee_id: int | None
    status: str
    paused_at: datetime | None
    received_at: datetime
    acknowledge_by: datetime | None
    due_at: datetime | None
    acknowledged_at: datetime | None


def claim_due(now: datetime, batch: int) -> tuple[list[DueRequest], bool]:
    """Lock (SKIP LOCKED) and read up to `batch` requests whose NextReminder has come,
    earliest first; also whether the batch was full (more may be due). Two statements,
    each reading only the batch whatever the statistics: the pointers, a range of
    next_reminder_at_idx in its order, then their requests by primary key (a join sorted
    by `at` would read every request due before applying the LIMIT)."""
    pointers = list(
        NextReminder.objects.select_for_update(skip_locked=True).filter(at__lte=now).order_by("at")
        .values_list("request_id", flat=True)[:batch]
    )
    if not pointers:
        return [], False
    # A request a workflow step holds is skipped: the step moves its pointer itself, once this batch commits.
    rows = (
        RightsRequest.objects.select_for_update(skip_locked=True).filter(pk__in=pointers).order_by()
        .values_list(*DueRequest._fields)
    )
    return [DueRequest(*row) for row in rows], len(pointers) == batch


def sweep_deadlines(now: datetime | None = None, batch: int = 5000) -> int:
    """Record and send the reminders that have fallen due; returns how many were recorded.

    Reads only requests whose NextReminder has come (next_reminder_at_idx), so the cost
    follows the reminders due, not the number of open requests. Each batch is one
    transaction: the requests are claimed with FOR UPDATE SKIP LOCKED (a second sweep at
    the same time takes other rows, and a workflow step on a claimed request waits for
    the batch), every crossed threshold is inserted with ON CONFLICT DO NOTHING against
    the unique (request, threshold, due date), and only the rows this sweep wrote are
    notified, so each reminder is sent once however many sweeps run. Each request then
    points at its next threshold, or at nothing (closed, paused, or all thresholds
    passed: its NextReminder is deleted). A fixed number of statements per batch,
    whatever its size.

    `Reminder.sent_at` is when its notifications were written to the outbox (their
    delivery is the outbox's business); it stays null for a threshold recorded without
    a message: an older one crossed in the same sweep as a newer one, or one with
    nobody to tell.
    """
    now = now or timezone.now()
    recorded = 0
    while True:
        with transaction.atomic():
            claimed, full = claim_due(now, batch)
            if claimed:
                recorded += _fire(claimed, now)
        if not (full and claimed):  # a full batch all held by workflow steps waits for the next sweep
            return recorded


def _fire(claimed: list[DueRequest], now: datetime) -> int:
    written_at = timezone.now()
    claimed = sorted(claimed, key=lambda rr: rr.pk)  # writes in key order touch fewer index pages
    officers = notifications.officers_by_org({rr.organisation_id for rr in claimed})
    rows, messages, next_at = [], {}, {}
    for rr in claimed:
        crossed = reminders.crossed(rr, now)
        send = reminders.to_send(crossed)
        for threshold, _fires, due in crossed:
            kind, users = _recipients(rr, threshold, officers) if (threshold, due) in send else (None, [])
            rows.append((rr.pk, threshold, due, written_at if users else None))
            if users:
                messages[(rr.pk, threshold)] = (kind, users)
        next_at[rr.pk] = reminders.next_after(rr, now)
    written = bulk.insert_ignoring_conflicts(
        Reminder, ("request", "threshold", "due_at", "sent_at"), rows,
        same={"created_at": written_at}, returning=("id", "request", "threshold"),
    )
    # Only the rows this statement wrote come back: a reminder another sweep (or an
    # earlier one) recorded is not sent again.
    outgoing = []
    for reminder_id, request_id, threshold in written:
        kind, users = messages.get((request_id, threshold), (None, []))
        outgoing += [Outgoing(request_id, kind, user_id, reminder_id=reminder_id) for user_id in users]
    notifications.notify_many(outgoing)
    event_webhooks.due_soon(request_id for _id, request_id, threshold in written if threshold == Threshold.DAYS_2
                            and messages.get((request_id, threshold)))
    # Every claimed pointer was <= now and next_after is > now or None, so each one moves
    # on or goes, and the loop in sweep_deadlines ends.
    bulk.update_column(NextReminder, "at", {pk: at for pk, at in next_at.items() if at is not None})
    NextReminder.objects.filter(request_id__in=[pk for pk, at in next_at.items() if at is None]).delete()
    return len(written)


def _recipients(rr: DueRequest, threshold: str, officers: dict) -> tuple[str, list[int | None]]:
    """Who hears of a threshold: only members of the request's organisation, or the requester.

    7 days / 2 days / due today: the assignee, or every decider while nobody is assigned.
    Overdue: the owners and the assignee (every decider if the organisation has neither).
    Acknowledgement (CCPA): the consumer."""
    if threshold == Threshold.ACKNOWLEDGE:
        return Kind.ACKNOWLEDGEMENT, [None]
    org = officers.get(rr.organisation_id, notifications.Officers())
    # An assignee who has left the organisation or lost the role is not written to.
    assignee = [rr.assignee_id] if rr.assignee_id in org.deciders else []
    if threshold == Threshold.OVERDUE:
        users = org.owners + [pk for pk in assignee if pk not in org.owners]
        return Kind.ESCALATION, users or org.deciders
    return Kind.REMINDER, assignee or org.deciders


# --- re-queueing lost work --------------------------------------------------------------

CODE_GRACE = timedelta(seconds=30)  # the on-commit nudge normally lands well within this
WORK_GRACE = timedelta(minutes=1)
REQUEUE_LIMIT = 500


def requeue_stale_work(now: datetime | None = None, limit: int = REQUEUE_LIMIT) -> dict:
    """Queue again the work the database says is owed but nobody holds (DESIGN.md
    "Background work"): the row is the truth, the queue a nudge. Each kind is found from
    its rows and at most `limit` of it is queued per run; every task queued claims its
    row before working, so a nudge for work already under way does nothing. If the
    broker refuses, the rest waits for the next run. Returns how many were queued per kind.
    """
    from orgs import erasure

    now = now or timezone.now()
    return {
        "verification_codes": broker.publish_each("requests.send_verification_code", _unsent_challenges(now)[:limit]),
        "notifications": notifications.resend_unsent(now=now, limit=limit),
        "fulfilment_tasks": broker.publish_each("requests.run_fulfilment_task", _stale_fulfilment_tasks(now)[:limit]),
        "begin_fulfilment": broker.publish_each("requests.begin_fulfilment", _approved_without_tasks(now)[:limit]),
        "complete_fulfilment": broker.publish_each("requests.complete_fulfilment", _fulfilling_all_done(now)[:limit]),
        # orgs/erasure.py finds its own (open orders are few); queued here with the rest.
        "erasure_orders": broker.publish_each("orgs.run_erasure_order", erasure.stale_order_ids(now)[:limit]),
        "event_deliveries": broker.publish_each("requests.deliver_event", event_webhooks.unsent_ids(now)[:limit]),
        "drp_callbacks": broker.publish_each("requests.deliver_drp_callback", drp_callbacks.unsent_ids(now)[:limit]),
    }



def _unsent_challenges(now: datetime) -> QuerySet:
    """The newest challenge of each unverified request whose code never went out."""
    newer = VerificationChallenge.objects.filter(request=OuterRef("request"), created_at__gt=OuterRef("created_at"))
    return (
        VerificationChallenge.objects.filter(
            sent_at__isnull=True, used_at__isnull=True, created_at__lt=now - CODE_GRACE,
            request__status=Status.SUBMITTED,
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .exclude(Exists(newer))
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


def _stale_fulfilment_tasks(now: datetime) -> QuerySet:
    """Automatic tasks never started, or started by a worker whose lease ran out."""
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    never_started = Q(status=FulfilmentTask.Status.PENDING, created_at__lt=now - WORK_GRACE) & free
    abandoned = Q(status=FulfilmentTask.Status.RUNNING, lease_expires_at__lt=now)
    return (
        FulfilmentTask.objects.filter(never_started | abandoned, request__status=Status.FULFILLING)
        .exclude(connector=DataSystem.Connector.MANUAL)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


def _approved_without_tasks(now: datetime) -> QuerySet:
    approved_at = Subquery(
        RequestEvent.objects.filter(request=OuterRef("pk"), action="approve").order_by("-seq").values("created_at")[:1]
    )
    return (
        RightsRequest.objects.filter(status=Status.APPROVED)
        .exclude(Exists(FulfilmentTask.objects.filter(request=OuterRef("pk"))))
        .annotate(approved_at=approved_at)
        .filter(approved_at__lt=now - WORK_GRACE)
        .order_by("approved_at")
        .values_list("pk", flat=True)
    )


def _fulfilling_all_done(now: datetime) -> QuerySet:
    tasks = FulfilmentTask.objects.filter(request=OuterRef("pk"))
    return (
        RightsRequest.objects.filter(status=Status.FULFILLING)
        .filter(Exists(tasks))
        .exclude(Exists(tasks.exclude(status=FulfilmentTask.Status.DONE)))
        # The on-commit nudge of the last outcome normally closes it; wait a little first.
        .exclude(Exists(tasks.filter(completed_at__gte=now - WORK_GRACE)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- expiry and contact purge -----------------------------------------------------------

PAGE = 500


def expire_unverified(now: datetime | None = None) -> int:
    """Expire every submitted request whose time to verify has run out (workflow.expire,
    SYSTEM actor, one event each). A request that cannot be expired (verified meanwhile,
    a database error) is logged by id and the others go on. Returns how many expired."""
    now = now or timezone.now()
    candidates = RightsRequest.objects.filter(status=Status.SUBMITTED, expires_at__lte=now)
    return _each(candidates, workflow.expire, "expire")


def sweep_pauses(now: datetime | None = None) -> dict:
    """Close the cases whose question went unanswered for their policy's
    `pause_close_after` (workflow.close_unanswered), then remind once the people whose
    pause ran `pause_chase_after` (workflow.chase_subject). Both steps check their own
    instant and refuse a second run, so the sweep is idempotent; closing goes first, so a
    case due for both (a sweep that was down) is closed, not reminded. Returns how many
    of each."""
    now = now or timezone.now()
    paused = RightsRequest.objects.filter(status=Status.AWAITING_SUBJECT, paused_at__isnull=False)
    closed = _each(RightsRequest.objects.filter(pk__in=_paused_due(paused, now, "pause_close_after",
                                                                   deadlines.pause_close_at)),
                   workflow.close_unanswered, "close unanswered")
    chased_since = RequestEvent.objects.filter(request=OuterRef("pk"), action="chase_subject",
                                               created_at__gte=OuterRef("paused_at"))
    chased = _each(RightsRequest.objects.filter(pk__in=_paused_due(paused.exclude(Exists(chased_since)), now,
                                                                   "pause_chase_after", deadlines.pause_chase_at)),
                   workflow.chase_subject, "remind about")
    return {"closed": closed, "chased": chased}


def _paused_due(paused: QuerySet, now: datetime, field: str, instant) -> list[int]:
    """The paused requests whose `instant` (deadlines.pause_chase_at / pause_close_at) has
    come: a cheap bound in SQL per jurisdiction, the exact instant in Python."""
    bound = Q(pk__in=[])
    for code, policy in deadlines.POLICIES.items():
        if getattr(policy, field) is not None:
            # A day of slack: a daylight-saving change may make a local day 23 hours.
            bound |= Q(jurisdiction=code, paused_at__lte=now - _at_least(getattr(policy, field)) + timedelta(days=1))
    rows = paused.filter(bound).select_related("organisation").only(
        "pk", "jurisdiction", "paused_at", "organisation__time_zone")
    return [
        rr.pk for rr in rows
        if instant(deadlines.get_policy(rr.jurisdiction), paused_at=rr.paused_at, tz=rr.organisation.time_zone) <= now
    ]


def purge_closed_contacts(now: datetime | None = None) -> int:
    """Remove the contact details of closed cases kept past their policy's period
    (workflow.purge_contact_details: the subject's name, email, phone, identifier hashes
    and masked identifiers, the filer's name and email), keeping the anonymised request
    and its history. Returns how many requests were purged."""
    now = now or timezone.now()
    contact_left = Q(subject__contact_purged_at__isnull=True) | ~Q(requester_email="") | ~Q(requester_name="")
    candidates = RightsRequest.objects.filter(
        contact_left, status__in=RightsRequest.CLOSED_STATUSES, closed_at__isnull=False,
    )
    # A cheap bound in SQL per jurisdiction, the exact date (end of day, the organisation's
    # time zone) in Python: only requests closed at least the shortest form of the period ago.
    by_jurisdiction = Q(pk__in=[])
    for code, policy in deadlines.POLICIES.items():
        by_jurisdiction |= Q(jurisdiction=code, closed_at__lte=now - _at_least(policy.contact_retention))
    due = [
        rr.pk
        for rr in candidates.filter(by_jurisdiction).select_related("organisation").only(
            "pk", "jurisdiction", "closed_at", "organisation__time_zone"
        )
        if deadlines.contact_purge_at(
            deadlines.get_policy(rr.jurisdiction), closed_at=rr.closed_at, tz=rr.organisation.time_zone
        ) <= now
    ]
    return _each(RightsRequest.objects.filter(pk__in=due), workflow.purge_contact_details, "purge contact details of")


def recount_covered_calendars() -> int:
    """Count again the deadlines of open requests flagged for a year no working-day calendar
    covered, now that one does (workflow.recount_deadlines). Returns how many were recounted."""
    flagged = RightsRequest.objects.exclude(status__in=RightsRequest.CLOSED_STATUSES).filter(
        calendar_uncovered_year__isnull=False
    )
    covered = Q(pk__in=[])
    pairs = flagged.values_list("jurisdiction", "calendar_uncovered_year").distinct().order_by()
    for code, year in pairs:
        if calendars.calendar_for(code).covers(year):
            covered |= Q(jurisdiction=code, calendar_uncovered_year=year)
    return _each(flagged.filter(covered), workflow.recount_deadlines, "recount the deadlines of")


def _at_least(period: deadlines.Period) -> timedelta:
    unit = deadlines.Unit
    days_per = {unit.DAYS: 1, unit.BUSINESS_DAYS: 1, unit.MONTHS: 28}
    return timedelta(days=period.amount * days_per[period.unit])


def _each(candidates, step, what: str) -> int:
    """Run a SYSTEM workflow step on every candidate, page by page; one failure stops none."""
    done, last = 0, 0
    while True:
        page = list(candidates.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:PAGE])
        for pk in page:
            try:
                step(RightsRequest.objects.get(pk=pk), actor=SYSTEM)
            except WorkflowError as exc:
                logger.info("did not %s request %s: %s", what, pk, type(exc).__name__)
            except Exception:  # noqa: BLE001 - one bad row must not stop the sweep; logged by id
                logger.exception("could not %s request %s", what, pk)
            else:
                done += 1
        if len(page) < PAGE:
            return done
        last = page[-1]

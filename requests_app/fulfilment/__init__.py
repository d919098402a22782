"""Carrying out an approved request in every data system that may hold the person's data.

The database row is the truth and the queue only a nudge: every function here may run
twice, or in two workers at once, and still do its work once. A task is claimed with a
conditional UPDATE (pending, or running with its lease run out -> running, a new lease,
one more attempt) committed before any work, and the connector goes on only while that
attempt still holds the task.

This module runs the tasks; beside it are the connectors, one per kind of system
(vault.py: the built-in biometric vault; webhook.py: a signed POST completed by the
system's signed callback, received by hooks.py; manual.py: the system's owner confirms
by hand, on task_views.py's page). The steps a task takes (each with its rule in
workflow.transitions.TASK_RULES and its event) are the workflow's: workflow/task_steps.py.
May import the workflow and everything below it; never the desk, the public pages or
the API.
"""

import logging
from datetime import timedelta

from django.db import OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from orgs.models import DataSystem
from requests_app import workflow
from requests_app.actors import SYSTEM
from requests_app.errors import TransitionNotAllowed
from requests_app.fulfilment import vault, webhook
from requests_app.models import FulfilmentTask, RightsRequest
from requests_app.workflow import task_steps, transitions

logger = logging.getLogger(__name__)
Kind = RightsRequest.Kind
Status = RightsRequest.Status
TaskStatus = FulfilmentTask.Status
Connector = DataSystem.Connector
LEASE = timedelta(minutes=10)
# Beyond this many claims (worker deaths, bugs) a task stops being retried and an officer steps in.
MAX_ATTEMPTS = 10
# Kinds carried out in the data systems; an explanation is written by the officer instead.
SYSTEM_KINDS = (
    Kind.DELETION, Kind.RESTRICTION, Kind.CORRECTION, Kind.ACCESS, Kind.COPY, Kind.PORTABILITY,
    Kind.WITHDRAW_CONSENT, Kind.OPT_OUT_SALE, Kind.LIMIT_SENSITIVE, Kind.OPT_OUT_TARGETED, Kind.OPT_OUT_PROFILING,
)
CONNECTORS = {Connector.VAULT: vault.run, Connector.WEBHOOK: webhook.run}


def begin(request_id: int) -> None:
    """Start fulfilment of an approved request as the system: one task per data system
    that may hold the person's data (workflow.start_fulfilment, whose effects queue the
    vault and webhook tasks and tell the owners of manual ones).

    Left to the officer: an explanation (no system to run), and an organisation with no
    such system (finishing would certify a deletion nobody carried out). Idempotent: a
    request already started, or no longer approved, is left alone."""
    rr = RightsRequest.objects.filter(pk=request_id).first()
    if rr is None or rr.status != Status.APPROVED or rr.kind not in SYSTEM_KINDS or rr.fulfilment_tasks.exists():
        return
    if not DataSystem.objects.filter(organisation_id=rr.organisation_id, holds_personal_data=True).exists():
        logger.warning("request %s approved but its organisation has no data system; left to the officer", rr.pk)
        return
    try:
        workflow.start_fulfilment(rr, actor=SYSTEM)
    except TransitionNotAllowed:
        pass  # another run (or an officer) started it, or the request moved on


def run_task(task_id: int) -> None:
    """Claim the task and run its connector. Side effects: the connector's (records
    erased or exported, a webhook sent), the task's outcome and its events. A task
    another worker holds, or one done, failed or waiting for a callback, is left alone;
    manual tasks never run here. Raises connectors.Unavailable for a retry later."""
    task = FulfilmentTask.objects.select_related("request__subject", "request__organisation", "system").filter(
        pk=task_id
    ).first()
    if task is None or task.connector not in CONNECTORS or task.request.status != Status.FULFILLING:
        return
    lease = _claim(task_id)
    if lease is None:
        return
    if lease > MAX_ATTEMPTS:
        _give_up(task, lease)
        return
    try:
        CONNECTORS[task.connector](task, lease=lease)
    except OperationalError as exc:
        # The connector's transaction rolled back; hand the task back at once so the
        # retry (seconds away, requests_app/tasks.py) can claim it again.
        release(task_id, lease, f"database busy ({type(exc).__name__}), retrying")
        raise


def release(task_id: int, lease: int, why: str) -> bool:
    """Give back a task this worker holds under attempt `lease` for a retry, saying why."""
    return bool(transitions.update_tasks(
        FulfilmentTask.objects.filter(pk=task_id, attempts=lease), "release", lease_expires_at=None,
        last_error=why[:300],
    ))


def _claim(task_id: int) -> int | None:
    """The attempt number this worker now holds the task under, or None if it cannot."""
    now = timezone.now()
    with transaction.atomic():
        # Pending, or running under a lease that ran out: transitions.TASK_RULES["claim"].
        claimed = transitions.update_tasks(
            FulfilmentTask.objects.filter(pk=task_id), "claim", now,
            lease_expires_at=now + LEASE, attempts=F("attempts") + 1,
        )
        if not claimed:
            return None
        # Our UPDATE holds the row until commit, so this is our own attempt number.
        return FulfilmentTask.objects.values_list("attempts", flat=True).get(pk=task_id)


def _give_up(task: FulfilmentTask, lease: int) -> None:
    logger.error("task %s claimed %s times without finishing; failing it for an officer", task.pk, lease)
    with transaction.atomic():
        RightsRequest.objects.select_for_update().get(pk=task.request_id)
        locked = FulfilmentTask.objects.select_for_update().get(pk=task.pk)
        if locked.status == TaskStatus.RUNNING and locked.attempts == lease:
            workflow.record_task_outcome(
                locked, actor=SYSTEM, failed=True,
                outcome={"connector": task.connector, "error": f"gave up after {lease - 1} attempts"},
            )


def complete_if_done(request_id: int) -> None:
    """Finish a fulfilling request once every one of its tasks is done: fulfilled, with its
    erasure certificate issued in the same step (workflow.finish_fulfilment), and the
    subject told by the update that step sends. Idempotent: a request with a task still
    open, or already fulfilled, is left alone; two runs at once finish it once."""
    rr = RightsRequest.objects.filter(pk=request_id, status=Status.FULFILLING).first()
    if rr is None:
        return
    statuses = set(rr.fulfilment_tasks.values_list("status", flat=True))
    if statuses != {TaskStatus.DONE}:
        return  # a task still open (or none at all: that is the officer's call)
    try:
        workflow.finish_fulfilment(rr, actor=SYSTEM)
    except TransitionNotAllowed:
        pass  # finished by another run meanwhile


def flag_silent_tasks(limit: int = 500) -> int:
    """Flag webhook tasks still waiting for their callback past their deadline, once each
    (task_steps.flag_silent_task: an event, and the owners and officers told). Returns how
    many were flagged. Idempotent: two sweeps at once flag a task once."""
    now = timezone.now()
    silent = FulfilmentTask.objects.filter(
        status=TaskStatus.AWAITING_CALLBACK, deadline_at__lt=now, flagged_at__isnull=True
    ).select_related("request", "system")[:limit]
    flagged = 0
    for task in list(silent):
        try:
            flagged += task_steps.flag_silent_task(task, actor=SYSTEM, now=now)
        except TransitionNotAllowed:
            logger.warning("task %s is silent, but its request is no longer fulfilling", task.pk)
    return flagged

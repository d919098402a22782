"""A signed webhook to an external system, completed by the system's signed callback.

`run` POSTs the request (HMAC-SHA256 over "<timestamp>.<body>", requests_app/delivery/signing.py)
outside any transaction. A 2xx leaves the task waiting for the callback until its
deadline; an endpoint that is down, slow or answers 5xx releases the task and raises
`Unavailable`, which the Celery task retries with backoff; any other answer fails the
task and tells the officers. `handle_callback` records the system's signed answer once:
a task no longer waiting (done, failed) refuses it, which stops a replay.
"""

import json
import logging
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from orgs.crypto import TemplateUnreadable
from requests_app import workflow
from requests_app.actors import SYSTEM
from requests_app.cases.outcomes import OPT_OUT_OUTCOME, RecordOutcome, outcomes_for
from requests_app.delivery import destinations, signing
from requests_app.errors import InvalidInput, TransitionNotAllowed, Unavailable
from requests_app.models import FulfilmentTask, RightsRequest
from requests_app.workflow import task_steps
from requests_app.workflow.transitions import update_tasks

logger = logging.getLogger(__name__)
Status = FulfilmentTask.Status
TIMEOUT_SECONDS = 10
# After this many attempts at an unreachable endpoint the task fails and an officer steps in.
MAX_ATTEMPTS = 8
CALLBACK_OUTCOMES = (RecordOutcome.DELETED, RecordOutcome.STORAGE_ONLY, RecordOutcome.NOT_FOUND)
# An opt-out's system answers what it recorded instead (handle_callback checks the kind).
OPT_OUT_CALLBACK_OUTCOMES = (RecordOutcome.OPTED_OUT, RecordOutcome.USE_LIMITED, RecordOutcome.NOT_APPLICABLE)
MAX_CALLBACK_RECORDS = 1000
# A task waits for its callback from its first POST until it is done or failed: the
# answer may come while the POST is still in flight (RUNNING), or after a POST that timed
# out on our side yet reached the system (PENDING again, for a retry).
WAITING = (Status.PENDING, Status.RUNNING, Status.AWAITING_CALLBACK)


def payload(task: FulfilmentTask) -> dict:
    """What the external system is told: the request, whom it is about, where to answer.
    `task` is the same on every retry, so the system can tell a repeat from a new request."""
    rr, subject = task.request, task.request.subject
    return {
        "task": str(task.public_id),
        "request": rr.reference,
        "kind": rr.kind,
        "jurisdiction": rr.jurisdiction,
        "subject": {
            "email": subject.email,
            "phone": subject.phone,
            "identifier_hashes": {kind: value for kind, value in subject.identifier_hashes().items() if value},
        },
        "callback_url": settings.SITE_URL.rstrip("/")
        + reverse("requests_app:fulfilment_callback", args=[task.public_id]),
    }


def run(task: FulfilmentTask, *, lease: int) -> None:
    """POST the signed request for the task this worker claimed (attempt number `lease`)."""
    system = task.system
    try:
        secret = system.webhook_secret()
    except (TypeError, TemplateUnreadable):
        _fail(task, lease, {"connector": "webhook", "error": "no usable webhook secret is configured"})
        return
    body = json.dumps(payload(task), cls=DjangoJSONEncoder).encode()
    headers = {"Content-Type": "application/json", **signing.sign(secret, body)}
    try:
        # Checked and connected in one step: the connection goes to the address checked.
        response = destinations.post(system.webhook_url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except destinations.UnsafeDestination as exc:
        _fail(task, lease, {"connector": "webhook", "error": f"destination refused: {exc}"})
        return
    except (requests.ConnectionError, requests.Timeout) as exc:
        _retry_later(task, lease, f"{type(exc).__name__}")
        return
    status_code = response.status_code
    if status_code >= 500:
        _retry_later(task, lease, f"HTTP {status_code}")
    elif 200 <= status_code < 300:
        _await_callback(task, lease, status_code)
    else:
        logger.warning("webhook of task %s refused with HTTP %s", task.pk, status_code)
        _fail(task, lease, {"connector": "webhook", "status_code": status_code, "error": "refused by the system"})


def _await_callback(task: FulfilmentTask, lease: int, status_code: int) -> None:
    try:
        if not task_steps.await_callback(task, actor=SYSTEM, lease=lease, status_code=status_code):
            logger.info("task %s: accepted by the system, but no longer held by attempt %s", task.pk, lease)
    except TransitionNotAllowed:
        logger.warning("task %s: accepted by the system, but its request is no longer fulfilling", task.pk)


def _retry_later(task: FulfilmentTask, lease: int, why: str) -> None:
    """Release the task for a retry, or fail it once it has had its attempts."""
    if lease >= MAX_ATTEMPTS:
        _fail(task, lease, {"connector": "webhook", "error": f"unreachable after {lease} attempts ({why})"})
        return
    released = update_tasks(
        FulfilmentTask.objects.filter(pk=task.pk, attempts=lease), "release",
        lease_expires_at=None, result={"connector": "webhook", "last_error": why},
        last_error=(_("the system did not answer (%(why)s), attempt %(attempt)s of %(max)s")
                    % {"why": why, "attempt": lease, "max": MAX_ATTEMPTS})[:300],
    )
    logger.info("webhook of task %s unavailable (%s), attempt %s", task.pk, why, lease)
    if released:
        raise Unavailable(f"task {task.pk}: {why}")


def _fail(task: FulfilmentTask, lease: int, result: dict) -> None:
    with transaction.atomic():
        RightsRequest.objects.select_for_update().get(pk=task.request_id)
        locked = FulfilmentTask.objects.select_for_update().get(pk=task.pk)
        if locked.status == Status.RUNNING and locked.attempts == lease:
            workflow.record_task_outcome(locked, actor=SYSTEM, outcome=result, failed=True)


def verify_signature(task: FulfilmentTask, body: bytes, timestamp: str | None, signature: str | None) -> None:
    """Raise signing.BadSignature unless the system's secret signed `body` recently."""
    try:
        secret = task.system.webhook_secret()
    except (TypeError, TemplateUnreadable):
        raise signing.BadSignature("the system has no usable secret") from None
    signing.verify(secret, body, timestamp, signature)


@dataclass(frozen=True)
class Callback:
    status: str  # "done" or "failed"
    records: list[dict]
    note: str


def parse_callback(body: bytes) -> Callback:
    """The system's answer, checked field by field; raises InvalidInput (never anything else)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput({"body": _("The body is not JSON.")}) from None
    if not isinstance(data, dict):
        raise InvalidInput({"body": _("The body must be a JSON object.")})
    errors = {}
    status = data.get("status")
    if status not in ("done", "failed"):
        errors["status"] = _("Give status \"done\" or \"failed\".")
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > 2000:
        errors["note"] = _("Give the note as text of at most 2000 characters.")
    raw_records = data.get("records", [])
    records = []
    if not isinstance(raw_records, list) or len(raw_records) > MAX_CALLBACK_RECORDS:
        errors["records"] = _("Give the records as a list of at most %(max)s items.") % {"max": MAX_CALLBACK_RECORDS}
    else:
        for item in raw_records:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("external_id"), str)
                and 0 < len(item["external_id"]) <= 200
                and item.get("outcome") in CALLBACK_OUTCOMES + OPT_OUT_CALLBACK_OUTCOMES
                and isinstance(item.get("reason", ""), str)
            ):
                errors["records"] = _(
                    "Each record needs an external_id (text) and an outcome: deleted, storage_only or not_found."
                )
                break
            record = {"external_id": item["external_id"], "outcome": item["outcome"]}
            if item.get("reason"):
                record["reason"] = item["reason"][:300]
            records.append(record)
    if errors:
        raise InvalidInput(errors)
    return Callback(status=status, records=records, note=note)


def handle_callback(task: FulfilmentTask, callback: Callback) -> None:
    """Record the system's answer; TransitionNotAllowed if the task is not waiting for one."""
    outcome = {"connector": "webhook", "records": callback.records, "note": callback.note}
    with transaction.atomic():
        rr = RightsRequest.objects.select_for_update().get(pk=task.request_id)
        if rr.kind in OPT_OUT_OUTCOME or any(r["outcome"] in OPT_OUT_CALLBACK_OUTCOMES for r in callback.records):
            fitting = set(outcomes_for(rr.kind)) & set(CALLBACK_OUTCOMES + OPT_OUT_CALLBACK_OUTCOMES)
            if any(record["outcome"] not in fitting for record in callback.records):
                raise InvalidInput({"records": _("Each record's outcome must fit the request: %(outcomes)s.") % {
                    "outcomes": ", ".join(sorted(fitting))}})
        locked = FulfilmentTask.objects.select_for_update().get(pk=task.pk)
        if locked.status not in WAITING or locked.attempts == 0:
            raise TransitionNotAllowed(_("This task is not waiting for a callback."))
        if callback.status == "done":
            workflow.record_task_outcome(locked, actor=SYSTEM, outcome=outcome)
        else:
            workflow.record_task_outcome(locked, actor=SYSTEM, outcome=outcome, failed=True)

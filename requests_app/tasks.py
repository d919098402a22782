"""Celery tasks: named, take ids only, load the rows, call one service, safe to run twice.

Each is acks_late (a worker killed mid-task leaves the message to be delivered again)
and retries only errors that can succeed later: a mail server or webhook endpoint that
is unreachable for now. Long waits are never countdowns on the broker; the periodic
sweeps find due work in the database instead.
"""

import logging
import random
import smtplib

import requests
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orgs import law
from requests_app import fulfilment, workflow
from requests_app.fulfilment import devices as device_receipts
from requests_app.cases import tokens
from requests_app.delivery import event_webhooks, notifications
from requests_app.delivery import drp_callbacks
from requests_app.delivery.sms import send_sms
from requests_app.errors import Unavailable
from requests_app.models import VerificationChallenge
from requests_app.transparency import sequencer
from requests_app.workflow import sweeps

logger = logging.getLogger(__name__)

# A mail server or endpoint that is down or slow now may answer later; nothing else is retried.
TRANSIENT = (
    smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError,
    requests.ConnectionError, requests.Timeout, Unavailable,
)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": 30, "retry_backoff_max": 600, "max_retries": 6}
# A busy or briefly unreachable database (SQLite's write lock held past its timeout, a
# PostgreSQL fail-over) is retried within seconds, never left to a lease or the sweep.
DB_BUSY_RETRIES = 8


def _retry_soon(task, exc: OperationalError):
    """Retry `task` in 0.5-5 s (with jitter, so two workers do not collide again)."""
    delay = min(0.5 * 2 ** task.request.retries, 5.0) * random.uniform(0.8, 1.2)
    logger.warning("%s: database busy (%s); retrying in %.1f s", task.name, type(exc).__name__, delay)
    return task.retry(exc=exc, countdown=delay, max_retries=DB_BUSY_RETRIES)


@shared_task(name="requests.send_verification_code", acks_late=True, **RETRY)
def send_verification_code(challenge_id: int) -> None:
    """Send a fresh six-digit code for the challenge, once: a rerun finds it sent or leased.

    It goes to the person's own contact (never an agent's mailbox; for a deceased person,
    the relative's own), with the page to enter it on. Where the law wants receipt
    acknowledged (CCPA regs §7021(a)) this mail is the acknowledgement: it says how
    verification works and when the answer is due, and is recorded as given."""
    challenge = VerificationChallenge.objects.select_related("request__subject", "request__organisation").get(
        pk=challenge_id
    )
    code = tokens.claim_code(challenge)
    if code is None:
        return
    rr = challenge.request
    subject, body = code_mail(rr, code)
    if challenge.channel == VerificationChallenge.Channel.SMS:
        send_sms(rr.contact_phone, body)
    else:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [rr.confirmation_email])
    tokens.mark_code_sent(challenge)
    if rr.acknowledge_by is not None:
        workflow.record_acknowledgement(rr, channel=challenge.channel)


def code_mail(rr, code: str) -> tuple[str, str]:
    """The subject and text of the code mail (or text message), in the requester's language."""
    organisation = rr.organisation
    texts = law.texts(rr.jurisdiction)
    with translation.override(rr.subject.preferred_language), timezone.override(organisation.time_zone):
        acknowledgement = ""
        if rr.acknowledge_by is not None and rr.acknowledged_at is None and texts.acknowledgement is not None:
            acknowledgement = texts.acknowledgement % {
                "organisation": organisation.local_name,
                "received": date_format(timezone.localtime(rr.received_at), "DATE_FORMAT"),
                "due": date_format(timezone.localtime(rr.due_at), "DATE_FORMAT") if rr.due_at else "",
            }
        verify_url = settings.SITE_URL.rstrip("/") + reverse("public:verify", kwargs={"submission": rr.submission})
        body = render_to_string("emails/verification_code.txt", {
            "request": rr, "organisation": organisation, "code": code, "verify_url": verify_url,
            "acknowledgement": acknowledgement, "verification_steps": texts.verification_steps or "",
        }).strip()
        return _("Your Rightsdesk code"), body


@shared_task(name="requests.send_notifications", acks_late=True, **RETRY)
def send_notifications(notification_ids: list[int]) -> None:
    """Deliver each notification not yet sent; one already sent or leased is skipped.

    One bad notification does not hold up the others: it is logged (by id) and left to the
    re-send sweep; a transient failure retries the batch once the rest was tried."""
    transient = None
    for notification_id in notification_ids:
        try:
            notifications.deliver(notification_id)
        except TRANSIENT as exc:
            transient = exc
        except Exception as exc:  # noqa: BLE001 - its text may name the recipient: log the type only
            logger.error("notification %s could not be sent: %s", notification_id, type(exc).__name__)
    if transient is not None:
        raise transient


@shared_task(name="requests.deliver_event", acks_late=True, **RETRY)
def deliver_event(delivery_id: int) -> None:
    """POST one event delivery to its subscription, signed, once: a rerun finds it sent or
    leased. An endpoint down, slow or answering 5xx raises Unavailable and is retried."""
    event_webhooks.deliver(delivery_id)


@shared_task(name="requests.deliver_drp_callback", acks_late=True, **RETRY)
def deliver_drp_callback(callback_id: int) -> None:
    """POST one DRP status callback to its agent, signed, once (requests_app/delivery/drp_callbacks.py);
    an agent down, slow or answering 5xx raises Unavailable and is retried with backoff."""
    drp_callbacks.deliver(callback_id)


@shared_task(name="requests.begin_fulfilment", acks_late=True, bind=True)
def begin_fulfilment(self, request_id: int) -> None:
    """Create the fulfilment tasks of an approved request (no-op once it has started)."""
    try:
        fulfilment.begin(request_id)
    except OperationalError as exc:
        raise _retry_soon(self, exc) from exc


@shared_task(name="requests.run_fulfilment_task", acks_late=True, bind=True, **RETRY)
def run_fulfilment_task(self, task_id: int) -> None:
    """Carry out one data system's part through its connector; a done task is left alone.
    A busy database releases the task (fulfilment.run_task) and retries it in seconds."""
    try:
        fulfilment.run_task(task_id)
    except OperationalError as exc:
        raise _retry_soon(self, exc) from exc


@shared_task(name="requests.complete_fulfilment", acks_late=True, bind=True)
def complete_fulfilment(self, request_id: int) -> None:
    """Close the request as fulfilled and issue its certificate once every task is done."""
    try:
        fulfilment.complete_if_done(request_id)
    except OperationalError as exc:
        raise _retry_soon(self, exc) from exc


@shared_task(name="requests.sweep_deadlines", acks_late=True)
def sweep_deadlines() -> int:
    """Fire the reminders and escalations that have fallen due (each exactly once)."""
    return sweeps.sweep_deadlines()


@shared_task(name="requests.requeue_stale_work", acks_late=True)
def requeue_stale_work() -> dict:
    """Queue again the work whose message was lost or whose worker died (lease ran out)."""
    return sweeps.requeue_stale_work()


@shared_task(name="requests.flag_silent_webhooks", acks_late=True)
def flag_silent_webhooks() -> int:
    """Tell the officers about webhook tasks that heard nothing by their deadline."""
    return fulfilment.flag_silent_tasks()


@shared_task(name="requests.settle_device_receipts", acks_late=True)
def settle_device_receipts() -> dict:
    """Move on the request tasks and erasure orders whose device deletions are all confirmed."""
    return device_receipts.settle()


@shared_task(name="requests.expire_unverified", acks_late=True)
def expire_unverified() -> int:
    """Close requests whose identity was not verified within the policy's period."""
    return sweeps.expire_unverified()


@shared_task(name="requests.sweep_pauses", acks_late=True)
def sweep_pauses() -> dict:
    """Remind once, then close, the cases whose question went unanswered too long."""
    return sweeps.sweep_pauses()


@shared_task(name="requests.purge_closed_contacts", acks_late=True)
def purge_closed_contacts() -> int:
    """Remove the contact details of cases closed longer than the policy keeps them."""
    return sweeps.purge_closed_contacts()


@shared_task(name="requests.recount_covered_calendars", acks_late=True)
def recount_covered_calendars() -> int:
    """Recount business-day deadlines flagged for a year a working-day calendar now covers."""
    return sweeps.recount_covered_calendars()


@shared_task(name="requests.integrate_log", acks_late=True, expires=30)
def integrate_log() -> int:
    """Append the events written since the last run to the transparency log and sign the
    new head; the tree size after (unchanged when nothing was pending)."""
    head = sequencer.integrate()
    return head.size if head else 0

"""Side effects of workflow steps, queued to run after the step's transaction commits.

The database row is the truth and the queue only a nudge: if the broker cannot be
reached the step still stands, and the failure is logged (by id, never personal data).
"""

import logging

from django.db import transaction

from requests_app.models import RequestEvent, VerificationChallenge

logger = logging.getLogger(__name__)


def _enqueue(task, *args) -> None:
    def send():
        try:
            task.delay(*args)
        except Exception:  # noqa: BLE001 - any broker failure must not undo a committed step
            logger.warning("could not queue %s%r; the periodic sweep will pick it up", task.name, args)

    transaction.on_commit(send)


def send_verification_code(challenge: VerificationChallenge) -> None:
    from requests_app import tasks

    _enqueue(tasks.send_verification_code, challenge.pk)


def after_event(event: RequestEvent) -> None:
    """Tell the subject of every change they can see."""
    from requests_app import tasks

    if event.visible_to_subject and event.action != "submit":
        _enqueue(tasks.notify_subject, event.pk)

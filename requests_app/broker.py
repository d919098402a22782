"""Publishing background work: a Celery task, by its name, never failing the caller.

The row is the truth and the queue only a nudge (DESIGN.md "Background work"): if the
broker cannot be reached, the step that queued the work still stands, the failure is
logged (by id, never personal data), and the re-queue sweep finds the work again from
the rows. Tasks are named here rather than imported, so the code that queues work (the
workflow, the outboxes, the sweeps) never imports requests_app/tasks.py, which imports it.
"""

import logging
from collections.abc import Iterable

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args) -> None:
    """Publish the task with `args` once the current transaction commits."""

    def send():
        try:
            current_app.tasks[task_name].delay(*args)
        except Exception:  # noqa: BLE001 - any broker failure must not undo a committed step
            logger.warning(
                "could not queue %s for %s; the re-queue sweep will pick it up", task_name, args[:1], exc_info=True
            )

    transaction.on_commit(send)


def publish_each(task_name: str, arguments: Iterable) -> int:
    """Publish the task once per argument, now; stop at the first refusal of the broker
    (logged once: the rest waits for the next sweep). Returns how many were published."""
    task = current_app.tasks[task_name]
    published = 0
    for argument in arguments:
        try:
            task.delay(argument)
        except Exception:  # noqa: BLE001 - broker down: the rows wait for the next run
            logger.warning("could not queue %s for %s; will retry on the next sweep", task_name, argument,
                           exc_info=True)
            break
        published += 1
    return published

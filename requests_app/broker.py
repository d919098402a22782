"""Publishing background work: a Celery task, by its name, never failing the caller.

The row is the truth and the queue only a nudge (DESIGN.md "Background work"): if the
broker cannot be reached, the step that queued the work still stands, the failure is
logged (by id, never personal data), and the re-queue sweep finds the work again from
the rows. Tasks are named here rather than imported, so the code that queues work (the
workflow, the outboxes, the sweeps) never imports requests_app/tasks.py, which imports it.

Work queued while a web request is answered is published after its response has gone
(Django's request_finished, sent when the server closes the response): the person waits
for the rows, never for the broker. A process that dies in between loses only the nudge.
"""

import logging
import threading
from collections.abc import Callable, Iterable

from celery import current_app
from django.core.signals import request_finished, request_started
from django.db import transaction

logger = logging.getLogger(__name__)

_answering = threading.local()  # .held: the sends waiting for this thread's response to go


def enqueue(task_name: str, *args) -> None:
    """Publish the task with `args` once the current transaction commits (and, in a web
    request, once its response has gone)."""

    def send():
        try:
            current_app.tasks[task_name].delay(*args)
        except Exception:  # noqa: BLE001 - any broker failure must not undo a committed step
            logger.warning(
                "could not queue %s for %s; the re-queue sweep will pick it up", task_name, args[:1], exc_info=True
            )

    transaction.on_commit(lambda: _after_response(send))


def _after_response(send: Callable[[], None]) -> None:
    held = getattr(_answering, "held", None)
    if held is None:
        send()
    else:
        held.append(send)


def _hold(**_kwargs) -> None:
    _publish_held()  # a response never closed (a dropped connection) still publishes its work
    _answering.held = []


def _publish_held(**_kwargs) -> None:
    held, _answering.held = getattr(_answering, "held", None) or [], None
    for send in held:
        send()


request_started.connect(_hold, dispatch_uid="requests_app.broker.hold")
request_finished.connect(_publish_held, dispatch_uid="requests_app.broker.publish_held")


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

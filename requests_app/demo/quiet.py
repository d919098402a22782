"""What is silenced while the demo is seeded: mail (to the locmem outbox), the broker
(Celery runs tasks in process) and the log lines a replay would fill the terminal with."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from celery import current_app
from django.core import mail
from django.test.utils import override_settings

LOCMEM_EMAIL = "django.core.mail.backends.locmem.EmailBackend"


@contextmanager
def quiet_side_effects() -> Iterator[None]:
    """Replay history without reaching anybody: mail goes to the locmem outbox and Celery
    runs the tasks queued on commit in process, so nothing waits in the broker to notify
    demo subjects of events that 'happened' weeks ago."""
    conf = current_app.conf
    saved = {k: conf.get(k) for k in ("task_always_eager", "task_eager_propagates")}
    had_outbox, old_outbox = hasattr(mail, "outbox"), getattr(mail, "outbox", None)
    # One "task succeeded" line per replayed event is noise; failures are still logged.
    # The gate vendor is not up yet while seeding: its task waits for the re-queue sweep,
    # which `make run`'s worker runs within a minute; that is expected, not a warning.
    loggers = {logging.getLogger("celery.app.trace"): logging.WARNING, logging.getLogger("kombu.connection"): logging.ERROR,
               logging.getLogger("requests_app.broker"): logging.ERROR,
               logging.getLogger("requests_app.fulfilment.webhook"): logging.ERROR}
    levels = {logger: logger.level for logger in loggers}
    conf.update(task_always_eager=True, task_eager_propagates=True)
    mail.outbox = []
    for logger, level in loggers.items():
        logger.setLevel(level)
    try:
        with override_settings(EMAIL_BACKEND=LOCMEM_EMAIL):
            yield
    finally:
        for logger, level in levels.items():
            logger.setLevel(level)
        conf.update(saved)
        if had_outbox:
            mail.outbox = old_outbox
        else:
            del mail.outbox

"""An outbox: rows written inside the caller's transaction, each sent once by whichever
worker claims it (notifications.py for mail and texts, event_webhooks.py for
subscribers' webhooks).

A row has `created_at`, `sent_at`, `lease_until` and `attempts`. `claim` is a
conditional UPDATE committed on its own (call it outside a transaction): of two runs at
once only one gets the row; a run after the send finds `sent_at` set. A try that fails
`release`s the row at once: the spacing between tries is the queued task's (Celery's
retry_backoff, requests_app/tasks.py) and the re-send sweep's, which waits `older_than`
and stops after `max_attempts`. A worker that dies while sending leaves its lease to run
out, and the sweep (`due`) hands the row to another: at least once, normally once.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

from requests_app.delivery import destinations
from requests_app.errors import Unavailable

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
RETRY_STATUSES = {408, 429}  # with any 5xx: the endpoint may take it later


@dataclass(frozen=True)
class Outbox:
    model: type[Model]
    lease: timedelta  # how long a claim holds the row from other workers
    max_attempts: int  # claims after which the sweep leaves the row to a person (admin)

    def claim(self, pk: int) -> bool:
        """Take the row for `lease` if it is unsent and nobody holds it; True if this call got it."""
        now = timezone.now()
        return bool(
            self.model.objects.filter(pk=pk, sent_at__isnull=True)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .update(lease_until=now + self.lease, attempts=F("attempts") + 1)
        )

    def release(self, pk: int, **fields) -> None:
        """Hand a claimed row back after a failed try, so that the retry (or the sweep) may
        claim it at once rather than after the lease; `fields` are saved with it."""
        self.model.objects.filter(pk=pk).update(lease_until=None, **fields)

    def mark_sent(self, pk: int, **fields) -> None:
        """The row is settled (sent, or not to be sent): never claimed again."""
        self.model.objects.filter(pk=pk).update(sent_at=timezone.now(), lease_until=None, **fields)

    def due(self, now: datetime | None = None, older_than: timedelta = timedelta(minutes=2)) -> QuerySet:
        """Ids of the unsent rows nobody holds, written more than `older_than` ago and tried
        fewer than `max_attempts` times, oldest first: what the re-send sweep queues again."""
        now = now or timezone.now()
        return (
            self.model.objects.filter(sent_at__isnull=True, created_at__lt=now - older_than,
                                      attempts__lt=self.max_attempts)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )

    def post(self, pk: int, what: str, url: str, body: bytes, headers: dict) -> bool:
        """POST a claimed row's `body` to `url` (checked and connected in one step: the
        connection goes to the address checked) and settle the row: sent, or refused for
        good (an unsafe destination, a 4xx kept with its status for a person), or handed
        back with Unavailable raised when the endpoint may answer later. `what` names the
        row in the log (never personal data). True: this call settled it."""
        try:
            response = destinations.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
        except destinations.UnsafeDestination as exc:
            logger.warning("%s not sent: destination refused (%s)", what, exc)
            self.mark_sent(pk)
            return True
        except (requests.ConnectionError, requests.Timeout) as exc:
            self.release(pk, last_status=None)
            raise Unavailable(f"{what}: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code in RETRY_STATUSES:
            self.release(pk, last_status=response.status_code)
            raise Unavailable(f"{what}: HTTP {response.status_code}")
        if not 200 <= response.status_code < 300:
            logger.warning("%s refused with HTTP %s", what, response.status_code)
        self.mark_sent(pk, last_status=response.status_code)
        return True

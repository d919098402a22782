"""Claiming a row of an outbox (notifications, event deliveries) for one worker.

A conditional UPDATE, committed on its own: of two runs at once only one gets the row;
a run after the send finds `sent_at` set; a worker that died leaves its lease to run
out, and the re-send sweep hands the row to another.
"""

from datetime import timedelta

from django.db.models import F, Model, Q
from django.utils import timezone


def claim_unsent(model: type[Model], pk: int, lease: timedelta) -> bool:
    """Take the row for `lease` if it is unsent and nobody holds it; True if this call got it."""
    now = timezone.now()
    return bool(
        model.objects.filter(pk=pk, sent_at__isnull=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + lease, attempts=F("attempts") + 1)
    )

"""Deleting and restricting biometric records.

`tombstone` and `restrict` are set-based (one UPDATE however many records) and are what
every path uses: a request's vault connector, an erasure order, the retention sweep.
A deleted record keeps a tombstone (when, why) and loses its encrypted template; a
restricted one keeps its template for storage only (PIPL art. 47(2)).
"""

from django.db.models import QuerySet
from django.utils import timezone

from orgs.models import BiometricRecord

State = BiometricRecord.State


def tombstone(records: QuerySet, *, reason: str) -> int:
    """Delete the templates of the records still holding one; returns how many."""
    return records.exclude(state=State.DELETED).update(
        state=State.DELETED, template_ciphertext=None, tombstoned_at=timezone.now(), tombstone_reason=reason[:200]
    )


def restrict(records: QuerySet, *, reason: str) -> int:
    """Stop all processing but storage and security; returns how many were active."""
    return records.filter(state=State.ACTIVE).update(
        state=State.RESTRICTED, tombstoned_at=timezone.now(), tombstone_reason=reason[:200]
    )


def run_next_chunk(order_id: int) -> bool:
    raise NotImplementedError


def open_retention_orders() -> list[int]:
    raise NotImplementedError

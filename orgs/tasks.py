"""Celery tasks of the biometric vault: erasure orders and retention, in chunks."""

from celery import shared_task

from orgs import erasure


@shared_task(name="orgs.run_erasure_order", acks_late=True)
def run_erasure_order(order_id: int) -> None:
    """Erase the next chunk of the order and queue the next; safe to run twice."""
    if erasure.run_next_chunk(order_id):
        run_erasure_order.delay(order_id)


@shared_task(name="orgs.enforce_retention", acks_late=True)
def enforce_retention() -> list[int]:
    """Open a retention order per organisation with records past their retention date."""
    order_ids = erasure.open_retention_orders()
    for order_id in order_ids:
        run_erasure_order.delay(order_id)
    return order_ids

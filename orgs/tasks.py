"""Celery tasks of orgs: the biometric vault's erasure orders and retention, in chunks; the
reminders of impact assessments due for review; the filing threshold's check and reminders;
the deadlines of regulators' orders and inquiries."""

from celery import shared_task

from orgs import erasure, filing, filing_reminders, oversight_reminders, review_reminders


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


@shared_task(name="orgs.remind_assessment_reviews", acks_late=True)
def remind_assessment_reviews() -> int:
    """Mail the owners of each impact assessment due for review within 30 days, or overdue,
    once per due date; returns how many mails went out. Safe to run twice: the second sends nothing."""
    return review_reminders.remind_due()


@shared_task(name="orgs.check_filings", acks_late=True)
def check_filings() -> int:
    """Count each Chinese organisation's people and open or close its first filing (Measures
    art. 15), then mail the reminders and escalations due; returns how many mails went out.
    Safe to run twice: the second opens, closes and sends nothing."""
    filing.check_all()
    return filing_reminders.remind_due()


@shared_task(name="orgs.remind_oversight_orders", acks_late=True)
def remind_oversight_orders() -> int:
    """Mark regulators' orders past their deadline overdue and mail the reminders and
    escalations due; returns how many mails went out. Safe to run twice: the second sends nothing."""
    return oversight_reminders.remind_due()

"""Receipts from devices that keep templates on themselves (orgs/devices.py): once a
receipt is accepted, whoever waited for the deletions it acknowledges goes on: a
request's task (workflow task_steps.record_device_receipts, which closes the request when
nothing else is open) and an erasure or decommission order (orgs.erasure.devices_confirmed)."""

import logging

from orgs import devices, erasure
from orgs.models import DataSystem, DeviceCredential, ErasureOrder
from requests_app.actors import SYSTEM
from requests_app.errors import TransitionNotAllowed
from requests_app.models import FulfilmentTask
from requests_app.workflow import task_steps

logger = logging.getLogger(__name__)


def receive_receipt(credential: DeviceCredential, body: str, signature: str) -> devices.Accepted:
    """Accept the device's signed receipt (ValidationError if it is not good) and move on
    what it completes. Safe to repeat: the same receipt again completes nothing twice."""
    accepted = devices.accept_receipt(credential, body, signature)
    for task in FulfilmentTask.objects.filter(pk__in=accepted.task_ids).select_related("request"):
        try:
            task_steps.record_device_receipts(task, actor=SYSTEM)
        except TransitionNotAllowed:
            logger.warning("task %s: device receipts arrived after its request moved on", task.pk)
    if accepted.order_ids:
        erasure.devices_confirmed(accepted.order_ids)
    return accepted


def settle() -> dict:
    """Move on what waits on receipts already in (a receipt accepted by a process that died
    before moving on): the sweep's. Returns how many tasks and orders moved."""
    moved = 0
    waiting = FulfilmentTask.objects.filter(status=FulfilmentTask.Status.AWAITING_CALLBACK,
                                            connector=DataSystem.Connector.VAULT).select_related("request")
    for task in waiting:
        if not devices.pending_for_task(task.pk):
            try:
                moved += task_steps.record_device_receipts(task, actor=SYSTEM)
            except TransitionNotAllowed:
                pass
    waiting_orders = ErasureOrder.objects.filter(status=ErasureOrder.Status.DEVICES).values_list("pk", flat=True)
    return {"tasks": moved, "orders": len(erasure.devices_confirmed(list(waiting_orders)))}

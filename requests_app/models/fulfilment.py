"""Carrying out an approved request: one FulfilmentTask for each DataSystem that carries
out its part, and the task's statuses."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import DataSystem
from requests_app.models.requests import RightsRequest


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    AWAITING_CALLBACK = "awaiting_callback", _("Waiting for the system")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class FulfilmentTask(models.Model):
    """The part of a request's fulfilment that one DataSystem carries out."""

    Status = TaskStatus

    # No index of its own: one_task_per_system (request, system) leads with it.
    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="fulfilment_tasks",
                                db_index=False)
    system = models.ForeignKey(DataSystem, on_delete=models.PROTECT, related_name="fulfilment_tasks")
    connector = models.CharField(max_length=10, choices=DataSystem.Connector.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    # The webhook's callback URL names the task by this, never by its sequential id.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # Why the last attempt did not finish (database busy, endpoint down, ...), shown to
    # the officers while the task waits for its retry; cleared once it is done.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["request", "system"]
        verbose_name = _("fulfilment task")
        verbose_name_plural = _("fulfilment tasks")
        constraints = [
            models.UniqueConstraint(fields=["request", "system"], name="one_task_per_system"),
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="task_status_valid"),
        ]

    def __str__(self):
        return f"{self.request} · {self.system.name}"

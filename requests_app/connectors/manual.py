"""Manual systems: the system's owner carries the request out by hand and confirms it.

Nothing runs in a worker. The owner (or, for a system without one, the organisation's
owners and officers) is told by a TASK_ASSIGNED notification, opens /tasks/ and records
what became of the person's data in that system.
"""

from django.db.models import Q, QuerySet

from orgs.models import DataSystem, Membership
from requests_app import workflow
from requests_app.actors import member
from requests_app.connectors import RecordOutcome
from requests_app.models import FulfilmentTask, RightsRequest

Role = Membership.Role
CONFIRMABLE_OUTCOMES = (RecordOutcome.DELETED, RecordOutcome.STORAGE_ONLY, RecordOutcome.NOT_FOUND)


def tasks_to_confirm(user) -> QuerySet[FulfilmentTask]:
    """The open manual tasks `user` may confirm: those of the systems they own in an
    organisation where they are an owner, officer or system owner, and every manual task
    of the organisations where they decide (owner or officer). Never another
    organisation's, and nothing for an auditor."""
    memberships = Membership.objects.filter(user=user)
    deciding = memberships.filter(role__in=[Role.OWNER, Role.OFFICER]).values("organisation")
    owning = memberships.filter(role__in=[Role.OWNER, Role.OFFICER, Role.SYSTEM_OWNER]).values("organisation")
    return (
        FulfilmentTask.objects.filter(
            connector=DataSystem.Connector.MANUAL,
            status=FulfilmentTask.Status.PENDING,
            request__status=RightsRequest.Status.FULFILLING,
        )
        .filter(Q(request__organisation__in=deciding) | Q(system__owner=user, request__organisation__in=owning))
        .select_related("request__organisation", "request__subject", "system")
        .order_by("request__due_at", "pk")
    )


def confirm(task: FulfilmentTask, user, *, outcome: str, retention_reason: str = "", note: str = "") -> None:
    """Record the owner's confirmation as the task's outcome (workflow.record_task_outcome)."""
    entry = {"outcome": outcome}
    if outcome == RecordOutcome.STORAGE_ONLY:
        entry["reason"] = retention_reason.strip()
    result = {"connector": DataSystem.Connector.MANUAL.value, "records": [entry], "note": note.strip()}
    workflow.record_task_outcome(task, actor=member(user), outcome=result)

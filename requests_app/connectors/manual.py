"""Manual systems: the system's owner carries the request out by hand and confirms it.

Nothing runs in a worker. The owner (or, for a system without one, the organisation's
owners and officers) is told by a TASK_ASSIGNED notification, opens /tasks/ and records
what became of the person's data in that system (requests_app/task_steps.record_by_hand,
with the outcomes that fit the request's kind).
"""

from django.db.models import Q, QuerySet

from orgs.models import DataSystem, Membership
from requests_app import task_steps
from requests_app.actors import member
from requests_app.models import FulfilmentTask, RightsRequest

Role = Membership.Role


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


def confirm(task: FulfilmentTask, user, *, outcome: str, retention_reason: str = "", detail: str = "",
            note: str = "", upload=None) -> None:
    """Record the owner's confirmation as the task's outcome (task_steps.record_by_hand).
    `retention_reason` is the older name of `detail` for storage only, kept for the API."""
    hand = task_steps.HandOutcome(outcome=outcome, detail=detail or retention_reason, note=note, upload=upload)
    task_steps.record_by_hand(task, actor=member(user), hand=hand)

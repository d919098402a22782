"""Manual systems: the system's owner carries the request out by hand and confirms it.

Nothing runs in a worker. The owner (or, for a system without one, the organisation's
owners and officers) is told by a TASK_ASSIGNED notification, opens /tasks/ (the tasks of
requests_app.cases.selectors.tasks_to_confirm, which the API lists too) and records
what became of the person's data in that system (requests_app/workflow/task_steps.record_by_hand,
with the outcomes that fit the request's kind).
"""

from requests_app.actors import member
from requests_app.models import FulfilmentTask
from requests_app.workflow import task_steps


def confirm(task: FulfilmentTask, user, *, outcome: str, retention_reason: str = "", detail: str = "",
            note: str = "", upload=None) -> None:
    """Record the owner's confirmation as the task's outcome (task_steps.record_by_hand).
    `retention_reason` is the older name of `detail` for storage only, kept for the API."""
    hand = task_steps.HandOutcome(outcome=outcome, detail=detail or retention_reason, note=note, upload=upload)
    task_steps.record_by_hand(task, actor=member(user), hand=hand)

"""Re-pointing a webhook task is refused while a worker holds it (its lease still runs),
as retrying it is: otherwise the task restarts from attempt zero under the running
worker, a second worker sends it again, and the first one's conditional updates can
land on the second's attempt."""

import pytest

from orgs.models import DataSystem
from requests_app import fulfilment
from requests_app.actors import member
from requests_app.errors import TransitionNotAllowed
from requests_app.models import FulfilmentTask
from requests_app.workflow import task_steps
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_task_a_worker_holds_is_not_repointed(org_a, officer_a):
    system = factories.webhook_system(org_a, name="Gate vendor cloud", url="http://127.0.0.1:9/nothing")
    rr = factories.fulfilling_request(org_a, officer_a)
    task = rr.fulfilment_tasks.get()
    assert fulfilment._claim(task.pk) == 1  # a worker has it, sending to the old address now

    with pytest.raises(TransitionNotAllowed):
        task_steps.repoint_task(task, actor=member(officer_a), webhook_url="http://127.0.0.1:8765/hooks/rightsdesk")

    task.refresh_from_db()
    system.refresh_from_db()
    assert (task.status, task.attempts) == (FulfilmentTask.Status.RUNNING, 1)
    assert system.webhook_url == "http://127.0.0.1:9/nothing"
    assert not rr.events.filter(action="repoint_task").exists()
    assert DataSystem.objects.get(pk=system.pk).webhook_url == "http://127.0.0.1:9/nothing"

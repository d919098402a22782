"""The engine that replays a demo request's history: each step of requests_app.workflow run
at its own moment in the past (time_machine), in the organisation's time zone, so
statuses, due dates and the audit chain are what the real code computes at that time.
What a worker does after a step (the fulfilment of an approved request) is replayed the
same way, through requests_app.fulfilment and its connectors (Scene.worker).
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import time_machine
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from orgs.models import DataSystem, Organisation
from requests_app import fulfilment, tasks, workflow
from requests_app.demo import gates
from requests_app.actors import SUBJECT, member
from requests_app.cases import deadlines
from requests_app.cases.subjects import Identity
from requests_app.demo.data import AMSTERDAM, GOLDEN_GATE, GREENFIELD, NANJING, PARK, Person
from requests_app.demo.documents import one_page_pdf
from requests_app.models import FulfilmentTask, RightsRequest

if TYPE_CHECKING:
    from requests_app.demo.seed import Demo

Connector = DataSystem.Connector


@dataclass(frozen=True)
class Scenario:
    key: str
    org: str
    play: Callable[["Scene"], RightsRequest]


class Scene:
    """One request's history, each step at its own moment in the organisation's time zone."""

    def __init__(self, demo: "Demo", org: Organisation, person: Person):
        self.demo, self.org, self.person = demo, org, person
        self.tz: ZoneInfo = org.time_zone
        self.today = demo.real_now.astimezone(self.tz).date()
        prefix = {PARK: "park", NANJING: "nanjing", GREENFIELD: "greenfield", AMSTERDAM: "amsterdam",
                  GOLDEN_GATE: "goldengate"}[org.slug]
        self.owner, self.officer = demo.users[f"{prefix}.owner"], demo.users[f"{prefix}.officer"]
        self.users = demo.users
        self._last: datetime | None = None

    def moment(self, days_ago: int, hhmm: str) -> datetime:
        hour, minute = map(int, hhmm.split(":"))
        return datetime.combine(self.today - timedelta(days=days_ago), time(hour, minute), tzinfo=self.tz)

    @contextmanager
    def on(self, days_ago: int, hhmm: str = "10:00") -> Iterator[datetime]:
        moment = self.moment(days_ago, hhmm)
        if moment >= self.demo.real_now or (self._last and moment < self._last):
            raise AssertionError(f"demo step at {moment} is in the future or out of order")
        self._last = moment
        with time_machine.travel(moment, tick=False):
            yield moment

    def do(self, days_ago: int, hhmm: str, step: Callable, *args, **kwargs):
        with self.on(days_ago, hhmm):
            return step(*args, **kwargs)

    def days_ago_for_due_in(self, due_in: int) -> int:
        """How many days ago the clock must start for the request to fall due `due_in` days from today."""
        response = deadlines.get_policy(self.org.jurisdiction).response
        if response.unit == deadlines.Unit.MONTHS:
            start = self.today + timedelta(days=due_in) - relativedelta(months=response.amount)
        else:  # calendar days in every current policy
            start = self.today + timedelta(days=due_in - response.amount)
        return (self.today - start).days

    def submit(self, days_ago: int, hhmm: str, kind: str, identity: Identity | None = None, **fields) -> RightsRequest:
        """File the request on the public form; the worker emails the code the same minute."""
        language = "zh-hans" if self.org.jurisdiction == "CN" else "en"
        with self.on(days_ago, hhmm):
            rr = workflow.submit(organisation=self.org, kind=kind, identity=identity or self.person.identity(),
                                 language=language, **fields)
            tasks.send_verification_code(rr.challenges.get().pk)
        return rr

    def verify_by_code(self, rr: RightsRequest, days_ago: int, hhmm: str) -> None:
        """The subject types the code from the email (read from the locmem outbox): the person's
        own, even when an agent filed; a relative's own, which only confirms their mailbox."""
        sent = [m for m in mail.outbox if rr.confirmation_email in m.to and rr.reference in m.body]
        code = re.search(r"\b(\d{6})\b", sent[-1].body).group(1)
        self.do(days_ago, hhmm, workflow.verify_identity, rr, actor=SUBJECT, code=code)

    def verify(self, rr: RightsRequest, days_ago: int, hhmm: str, check: str) -> None:
        self.do(days_ago, hhmm, workflow.verify_identity, rr, actor=member(self.officer), check_performed=check)

    def attach(self, rr: RightsRequest, days_ago: int, hhmm: str, purpose: str, name: str, text: str) -> None:
        """The requester attaches a (one-page PDF) document on the form."""
        upload = SimpleUploadedFile(name, one_page_pdf(text), content_type="application/pdf")
        self.do(days_ago, hhmm, workflow.add_evidence, rr, actor=SUBJECT, upload=upload, purpose=purpose)

    def assign(self, rr: RightsRequest, days_ago: int, hhmm: str, by=None, to=None) -> None:
        self.do(days_ago, hhmm, workflow.assign, rr, actor=member(by or self.owner), assignee=to or self.officer)

    def task(self, rr: RightsRequest, system_name: str):
        return rr.fulfilment_tasks.get(system__name=system_name)

    def worker(self, rr: RightsRequest, days_ago: int, hhmm: str) -> None:
        """What the Celery worker does in the seconds after an approval, replayed at that
        moment through the same services its tasks call (requests_app/workflow/effects.py): start the
        fulfilment (begin_fulfilment), run the built-in vault's task, which erases the
        person's records (an `erase_record` event each) or exports them (run_fulfilment_task),
        and finish the request with its certificate once every task is done (complete_fulfilment).

        Webhook tasks are left pending: they reach a system outside (the demo vendor, which
        is not up while seeding), and `make run`'s worker sends them once it is. Manual tasks
        wait for their owner, as in production."""
        with self.on(days_ago, hhmm):
            fulfilment.begin(rr.pk)
            vault_tasks = rr.fulfilment_tasks.filter(connector=Connector.VAULT, status=FulfilmentTask.Status.PENDING)
            for task_id in vault_tasks.values_list("pk", flat=True):
                fulfilment.run_task(task_id)
            # The gates that keep copies delete them and confirm, as they do within a minute.
            gates.confirm(self.demo.gates, self.org)
            fulfilment.complete_if_done(rr.pk)

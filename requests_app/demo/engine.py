"""The engine that replays a demo request's history: each step of requests_app.workflow run
at its own moment in the past (time_machine), in the organisation's time zone, so
statuses, due dates and the audit chain are what the real code computes at that time.
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
from django.utils import timezone

from orgs.models import BiometricRecord, Organisation
from requests_app import deadlines, tasks, workflow
from requests_app.actors import SUBJECT, SYSTEM, member
from requests_app.demo.data import AMSTERDAM, GOLDEN_GATE, GREENFIELD, NANJING, PARK, VAULT, Person
from requests_app.demo.documents import one_page_pdf
from requests_app.models import RightsRequest
from requests_app.subjects import Identity

if TYPE_CHECKING:
    from requests_app.demo.seed import Demo


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

    def records(self, rr: RightsRequest):
        return BiometricRecord.objects.matching(rr.subject.identifier_hashes()).filter(organisation=self.org)

    def task(self, rr: RightsRequest, system_name: str):
        return rr.fulfilment_tasks.get(system__name=system_name)

    def vault_outcome(self, rr: RightsRequest, outcome: str) -> dict:
        return {"connector": "vault", "records": [
            {"record": r.pk, "modality": r.modality, "outcome": outcome} for r in self.records(rr)
        ]}

    def vault_delete(self, rr: RightsRequest, days_ago: int, hhmm: str) -> None:
        """What the vault connector does (DESIGN.md): delete, destroy the template, keep a tombstone."""
        with self.on(days_ago, hhmm):
            outcome = self.vault_outcome(rr, "deleted")
            for record in self.records(rr).filter(state=BiometricRecord.State.ACTIVE):
                record.state, record.template_ciphertext = BiometricRecord.State.DELETED, None
                record.tombstoned_at, record.tombstone_reason = timezone.now(), f"Deletion request {rr.reference}"
                record.save(update_fields=["state", "template_ciphertext", "tombstoned_at", "tombstone_reason"])
            workflow.record_task_outcome(self.task(rr, VAULT), actor=SYSTEM, outcome=outcome)

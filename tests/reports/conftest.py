"""A year of organisation A's requests, built through the workflow at chosen moments, and
the figures of its 2025 report worked out by hand in the comments (tests/reports/*).

Organisation A (Asia/Shanghai, PIPL: 30 days from verification) exists since June 2024;
the report is built as at 1 June 2026. It has one manual data system (the paper archive),
whose task of each fulfilled request records an outcome.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from orgs import law
from orgs.models import DataSystem, Organisation
from requests_app import workflow
from requests_app.actors import SUBJECT, SYSTEM, member as as_member
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI)
GROUND_47_2_EN = "PIPL art. 47(2): a statutory retention period has not expired"
OTHER_GROUND = "PIPL art. 13: the officer's own citation, naming the case"


def at(month, day, hour=10, minute=0, year=2025):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Builder:
    def __init__(self, org, officer):
        self.org, self.officer, self.actor, self.n = org, officer, as_member(officer), 0

    def email(self):
        self.n += 1
        return f"person{self.n}.{self.org.slug}@example.com"

    def submitted(self, moment, kind="deletion"):
        with time_machine.travel(moment, tick=False):
            return factories.submitted_request(self.org, kind=kind, email=self.email())

    def in_review(self, moment, kind="deletion"):
        with time_machine.travel(moment, tick=False):
            return factories.in_review_request(self.org, self.officer, kind=kind, email=self.email())

    def fulfilled(self, received, closed, kind="deletion", outcome=None):
        """Fulfilled at `closed`; the archive's task records `outcome` (default: deleted)."""
        rr = self.in_review(received, kind)
        with time_machine.travel(closed, tick=False):
            workflow.approve(rr, actor=self.actor)
            workflow.start_fulfilment(rr, actor=self.actor)
            for task in rr.fulfilment_tasks.all():
                workflow.record_task_outcome(task, actor=self.actor,
                                             outcome=outcome or {"connector": "manual", "outcome": "deleted"})
            workflow.finish_fulfilment(rr, actor=self.actor)
        return rr

    def refused(self, received, closed, kind="deletion", ground=GROUND_47_2_EN):
        rr = self.in_review(received, kind)
        with time_machine.travel(closed, tick=False):
            workflow.refuse(rr, actor=self.actor, reason="Kept for the fraud case.", legal_ground=ground)
        return rr


def existing_since(org: Organisation, moment: datetime) -> Organisation:
    """The organisation as if created at `moment` (the same object, changed)."""
    org.created_at = moment
    org.save(update_fields=["created_at"])
    return org


@pytest.fixture
def year_2025(org_a, officer_a, org_b, officer_b):
    """Organisation A's requests; the 2025 cohort is 1-13. Days = closed - received."""
    org = existing_since(org_a, at(6, 1, year=2024))
    factories.system(org, name="Paper archive", connector=DataSystem.Connector.MANUAL)
    b = Builder(org, officer_a)
    kept = {"connector": "manual", "records": [{"outcome": "storage_only", "reason": "Accounting Law art. 35"}]}
    made = {
        # Complied with in whole: deletions 1 (4.0 d), 2 (7.0 d), 9 (49.0 d, due 19 Feb: late);
        # the restriction 5 whose record went to storage only, as asked (3.0 d).
        1: b.fulfilled(at(1, 2), at(1, 6)),
        2: b.fulfilled(at(1, 2, 11), at(1, 9, 11)),
        9: b.fulfilled(at(1, 20), at(3, 10)),
        5: b.fulfilled(at(1, 4), at(1, 7), kind="restriction", outcome=kept),
        # Complied with in part: deletion 3, a record stored only (10.0 d); withdrawal of
        # consent 4, a record kept on another basis, said once for the system (1.5 d).
        3: b.fulfilled(at(1, 3), at(1, 13), outcome=kept),
        4: b.fulfilled(at(1, 3, 12), at(1, 5, 0), kind="withdraw_consent",
                       outcome={"connector": "manual", "outcome": "kept", "note": "The pass contract."}),
        # Denied: 6 by art. 47(2) in English (2.0 d), 8 by the same ground in Chinese (20.0 d),
        # 7 (an access request) by an officer's own words: "other" (3.0 d).
        6: b.refused(at(1, 4), at(1, 6)),
        7: b.refused(at(1, 5), at(1, 8), kind="access", ground=OTHER_GROUND),
        8: b.refused(at(1, 6), at(1, 26), ground=_label_in_chinese("cn_47_2")),
        # Withdrawn 10, expired 11: closed without an answer.
        10: b.submitted(at(2, 1)),
        11: b.submitted(at(2, 2)),
        # Open: 12 in review; 13 filed at 00:30 on 1 January in Shanghai (31 Dec 16:30 UTC).
        12: b.in_review(at(2, 3)),
        13: b.submitted(at(1, 1, 0, 30)),
        # Not in 2025: 23:30 on 31 December 2024 in Shanghai (15:30 UTC), and 2026.
        14: b.submitted(at(12, 31, 23, 30, year=2024)),
        16: b.submitted(at(1, 1, 0, 10, year=2026)),
    }
    with time_machine.travel(at(2, 2, 12), tick=False):
        workflow.withdraw(made[10], actor=SUBJECT)
    with time_machine.travel(at(3, 1), tick=False):
        workflow.expire(made[11], actor=SYSTEM)
    # Claims made in 2025: on 1, paid RMB 1,038.00; on 2, RMB 300.00 still claimed.
    with time_machine.travel(at(1, 10), tick=False):
        factories.claim_in_state("paid", made[1], officer_a)
        factories.claim(made[2], amount_minor=30000)
    # Another organisation's request of 2025: never counted in A's report.
    Builder(existing_since(org_b, at(6, 1, year=2024)), officer_b).fulfilled(at(1, 2), at(1, 4))
    for rr in made.values():
        rr.refresh_from_db()
    return made


def _label_in_chinese(code: str) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(law.refusal_ground_label("CN", code))

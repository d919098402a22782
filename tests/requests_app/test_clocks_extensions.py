"""Extensions within each law's notice window (issue 10, item 4).

EU: the notice must reach the person within one month of receipt, counted from receipt
whatever pauses ran (GDPR art. 12(3)); US-CA: within the first 45 days (CCPA regs
§7021(b)); US-VA: within the first 45 days (Va. Code 59.1-577(B)(1)); CN and BR allow
none. The last allowed day ends at 23:59:59 in the organisation's time zone.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from requests_app import workflow
from requests_app.actors import SUBJECT, member
from requests_app.cases.selectors import case_file
from requests_app.desk import actions
from requests_app.errors import TransitionNotAllowed
from tests import factories

ZONES = {"EU": "Europe/Amsterdam", "US-CA": "America/Los_Angeles", "US-VA": "America/New_York",
         "CN": "Asia/Shanghai", "BR": "America/Sao_Paulo"}
RECEIVED = datetime(2027, 1, 31, 10)
# The last local day an extension may be notified, counted from receipt on 31 January.
LAST_DAY = {"EU": datetime(2027, 2, 28), "US-CA": datetime(2027, 3, 17), "US-VA": datetime(2027, 3, 17)}
CITES = {"EU": "GDPR art. 12(3)", "US-CA": "CCPA regs 7021", "US-VA": "Va. Code 59.1-577"}


def _in_review_with_a_pause_that_ran(jurisdiction):
    """Received 31 January 10:00 local; a question asked 2 February and answered 7 February
    (the clock paused those five days where the law pauses it)."""
    zone = ZoneInfo(ZONES[jurisdiction])
    org = factories.organisation(name=f"{jurisdiction} org", slug=f"o-{jurisdiction.lower()}",
                                 jurisdiction=jurisdiction, time_zone=ZONES[jurisdiction])
    officer = factories.member(org, "officer", username="officer_x")
    with time_machine.travel(RECEIVED.replace(tzinfo=zone), tick=False):
        rr = factories.in_review_request(org, officer)
    reason = "identity" if jurisdiction == "EU" else ""
    with time_machine.travel(datetime(2027, 2, 2, 9, tzinfo=zone), tick=False):
        workflow.ask_for_information(rr, actor=member(officer), question="Which pass?", reason=reason)
    with time_machine.travel(datetime(2027, 2, 7, 9, tzinfo=zone), tick=False):
        workflow.answer(rr, actor=SUBJECT, body="HWW-2019-0427")
    return rr, officer, zone


@pytest.mark.parametrize("jurisdiction", ["EU", "US-CA", "US-VA"])
def test_an_extension_on_the_last_allowed_day_at_2359_local_is_taken(db, jurisdiction):
    rr, officer, zone = _in_review_with_a_pause_that_ran(jurisdiction)
    due = rr.due_at
    with time_machine.travel(LAST_DAY[jurisdiction].replace(hour=23, minute=59, tzinfo=zone), tick=False):
        assert "extend" in actions.offered(case_file(rr), "officer")
        workflow.extend(rr, actor=member(officer), reason="Three systems to search")
    assert rr.extensions == 1 and rr.due_at > due


@pytest.mark.parametrize("jurisdiction", ["EU", "US-CA", "US-VA"])
def test_an_extension_the_day_after_is_refused_citing_the_law(db, jurisdiction):
    rr, officer, zone = _in_review_with_a_pause_that_ran(jurisdiction)
    before = factories.snapshot(rr)
    day_after = LAST_DAY[jurisdiction] + timedelta(days=1)
    with time_machine.travel(day_after.replace(minute=0, second=30, tzinfo=zone), tick=False):
        if jurisdiction == "EU":
            assert rr.due_at > day_after.replace(tzinfo=zone)  # the pause moved the due date, not the window
        assert "extend" not in actions.offered(case_file(rr), "officer")
        with pytest.raises(TransitionNotAllowed) as refused:
            workflow.extend(rr, actor=member(officer), reason="Three systems to search")
    assert CITES[jurisdiction] in str(refused.value) and "counted from receipt" in str(refused.value)
    assert factories.snapshot(rr) == before


@pytest.mark.parametrize("jurisdiction", ["CN", "BR"])
def test_where_the_law_has_no_extension_none_is_taken(db, jurisdiction):
    zone = ZoneInfo(ZONES[jurisdiction])
    org = factories.organisation(name="x", slug="o-x", jurisdiction=jurisdiction, time_zone=ZONES[jurisdiction])
    officer = factories.member(org, "officer", username="officer_x")
    with time_machine.travel(RECEIVED.replace(tzinfo=zone), tick=False):
        rr = factories.in_review_request(org, officer)
        with pytest.raises(TransitionNotAllowed):
            workflow.extend(rr, actor=member(officer), reason="Three systems to search")
    assert rr.extensions == 0

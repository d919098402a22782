"""Pauses by the law of each jurisdiction (issue 10, item 3).

EU: the clock may pause while the identity is in reasonable doubt (GDPR art. 12(6)) or
the request needs clarifying; CN: the same, named (PIPL sets no number); US-CA never
pauses (CCPA regs §7021: 45 days from receipt however long), BR and US-VA neither. A
pause moves the due and target instants by exactly the time paused, the person is
reminded once, and a case left unanswered is closed by a sweep with its own letter.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation
from rest_framework.reverse import reverse as api_reverse

from orgs import law
from requests_app import workflow
from requests_app.actors import SUBJECT, member
from requests_app.cases import deadlines, reminders
from requests_app.delivery import notifications
from requests_app.desk.forms import QuestionForm
from requests_app.errors import InvalidInput
from requests_app.models import Notification, RightsRequest
from requests_app.workflow import sweeps
from tests import factories

Status, Kind = RightsRequest.Status, Notification.Kind
ZONES = {"EU": "Europe/Amsterdam", "CN": "Asia/Shanghai", "US-CA": "America/Los_Angeles",
         "BR": "America/Sao_Paulo", "US-VA": "America/New_York"}
QUESTION = "Which pass number did you use at the north gate?"


def _org(jurisdiction):
    return factories.organisation(name=f"{jurisdiction} org", slug=f"o-{jurisdiction.lower()}",
                                  jurisdiction=jurisdiction, time_zone=ZONES[jurisdiction])


def _in_review_at(jurisdiction, local: datetime):
    org = _org(jurisdiction)
    officer = factories.member(org, "officer", username=f"officer_{jurisdiction.lower()}")
    with time_machine.travel(local.replace(tzinfo=ZoneInfo(ZONES[jurisdiction])), tick=False):
        rr = factories.in_review_request(org, officer)
    return rr, officer


def _deliver_requester_mail(rr) -> None:
    for pk in Notification.objects.filter(request=rr, user__isnull=True, sent_at__isnull=True).values_list(
            "pk", flat=True):
        notifications.deliver(pk)


# --- which reasons each law allows --------------------------------------------------------------


@pytest.mark.parametrize("jurisdiction, reason", [("EU", "identity"), ("EU", "clarification"),
                                                  ("CN", "clarification"), ("CN", "identity")])
def test_a_reason_the_law_names_pauses_the_clock(db, jurisdiction, reason):
    rr, officer = _in_review_at(jurisdiction, datetime(2027, 3, 1, 9))
    workflow.ask_for_information(rr, actor=member(officer), question=QUESTION, reason=reason)
    assert rr.status == Status.AWAITING_SUBJECT and rr.paused_at is not None
    assert rr.events.get(action="ask_info").data == {"message": rr.messages.get().pk, "clock_paused": True,
                                                      "pause_reason": reason}


@pytest.mark.parametrize("jurisdiction, reason", [("EU", "holiday"), ("CN", "complexity"), ("US-CA", "identity"),
                                                  ("BR", "clarification"), ("US-VA", "identity")])
def test_a_reason_the_law_does_not_name_is_refused_and_changes_nothing(db, jurisdiction, reason):
    rr, officer = _in_review_at(jurisdiction, datetime(2027, 3, 1, 9))
    before = factories.snapshot(rr)
    with pytest.raises(InvalidInput) as refused:
        workflow.ask_for_information(rr, actor=member(officer), question=QUESTION, reason=reason)
    assert set(refused.value.errors) == {"reason"}
    assert str(deadlines.get_policy(jurisdiction).name) in " ".join(refused.value.errors["reason"])
    assert factories.snapshot(rr) == before and not rr.messages.exists()


@pytest.mark.parametrize("jurisdiction", ["US-CA", "BR", "US-VA"])
def test_where_the_law_never_pauses_the_question_is_asked_and_the_clock_runs(db, jurisdiction):
    rr, officer = _in_review_at(jurisdiction, datetime(2027, 3, 1, 9))
    due = rr.due_at
    workflow.ask_for_information(rr, actor=member(officer), question=QUESTION)
    assert rr.status == Status.AWAITING_SUBJECT and rr.paused_at is None
    assert reminders.next_reminder_at(rr) is not None  # the reminders keep coming
    with time_machine.travel(due - timedelta(days=1), tick=False):
        workflow.answer(rr, actor=SUBJECT, body="HWW-2019-0427")
    assert rr.due_at == due


def test_the_desk_offers_only_the_reasons_of_the_requests_law(db):
    eu, officer = _in_review_at("EU", datetime(2027, 3, 1, 9))
    form = QuestionForm(rr=eu, membership=None)
    assert [code for code, _label in form.fields["reason"].choices] == ["identity", "clarification"]
    ca, _officer = _in_review_at("US-CA", datetime(2027, 3, 1, 9))
    assert "reason" not in QuestionForm(rr=ca, membership=None).fields


def test_the_desk_refuses_a_reason_it_did_not_offer_with_a_form_error(client, db):
    rr, officer = _in_review_at("EU", datetime(2027, 3, 1, 9))
    client.force_login(officer)
    page = client.get(reverse("desk:case", args=[rr.reference])).content.decode()
    assert 'name="reason" value="identity"' in page and 'name="reason" value="clarification"' in page

    response = client.post(reverse("desk:case_action", args=[rr.reference, "ask_info"]),
                           {"question": QUESTION, "reason": "holiday"})
    assert response.status_code == 400
    rr.refresh_from_db()
    assert rr.status == Status.IN_REVIEW and rr.paused_at is None

    response = client.post(reverse("desk:case_action", args=[rr.reference, "ask_info"]),
                           {"question": QUESTION, "reason": "identity"})
    assert response.status_code == 302
    rr.refresh_from_db()
    assert rr.status == Status.AWAITING_SUBJECT and rr.paused_at is not None


@pytest.mark.parametrize("jurisdiction, body, status", [
    ("EU", {"question": QUESTION}, 400),  # the law names reasons: choose one
    ("EU", {"question": QUESTION, "reason": "holiday"}, 400),
    ("US-CA", {"question": QUESTION, "reason": "identity"}, 400),  # never pauses
    ("EU", {"question": QUESTION, "reason": "identity"}, 200),
    ("US-CA", {"question": QUESTION}, 200),
])
def test_the_api_takes_only_the_reasons_of_the_requests_law(db, jurisdiction, body, status):
    rr, officer = _in_review_at(jurisdiction, datetime(2027, 3, 1, 9))
    api = factories.member_api(officer, rr.organisation)
    response = api.post(api_reverse("api:request-ask-info", kwargs={"reference": rr.reference}), body,
                        format="json")
    assert response.status_code == status, response.content[:300]
    rr.refresh_from_db()
    assert rr.status == (Status.AWAITING_SUBJECT if status == 200 else Status.IN_REVIEW)
    if status == 400:
        assert "reason" in response.json()["fields"]


# --- exact time ---------------------------------------------------------------------------------


@pytest.mark.parametrize("jurisdiction", ["EU", "CN"])
def test_a_pause_moves_the_due_and_target_instants_by_exactly_the_time_paused(db, jurisdiction):
    rr, officer = _in_review_at(jurisdiction, datetime(2027, 1, 28, 9))
    due, target = rr.due_at, rr.target_at
    asked = datetime(2027, 1, 30, 22, 41, 7, tzinfo=ZoneInfo(ZONES[jurisdiction]))
    with time_machine.travel(asked, tick=False):
        workflow.ask_for_information(rr, actor=member(officer), question=QUESTION, reason="clarification")
    paused = timedelta(days=2, hours=3, minutes=17, seconds=5)  # across the month end
    with time_machine.travel(asked + paused, tick=False):
        workflow.answer(rr, actor=SUBJECT, body="HWW-2019-0427")
    assert rr.paused_total == paused
    assert rr.due_at == due + paused
    assert rr.target_at == (target + paused if target is not None else None)


# --- chased once, then closed -------------------------------------------------------------------


@pytest.mark.parametrize("jurisdiction, asked, chase_day, close_day", [
    # EU: reminded 14 days, closed 1 month after the pause began (the local day's end).
    ("EU", datetime(2027, 1, 25, 16), "2027-02-08", "2027-02-25"),
    # CN: 15 and 30 days, across the end of January and of February.
    ("CN", datetime(2027, 1, 31, 23, 30), "2027-02-15", "2027-03-02"),
])
def test_an_unanswered_question_is_chased_once_then_the_case_is_closed(db, jurisdiction, asked, chase_day,
                                                                       close_day):
    zone = ZoneInfo(ZONES[jurisdiction])
    rr, officer = _in_review_at(jurisdiction, asked - timedelta(days=2))
    with time_machine.travel(asked.replace(tzinfo=zone), tick=False):
        workflow.ask_for_information(rr, actor=member(officer), question=QUESTION, reason="clarification")
    policy = deadlines.get_policy(jurisdiction)
    chase_at = deadlines.pause_chase_at(policy, paused_at=rr.paused_at, tz=zone)
    close_at = deadlines.pause_close_at(policy, paused_at=rr.paused_at, tz=zone)
    assert chase_at.astimezone(zone).date().isoformat() == chase_day
    assert close_at.astimezone(zone).date().isoformat() == close_day
    _deliver_requester_mail(rr)
    mail.outbox.clear()

    with time_machine.travel(chase_at - timedelta(seconds=1), tick=False):
        assert sweeps.sweep_pauses() == {"closed": 0, "chased": 0}
    for _run in range(2):  # the second run finds it done
        with time_machine.travel(chase_at, tick=False):
            sweeps.sweep_pauses()
    assert rr.events.filter(action="chase_subject").count() == 1
    _deliver_requester_mail(rr)
    (reminder,) = mail.outbox
    assert "still waits for your answer" in reminder.subject
    assert QUESTION in reminder.body and "will be closed" in reminder.body
    rr.refresh_from_db()
    assert rr.status == Status.AWAITING_SUBJECT and rr.paused_at is not None  # still paused
    mail.outbox.clear()

    with time_machine.travel(close_at - timedelta(seconds=1), tick=False):
        assert sweeps.sweep_pauses() == {"closed": 0, "chased": 0}
    paused_at, due = rr.paused_at, rr.due_at
    with time_machine.travel(close_at, tick=False):
        assert sweeps.sweep_pauses() == {"closed": 1, "chased": 0}
        assert sweeps.sweep_pauses() == {"closed": 0, "chased": 0}
    rr.refresh_from_db()
    assert rr.status == Status.EXPIRED and rr.closed_at == close_at and rr.paused_at is None
    assert rr.paused_total == close_at - paused_at and rr.due_at == due + (close_at - paused_at)
    _deliver_requester_mail(rr)
    (letter,) = mail.outbox
    assert Notification.objects.filter(request=rr, kind=Kind.PAUSE_CLOSED).count() == 1
    assert "the question was not answered" in letter.subject
    assert QUESTION in letter.body and "now closed" in letter.body
    assert "file the request again" in letter.body and f"/organisations/{rr.organisation.slug}/request/" in letter.body
    with translation.override("en"):  # the requester's language (another test may leave one active)
        assert str(law.texts(jurisdiction).redress) in letter.body


def test_a_case_due_for_both_after_a_sweep_was_down_is_closed_not_reminded(db):
    rr, officer = _in_review_at("EU", datetime(2027, 1, 5, 9))
    with time_machine.travel(datetime(2027, 1, 6, 9, tzinfo=ZoneInfo(ZONES["EU"])), tick=False):
        workflow.ask_for_information(rr, actor=member(officer), question=QUESTION, reason="identity")
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=ZoneInfo(ZONES["EU"])), tick=False):
        assert sweeps.sweep_pauses() == {"closed": 1, "chased": 0}
    assert not rr.events.filter(action="chase_subject").exists()


def test_a_new_pause_is_chased_again(db):
    rr, officer = _in_review_at("CN", datetime(2027, 1, 5, 9))
    moment = datetime(2027, 1, 6, 9, tzinfo=ZoneInfo(ZONES["CN"]))
    for _pause in range(2):
        with time_machine.travel(moment, tick=False):
            workflow.ask_for_information(rr, actor=member(officer), question=QUESTION, reason="clarification")
        with time_machine.travel(moment + timedelta(days=16), tick=False):
            assert sweeps.sweep_pauses()["chased"] == 1
            workflow.answer(rr, actor=SUBJECT, body="HWW-2019-0427")
        moment += timedelta(days=17)
    assert rr.events.filter(action="chase_subject").count() == 2


@pytest.mark.parametrize("jurisdiction", ["US-CA", "BR", "US-VA"])
def test_a_question_where_the_clock_runs_is_neither_chased_nor_closed(db, jurisdiction):
    rr, officer = _in_review_at(jurisdiction, datetime(2027, 1, 5, 9))
    workflow.ask_for_information(rr, actor=member(officer), question=QUESTION)
    with time_machine.travel(datetime(2027, 6, 1, tzinfo=ZoneInfo(ZONES[jurisdiction])), tick=False):
        assert sweeps.sweep_pauses() == {"closed": 0, "chased": 0}


def test_the_pause_sweep_runs_from_beat():
    from config.celery import app

    entry = app.conf.beat_schedule["sweep-pauses"]
    assert entry["task"] == "requests.sweep_pauses" and entry["schedule"] <= 900


# --- every step that ends a pause adds the paused time ------------------------------------------


def test_withdrawing_while_paused_adds_the_exact_time_paused(db):
    rr, officer = _in_review_at("EU", datetime(2027, 1, 5, 9))
    due = rr.due_at
    asked = datetime(2027, 1, 6, 9, tzinfo=ZoneInfo(ZONES["EU"]))
    with time_machine.travel(asked, tick=False):
        workflow.ask_for_information(rr, actor=member(officer), question=QUESTION, reason="identity")
    with time_machine.travel(asked + timedelta(hours=30, seconds=3), tick=False):
        workflow.withdraw(rr, actor=SUBJECT)
    assert rr.paused_total == timedelta(hours=30, seconds=3) and rr.due_at == due + rr.paused_total


def test_an_extension_while_paused_counts_the_pause_when_it_ends(db):
    rr, officer = _in_review_at("EU", datetime(2027, 1, 5, 9))
    zone = ZoneInfo(ZONES["EU"])
    asked = datetime(2027, 1, 6, 9, tzinfo=zone)
    with time_machine.travel(asked, tick=False):
        workflow.ask_for_information(rr, actor=member(officer), question=QUESTION, reason="identity")
    with time_machine.travel(asked + timedelta(days=3), tick=False):
        workflow.extend(rr, actor=member(officer), reason="Three systems to search")
    # 5 Jan + 1 month + 2 months, the running pause not yet added; no reminders while paused.
    assert rr.due_at == deadlines.end_of_day(datetime(2027, 4, 5).date(), zone)
    assert reminders.next_reminder_at(rr) is None
    with time_machine.travel(asked + timedelta(days=4, hours=5), tick=False):
        workflow.answer(rr, actor=SUBJECT, body="HWW-2019-0427")
    assert rr.due_at == deadlines.end_of_day(datetime(2027, 4, 5).date(), zone) + timedelta(days=4, hours=5)
    assert reminders.next_reminder_at(rr) is not None

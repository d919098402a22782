"""The deadline sweep: reminders at 7 days, 2 days and on the due day, escalation once
overdue, the CCPA acknowledgement; each (request, threshold, due date) exactly once,
however many sweeps run, and only to people of the request's organisation."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orgs.models import Membership
from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, member
from requests_app.cases import reminders
from requests_app.models import NextReminder, Notification, Reminder, RightsRequest
from requests_app.workflow import sweeps
from tests import factories
from tests.factories import own_queue  # noqa: F401
from tests.workers import celery_queue  # noqa: F401

Status, Threshold, Kind = RightsRequest.Status, Reminder.Threshold, Notification.Kind


def fires_at(rr, threshold):
    rr.refresh_from_db()
    return {t: at for t, at, _due in reminders.schedule(rr)}[threshold]


def just_after(rr, threshold):
    return fires_at(rr, threshold) + timedelta(minutes=1)


def sent(rr, **filters):
    """(kind, recipient username or 'requester') of the request's notifications."""
    rows = Notification.objects.filter(request=rr, **filters).select_related("user")
    return sorted((n.kind, n.user.username if n.user else "requester") for n in rows)


def reminders_of(rr):
    return sorted(rr.reminders.values_list("threshold", "due_at"))


# --- thresholds and who hears -----------------------------------------------------------


def test_nothing_fires_before_the_first_threshold(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)

    assert sweeps.sweep_deadlines(now=fires_at(rr, Threshold.DAYS_7) - timedelta(minutes=1)) == 0
    assert rr.reminders.count() == 0
    assert Notification.objects.filter(kind__in=[Kind.REMINDER, Kind.ESCALATION]).count() == 0


def test_each_threshold_reminds_the_assignee_once_then_overdue_escalates_to_owners_and_assignee(
    org_a, owner_a, officer_a, second_officer_a, auditor_a, officer_b
):
    rr = factories.in_review_request(org_a, officer_a)
    due = rr.due_at

    for threshold in (Threshold.DAYS_7, Threshold.DAYS_2, Threshold.DUE_TODAY):
        moment = just_after(rr, threshold)
        assert sweeps.sweep_deadlines(now=moment) == 1
        assert sweeps.sweep_deadlines(now=moment) == 0  # the same moment again: nothing new
        reminder = rr.reminders.get(threshold=threshold)
        assert (reminder.due_at, reminder.sent_at is not None) == (due, True)
        assert sent(rr, reminder=reminder) == [(Kind.REMINDER, "officer_a")]
        rr.refresh_from_db()
        assert reminders.next_reminder_at(rr) > moment

    overdue = just_after(rr, Threshold.OVERDUE)
    assert overdue > due
    assert sweeps.sweep_deadlines(now=overdue) == 1
    escalation = rr.reminders.get(threshold=Threshold.OVERDUE)
    assert sent(rr, reminder=escalation) == [(Kind.ESCALATION, "officer_a"), (Kind.ESCALATION, "owner_a")]
    rr.refresh_from_db()
    assert reminders.next_reminder_at(rr) is None  # nothing left to remind of
    assert sweeps.sweep_deadlines(now=overdue + timedelta(days=30)) == 0
    assert rr.reminders.count() == 4


def test_an_unassigned_request_reminds_every_decider_of_its_organisation_and_nobody_else(
    org_a, owner_a, officer_a, second_officer_a, auditor_a, system_owner_a, officer_b
):
    rr = factories.verified_request(org_a)

    sweeps.sweep_deadlines(now=just_after(rr, Threshold.DAYS_7))

    assert sent(rr, kind=Kind.REMINDER) == [
        (Kind.REMINDER, "officer2_a"), (Kind.REMINDER, "officer_a"), (Kind.REMINDER, "owner_a"),
    ]


def test_an_assignee_who_left_the_organisation_is_not_reminded_the_deciders_are(org_a, owner_a, officer_a,
                                                                              second_officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    Membership.objects.filter(user=officer_a, organisation=org_a).delete()

    sweeps.sweep_deadlines(now=just_after(rr, Threshold.DAYS_7))

    assert sent(rr, kind=Kind.REMINDER) == [(Kind.REMINDER, "officer2_a"), (Kind.REMINDER, "owner_a")]


def test_an_unassigned_overdue_request_escalates_to_the_owners_only(org_a, owner_a, officer_a):
    rr = factories.verified_request(org_a)

    sweeps.sweep_deadlines(now=just_after(rr, Threshold.OVERDUE))

    assert sent(rr, kind=Kind.ESCALATION) == [(Kind.ESCALATION, "owner_a")]


def test_several_thresholds_passed_at_once_are_all_recorded_but_only_the_newest_is_sent(
    org_a, owner_a, officer_a
):
    rr = factories.in_review_request(org_a, officer_a)

    assert sweeps.sweep_deadlines(now=just_after(rr, Threshold.OVERDUE)) == 4

    unsent = set(rr.reminders.filter(sent_at__isnull=True).values_list("threshold", flat=True))
    assert unsent == {Threshold.DAYS_7, Threshold.DAYS_2, Threshold.DUE_TODAY}
    assert sent(rr, kind__in=[Kind.REMINDER, Kind.ESCALATION]) == [
        (Kind.ESCALATION, "officer_a"), (Kind.ESCALATION, "owner_a"),
    ]


def test_the_ccpa_code_mail_is_the_acknowledgement_and_the_sweep_sends_no_other(db):
    org = factories.jurisdiction_org("US-CA")
    factories.member(org, "officer", username="officer_ca")
    rr = factories.submitted_request(org, email="consumer@example.com")
    tasks.send_verification_code(rr.challenges.get().pk)  # the code mail acknowledges receipt (regs §7021(a))
    rr.refresh_from_db()
    assert rr.acknowledge_by is not None and rr.acknowledged_at is not None

    assert sweeps.sweep_deadlines(now=timezone.now()) == 0

    assert not rr.reminders.exists()
    rr.refresh_from_db()
    assert reminders.next_reminder_at(rr) is None  # unverified: not the officers' work yet
    tasks.send_verification_code(rr.challenges.get().pk)
    workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox())
    rr.refresh_from_db()
    assert reminders.next_reminder_at(rr) is not None  # verified: the officers' reminders come later
    sweeps.sweep_deadlines(now=just_after(rr, Threshold.DAYS_7))
    assert sent(rr, kind=Kind.REMINDER) == [(Kind.REMINDER, "officer_ca")]
    assert not rr.reminders.filter(threshold=Threshold.ACKNOWLEDGE).exists()


def test_a_paused_request_gets_no_reminders_while_paused(org_a, officer_a):
    rr = factories.awaiting_subject_request(org_a, officer_a)  # CN pauses while waiting for the subject
    rr.refresh_from_db()
    assert rr.paused_at is not None and reminders.next_reminder_at(rr) is None

    assert sweeps.sweep_deadlines(now=rr.due_at + timedelta(days=60)) == 0
    assert rr.reminders.count() == 0

    workflow.answer(rr, actor=SUBJECT, body="The east gate, pass 1038")
    rr.refresh_from_db()
    assert reminders.next_reminder_at(rr) == rr.due_at - timedelta(days=7)
    assert sweeps.sweep_deadlines(now=just_after(rr, Threshold.DAYS_7)) == 1


@pytest.mark.parametrize("status", [Status.REFUSED, Status.WITHDRAWN, Status.FULFILLED, Status.EXPIRED])
def test_closed_requests_get_no_reminders(org_a, officer_a, status):
    rr = factories.request_in_state(status, org_a, officer_a)

    assert sweeps.sweep_deadlines(now=timezone.now() + timedelta(days=400)) == 0

    rr.refresh_from_db()
    assert rr.reminders.count() == 0
    assert reminders.next_reminder_at(rr) is None  # a pointer left by the last open state is cleared


def test_an_extension_gives_the_new_due_date_its_own_reminders_and_keeps_the_old_ones(db):
    org = factories.jurisdiction_org("EU")
    officer = factories.member(org, "officer", username="officer_eu")
    rr = factories.in_review_request(org, officer)
    old_due = rr.due_at
    sweeps.sweep_deadlines(now=just_after(rr, Threshold.DAYS_7))
    old_reminder = rr.reminders.values().get()

    workflow.extend(rr, actor=member(officer), reason="The gate vendor needs time to export the logs")
    rr.refresh_from_db()
    new_due = rr.due_at
    assert new_due > old_due
    assert reminders.next_reminder_at(rr) == new_due - timedelta(days=7)

    # The old due date's later thresholds no longer fire.
    assert sweeps.sweep_deadlines(now=old_due - timedelta(days=2) + timedelta(minutes=1)) == 0
    assert sweeps.sweep_deadlines(now=old_due + timedelta(days=1)) == 0
    # The new due date fires its own, the 7-day one included.
    assert sweeps.sweep_deadlines(now=just_after(rr, Threshold.DAYS_7)) == 1

    assert reminders_of(rr) == [(Threshold.DAYS_7, old_due), (Threshold.DAYS_7, new_due)]
    assert rr.reminders.values().get(due_at=old_due) == old_reminder  # as it was
    assert len(sent(rr, kind=Kind.REMINDER)) == 2


def test_a_request_looked_at_twice_fires_each_reminder_once(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    moment = just_after(rr, Threshold.DAYS_2)
    sweeps.sweep_deadlines(now=moment)
    first = sorted(rr.reminders.values_list("pk", "threshold", "sent_at"))
    notifications = Notification.objects.filter(request=rr).count()

    # As if another sweep had read the request before the first one moved its pointer.
    reminders.point(rr, fires_at(rr, Threshold.DAYS_7))
    assert sweeps.sweep_deadlines(now=moment) == 0

    assert sorted(rr.reminders.values_list("pk", "threshold", "sent_at")) == first
    assert Notification.objects.filter(request=rr).count() == notifications


def queries_to_sweep(org, officer, n, batch=5000):
    """How many SQL statements one sweep makes when `n` requests just crossed their 7-day threshold."""
    made = [factories.in_review_request(org, officer, email=f"p{n}-{batch}-{i}@example.com") for i in range(n)]
    moment = max(just_after(rr, Threshold.DAYS_7) for rr in made)
    with CaptureQueriesContext(connection) as captured:
        assert sweeps.sweep_deadlines(now=moment, batch=batch) == n
    assert Notification.objects.filter(reminder__request__in=made).count() == n  # each reminder mailed
    return len(captured.captured_queries)


def test_the_sweep_makes_the_same_queries_for_3_or_12_crossing_requests(org_a, officer_a):
    # Claim, officers, reminders, notifications, pointers: one statement each per batch,
    # whatever the batch holds; nothing per request.
    assert queries_to_sweep(org_a, officer_a, 3) == queries_to_sweep(org_a, officer_a, 12)


def test_each_further_batch_of_a_sweep_adds_the_same_fixed_number_of_queries(org_a, officer_a):
    one, two, three = (queries_to_sweep(org_a, officer_a, n, batch=4) for n in (4, 8, 12))
    assert two - one == three - two <= 12


# --- sweeps at once -----------------------------------------------------------------------


def test_two_sweeps_at_once_produce_each_reminder_once(transactional_db, own_queue):
    org = factories.jurisdiction_org("EU")  # the clock starts at receipt: submitted requests have due dates
    factories.member(org, "owner", username="owner_eu")
    officer = factories.member(org, "officer", username="officer_eu")
    made = [factories.submitted_request(org, email=f"p{i}@example.com") for i in range(300)]
    for rr in made:  # verified: an unverified request has no officers' reminders
        workflow.verify_identity(rr, actor=member(officer), check_performed="Pass shown at the desk")
    moment = max(just_after(rr, Threshold.DAYS_7) for rr in made)

    start, results, errors = threading.Barrier(2), [], []

    def sweep():
        try:
            start.wait(timeout=10)
            results.append(sweeps.sweep_deadlines(now=moment, batch=20))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=sweep) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sum(results) == 300
    assert all(count > 0 for count in results), results  # both sweeps took part
    assert Reminder.objects.count() == 300
    assert set(Reminder.objects.values_list("threshold", flat=True)) == {Threshold.DAYS_7}
    assert sorted(Reminder.objects.values_list("request_id", flat=True)) == sorted(rr.pk for rr in made)
    reminder_notes = Notification.objects.filter(kind=Kind.REMINDER)
    assert reminder_notes.count() == 600  # one per reminder and decider
    per_reminder = {}
    for reminder_id, username in reminder_notes.values_list("reminder_id", "user__username"):
        per_reminder.setdefault(reminder_id, []).append(username)
    assert all(sorted(users) == ["officer_eu", "owner_eu"] for users in per_reminder.values())
    assert NextReminder.objects.filter(at__lte=moment).count() == 0

"""The outbox: each notification is written once and sent once, to the right person, in
their language, as plain text with an HTML alternative. Only what leaves the machine
(the mail server) is replaced, by Django's test outbox or a backend defined here."""

import smtplib
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone

from orgs.models import DataSystem, Membership
from requests_app import workflow
from requests_app.actors import SUBJECT, member
from requests_app.delivery import notifications
from requests_app.models import Notification, Reminder, RightsRequest
from requests_app.workflow import sweeps
from tests import factories
from tests.factories import own_queue  # noqa: F401
from tests.workers import celery_queue  # noqa: F401

Kind = Notification.Kind


def deliver_all(**filters) -> int:
    return sum(notifications.deliver(pk) for pk in Notification.objects.filter(**filters).values_list("pk", flat=True))


def subject_update(rr, action):
    return Notification.objects.get(request=rr, kind=Kind.SUBJECT_UPDATE, event__action=action)


# --- once ---------------------------------------------------------------------------------


def test_a_notification_is_sent_once_however_often_its_task_runs(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))
    note = subject_update(rr, "approve")
    mail.outbox.clear()

    assert notifications.deliver(note.pk) is True
    assert notifications.deliver(note.pk) is False

    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert note.sent_at is not None and note.attempts == 1


def test_the_same_step_notifying_twice_writes_one_row(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))
    event = rr.events.get(action="approve")

    assert notifications.notify(rr, Kind.SUBJECT_UPDATE, to_requester=True, event=event) == []
    assert Notification.objects.filter(request=rr, event=event).count() == 1


class HeldBackend(BaseEmailBackend):
    """A mail server that holds the first message until told to let it go."""

    sending, release, sent = threading.Event(), threading.Event(), []

    def send_messages(self, messages):
        HeldBackend.sending.set()
        HeldBackend.release.wait(10)
        HeldBackend.sent.extend(messages)
        return len(messages)


def test_two_deliveries_at_once_send_one_email(transactional_db, own_queue, settings, org_a, officer_a):
    settings.EMAIL_BACKEND = f"{__name__}.HeldBackend"
    HeldBackend.sending.clear(), HeldBackend.release.clear(), HeldBackend.sent.clear()
    rr = factories.submitted_request(org_a)
    workflow.verify_identity(rr, actor=member(officer_a), check_performed="Saw the annual pass")
    note = subject_update(rr, "verify")
    outcome = {}

    def first():
        try:
            outcome["first"] = notifications.deliver(note.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=first)
    worker.start()
    assert HeldBackend.sending.wait(10)  # the first is sending, holding the lease
    outcome["second"] = notifications.deliver(note.pk)
    HeldBackend.release.set()
    worker.join(10)

    assert outcome == {"first": True, "second": False}
    assert len(HeldBackend.sent) == 1
    assert Notification.objects.get(pk=note.pk).sent_at is not None


class DownBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("the mail server went away")


def test_a_send_that_failed_is_tried_again_at_once_and_then_sent_once(settings, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))
    note = subject_update(rr, "approve")
    mail.outbox.clear()

    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    with pytest.raises(smtplib.SMTPServerDisconnected):
        notifications.deliver(note.pk)
    note.refresh_from_db()
    assert (note.sent_at, note.lease_until, note.attempts) == (None, None, 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.deliver(note.pk) is True
    assert len(mail.outbox) == 1


def test_a_worker_that_died_while_sending_leaves_the_row_to_the_next_run_after_its_lease(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))
    note = subject_update(rr, "approve")
    Notification.objects.filter(pk=note.pk).update(lease_until=timezone.now() + notifications.LEASE)
    mail.outbox.clear()

    assert notifications.deliver(note.pk) is False  # held by the (dead) worker's lease
    assert note.pk not in notifications.unsent_ids(now=timezone.now() + timedelta(minutes=3))
    with time_machine.travel(timezone.now() + notifications.LEASE + timedelta(seconds=1)):
        assert note.pk in notifications.unsent_ids()
        assert notifications.deliver(note.pk) is True
    assert len(mail.outbox) == 1


def test_a_row_that_keeps_failing_is_no_longer_queued_again(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))
    note = subject_update(rr, "approve")
    Notification.objects.filter(pk=note.pk).update(attempts=notifications.MAX_ATTEMPTS)

    assert note.pk not in notifications.unsent_ids(now=timezone.now() + timedelta(hours=1))


# --- to whom, how -------------------------------------------------------------------------


def test_the_requester_reads_plain_text_with_an_html_alternative_in_their_language(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a, language="zh-hans")
    workflow.approve(rr, actor=member(officer_a))
    mail.outbox.clear()

    notifications.deliver(subject_update(rr, "approve").pk)

    [message] = mail.outbox
    assert message.to == ["guo@example.com"]
    assert rr.reference in message.subject and rr.reference in message.body
    assert "<html" not in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert '<html lang="zh-hans"' in html  # the subject's language was active while rendering
    assert rr.reference in html


def test_officers_read_the_site_language_at_their_own_address(org_a, owner_a, officer_a, auditor_a, officer_b):
    rr = factories.verified_request(org_a)
    mail.outbox.clear()

    deliver_all(request=rr, kind=Kind.NEW_REQUEST)

    assert sorted(m.to[0] for m in mail.outbox) == ["officer_a@example.com", "owner_a@example.com"]
    assert all('<html lang="en"' in m.alternatives[0][0] for m in mail.outbox)
    assert all(rr.reference in m.body for m in mail.outbox)


def test_mail_about_a_request_filed_by_an_agent_goes_to_the_agent(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a, filed_by="agent", requester_name="Zhao Lawyer",
                                     requester_email="zhao@law.example")
    workflow.approve(rr, actor=member(officer_a))
    mail.outbox.clear()

    notifications.deliver(subject_update(rr, "approve").pk)

    assert [m.to for m in mail.outbox] == [["zhao@law.example"]]


def test_a_requester_reachable_only_by_phone_gets_a_text(org_a, officer_a, sms_outbox):
    rr = factories.phone_only_request(org_a)
    workflow.verify_identity(rr, actor=member(officer_a), check_performed="Called back on the number")
    mail.outbox.clear()

    notifications.deliver(subject_update(rr, "verify").pk)

    assert mail.outbox == []
    assert [text.to for text in sms_outbox] == ["+8613800138000"]
    assert rr.reference in sms_outbox[0].body


def test_nobody_outside_the_organisation_is_written_to(org_a, officer_a, officer_b):
    rr = factories.in_review_request(org_a, officer_a)

    assert notifications.notify(rr, Kind.ASSIGNED, users=[officer_b]) == []
    assert not Notification.objects.filter(user=officer_b).exists()


def test_a_member_who_left_before_the_mail_went_is_not_sent_it(org_a, officer_a, second_officer_a):
    rr = factories.verified_request(org_a)
    workflow.assign(rr, actor=member(officer_a), assignee=second_officer_a)
    note = Notification.objects.get(request=rr, kind=Kind.ASSIGNED)
    Membership.objects.filter(user=second_officer_a).delete()
    mail.outbox.clear()

    notifications.deliver(note.pk)

    assert mail.outbox == []
    assert Notification.objects.get(pk=note.pk).sent_at is not None  # settled, not retried forever


# --- what each email says ---------------------------------------------------------------


def test_reminder_escalation_and_acknowledgement_emails_say_what_is_due(db):
    org = factories.jurisdiction_org("US-CA")
    owner = factories.member(org, "owner", username="owner_ca")
    officer = factories.member(org, "officer", username="officer_ca")
    rr = factories.submitted_request(org, email="consumer@example.com", language="zh-hans")
    sweeps.sweep_deadlines(now=timezone.now())  # the acknowledgement
    workflow.verify_identity(rr, actor=member(officer), check_performed="Matched the account email")
    workflow.assign(rr, actor=member(owner), assignee=officer)
    rr.refresh_from_db()
    sweeps.sweep_deadlines(now=rr.due_at - timedelta(days=2) + timedelta(minutes=1))  # 2 days
    sweeps.sweep_deadlines(now=rr.due_at + timedelta(minutes=1))  # overdue
    mail.outbox.clear()

    deliver_all(request=rr, reminder__isnull=False)

    by_kind = {}
    for message, note in zip(mail.outbox, Notification.objects.filter(request=rr, reminder__isnull=False)
                             .order_by("pk")):
        by_kind.setdefault(note.kind, []).append(message)
    [ack] = by_kind[Kind.ACKNOWLEDGEMENT]
    assert ack.to == ["consumer@example.com"] and '<html lang="zh-hans"' in ack.alternatives[0][0]
    assert rr.reference in ack.body and org.name in ack.body
    [reminder] = by_kind[Kind.REMINDER]
    assert reminder.to == ["officer_ca@example.com"]
    assert "It is assigned to you." in reminder.body and "Due in 2 days" in reminder.subject
    escalations = {m.to[0]: m for m in by_kind[Kind.ESCALATION]}
    assert set(escalations) == {"owner_ca@example.com", "officer_ca@example.com"}
    assert "As an owner" in escalations["owner_ca@example.com"].body
    assert "assigned to you" in escalations["officer_ca@example.com"].body
    assert Reminder.objects.filter(request=rr, sent_at__isnull=False).count() == 3


def test_the_system_owner_is_asked_to_carry_out_a_manual_task(org_a, officer_a, system_owner_a):
    factories.system(org_a, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=system_owner_a)
    rr = factories.fulfilling_request(org_a, officer_a)
    mail.outbox.clear()

    deliver_all(request=rr, kind=Kind.TASK_ASSIGNED)

    assert [m.to for m in mail.outbox] == [["sysowner_a@example.com"]]
    assert "Pass ledger" in mail.outbox[0].subject


def test_the_assignee_hears_when_the_requester_answers(org_a, officer_a):
    rr = factories.awaiting_subject_request(org_a, officer_a)
    workflow.answer(rr, actor=SUBJECT, body="Pass 1038, the east gate")
    mail.outbox.clear()

    deliver_all(request=rr, kind=Kind.SUBJECT_REPLIED)

    assert [m.to for m in mail.outbox] == [["officer_a@example.com"]]
    assert "Pass 1038" not in mail.outbox[0].body  # officers read the answer in the case, not by mail
    assert RightsRequest.objects.get(pk=rr.pk).status == RightsRequest.Status.IN_REVIEW

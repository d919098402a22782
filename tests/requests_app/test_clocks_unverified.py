"""Unverified requests (issue 10, item 1): not officers' work, closed before they are due.

Under a receipt clock (GDPR art. 12(3), CCPA regs §7021, LGPD art. 19, Va. Code
59.1-577) the response period runs from receipt even while the person has not proved who
they are, so an unverified request must be closed, and the person told why, before the
statutory due instant: at the end of the local day `unverified_margin` days before the
due day, by a sweep that beat runs every few minutes.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from config.celery import app
from orgs import law
from requests_app import workflow
from requests_app.actors import SYSTEM
from requests_app.cases import deadlines
from requests_app.delivery import notifications
from requests_app.models import Notification, Reminder, RightsRequest
from requests_app.workflow import sweeps
from tests import factories

Status, Kind = RightsRequest.Status, Notification.Kind
RECEIPT_CLOCKS = ["EU", "US-CA", "BR", "US-VA"]
ZONES = ["Europe/Amsterdam", "America/Los_Angeles", "Asia/Shanghai", "America/Sao_Paulo", "America/New_York"]
# Local moments of receipt: the last second of a month, the first second of the next, a
# month end before a 30-day month, and the end of a leap-free February.
RECEIVED = [
    datetime(2027, 1, 31, 23, 59, 59),
    datetime(2027, 2, 1, 0, 0, 1),
    datetime(2027, 3, 31, 23, 30),
    datetime(2027, 2, 28, 0, 5),
]


def _org(jurisdiction, zone):
    return factories.organisation(name=f"{jurisdiction} {zone}", slug=f"o-{jurisdiction.lower()}",
                                  jurisdiction=jurisdiction, time_zone=zone)


def _deliver_requester_mail(rr) -> None:
    for pk in Notification.objects.filter(request=rr, user__isnull=True).values_list("pk", flat=True):
        notifications.deliver(pk)


@pytest.mark.parametrize("received", RECEIVED, ids=lambda d: d.strftime("%m-%d_%H%M"))
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("jurisdiction", RECEIPT_CLOCKS)
def test_the_expiry_sweep_closes_an_unverified_request_at_its_instant_before_it_is_due(
    db, jurisdiction, zone, received
):
    tz = ZoneInfo(zone)
    org = _org(jurisdiction, zone)
    policy = deadlines.get_policy(jurisdiction)
    rr = factories.submitted_at(org, received.replace(tzinfo=tz))

    # The end of the local day `unverified_margin` days before the local due day.
    due_local, expires_local = rr.due_at.astimezone(tz), rr.expires_at.astimezone(tz)
    assert expires_local.date() == due_local.date() - timedelta(days=policy.unverified_margin.amount)
    assert (expires_local.hour, expires_local.minute, expires_local.second) == (23, 59, 59)
    # However late in its interval beat runs the sweep, that is still before the due instant.
    every = timedelta(seconds=app.conf.beat_schedule["expire-unverified"]["schedule"])
    assert rr.expires_at + every < rr.due_at

    with time_machine.travel(rr.expires_at - timedelta(seconds=1), tick=False):
        assert sweeps.expire_unverified() == 0
    rr.refresh_from_db()
    assert rr.status == Status.SUBMITTED

    with time_machine.travel(rr.expires_at, tick=False):
        assert sweeps.expire_unverified() == 1
        assert timezone.now() < rr.due_at
    rr.refresh_from_db()
    assert rr.status == Status.EXPIRED and rr.closed_at == rr.expires_at


def test_cn_keeps_its_period_to_verify_because_its_clock_starts_at_verification(db):
    org = _org("CN", "Asia/Shanghai")
    rr = factories.submitted_at(org, datetime(2027, 1, 31, 23, 59, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert rr.due_at is None
    assert rr.expires_at.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat() == "2027-02-14"


def test_the_expiry_sweep_runs_every_fifteen_minutes_not_once_a_day():
    assert app.conf.beat_schedule["expire-unverified"]["schedule"] == 900.0


@pytest.mark.parametrize("jurisdiction", RECEIPT_CLOCKS)
def test_an_unverified_request_brings_officers_no_reminder_and_no_escalation(db, jurisdiction):
    org = factories.jurisdiction_org(jurisdiction)
    factories.member(org, "owner", username="owner_x")
    officer = factories.member(org, "officer", username="officer_x")
    rr = factories.submitted_request(org)
    assert rr.due_at is not None  # a receipt clock: it has a due date already

    for moment in (rr.due_at - timedelta(days=7) + timedelta(seconds=1), rr.due_at - timedelta(hours=1),
                   rr.due_at + timedelta(minutes=1)):
        sweeps.sweep_deadlines(now=moment)

    officers_reminded = Reminder.objects.filter(request=rr).exclude(threshold=Reminder.Threshold.ACKNOWLEDGE)
    assert not officers_reminded.exists()
    assert not Notification.objects.filter(request=rr, user__isnull=False).exists()

    # Verified, the same request is the officers' work: the 7-day reminder comes.
    workflow.verify_identity(rr, actor=factories.as_member(officer), check_performed="Pass shown at the desk")
    rr.refresh_from_db()
    sweeps.sweep_deadlines(now=rr.due_at - timedelta(days=7) + timedelta(seconds=1))
    assert Notification.objects.filter(request=rr, kind=Kind.REMINDER, user=officer).exists()


def test_the_ccpa_acknowledgement_is_the_code_mail_not_an_officers_reminder(db):
    org = factories.jurisdiction_org("US-CA")
    rr = factories.submitted_request(org, email="consumer@example.com")
    sweeps.sweep_deadlines(now=timezone.now())
    # The code mail is the acknowledgement (regs 7021(a); test_mail_before_verification):
    # the sweep adds no mail to the consumer and nothing to the officers while unverified.
    assert not Notification.objects.filter(request=rr).exists()


@pytest.mark.parametrize("jurisdiction", ["EU", "US-CA", "BR", "US-VA", "CN"])
def test_the_expiry_letter_says_why_what_to_do_and_where_to_complain_without_a_status_link(db, jurisdiction):
    org = factories.jurisdiction_org(jurisdiction)
    with time_machine.travel(timezone.now() - timedelta(days=100), tick=False):
        rr = workflow.submit(organisation=org, kind="deletion",
                             identity=factories.Identity(email="guo.bing@example.com", full_name="Guo Bing",
                                                         member_number="HWW-2019-0427"))
    mail.outbox.clear()
    workflow.expire(rr, actor=SYSTEM)
    _deliver_requester_mail(rr)

    (letter,) = mail.outbox
    assert Notification.objects.get(request=rr, user__isnull=True).kind == Kind.UNVERIFIED_EXPIRED
    assert letter.to == ["guo.bing@example.com"]
    assert "could not be verified" in letter.subject
    assert "identity of the person who filed it could not be verified" in letter.body
    assert "file it again" in letter.body and "receives the code" in letter.body
    assert f"/organisations/{org.slug}/request/" in letter.body
    with translation.override("en"):  # the requester's language (another test may leave one active)
        assert str(law.texts(jurisdiction).redress) in letter.body
    assert "/status/" not in letter.body and "/status/" not in letter.alternatives[0][0]
    for personal in ("Guo Bing", "HWW-2019-0427", "g***"):
        assert personal not in letter.body
    assert rr.reference in letter.body


def test_the_expiry_letter_is_in_the_requesters_language(db):
    org = factories.jurisdiction_org("CN")
    with time_machine.travel(timezone.now() - timedelta(days=100), tick=False):
        rr = factories.submitted_request(org, language="zh-hans")
    mail.outbox.clear()
    workflow.expire(rr, actor=SYSTEM)
    _deliver_requester_mail(rr)

    (letter,) = mail.outbox
    with translation.override("zh-hans"):
        redress = str(law.texts("CN").redress)
    with translation.override("en"):
        assert redress != str(law.texts("CN").redress)  # the complaint route has its Chinese text
    assert redress in letter.body


def test_an_unverified_request_cannot_be_expired_before_its_instant(db):
    org = factories.jurisdiction_org("EU")
    rr = factories.submitted_request(org)
    with time_machine.travel(rr.expires_at - timedelta(seconds=1), tick=False):
        with pytest.raises(workflow.TransitionNotAllowed):
            workflow.expire(rr, actor=SYSTEM)
    rr.refresh_from_db()
    assert rr.status == Status.SUBMITTED

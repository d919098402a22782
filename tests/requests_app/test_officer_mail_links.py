"""Officers' reminder and escalation mails take them straight to the case on the desk."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from requests_app import workflow
from requests_app.actors import member
from requests_app.delivery import notifications
from requests_app.models import Notification
from requests_app.workflow import sweeps
from tests import factories

Kind = Notification.Kind
pytestmark = pytest.mark.django_db


@override_settings(SITE_URL="https://rights.example.org/")
def test_reminder_and_escalation_mails_link_to_the_case_on_the_desk(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    rr.refresh_from_db()
    sweeps.sweep_deadlines(now=rr.due_at - timedelta(days=2) + timedelta(minutes=1))
    sweeps.sweep_deadlines(now=rr.due_at + timedelta(minutes=1))
    mail.outbox.clear()

    for pk in Notification.objects.filter(request=rr, kind__in=[Kind.REMINDER, Kind.ESCALATION]).values_list(
        "pk", flat=True
    ):
        notifications.deliver(pk)

    link = f"https://rights.example.org/desk/requests/{rr.reference}/"
    sent = {n.kind for n in Notification.objects.filter(request=rr, sent_at__isnull=False)}
    assert {Kind.REMINDER, Kind.ESCALATION} <= sent
    assert all(f"Open the case: {link}" in m.body for m in mail.outbox), [m.body for m in mail.outbox]
    # The link opens the case for the officer it was sent to.
    client = Client()
    factories.force_sign_in(client, officer_a)
    assert client.get(link.removeprefix("https://rights.example.org")).status_code == 200


def test_mails_to_the_requester_carry_no_desk_link(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))
    mail.outbox.clear()

    for pk in Notification.objects.filter(request=rr, user__isnull=True).values_list("pk", flat=True):
        notifications.deliver(pk)

    assert mail.outbox and all("/desk/" not in m.body for m in mail.outbox)


def test_a_late_organisations_update_says_it_is_late(org_a, officer_a):
    from datetime import timedelta

    import time_machine
    from django.core import mail
    from django.utils import timezone

    from requests_app import workflow
    from requests_app.delivery import notifications
    from requests_app.actors import member
    from requests_app.models import Notification

    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))  # the mail every approval sends
    mail.outbox = []
    for pk in Notification.objects.filter(request=rr, user=None, sent_at=None).values_list("pk", flat=True):
        notifications.deliver(pk)

    assert "and is late." in mail.outbox[-1].body and "must answer by" not in mail.outbox[-1].body

"""The outbox both senders share (requests_app/delivery/outbox.py): a row is claimed by one worker
at a time, handed back at once after a failed try, never claimed once sent, and left to
a person after too many tries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app import workflow
from requests_app.actors import member
from requests_app.delivery import event_webhooks, notifications
from requests_app.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


def test_both_senders_use_the_one_outbox():
    assert notifications.OUTBOX.model is Notification
    assert event_webhooks.OUTBOX.model.__name__ == "EventDelivery"


def test_a_row_is_claimed_once_released_at_once_and_never_claimed_once_sent(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))
    row = Notification.objects.filter(request=rr).first()
    outbox = notifications.OUTBOX
    later = timezone.now() + timedelta(minutes=3)

    assert outbox.claim(row.pk) is True
    assert outbox.claim(row.pk) is False  # another worker holds it
    assert row.pk not in outbox.due(later)
    outbox.release(row.pk)
    assert row.pk in outbox.due(later)
    assert outbox.claim(row.pk) is True
    outbox.mark_sent(row.pk)
    assert outbox.claim(row.pk) is False and row.pk not in outbox.due(later)

    row.refresh_from_db()
    assert row.attempts == 2 and row.sent_at is not None and row.lease_until is None


def test_a_row_tried_too_often_is_left_for_a_person(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a))
    row = Notification.objects.filter(request=rr).first()
    Notification.objects.filter(pk=row.pk).update(attempts=notifications.OUTBOX.max_attempts)

    assert row.pk not in notifications.OUTBOX.due(timezone.now() + timedelta(hours=1))

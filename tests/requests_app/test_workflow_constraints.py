"""The database holds the truth even against code that skips the workflow: check and
unique constraints refuse rows the state machine could never produce."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from orgs.models import DataSystem
from requests_app.models import FulfilmentTask, Reminder, RightsRequest, VerificationChallenge
from tests import factories

Status = RightsRequest.Status



def _refused_by_database(queryset, **values):
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**values)


def test_a_refusal_without_reason_or_legal_ground_cannot_be_saved(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    row = RightsRequest.objects.filter(pk=rr.pk)

    _refused_by_database(row, status=Status.REFUSED)
    _refused_by_database(row, status=Status.REFUSED, refusal_reason="Retention duty")
    _refused_by_database(row, status=Status.REFUSED, refusal_legal_ground="PIPL art. 47(2)")
    assert row.get().status == Status.IN_REVIEW


def test_a_refusals_reason_cannot_be_erased_afterwards(org_a, officer_a):
    rr = factories.refused_request(org_a, officer_a)
    row = RightsRequest.objects.filter(pk=rr.pk)

    _refused_by_database(row, refusal_reason="")
    _refused_by_database(row, refusal_legal_ground="")


@pytest.mark.parametrize("field,value", [("status", "lost"), ("status", ""), ("kind", "revenge"),
                                         ("filed_by", "lawyer"), ("jurisdiction", "XX")])
def test_values_outside_the_choices_are_refused(org_a, field, value):
    rr = factories.submitted_request(org_a)

    _refused_by_database(RightsRequest.objects.filter(pk=rr.pk), **{field: value})


def test_a_due_date_before_receipt_is_refused(db):
    org = factories.organisation(slug="eu-org", jurisdiction="EU", time_zone="Europe/Berlin")
    rr = factories.submitted_request(org)

    _refused_by_database(RightsRequest.objects.filter(pk=rr.pk), due_at=rr.received_at - timedelta(days=1))


def test_one_reminder_per_request_threshold_and_due_date(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    Reminder.objects.create(request=rr, threshold=Reminder.Threshold.DAYS_7, due_at=rr.due_at)

    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(request=rr, threshold=Reminder.Threshold.DAYS_7, due_at=rr.due_at)

    # Another threshold, or the same one for a moved due date, is a reminder of its own.
    Reminder.objects.create(request=rr, threshold=Reminder.Threshold.DAYS_2, due_at=rr.due_at)
    Reminder.objects.create(request=rr, threshold=Reminder.Threshold.DAYS_7, due_at=rr.due_at + timedelta(days=3))
    assert rr.reminders.count() == 3


def test_a_reminder_threshold_outside_the_choices_is_refused(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)

    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(request=rr, threshold="3d", due_at=rr.due_at)


def test_one_fulfilment_task_per_request_and_system(org_a, officer_a):
    system = factories.system(org_a)
    rr = factories.fulfilling_request(org_a, officer_a)

    with pytest.raises(IntegrityError), transaction.atomic():
        FulfilmentTask.objects.create(request=rr, system=system, connector=DataSystem.Connector.VAULT)


def test_code_attempts_cannot_go_past_five(org_a):
    rr = factories.submitted_request(org_a)

    _refused_by_database(VerificationChallenge.objects.filter(request=rr), attempts=6)


def test_history_events_are_append_only(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    event = rr.events.get(action="assign")

    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


"""Minimisation sweeps: unverified requests expire; closed cases lose the contact details
after their policy's period (CN 365 days), keeping the anonymised request and its chain."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from requests_app import workflow
from requests_app.actors import SYSTEM, member
from requests_app.cases import deadlines
from requests_app.delivery import notifications
from requests_app.errors import TransitionNotAllowed
from requests_app.models import DataSubject, Notification, RightsRequest
from requests_app.transparency import audit
from requests_app.workflow import sweeps
from tests import factories

Status = RightsRequest.Status


def ago(**delta):
    return timezone.now() - timedelta(**delta)


# --- expiry of unverified requests --------------------------------------------------------


def test_expire_unverified_expires_exactly_the_requests_past_their_expiry(org_a, officer_a):
    past = factories.submitted_at(org_a, ago(days=20), email="old@example.com")  # CN: 14 days to verify
    fresh = factories.submitted_at(org_a, ago(days=10), email="fresh@example.com")
    verified = factories.submitted_at(org_a, ago(days=20), email="verified@example.com")
    workflow.verify_identity(verified, actor=member(officer_a), check_performed="Saw the annual pass")

    assert sweeps.expire_unverified() == 1

    statuses = dict(RightsRequest.objects.values_list("pk", "status"))
    assert statuses == {past.pk: Status.EXPIRED, fresh.pk: Status.SUBMITTED, verified.pk: Status.VERIFIED}
    event = past.events.order_by("-seq").first()
    assert (event.action, event.actor_kind, event.actor_id) == ("expire", "system", None)
    assert audit.verify_chain(RightsRequest.objects.get(pk=past.pk)) is None
    assert sweeps.expire_unverified() == 0  # idempotent


def test_one_request_that_cannot_be_expired_does_not_stop_the_others(org_a, caplog):
    # Chosen for a later `now`, but the workflow checks the real clock and refuses it.
    not_yet = factories.submitted_at(org_a, ago(days=13), email="not-yet@example.com")
    past = factories.submitted_at(org_a, ago(days=20), email="past@example.com")
    assert not_yet.pk < past.pk  # the refused one comes first

    assert sweeps.expire_unverified(now=timezone.now() + timedelta(days=5)) == 1

    assert RightsRequest.objects.get(pk=not_yet.pk).status == Status.SUBMITTED
    assert RightsRequest.objects.get(pk=past.pk).status == Status.EXPIRED
    assert "not-yet@example.com" not in caplog.text


# --- contact purge ------------------------------------------------------------------------


def closed_at(moment, build, *args, **kwargs):
    with time_machine.travel(moment, tick=False):
        return build(*args, **kwargs)


def test_purge_removes_the_contact_details_of_cases_closed_past_the_period_only(org_a, officer_a):
    old = closed_at(ago(days=400), factories.withdrawn_request, org_a, email="guo.bing@example.com")
    recent = closed_at(ago(days=300), factories.withdrawn_request, org_a, email="recent@example.com")
    open_old = closed_at(ago(days=400), factories.in_review_request, org_a, officer_a, email="open@example.com")

    assert sweeps.purge_closed_contacts() == 1

    subject = DataSubject.objects.get(pk=old.subject_id)
    assert (subject.full_name, subject.email, subject.phone, subject.masked_identifiers) == ("", "", "", "")
    assert subject.identifier_hashes() == {"email": "", "phone": "", "member_number": "", "id_number": ""}
    assert subject.contact_purged_at is not None
    for kept in (recent, open_old):
        assert DataSubject.objects.get(pk=kept.subject_id).email.endswith("@example.com")
        assert DataSubject.objects.get(pk=kept.subject_id).contact_purged_at is None

    old = RightsRequest.objects.get(pk=old.pk)
    assert (old.status, old.reference, old.kind) == (Status.WITHDRAWN, old.reference, "deletion")  # the case stays
    event = old.events.order_by("-seq").first()
    assert (event.action, event.actor_kind, event.from_status, event.to_status) == (
        "purge_contact", "system", Status.WITHDRAWN, Status.WITHDRAWN,
    )
    assert "guo" not in str(event.data) and not event.visible_to_subject
    assert audit.verify_chain(old) is None
    assert sweeps.purge_closed_contacts() == 0  # nothing left to remove


def test_the_period_ends_at_the_end_of_the_day_in_the_organisations_time_zone(org_a):
    rr = closed_at(ago(days=366), factories.withdrawn_request, org_a)
    rr.refresh_from_db()
    purge_at = deadlines.contact_purge_at(deadlines.get_policy("CN"), closed_at=rr.closed_at, tz=org_a.time_zone)

    with time_machine.travel(purge_at - timedelta(minutes=1), tick=False):
        assert sweeps.purge_closed_contacts() == 0
    with time_machine.travel(purge_at + timedelta(minutes=1), tick=False):
        assert sweeps.purge_closed_contacts() == 1


def test_each_jurisdiction_keeps_contact_details_for_its_own_period(db):
    california = factories.jurisdiction_org("US-CA")  # 730 days
    cn = factories.organisation(name="Park", slug="park-cn")  # 365 days
    in_california = closed_at(ago(days=400), factories.withdrawn_request, california, email="ca@example.com")
    in_china = closed_at(ago(days=400), factories.withdrawn_request, cn, email="cn@example.com")

    assert sweeps.purge_closed_contacts() == 1

    assert DataSubject.objects.get(pk=in_china.subject_id).contact_purged_at is not None
    assert DataSubject.objects.get(pk=in_california.subject_id).contact_purged_at is None


def test_the_relative_or_agent_who_filed_loses_their_details_too(org_a, officer_a):
    rr = closed_at(ago(days=400), factories.refused_request, org_a, officer_a, filed_by="agent",
                   requester_name="Zhao Lawyer", requester_email="zhao@law.example")

    assert sweeps.purge_closed_contacts() == 1

    rr.refresh_from_db()
    assert (rr.requester_name, rr.requester_email) == ("", "")
    assert rr.refusal_reason == factories.REFUSAL_REASON  # the anonymised record keeps the decision
    assert audit.verify_chain(rr) is None


def test_a_purged_case_sends_no_more_mail_to_the_requester(org_a, officer_a):
    rr = closed_at(ago(days=400), factories.fulfilled_request, org_a, officer_a)
    sweeps.purge_closed_contacts()
    workflow.message_subject(rr, actor=member(officer_a), body="A late note on your case")
    mail.outbox.clear()

    for notification in Notification.objects.filter(request=rr, user__isnull=True, sent_at__isnull=True):
        notifications.deliver(notification.pk)

    assert mail.outbox == []


def test_a_refused_purge_changes_nothing(org_a):
    rr = closed_at(ago(days=100), factories.withdrawn_request, org_a)
    before = factories.snapshot(rr)

    with pytest.raises(TransitionNotAllowed):  # still within the 365 days
        workflow.purge_contact_details(rr, actor=SYSTEM)

    assert factories.snapshot(rr) == before
    assert DataSubject.objects.get(pk=rr.subject_id).contact_purged_at is None

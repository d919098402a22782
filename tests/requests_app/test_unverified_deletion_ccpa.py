"""CCPA §7022: a deletion whose requester could not be verified is refused, the requester
is told why, and the request is treated as a request to opt out of the sale or sharing
of their personal information (which needs no verification, regs §7026(d)).

Reference calendar: received Monday 15 March 2027 in Los Angeles; the time to verify
runs out at the end of 29 April; the expiry sweep runs on Friday 30 April at 09:00 (PDT).
Fifteen business days from 30 April (no US or Californian holiday in between) end on
Friday 21 May 2027.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from requests_app import notifications, sweeps, workflow
from requests_app.models import Notification, RightsRequest
from requests_app.subjects import Identity
from tests import factories

pytestmark = pytest.mark.django_db
Kind, Status = RightsRequest.Kind, RightsRequest.Status
LA, BERLIN = ZoneInfo("America/Los_Angeles"), ZoneInfo("Europe/Berlin")
RECEIVED = datetime(2027, 3, 15, 10, 0, tzinfo=LA)
SWEEP = datetime(2027, 4, 30, 9, 0, tzinfo=LA)


@pytest.fixture
def org_ca(db):
    return factories.organisation(name="Golden Gate Fitness", slug="gym-ca", jurisdiction="US-CA",
                                  time_zone="America/Los_Angeles")


def _file(org, kinds):
    return workflow.submit_many(organisation=org, kinds=kinds,
                                identity=Identity(email="pat@example.com", full_name="Pat Lee"))


def _expire_by_the_sweep(time_machine, rr):
    assert rr.expires_at < SWEEP
    time_machine.move_to(SWEEP, tick=False)
    assert sweeps.expire_unverified() >= 1
    rr.refresh_from_db()
    assert rr.status == Status.EXPIRED


def _expiry_mail(rr) -> str:
    note = Notification.objects.get(event=rr.events.get(action="expire"), kind=Notification.Kind.SUBJECT_UPDATE)
    mail.outbox.clear()
    assert notifications.deliver(note.pk) is True
    (sent,) = mail.outbox
    return sent.body


def test_an_unverified_ccpa_deletion_expires_into_an_opt_out_of_sale_or_sharing(org_ca, time_machine):
    time_machine.move_to(RECEIVED, tick=False)
    (deletion,) = _file(org_ca, [Kind.DELETION])

    _expire_by_the_sweep(time_machine, deletion)

    treated = deletion.events.get(action="expire").data["treated_as"]
    opt_out = RightsRequest.objects.get(reference=treated["reference"])
    assert treated["kind"] == Kind.OPT_OUT_SALE == opt_out.kind
    assert (opt_out.subject_id, opt_out.submission, opt_out.organisation_id) == (
        deletion.subject_id, deletion.submission, org_ca.pk)
    assert opt_out.status == Status.VERIFIED and opt_out.received_at == SWEEP
    assert opt_out.events.get(action="submit").data["treated_from"] == deletion.reference
    assert opt_out.events.get(action="verify").data["method"] == "not_required"
    assert opt_out.due_at == datetime(2027, 5, 21, 23, 59, 59, 999999, tzinfo=LA)
    assert opt_out.acknowledge_by is None
    body = _expiry_mail(deletion)
    assert "Cal. Code Regs. tit. 11 §7022" in body and opt_out.reference in body
    assert "opt out of the sale or sharing" in body


def test_the_sweep_run_twice_files_one_opt_out(org_ca, time_machine):
    time_machine.move_to(RECEIVED, tick=False)
    (deletion,) = _file(org_ca, [Kind.DELETION])
    _expire_by_the_sweep(time_machine, deletion)

    assert sweeps.expire_unverified() == 0
    assert RightsRequest.objects.filter(kind=Kind.OPT_OUT_SALE).count() == 1


def test_an_open_opt_out_of_the_same_person_is_linked_not_filed_again(org_ca, time_machine):
    time_machine.move_to(RECEIVED, tick=False)
    deletion, opt_out = sorted(_file(org_ca, [Kind.DELETION, Kind.OPT_OUT_SALE]), key=lambda rr: rr.kind)
    assert (deletion.kind, opt_out.status) == (Kind.DELETION, Status.VERIFIED)

    _expire_by_the_sweep(time_machine, deletion)

    assert deletion.events.get(action="expire").data["treated_as"]["reference"] == opt_out.reference
    assert RightsRequest.objects.filter(kind=Kind.OPT_OUT_SALE).count() == 1


def test_an_unverified_ccpa_access_request_expires_without_an_opt_out(org_ca, time_machine):
    time_machine.move_to(RECEIVED, tick=False)
    (access,) = _file(org_ca, [Kind.ACCESS])

    _expire_by_the_sweep(time_machine, access)

    assert "treated_as" not in access.events.get(action="expire").data
    assert not RightsRequest.objects.filter(kind=Kind.OPT_OUT_SALE).exists()
    assert "§7022" not in _expiry_mail(access)


def test_an_opt_out_the_person_filed_apart_is_linked_not_filed_again(org_ca, time_machine):
    time_machine.move_to(RECEIVED, tick=False)
    (deletion,) = _file(org_ca, [Kind.DELETION])
    (opt_out,) = _file(org_ca, [Kind.OPT_OUT_SALE])
    assert opt_out.submission != deletion.submission

    _expire_by_the_sweep(time_machine, deletion)

    assert deletion.events.get(action="expire").data["treated_as"]["reference"] == opt_out.reference
    assert RightsRequest.objects.filter(kind=Kind.OPT_OUT_SALE).count() == 1


@pytest.mark.parametrize("jurisdiction,zone", [("EU", "Europe/Berlin"), ("US-VA", "America/New_York"),
                                               ("CN", "Asia/Shanghai"), ("BR", "America/Sao_Paulo")])
def test_elsewhere_an_unverified_deletion_just_expires(jurisdiction, zone, time_machine):
    org = factories.organisation(name="Org", slug="org-x", jurisdiction=jurisdiction, time_zone=zone)
    time_machine.move_to(RECEIVED, tick=False)
    (deletion,) = _file(org, [Kind.DELETION])

    _expire_by_the_sweep(time_machine, deletion)

    assert deletion.events.get(action="expire").data == {}
    assert RightsRequest.objects.count() == 1

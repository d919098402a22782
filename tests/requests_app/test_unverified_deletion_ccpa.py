"""CCPA regs §7022: a deletion whose requester could not be verified may be denied, and
the requester is told their identity could not be verified (§7022(a)); denying it, the
business asks whether they would like to opt out of the sale or sharing of their
personal information (§7022(f)(3)), which needs no verification (§7026(d)). Nothing is
filed for them: the expiry letter asks, with a link to the form with the opt-out chosen.

Reference calendar: received Monday 15 March 2027 in Los Angeles; the time to verify
runs out at the end of 29 April; the expiry sweep runs on Friday 30 April at 09:00 (PDT).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from requests_app import workflow
from requests_app.cases.subjects import Identity
from requests_app.delivery import notifications
from requests_app.models import Notification, RightsRequest
from requests_app.workflow import sweeps
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
    note = Notification.objects.get(event=rr.events.get(action="expire"), kind=Notification.Kind.UNVERIFIED_EXPIRED)
    mail.outbox.clear()
    assert notifications.deliver(note.pk) is True
    (sent,) = mail.outbox
    return sent.body


def test_an_unverified_ccpa_deletion_is_denied_and_the_letter_offers_the_opt_out(org_ca, client, time_machine):
    time_machine.move_to(RECEIVED, tick=False)
    (deletion,) = _file(org_ca, [Kind.DELETION])

    _expire_by_the_sweep(time_machine, deletion)

    assert deletion.events.get(action="expire").data == {"opt_out_offered": Kind.OPT_OUT_SALE}
    assert RightsRequest.objects.count() == 1  # nothing filed for the consumer
    body = _expiry_mail(deletion)
    assert "identity could not be verified" in body and "§7022(a)" in body and "§7022(f)(3)" in body
    link = next(line for line in body.splitlines() if "?kind=" in line)
    assert link.endswith(f"/organisations/{org_ca.slug}/request/?kind=opt_out_sale")
    # The link opens the form with the opt-out chosen.
    page = client.get(link[link.index("/organisations/"):])
    assert page.status_code == 200
    assert page.context["form"].initial["kinds"] == [Kind.OPT_OUT_SALE]


def test_a_kind_the_form_does_not_offer_is_not_chosen_from_the_link(org_ca, client):
    page = client.get(f"/organisations/{org_ca.slug}/request/?kind=opt_out_profiling")  # Virginia's, not CA's
    assert page.status_code == 200 and "kinds" not in page.context["form"].initial


def test_a_person_with_an_open_opt_out_is_not_asked_again(org_ca, time_machine):
    time_machine.move_to(RECEIVED, tick=False)
    (deletion,) = _file(org_ca, [Kind.DELETION])
    (opt_out,) = _file(org_ca, [Kind.OPT_OUT_SALE])  # filed apart, known by the same email
    assert opt_out.submission != deletion.submission and opt_out.status == Status.VERIFIED

    _expire_by_the_sweep(time_machine, deletion)

    assert deletion.events.get(action="expire").data == {"opt_out_open": opt_out.reference}
    body = _expiry_mail(deletion)
    assert opt_out.reference in body and "?kind=" not in body
    assert RightsRequest.objects.filter(kind=Kind.OPT_OUT_SALE).count() == 1


def test_an_unverified_ccpa_access_request_expires_without_an_offer(org_ca, time_machine):
    time_machine.move_to(RECEIVED, tick=False)
    (access,) = _file(org_ca, [Kind.ACCESS])

    _expire_by_the_sweep(time_machine, access)

    assert access.events.get(action="expire").data == {}
    assert "§7022" not in _expiry_mail(access)


@pytest.mark.parametrize("jurisdiction,zone", [("EU", "Europe/Berlin"), ("US-VA", "America/New_York"),
                                               ("CN", "Asia/Shanghai"), ("BR", "America/Sao_Paulo")])
def test_elsewhere_an_unverified_deletion_just_expires(jurisdiction, zone, time_machine):
    org = factories.organisation(name="Org", slug="org-x", jurisdiction=jurisdiction, time_zone=zone)
    time_machine.move_to(RECEIVED, tick=False)
    (deletion,) = _file(org, [Kind.DELETION])

    _expire_by_the_sweep(time_machine, deletion)

    assert deletion.events.get(action="expire").data == {}
    body = _expiry_mail(deletion)
    assert "§7022" not in body and "?kind=" not in body

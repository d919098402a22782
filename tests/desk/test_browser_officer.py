"""One real browser on the officer desk: headless Chromium signs an officer in through the
sign-in page (an officer needs no second factor), opens the queue, opens a verified
deletion request in review, approves it (after its confirmation page), starts fulfilment and sees "Being carried out".

The live server runs in this process; approving queues the fulfilment task to a queue
of this test's own with no worker on it, so the request waits, approved, for the officer
to press "Start fulfilment" (what an officer does when no worker picked it up).
Screenshots: var/screenshots/officer-case.png (and officer-queue.png).
"""

import re

import pytest
from django.db import connections

from requests_app.models import RightsRequest
from tests import factories
from tests.browser import SCREENSHOTS, chromium_page, requires_chromium
from tests.factories import own_queue  # noqa: F401
from tests.workers import celery_queue  # noqa: F401

DESKTOP = {"width": 1280, "height": 900}

pytestmark = requires_chromium


@pytest.fixture
def browser_page(monkeypatch):
    with chromium_page(monkeypatch, viewport=DESKTOP) as page:
        yield page


def test_an_officer_signs_in_approves_a_deletion_and_sees_it_carried_out(
    live_server, transactional_db, own_queue, browser_page  # noqa: F811
):
    try:
        _approve_and_fulfil(live_server, browser_page)
    finally:
        # The test body's own database connection (Playwright's greenlet): close it, or the
        # test database cannot be dropped at the end.
        connections.close_all()


def _approve_and_fulfil(live_server, page) -> None:
    park = factories.organisation(name="Hangzhou Wildlife Park", slug="hangzhou-wildlife-park", city="Hangzhou")
    officer = factories.member(park, "officer", username="zhang.officer")
    gate = factories.activity(park, name="Annual pass entry", collection_point="North gate")
    factories.person_record(gate, email="guo@example.com")
    rr = factories.in_review_request(park, officer, email="guo@example.com",
                                     data_description="Face scans at the north gate for my annual pass")
    other = factories.verified_request(park, email="someone@example.com", kind="access")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # The desk sends a visitor to the sign-in page and back.
    page.goto(live_server.url + "/desk/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "zhang.officer")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/desk/$"))

    # The queue: both requests, the one in review a link to its case.
    queue = page.inner_text("main")
    assert rr.reference in queue and other.reference in queue
    page.screenshot(path=str(SCREENSHOTS / "officer-queue.png"), full_page=True)
    page.click(f"a[href='/desk/requests/{rr.reference}/']")
    page.wait_for_url(re.compile(rf"/desk/requests/{rr.reference}/$"))
    assert page.inner_text("#status") == "In review"
    assert "guo@example.com" not in page.inner_text("main")  # masked until revealed
    assert "North gate" in page.inner_text("main")  # the record held about this person

    # Approving asks first: how the identity was verified, what approval sets off where.
    page.click("#approve-link")
    page.wait_for_url(re.compile(rf"/desk/requests/{rr.reference}/approve/confirm/$"))
    assert "Gate vault" in page.inner_text("#systems")
    assert "cannot be undone" in page.inner_text("main")
    page.screenshot(path=str(SCREENSHOTS / "officer-approve-confirm.png"), full_page=True)
    page.click("form[action$='/approve/'] button[type=submit]")
    page.wait_for_url(re.compile(rf"/desk/requests/{rr.reference}/$"))
    assert page.inner_text("#status") == "Approved"
    assert "Approved." in page.inner_text("main .messages")

    page.click("form[action$='/start_fulfilment/'] button[type=submit]")
    page.wait_for_url(re.compile(rf"/desk/requests/{rr.reference}/$"))
    assert page.inner_text("#status") == "Being carried out"
    assert "Gate vault" in page.inner_text("main")  # the vault's task, pending: no worker runs here
    page.screenshot(path=str(SCREENSHOTS / "officer-case.png"), full_page=True)

    rr.refresh_from_db()
    assert rr.status == RightsRequest.Status.FULFILLING
    assert [e.action for e in rr.events.order_by("seq")][-2:] == ["approve", "start_fulfilment"]
    assert set(rr.events.filter(action__in=["approve", "start_fulfilment"]).values_list("actor", flat=True)) == {
        officer.pk
    }

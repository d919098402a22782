"""The desk in a real browser at phone width and on a laptop: at 360 px the queue, a case
page and the dashboard never scroll sideways (a table may scroll inside its own box);
on a 1280 x 800 laptop the compact queue shows fifteen rows or more, and the case page's
status, clock and next steps stay in view while the officer scrolls through the case.

Screenshots: var/screenshots/desk-360-{queue,case,dashboard}.png, desk-laptop-queue.png,
desk-laptop-case.png (scrolled), desk-360-queue-zh.png (after the language switch).
"""

import re

import pytest
from django.db import connections

from orgs.models import DataSystem
from requests_app import workflow
from requests_app.actors import member
from requests_app.cases.subjects import Identity
from tests import factories
from tests.browser import SCREENSHOTS, chromium_page, requires_chromium
from tests.factories import own_queue  # noqa: F401
from tests.workers import celery_queue  # noqa: F401

pytestmark = requires_chromium
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 800}


def _park():
    park = factories.organisation(name="Hangzhou Wildlife Park", slug="hangzhou-wildlife-park", city="Hangzhou")
    officer = factories.member(park, "officer", username="zhang.officer")
    factories.system(park, name="Gate vault")
    factories.system(park, name="Annual pass ledger (ticket office)", connector=DataSystem.Connector.MANUAL)
    gate = factories.activity(park, name="Annual pass entry", collection_point="North gate")
    factories.person_record(gate, email="guo@example.com")
    case = factories.in_review_request(park, officer, email="guo@example.com",
                                       data_description="Face scans at the north gate for my annual pass " * 3)
    for n in range(22):
        rr = workflow.submit(organisation=park, kind=["deletion", "access", "copy"][n % 3],
                             identity=Identity(email=f"visitor{n}@example.com", full_name=f"Visitor Number {n}",
                                               member_number=f"HZ-2026-{n:04d}"))
        if n % 4 == 0:
            workflow.verify_identity(rr, actor=member(officer), check_performed="Pass photo compared at the gate")
    for n in range(6):
        workflow.add_note(case, actor=member(officer), body=f"Checked the gate log, part {n}: " + "entries " * 30)
    return park, officer, case


def _sign_in(page, live_server):
    page.goto(live_server.url + "/accounts/login/?next=/desk/")
    page.fill("input[name=username]", "zhang.officer")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/desk/$"))


def _no_sideways_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def park(transactional_db, own_queue):  # noqa: F811
    try:
        yield _park()
    finally:
        connections.close_all()  # the test body's connection (Playwright's greenlet)


def test_the_desk_at_360_px_never_scrolls_sideways(live_server, park, monkeypatch):
    _org, _officer, case = park
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(monkeypatch, viewport=PHONE) as page:
        _sign_in(page, live_server)
        pages = {
            "queue": "/desk/",
            "case": f"/desk/requests/{case.reference}/",
            "dashboard": "/desk/dashboard/",
            "approve": f"/desk/requests/{case.reference}/approve/confirm/",
        }
        for name, path in pages.items():
            page.goto(live_server.url + path)
            page.screenshot(path=str(SCREENSHOTS / f"desk-360-{name}.png"), full_page=True)
            assert _no_sideways_scroll(page) <= PHONE["width"], name
        # The menu is all there, wrapped, and the language switch works from the desk.
        page.goto(live_server.url + "/desk/")
        header = page.inner_text("header")
        for item in ("Queue", "Dashboard", "CSV export", "Tasks"):
            assert item in header
        page.select_option("header select[name=language]", "zh-hans")
        page.click("header .language-switch button")
        page.wait_for_url(re.compile(r"/desk/$"))
        assert page.evaluate("document.documentElement.lang") == "zh-hans"
        page.screenshot(path=str(SCREENSHOTS / "desk-360-queue-zh.png"), full_page=True)
        assert _no_sideways_scroll(page) <= PHONE["width"]


def test_on_a_laptop_the_queue_is_compact_and_the_case_keeps_its_actions_in_view(live_server, park, monkeypatch):
    _org, _officer, case = park
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(monkeypatch, viewport=LAPTOP) as page:
        _sign_in(page, live_server)
        page.screenshot(path=str(SCREENSHOTS / "desk-laptop-queue.png"))
        visible = page.evaluate("""() => [...document.querySelectorAll('table.queue tbody tr')]
            .filter(tr => tr.getBoundingClientRect().bottom <= window.innerHeight).length""")
        assert visible >= 15, visible
        heights = page.evaluate("[...document.querySelectorAll('table.queue tbody tr')].map(tr => tr.offsetHeight)")
        assert max(heights) < 40  # one line a request

        page.goto(live_server.url + f"/desk/requests/{case.reference}/")
        side = page.locator("aside.case-side")
        main = page.locator("div.case-main")
        assert side.bounding_box()["x"] > main.bounding_box()["x"] + 400  # two columns
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        box = page.locator("#status").bounding_box()
        assert 0 <= box["y"] <= LAPTOP["height"]  # the status is still on screen at the bottom of the page
        assert page.locator("#approve-link").is_visible()
        page.screenshot(path=str(SCREENSHOTS / "desk-laptop-case.png"))

"""One real browser (headless Chromium) reads a published transparency report, in English
on a desktop and in Chinese on a 390 px phone: the SVG chart and the table render, the page
fits the phone, and the strict CSP refuses nothing (no script, no inline style).
Screenshots: var/screenshots/transparency-report-en.png and transparency-report-zh-phone.png.
"""

import pytest
from django.db import connections
from django.urls import reverse

from orgs import report_publication
from orgs.models import ReportSection
from tests.browser import SCREENSHOTS, CspWatch, chromium_page, requires_chromium
from tests.reports.conftest import Builder, at, existing_since

pytestmark = requires_chromium
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def published(transactional_db, org_a, officer_a):
    org = existing_since(org_a, at(6, 1, year=2024))
    b = Builder(org, officer_a)
    for n in range(6):
        b.fulfilled(at(2, 1 + n), at(2, 8 + n))
        b.refused(at(3, 1 + n), at(3, 5 + n))
    for n in range(5):
        b.submitted(at(4, 1 + n))  # open
    report_publication.set_publication(org, user=None, published=True, sections=ReportSection.values)
    return org


def _read(page, url, csp) -> dict:
    page.goto(url)
    csp.seen(url)
    return {
        "bars": page.locator("svg#report-chart g.bar").count(),
        "drawn": page.locator("svg#report-chart rect").count(),
        "rows": page.locator("#report-table tbody tr").count(),
        "total": page.locator("#report-table tfoot td").first.inner_text(),
        "chart_width": page.locator("svg#report-chart").bounding_box()["width"],
        "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
    }


def test_the_report_page_draws_its_chart_and_table_in_both_languages(live_server, published, monkeypatch):
    url = live_server.url + reverse("public:transparency_year", args=[published.slug, 2025])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        with chromium_page(monkeypatch, viewport={"width": 1280, "height": 900}) as page:
            page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
            csp = CspWatch(page)
            desktop = _read(page, url, csp)
            assert page.locator("h1").inner_text().startswith("Transparency report 2025")
            page.screenshot(path=str(SCREENSHOTS / "transparency-report-en.png"), full_page=True)
            assert not csp.violations()
        with chromium_page(monkeypatch, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True) as page:
            csp = CspWatch(page)
            phone = _read(page, url, csp)  # no language chosen: Chinese first, the park being in China
            assert "透明度报告" in page.locator("h1").inner_text()
            page.screenshot(path=str(SCREENSHOTS / "transparency-report-zh-phone.png"), full_page=True)
            assert not csp.violations()
    finally:
        connections.close_all()

    # Five outcome bars, three drawn: complied with in whole (6), denied (6), open (5).
    assert desktop["bars"] == phone["bars"] == 5
    assert desktop["drawn"] == phone["drawn"] == 3
    assert desktop["rows"] == phone["rows"] >= 9  # one row per kind of the PIPL
    assert desktop["total"] == "17"
    assert desktop["chart_width"] > 300 and phone["chart_width"] > 200
    assert phone["scroll_width"] <= PHONE["width"], "the report scrolls sideways on a 390 px phone"

"""One real browser: headless Chromium on a 360 px wide phone, in Chinese, files a request,
reads the code from the mail outbox, confirms it and reaches the status page.

The live server runs in this process: the code task its on-commit callback queues goes
to a queue of this test's own with no worker on it, so the test runs the task itself (the
live server shares the test database) and reads the mail from Django's locmem outbox.
Screenshots: var/screenshots/citizen-form-zh.png and citizen-status-zh.png.
"""

import re

import pytest
from django.core import mail
from django.db import connections

from requests_app import tasks
from requests_app.models import DataSubject, RightsRequest, VerificationChallenge
from tests import factories
from tests.browser import SCREENSHOTS, chromium_page, requires_chromium
from tests.factories import own_queue  # noqa: F401
from tests.public import citizen
from tests.workers import celery_queue  # noqa: F401

PHONE = {"width": 360, "height": 800}

pytestmark = requires_chromium


@pytest.fixture
def browser_page(monkeypatch):
    with chromium_page(monkeypatch, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True) as page:
        yield page


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide: it scrolls sideways on a 360px phone"


def test_a_person_files_in_chinese_on_a_phone_and_reaches_the_status_page(
    live_server, transactional_db, own_queue, browser_page  # noqa: F811
):
    try:
        _file_verify_and_follow(live_server, browser_page)
    finally:
        # While Playwright runs, the test body has a database connection of its own (its
        # greenlet's context); close it, or the test database cannot be dropped at the end.
        connections.close_all()


def _file_verify_and_follow(live_server, page) -> None:
    park = factories.organisation(name="杭州野生动物世界", slug="hangzhou-wildlife-world", city="杭州", kind="park")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # Switch the site to Chinese with the language switch on the landing page.
    page.goto(live_server.url + "/")
    page.select_option("#language", "zh-hans")
    page.click("form.language-switch button[type=submit]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-hans"

    # The organisation's form: two kinds, what data and where, an email.
    page.goto(live_server.url + citizen.form_url(park))
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert "杭州野生动物世界" in page.inner_text("h1")
    page.check("input[name=kinds][value=deletion]")
    page.check("input[name=kinds][value=access]")
    page.fill("#id_data_description", "北门年卡入园时人脸识别闸机采集的人脸照片")
    page.fill("#id_full_name", "郭兵")
    page.fill("#id_email", "guo@example.com")
    _fits_the_phone(page)
    page.screenshot(path=str(SCREENSHOTS / "citizen-form-zh.png"), full_page=True)
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_url(re.compile(r"/verify/[0-9a-f-]{36}/$"))

    # The code: the test runs the task a worker would, and reads the mail it sent.
    submission = page.url.rstrip("/").rsplit("/", 1)[1]
    requests = list(RightsRequest.objects.filter(submission=submission).order_by("pk"))
    assert sorted(rr.kind for rr in requests) == ["access", "deletion"]
    assert DataSubject.objects.get().preferred_language == "zh-hans"
    challenge = VerificationChallenge.objects.get(request__submission=submission)
    tasks.send_verification_code(challenge.pk)
    assert mail.outbox[-1].to == ["guo@example.com"]
    code = citizen.code_in(mail.outbox[-1])

    page.fill("#id_code", code)
    page.click("form:has(#id_code) button[type=submit]")
    page.wait_for_url(re.compile(r"/status/[A-Za-z0-9_-]+/$"))

    assert page.get_attribute("html", "lang") == "zh-hans"
    text = page.inner_text("main")
    for rr in requests:
        assert rr.reference in text
        rr.refresh_from_db()
        assert rr.status == RightsRequest.Status.VERIFIED
    assert "杭州野生动物世界" in text
    _fits_the_phone(page)
    page.screenshot(path=str(SCREENSHOTS / "citizen-status-zh.png"), full_page=True)

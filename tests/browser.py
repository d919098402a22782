"""Headless Debian Chromium driven by Playwright, for the few real-browser tests.

Never `playwright install`: the browser is the system's /usr/bin/chromium (.ci/run
installs it), started with the flags this machine's closed network needs.
"""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

# Never a skip: a machine without the browser fails these tests and says how to get it
# (`make test` installs it through .ci/system-packages).
requires_chromium = pytest.mark.usefixtures("chromium_installed")  # tests/conftest.py


@contextmanager
def chromium_page(monkeypatch, **context_options):
    """A page in a fresh browser context. Playwright's sync API runs an event loop in the
    test's thread, where Django refuses ORM calls unless told this is safe (the documented
    pytest-django + Playwright set-up) — for this test only."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="en-GB", **context_options)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()

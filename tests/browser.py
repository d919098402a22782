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
        context = browser.new_context(**{"locale": "en-GB", **context_options})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


# Content-Security-Policy violations, caught as tests/test_browser_csp.py catches them: the
# page's `securitypolicyviolation` events (a listener Playwright adds before any page
# script, outside the page's policy) and Chromium's console ("Refused to ...").
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


class CspWatch:
    """Watches one page: `seen(label)` after each visit records what that page refused
    (the events are per document, so read them before the next navigation)."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        self.found: dict[str, list[str]] = {}
        page.on("console", lambda message: self.console.append(message.text))
        page.add_init_script(CSP_LISTENER)

    def seen(self, label: str) -> None:
        refused = [text for text in self.console if "Content Security Policy" in text or "Refused to" in text]
        self.found[label] = self.page.evaluate("window.__cspViolations || []") + refused
        self.console.clear()

    def violations(self) -> dict[str, list[str]]:
        return {label: found for label, found in self.found.items() if found}

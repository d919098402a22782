"""A real browser reports no Content-Security-Policy violation on the main pages: the
public pages (with htmx's live search, and the public register with its sign), the status page and its documents, the
sign-in, the desk, the account page, the admin and the API docs (Swagger UI).

Violations are collected two ways: the page's `securitypolicyviolation` events (a
listener Playwright adds before any page script, outside the page's policy) and
Chromium's console ("Refused to ..."). Each page must also have rendered its styles
(Pico's) and, where it has them, its scripts, so a test that loads nothing cannot pass.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.urls import reverse

from requests_app.cases import tokens
from tests import factories
from tests.browser import chromium_page, requires_chromium
from tests.requests_app.test_documents import certified

pytestmark = requires_chromium

LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def browser_page(monkeypatch):
    with chromium_page(monkeypatch, viewport={"width": 1280, "height": 900}) as page:
        yield page


def test_the_main_pages_report_no_csp_violation(live_server, transactional_db, browser_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    try:
        _visit_all(live_server, browser_page)
    finally:
        connections.close_all()


def _session_cookie(user) -> str:
    client = Client()
    factories.force_sign_in(client, user)
    return client.cookies[settings_cookie_name()].value


def settings_cookie_name() -> str:
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME


def _visit_all(live_server, page) -> None:
    org = factories.organisation(name="Hangzhou Wildlife Park", slug="hangzhou-wildlife-park", city="Hangzhou")
    officer = factories.member(org, "officer", username="zhang.officer")
    rr = certified(org, officer)
    token = tokens.issue_status_link(rr.submission)
    administrator = get_user_model().objects.create_superuser("root", "root@example.com", factories.PASSWORD)

    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(LISTENER)
    seen: dict[str, list[str]] = {}

    def visit(path: str, *, ready: str = "main, body", styled: bool = True) -> None:
        console.clear()
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
        if styled:  # a stylesheet from this site applied (Pico or Swagger UI's)
            assert page.evaluate("document.styleSheets.length") >= 1, path
        refused = [text for text in console if "Content Security Policy" in text or "Refused to" in text]
        seen[path] = page.evaluate("window.__cspViolations") + refused

    # The detector itself: an inline script the page adds is refused and reported.
    visit("/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                             document.body.appendChild(s); }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None
    assert "script-src" in page.evaluate("window.__cspViolations")[0]

    # Public pages; the organisation search runs through htmx (a script of this site).
    visit("/")
    visit(reverse("public:organisations"))
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as swapped:
        page.locator("form[role=search] input:not([type=hidden])").first.fill("Hangzhou")
    assert swapped.value.ok
    page.wait_for_selector("#results :text('Hangzhou Wildlife Park')")
    seen["htmx search"] = page.evaluate("window.__cspViolations")
    visit(reverse("public:request", kwargs={"slug": org.slug}))
    # The public register: the list, one point (its QR code and sign photo as images), its
    # printable sign (its own print stylesheet and print script), and the form with it chosen.
    point = factories.collection_point(factories.activity(org), signage=True, published=True)
    factories.device(point)
    visit(reverse("public:register", kwargs={"slug": org.slug}))
    at_point = {"slug": org.slug, "public_id": point.public_id}
    visit(reverse("public:register_point", kwargs=at_point))
    assert page.evaluate("[...document.images].every((img) => img.complete && img.naturalWidth > 0)")
    visit(reverse("public:register_sign", kwargs=at_point))
    assert page.evaluate("getComputedStyle(document.querySelector('.sign-notice')).borderTopStyle") == "solid"
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("button[data-print]")
    assert page.evaluate("window.__printed === true")
    visit(reverse("public:request", kwargs={"slug": org.slug}) + f"?point={point.public_id}")
    visit(reverse("public:status", kwargs={"token": token}))
    link = {"token": token, "reference": rr.reference}
    visit(reverse("public:certificate", kwargs=link))
    visit(reverse("public:document_html", kwargs={**link, "name": "fulfilment"}))
    # The letter's own stylesheet (nonce) applied: its letterhead is ruled off.
    assert page.evaluate("getComputedStyle(document.querySelector('header.letterhead')).borderBottomWidth") == "2px"
    visit(reverse("log:overview"))
    visit(reverse("login"))

    # The desk, signed in by cookie (the sign-in itself is tested elsewhere).
    page.context.add_cookies([{"name": settings_cookie_name(), "value": _session_cookie(officer),
                               "url": live_server.url}])
    for path in (reverse("desk:queue"), reverse("desk:dashboard"),
                 reverse("desk:case", kwargs={"reference": rr.reference}),
                 reverse("desk:casefile_html", kwargs={"reference": rr.reference}),
                 reverse("account"), reverse("requests_app:task_list")):
        visit(path)
    # The case file's print button works without an inline handler.
    visit(reverse("desk:casefile_html", kwargs={"reference": rr.reference}))
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("button[data-print]")
    assert page.evaluate("window.__printed === true")

    # The admin and the API docs, as an administrator with a verified second factor.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings_cookie_name(), "value": _session_cookie(administrator),
                               "url": live_server.url}])
    visit(reverse("admin:index"), ready="#content")
    visit(reverse("admin:auth_user_changelist"), ready="#changelist")
    visit(reverse("api-docs"), ready=".swagger-ui .info")

    assert {path: found for path, found in seen.items() if found} == {}
    assert len(seen) == 22

"""A passkey in a real browser: Chromium's virtual authenticator (a platform passkey
with user verification, through the DevTools protocol's WebAuthn domain) registers a
passkey on the account page; after signing out, the password and then the passkey
sign in and land on the desk; with the authenticator's credentials cleared, the passkey
step is refused with a message and the desk stays closed. No page of the way reports a
Content-Security-Policy violation. In English and in Chinese, with screenshots of the
account page and of the second step (var/screenshots/passkeys-*).

No query runs in the test while the browser is open: one made inside Playwright's sync
context kept a connection that `connections.close_all()` did not reach, and the test
database could not be dropped at the end of the run."""

import pytest
from django.db import connections
from django.urls import reverse

from tests import factories
from tests.browser import SCREENSHOTS, CspWatch, chromium_page, requires_chromium

pytestmark = requires_chromium

VIRTUAL_PASSKEY = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                   "hasUserVerification": True, "isUserVerified": True}


@pytest.fixture
def passkey_site(live_server, settings):
    """The live server is http://localhost:<port>: the relying party id of the tests
    (SITE_URL's loopback address becomes localhost) and, for this run, the one origin."""
    assert settings.OTP_WEBAUTHN_RP_ID == "localhost" and live_server.url.startswith("http://localhost:")
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    return live_server.url


@pytest.mark.parametrize("locale, shots", [("en-GB", "en"), ("zh-CN", "zh")])
def test_a_passkey_from_the_account_page_signs_in_and_a_lost_one_is_refused(
        passkey_site, transactional_db, monkeypatch, locale, shots):
    org = factories.organisation(name="Hangzhou Wildlife Park", slug="hangzhou-wildlife-park")
    owner = factories.member(org, "owner", username="li.owner")
    app = factories.totp_device(owner)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        with chromium_page(monkeypatch, locale=locale, viewport={"width": 1100, "height": 900}) as page:
            csp = CspWatch(page)
            devtools = page.context.new_cdp_session(page)
            devtools.send("WebAuthn.enable", {"enableUI": False})
            authenticator = devtools.send("WebAuthn.addVirtualAuthenticator",
                                          {"options": VIRTUAL_PASSKEY})["authenticatorId"]

            def password(label: str) -> None:
                page.goto(passkey_site + reverse("login"))
                csp.seen(f"sign-in {label}")
                page.fill("input[name=username]", owner.get_username())
                page.fill("input[name=password]", factories.PASSWORD)
                page.locator("main form button[type=submit]").click()
                page.wait_for_url(f"**{reverse('otp_verify')}**")

            def sign_out() -> None:
                page.locator("header form[action$='/logout/'] button").click()
                page.wait_for_url(f"**{reverse('login')}")

            # Password and the app's code, then a passkey added on the account page.
            password("with the app")
            assert page.locator("form[data-passkey]").count() == 0  # no passkey yet: not offered
            csp.seen("second step, app only")
            page.fill("input[name=otp_token]", factories.totp_code(app))  # in memory: no query (docstring)
            page.locator("input[name=otp_token]").press("Enter")
            page.wait_for_url("**/desk/")
            page.goto(passkey_site + reverse("account"))
            page.fill("#passkey-name", "Work laptop")
            page.locator("form[data-passkey=register] button[type=submit]").click()
            page.wait_for_selector("#passkey-list td:text-is('Work laptop')")
            csp.seen("account with a passkey")
            page.screenshot(path=str(SCREENSHOTS / f"passkeys-account-{shots}.png"), full_page=True)
            stored = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
            assert len(stored) == 1 and stored[0]["rpId"] == "localhost"
            sign_out()

            # Password, then the passkey: both ways offered; the passkey lands on the desk.
            password("with the passkey")
            assert page.locator("form[data-passkey=authenticate] button").is_visible()
            assert page.locator("input[name=otp_token]").is_visible()
            page.screenshot(path=str(SCREENSHOTS / f"passkeys-second-step-{shots}.png"), full_page=True)
            page.locator("form[data-passkey=authenticate] button").click()
            page.wait_for_url("**/desk/")
            csp.seen("desk after the passkey")
            sign_out()

            # The passkey lost from the device: refused with a message, the desk stays shut.
            devtools.send("WebAuthn.clearCredentials", {"authenticatorId": authenticator})
            password("after the passkey is gone")
            page.locator("form[data-passkey=authenticate] button").click()
            status = page.locator("#passkey-sign-in-status[data-state=error]")
            status.wait_for(state="visible")  # (no wait_for_function: it evaluates a string, which the CSP refuses)
            assert status.inner_text().strip()
            assert status.inner_text() == page.locator("form[data-passkey]").get_attribute("data-msg-cancelled")
            csp.seen("second step refused")
            page.screenshot(path=str(SCREENSHOTS / f"passkeys-refused-{shots}.png"), full_page=True)
            assert reverse("otp_verify") in page.url
            page.goto(passkey_site + "/desk/")
            assert reverse("otp_verify") in page.url

            assert csp.violations() == {}
            assert len(csp.found) == 7
    finally:
        connections.close_all()

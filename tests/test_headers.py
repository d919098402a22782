"""Every page carries the Content-Security-Policy; every page and download behind a
status link or a sign-in carries `Cache-Control: no-store` (issue 11, item 5)."""

import base64
import hashlib
import re

import pytest
from django.conf import settings
from django.urls import reverse

from requests_app.cases import tokens
from tests import factories
from tests.requests_app.test_documents import certified

pytestmark = pytest.mark.django_db

SITE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {name: value for name, _, value in (part.strip().partition(" ") for part in header.split(";"))}


def assert_site_policy(response) -> None:
    directives = policy(response)
    for name, value in SITE_POLICY.items():
        assert directives[name] == value, (name, directives)
    style = directives["style-src"].split()
    assert style[0] == "'self'" and "'unsafe-inline'" not in style
    allowed = {"'self'", settings.ERROR_PAGE_STYLE_HASH}
    assert all(source in allowed or source.startswith("'nonce-") for source in style), style
    assert "unsafe" not in response["Content-Security-Policy"]


def assert_no_store(response) -> None:
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")


def test_public_pages_carry_the_policy_and_are_not_stored(client, org_a):
    for url in ("/", reverse("public:organisations"), reverse("public:lookup"),
                reverse("public:request", kwargs={"slug": org_a.slug}), reverse("login")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_site_policy(response)
        assert_no_store(response)


def test_the_status_page_its_letters_certificate_and_files_are_not_stored(client, org_a, officer_a):
    rr = certified(org_a, officer_a)
    token = tokens.issue_status_link(rr.submission)
    link = {"token": token, "reference": rr.reference}
    urls = [
        reverse("public:status", kwargs={"token": token}),
        reverse("public:certificate", kwargs=link),
        reverse("public:document_html", kwargs={**link, "name": "fulfilment"}),
        reverse("public:document_pdf", kwargs={**link, "name": "certificate"}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_site_policy(response)
        assert_no_store(response)
    # The letter's own <style> runs under the page's nonce, nothing inline otherwise.
    letter = client.get(urls[2])
    nonce = next(s for s in policy(letter)["style-src"].split() if s.startswith("'nonce-"))[7:-1]
    assert f'<style nonce="{nonce}">' in letter.content.decode()
    assert " style=" not in letter.content.decode()


def test_a_file_sent_back_through_the_status_link_is_not_stored(client, org_a, officer_a):
    from django.core.files.base import ContentFile

    from requests_app.models import Attachment

    rr = factories.verified_request(org_a)
    content = b'{"face_scans": 3}'
    export = Attachment(request=rr, purpose=Attachment.Purpose.EXPORT, original_name="export.json",
                        content_type="application/json", size=len(content), sha256="0" * 64)
    export.file.save("export.json", ContentFile(content), save=False)
    export.save()
    token = tokens.issue_status_link(rr.submission)

    response = client.get(reverse("public:download", kwargs={"token": token, "reference": rr.reference,
                                                             "attachment_id": export.pk}))

    assert response.status_code == 200
    assert_no_store(response)
    assert_site_policy(response)


def test_the_desk_tasks_and_account_are_not_stored(client, org_a, officer_a):
    rr = certified(org_a, officer_a)
    client.force_login(officer_a)
    urls = [
        reverse("desk:queue"), reverse("desk:dashboard"), reverse("desk:case", kwargs={"reference": rr.reference}),
        reverse("desk:casefile_html", kwargs={"reference": rr.reference}),
        reverse("desk:document_pdf", kwargs={"reference": rr.reference, "name": "certificate"}),
        reverse("desk:queue_csv"), reverse("requests_app:task_list"), reverse("account"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_site_policy(response)
        assert_no_store(response)


def test_the_admin_is_not_stored_and_carries_the_policy(client, administrator):
    factories.force_sign_in(client, administrator)
    for url in (reverse("admin:index"), reverse("admin:auth_user_changelist")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_site_policy(response)
        assert_no_store(response)


def test_a_public_page_marked_public_keeps_its_cache_but_a_status_link_never_does(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.urls import resolve

    from orgs.headers import NoStoreMiddleware

    def public_view(_request):
        response = HttpResponse("heads")
        response["Cache-Control"] = "public, max-age=60"
        return response

    for path, expected in (("/", "public, max-age=60"), ("/status/abc/", "no-store")):
        request = rf.get(path)
        request.user = AnonymousUser()
        request.resolver_match = resolve(path)
        assert NoStoreMiddleware(public_view)(request)["Cache-Control"] == expected, path


def test_the_api_docs_relax_only_their_styles(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    directives = policy(page)
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["frame-ancestors"] == "'none'"
    html = page.content.decode()
    assert "<script>" not in html  # the start-up script is a file of its own
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_no_template_has_inline_script_or_style_attributes():
    from pathlib import Path

    from django.conf import settings

    offenders = []
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        if template.parts[-2] in ("emails", "exports") or template.name == "500.html":
            continue  # mails and exported files are not pages of the site; 500.html: below
        text = template.read_text()
        for needle in ("<script>", " style=", " onclick=", " onchange=", " onsubmit=", "javascript:"):
            if needle in text:
                offenders.append(f"{template.name}: {needle}")
        if "<style" in text and "<style nonce=" not in text.replace('<style media="screen" nonce=', "<style nonce="):
            offenders.append(f"{template.name}: <style> without the nonce")
    assert not offenders


def test_the_error_page_style_is_the_one_the_policy_allows_by_its_hash():
    from pathlib import Path

    text = Path(settings.BASE_DIR, "templates", "500.html").read_text()
    (css,) = re.findall(r"<style>(.*?)</style>", text, re.S)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert settings.ERROR_PAGE_STYLE_HASH == f"'sha256-{digest}'"
    assert "<script" not in text and " style=" not in text

"""Staff sign-in: password through django-axes (lock-out, records), the TOTP second
factor (mandatory for owners and administrators, optional for other members), the
admin behind it, password change and reset, and the `member_required` gate."""

import base64
import logging
import re
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import include, path, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from config import urls as project_urls
from orgs.accounts import sign_in
from orgs.accounts.second_factor import member_required
from orgs.apps import RightsdeskAdminSite
from tests import factories

WRONG = "not-the-password-1"


def _probe(request):
    return HttpResponse(f"desk of {request.membership.organisation.slug}")


def _auditors_only(request):
    return HttpResponse("auditors")


# A stand-in desk page behind the gate colleagues' views use, beside the real URLs.
urlpatterns = [
    path("probe/", member_required(_probe), name="probe"),
    path("probe/auditors/", member_required(roles={"auditor"})(_auditors_only), name="probe_auditors"),
    path("", include(project_urls.urlpatterns)),
]
pytestmark = pytest.mark.urls(__name__)


def post_login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def login(client, user, password=factories.PASSWORD, *, address="127.0.0.1", next_url=None):
    data = {"username": user.get_username(), "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data, REMOTE_ADDR=address)


def signed_in_as(client):
    return client.get(reverse("account")).wsgi_request.user


# --- password ------------------------------------------------------------------------------


def test_officer_without_device_signs_in_with_password_alone(client, officer_a):
    response = login(client, officer_a)

    assert response.status_code == 302 and response.url == "/desk/"
    assert client.get("/probe/").content == b"desk of park-a"
    log = AccessLog.objects.get()
    assert log.username == "officer_a" and log.logout_time is None


def test_sign_in_returns_to_next_but_never_to_another_site(client, officer_a, officer_b):
    assert login(client, officer_a, next_url="/probe/").url == "/probe/"
    assert login(client, officer_b, next_url="https://evil.example/").url == "/desk/"


def test_superuser_who_is_no_member_lands_in_the_admin(client, administrator):
    factories.totp_device(administrator)
    response = factories.sign_in(client, administrator)
    assert response.url == reverse("admin:index")


@pytest.mark.parametrize("username", ["officer_a", "nobody"])
def test_wrong_password_or_unknown_name_is_refused_with_one_message(client, officer_a, username):
    response = post_login(client, username, WRONG)

    assert response.status_code == 200
    assert "The username or the password is not right" in response.content.decode()
    assert not signed_in_as(client).is_authenticated
    attempt = AccessAttempt.objects.get(username=username)
    assert attempt.failures_since_start == 1
    assert AccessFailureLog.objects.filter(username=username).count() == 1
    assert not AccessLog.objects.exists()


def test_sign_out(client, officer_a):
    login(client, officer_a)

    response = client.post(reverse("logout"))

    assert response.status_code == 302 and response.url == reverse("login")
    assert not signed_in_as(client).is_authenticated
    assert AccessLog.objects.get().logout_time is not None


def test_sign_out_is_post_only(client, officer_a):
    login(client, officer_a)
    assert client.get(reverse("logout")).status_code == 405
    assert signed_in_as(client).is_authenticated


# --- lock-out ------------------------------------------------------------------------------


def test_five_failures_lock_the_username_at_that_address_for_an_hour(client, officer_a):
    User = get_user_model()
    for _ in range(4):
        assert post_login(client, "officer_a", WRONG).status_code == 200

    fifth = post_login(client, "officer_a", WRONG)
    assert fifth.status_code == 429
    assert "Sign-in locked" in fifth.content.decode()
    assert "There were 5 failed attempts" in fifth.content.decode()
    assert "locked for an hour" in fifth.content.decode()

    # Locked: the right password is not even checked.
    with mock.patch.object(User, "check_password", autospec=True, side_effect=User.check_password) as checked:
        refused = login(client, officer_a)
        assert refused.status_code == 429 and checked.call_count == 0
    assert not signed_in_as(client).is_authenticated

    with time_machine.travel(timezone.now() + timedelta(minutes=59), tick=False):
        assert login(client, officer_a).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=61), tick=False), mock.patch.object(
        User, "check_password", autospec=True, side_effect=User.check_password
    ) as checked:
        admitted = login(client, officer_a)
        assert admitted.status_code == 302 and admitted.url == "/desk/"
        assert checked.call_count == 1
        assert signed_in_as(client) == officer_a

    # Every failure stays on the record; the counter is cleared by the sign-in.
    assert AccessFailureLog.objects.filter(username="officer_a").count() == 5
    assert AccessFailureLog.objects.filter(username="officer_a", locked_out=True).count() == 1
    assert not AccessAttempt.objects.exists()
    assert AccessLog.objects.filter(username="officer_a").count() == 1


def test_lock_is_per_username_and_address(client, officer_a, officer_b):
    for _ in range(5):
        post_login(client, "officer_a", WRONG)

    assert login(client, officer_a).status_code == 429
    assert login(client, officer_a, address="10.0.0.7").status_code == 302  # another address
    client.post(reverse("logout"))
    assert login(client, officer_b).status_code == 302  # another username from the locked address


def test_failures_are_recorded_without_the_password(client, officer_a, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "Sup3r-secret-guess-42"
    for _ in range(5):
        post_login(client, "officer_a", secret)

    attempt = AccessAttempt.objects.get(username="officer_a")
    assert attempt.failures_since_start == 5 and attempt.ip_address == "127.0.0.1"
    assert secret not in attempt.post_data and secret not in attempt.get_data
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert all(secret not in str(row) for row in AccessFailureLog.objects.values())


# --- second factor -----------------------------------------------------------------------------


def test_owner_without_device_is_sent_to_set_up_and_reaches_nothing_before(client, owner_a):
    response = login(client, owner_a, next_url="/probe/")
    assert response.status_code == 302 and response.url.startswith(reverse("otp_setup"))

    for url in ("/probe/", "/admin/", reverse("requests_app:task_list"), reverse("account"),
                reverse("password_change")):
        blocked = client.get(url)
        assert blocked.status_code == 302 and blocked.url.startswith(reverse("otp_setup")), url
    assert client.post(reverse("switch_organisation"), {"organisation": "park-a"}).status_code == 302

    page = client.get(reverse("otp_setup") + "?next=/probe/")
    device = TOTPDevice.objects.get(user=owner_a, confirmed=False)
    html = page.content.decode()
    assert "<svg" in html and "otpauth" not in html  # the QR code itself, inline
    secret = re.search(r"<code data-secret>([A-Z2-7]+)</code>", html).group(1)
    assert secret == base64.b32encode(device.bin_key).decode()

    wrong = client.post(reverse("otp_setup"), {"otp_token": "000000", "next": "/probe/"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    assert client.get("/probe/").status_code == 302

    with time_machine.travel(timezone.now() + timedelta(seconds=2)):  # after the one-second back-off
        done = client.post(reverse("otp_setup"), {"otp_token": factories.totp_code(device), "next": "/probe/"})
    assert done.status_code == 302 and done.url == "/probe/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/probe/").content == b"desk of park-a"


def test_owner_with_device_needs_the_right_code(client, owner_a):
    device = factories.totp_device(owner_a)
    response = login(client, owner_a, next_url="/probe/")
    assert response.url.startswith(reverse("otp_verify"))
    assert client.get("/probe/").status_code == 302

    code_page = client.get(response.url)
    assert code_page.status_code == 200 and b'name="otp_token"' in code_page.content

    wrong = client.post(reverse("otp_verify"), {"otp_device": device.persistent_id, "otp_token": "123456"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    # At once again, even with the right code: django-otp's back-off after a failure.
    throttled = client.post(reverse("otp_verify"), {"otp_device": device.persistent_id,
                                                    "otp_token": factories.totp_code(device)})
    assert throttled.status_code == 200 and "1 wrong code: wait a moment" in throttled.content.decode()
    assert client.get("/probe/").status_code == 302

    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        right = client.post(reverse("otp_verify"), {"otp_device": device.persistent_id, "next": "/probe/",
                                                    "otp_token": factories.totp_code(device)})
        assert right.status_code == 302 and right.url == "/probe/"
        assert client.get("/probe/").content == b"desk of park-a"


def test_a_code_works_once(client, owner_a):
    device = factories.totp_device(owner_a)
    code = factories.totp_code(device)
    login(client, owner_a)
    assert client.post(reverse("otp_verify"), {"otp_device": device.persistent_id, "otp_token": code}).status_code == 302

    other = type(client)()
    login(other, owner_a)
    replay = other.post(reverse("otp_verify"), {"otp_device": device.persistent_id, "otp_token": code})
    assert replay.status_code == 200


def test_password_alone_cannot_add_a_device_to_an_account_that_has_one(client, owner_a):
    factories.totp_device(owner_a)
    login(client, owner_a)

    response = client.get(reverse("otp_setup"))

    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))
    assert TOTPDevice.objects.filter(user=owner_a).count() == 1


def test_officer_may_enrol_and_is_then_asked_for_the_code(client, officer_a):
    login(client, officer_a)
    assert reverse("otp_setup").encode() in client.get(reverse("account")).content
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=officer_a)
    assert client.post(reverse("otp_setup"), {"otp_token": factories.totp_code(device)}).status_code == 302
    client.post(reverse("logout"))

    response = login(client, officer_a)

    assert response.url.startswith(reverse("otp_verify"))
    assert client.get("/probe/").status_code == 302


def test_pending_session_can_sign_out(client, owner_a):
    login(client, owner_a)
    assert client.post(reverse("logout")).status_code == 302
    assert not signed_in_as(client).is_authenticated


def test_sign_in_helper_walks_both_factors(client, owner_a):
    response = factories.sign_in(client, owner_a, next_url="/probe/")
    assert response.url == "/probe/"
    assert client.get("/probe/").status_code == 200
    other = type(client)()  # a second sign-in of the same user in the same 30 seconds
    factories.sign_in(other, owner_a)
    assert other.get("/probe/").status_code == 200


# --- the admin -------------------------------------------------------------------------------


def test_superuser_reaches_the_admin_only_after_the_code(client, administrator):
    device = factories.totp_device(administrator)
    login(client, administrator)
    blocked = client.get(reverse("admin:index"))
    assert blocked.status_code == 302 and blocked.url.startswith(reverse("otp_verify"))

    client.post(reverse("otp_verify"), {"otp_device": device.persistent_id, "otp_token": factories.totp_code(device)})

    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_counts_only_verified_sessions(administrator):
    request = RequestFactory().get("/admin/")
    request.user = administrator  # signed in, but no device verified this session
    assert not RightsdeskAdminSite().has_permission(request)
    request.user.is_verified = lambda: True
    assert RightsdeskAdminSite().has_permission(request)
    request.user = AnonymousUser()
    assert not RightsdeskAdminSite().has_permission(request)


def test_admin_sign_in_is_the_staff_sign_in(client, officer_a):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302 and response.url == reverse("login") + "?next=/admin/"

    login(client, officer_a)
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("admin:login") + "?next=/admin/").status_code == 403


def test_sign_ins_and_failures_are_listed_in_the_admin(client, officer_a, administrator):
    post_login(client, "officer_a", WRONG)
    login(client, officer_a)
    admin_client = type(client)()
    factories.force_sign_in(admin_client, administrator)

    logs = admin_client.get(reverse("admin:axes_accesslog_changelist")).content.decode()
    failures = admin_client.get(reverse("admin:axes_accessfailurelog_changelist")).content.decode()

    assert "officer_a" in logs and "officer_a" in failures
    assert admin_client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200


# --- password change and reset --------------------------------------------------------------


def test_password_change(client, officer_a):
    login(client, officer_a)
    new = "a-brand-new-passphrase-9"

    response = client.post(reverse("password_change"), {
        "old_password": factories.PASSWORD, "new_password1": new, "new_password2": new,
    })

    assert response.status_code == 302 and response.url == reverse("password_change_done")
    assert "Password changed" in client.get(response.url).content.decode()
    officer_a.refresh_from_db()
    assert officer_a.check_password(new)


def test_password_reset_email_link_sets_a_new_password(client, officer_a, settings):
    settings.SITE_URL = "https://rightsdesk.example"
    response = client.post(reverse("password_reset"), {"email": "officer_a@example.com"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["officer_a@example.com"] and "new password" in message.subject
    link = re.search(r"https://rightsdesk\.example(/accounts/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and b"new_password1" in form_page.content
    new = "a-brand-new-passphrase-9"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")

    assert login(type(client)(), officer_a, new).status_code == 302
    assert login(type(client)(), officer_a).status_code == 200  # the old one is gone
    assert b"new_password1" not in type(client)().get(link, follow=True).content  # the link worked once


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_reset_does_not_skip_the_second_factor(client, owner_a):
    factories.totp_device(owner_a)
    client.post(reverse("password_reset"), {"email": "owner_a@example.com"})
    link = re.search(r"https?://\S+?(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    new = "a-brand-new-passphrase-9"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})

    assert login(client, owner_a, new).url.startswith(reverse("otp_verify"))


# --- member_required ------------------------------------------------------------------------


def test_member_required_sends_the_anonymous_to_sign_in(client, db):
    response = client.get("/probe/")
    assert response.status_code == 302 and response.url == reverse("login") + "?next=/probe/"


def test_member_required_refuses_people_of_no_organisation(client, db):
    nobody = get_user_model().objects.create_user("loner", "loner@example.com", factories.PASSWORD)
    login(client, nobody)
    assert client.get("/probe/").status_code == 404


def test_member_required_with_roles(client, officer_a, auditor_a):
    factories.force_sign_in(client, officer_a)
    assert client.get("/probe/auditors/").status_code == 404
    factories.force_sign_in(client, auditor_a)
    assert client.get("/probe/auditors/").content == b"auditors"


def test_force_sign_in_passes_the_second_factor_where_required(client, owner_a):
    client.force_login(owner_a)
    assert client.get("/probe/").status_code == 302
    factories.force_sign_in(client, owner_a)
    assert client.get("/probe/").status_code == 200


# --- limits per address ----------------------------------------------------------------------


def test_one_address_trying_many_usernames_is_rate_limited(client, officer_a):
    limit = int(sign_in.SIGN_IN_RATE.split("/")[0])
    for n in range(limit):
        assert post_login(client, f"guess{n}", WRONG).status_code == 200  # never 5 on one username

    assert login(client, officer_a).status_code == 429
    assert login(client, officer_a, address="10.0.0.9").status_code == 302


def test_password_reset_requests_are_rate_limited_per_address(client, officer_a):
    limit = int(sign_in.RESET_RATE.split("/")[0])
    for _ in range(limit):
        assert client.post(reverse("password_reset"), {"email": "officer_a@example.com"}).status_code == 302

    assert client.post(reverse("password_reset"), {"email": "officer_a@example.com"}).status_code == 429
    assert len(mail.outbox) == limit


def test_the_admin_never_shows_a_device_secret(client, administrator, owner_a):
    device = factories.totp_device(owner_a)
    factories.force_sign_in(client, administrator)

    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    assert page.status_code == 200 and device.key not in page.content.decode()
    assert client.get(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])).status_code == 200

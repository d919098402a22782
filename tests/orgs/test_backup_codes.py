"""Backup codes for the second factor (django-otp's static device): an owner generates
ten on the account page (shown once), uses one at the second-factor step, each works
once, and generating new ones revokes the old (issue 11, item 5)."""

import re
from datetime import timedelta

import time_machine
from django.utils import timezone

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from orgs.accounts.backup_codes import issue_backup_codes
from tests import factories


def codes_on(response) -> list[str]:
    block = re.search(r'<ul id="new-backup-codes">(.*?)</ul>', response.content.decode(), re.S)
    return re.findall(r"<code>([a-z2-7]+)</code>", block.group(1)) if block else []


def password_step(client, user):
    response = client.post(reverse("login"), {"username": user.get_username(), "password": factories.PASSWORD})
    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))


def backup_step(client, code):
    return client.post(reverse("otp_backup"), {"otp_token": code, "otp_device": device_id(client), "next": "/desk/"})


def device_id(client) -> str:
    page = client.get(reverse("otp_backup")).content.decode()
    found = re.search(r'name="otp_device" value="([^"]+)"', page)
    return found.group(1) if found else ""


def signed_in(client) -> bool:
    return client.get(reverse("desk:queue")).status_code == 200


@pytest.fixture
def owner_with_app(owner_a):
    factories.totp_device(owner_a)
    return owner_a


def test_an_owner_generates_ten_codes_shown_once(client, owner_with_app):
    factories.sign_in(client, owner_with_app)

    response = client.post(reverse("generate_backup_codes"))

    codes = codes_on(response)
    assert response.status_code == 200 and len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 8 for code in codes)
    again = client.get(reverse("account"))
    assert codes_on(again) == [] and not any(code in again.content.decode() for code in codes)
    assert "You have 10 unused backup codes." in again.content.decode()


def test_a_backup_code_passes_the_second_factor_once(client, owner_with_app):
    codes = issue_backup_codes(owner_with_app)

    password_step(client, owner_with_app)
    assert not signed_in(client)
    response = backup_step(client, codes[3].upper())  # typed in capitals: still the code
    assert response.status_code == 302 and response.url == "/desk/"
    assert signed_in(client)
    assert StaticToken.objects.filter(device__user=owner_with_app).count() == 9
    client.post(reverse("logout"))

    # The same code a second time is refused; the person stays at the second step.
    password_step(client, owner_with_app)
    refused = backup_step(client, codes[3])
    assert refused.status_code == 200
    assert "That backup code is not right, or it has been used already." in refused.content.decode()
    assert not signed_in(client)


def test_new_codes_revoke_the_old(client, owner_with_app):
    old = issue_backup_codes(owner_with_app)
    new = issue_backup_codes(owner_with_app)

    assert not set(old) & set(new)
    assert StaticDevice.objects.filter(user=owner_with_app).count() == 1
    password_step(client, owner_with_app)
    assert backup_step(client, old[0]).status_code == 200
    assert not signed_in(client)
    # A wrong code holds the device back for a moment (django-otp's throttling).
    assert "wait a moment" in backup_step(client, new[0]).content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        assert backup_step(client, new[0]).status_code == 302
    assert signed_in(client)


def test_a_wrong_code_is_refused_and_the_app_code_page_is_unchanged(client, owner_with_app):
    issue_backup_codes(owner_with_app)
    password_step(client, owner_with_app)

    assert backup_step(client, "aaaaaaaa").status_code == 200
    assert not signed_in(client)
    # The app's code page still shows no device choice: backup codes have their own page.
    page = client.get(reverse("otp_verify")).content.decode()
    assert 'type="hidden" name="otp_device"' in page and "otp_static" not in page
    assert reverse("otp_backup") in page


def test_without_codes_the_backup_page_says_so(client, owner_with_app):
    password_step(client, owner_with_app)

    response = backup_step(client, "abcdefgh")

    assert response.status_code == 200 and "You have no backup codes." in response.content.decode()
    assert not signed_in(client)


def test_codes_cannot_be_generated_before_the_second_factor(client, owner_with_app):
    password_step(client, owner_with_app)

    response = client.post(reverse("generate_backup_codes"))

    assert response.status_code == 302 and response.url.startswith(reverse("otp_verify"))
    assert not StaticToken.objects.exists()


def test_a_member_without_an_app_cannot_generate_codes(client, officer_a):
    client.force_login(officer_a)

    assert client.post(reverse("generate_backup_codes")).status_code == 404
    assert client.get(reverse("generate_backup_codes")).status_code == 405
    assert not StaticToken.objects.exists()

"""Lock-out per username across addresses as well as per address, and the
administrators' unlock, recorded in the admin's history (issue 11, item 5)."""

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests import factories

WRONG = "not-the-password-1"
LIMIT = 20  # settings.AXES_USERNAME_FAILURE_LIMIT


def attempt(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def spread_failures(client, username, count):
    """`count` wrong passwords for `username`, each from an address of its own."""
    for n in range(count):
        response = attempt(client, username, WRONG, f"10.1.{n // 4}.{n % 4 + 1}")
        assert response.status_code in (200, 429)
    return response


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@pytest.fixture(autouse=True)
def still_clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_one_username_guessed_from_many_addresses_is_locked_everywhere(client, officer_a, settings):
    assert settings.AXES_USERNAME_FAILURE_LIMIT == LIMIT
    assert spread_failures(client, "officer_a", LIMIT - 1).status_code == 200
    # One below the limit: the right password from a fresh address still works.
    assert attempt(client, "officer_a", factories.PASSWORD, "10.9.9.9").status_code == 302
    client.post(reverse("logout"))

    # The success reset the counters; spread the whole limit again.
    last = spread_failures(client, "officer_a", LIMIT)
    assert last.status_code == 429
    page = last.content.decode()
    assert "from several network addresses" in page and "locked for an hour from every address" in page

    # Locked from an address that never failed, even with the right password.
    refused = attempt(client, "officer_a", factories.PASSWORD, "192.0.2.50")
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_username_lock_ends_after_the_hour(client, officer_a, still_clock):
    spread_failures(client, "officer_a", LIMIT)
    still_clock.shift(timedelta(minutes=59))
    assert attempt(client, "officer_a", factories.PASSWORD, "192.0.2.50").status_code == 429
    still_clock.shift(timedelta(minutes=2))
    assert attempt(client, "officer_a", factories.PASSWORD, "192.0.2.50").status_code == 302


def test_a_lock_on_one_username_leaves_the_others_alone(client, officer_a, officer_b):
    spread_failures(client, "officer_a", LIMIT)
    assert attempt(client, "officer_b", factories.PASSWORD, "10.1.0.1").status_code == 302


def test_the_page_does_not_tell_whether_the_username_exists(client, officer_a):
    # Before the limit both get the same form error.
    first_known = attempt(client, "officer_a", WRONG, "203.0.113.1")
    first_unknown = attempt(client, "nobody_here", WRONG, "203.0.113.1")
    assert first_known.status_code == first_unknown.status_code == 200
    assert "The username or the password is not right" in first_known.content.decode()
    assert without_csrf(first_known).replace("officer_a", "nobody_here") == without_csrf(first_unknown)

    known = spread_failures(client, "officer_a", LIMIT - 1)
    unknown = spread_failures(client, "nobody_here", LIMIT - 1)

    assert known.status_code == unknown.status_code == 429
    assert without_csrf(known) == without_csrf(unknown)


def test_five_failures_at_one_address_still_lock_only_that_address(client, officer_a):
    for _ in range(5):
        attempt(client, "officer_a", WRONG, "10.0.0.1")
    assert attempt(client, "officer_a", factories.PASSWORD, "10.0.0.1").status_code == 429
    assert attempt(client, "officer_a", factories.PASSWORD, "10.0.0.2").status_code == 302


# --- the administrators' unlock ------------------------------------------------------------


def unlock(admin_client, *users):
    return admin_client.post(reverse("admin:auth_user_changelist"), {
        "action": "unlock_sign_in", "_selected_action": [user.pk for user in users],
    }, follow=True)


@pytest.fixture
def admin_client_verified(client, administrator):
    factories.force_sign_in(client, administrator)
    return client


def test_an_administrator_unlocks_a_locked_user_and_the_unlock_is_recorded(
    admin_client_verified, officer_a, officer_b, administrator
):
    from django.test import Client

    other = Client()
    spread_failures(other, "officer_a", LIMIT)
    for _ in range(5):
        attempt(other, "officer_b", WRONG, "10.0.0.1")
    assert attempt(other, "officer_a", factories.PASSWORD, "10.5.5.5").status_code == 429
    rows = AccessAttempt.objects.filter(username="officer_a").count()
    assert rows == LIMIT  # one per address tried; the refused sign-in is not counted

    response = unlock(admin_client_verified, officer_a)

    assert response.status_code == 200
    assert "1 user can sign in again" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="officer_a").exists()
    assert AccessAttempt.objects.filter(username="officer_b").exists()  # only the selected user
    assert attempt(other, "officer_a", factories.PASSWORD, "10.5.5.5").status_code == 302
    entry = LogEntry.objects.get(object_id=str(officer_a.pk))
    assert entry.user == administrator and entry.action_flag == CHANGE
    assert entry.get_change_message() == f"Unlocked sign-in: {rows} failed-attempt record(s) cleared."
    history = admin_client_verified.get(reverse("admin:auth_user_history", args=[officer_a.pk]))
    assert "Unlocked sign-in" in history.content.decode()


def test_staff_who_may_only_view_users_have_no_unlock(client, officer_a):
    from django.contrib.auth.models import Permission
    from django.test import Client

    spread_failures(Client(), "officer_a", LIMIT)
    staff = get_user_model().objects.create_user("helpdesk", password=factories.PASSWORD, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    factories.force_sign_in(client, staff)

    changelist = client.get(reverse("admin:auth_user_changelist"))
    unlock(client, officer_a)

    assert changelist.status_code == 200 and "unlock_sign_in" not in changelist.content.decode()
    assert AccessAttempt.objects.filter(username="officer_a").exists()
    assert not LogEntry.objects.exists()


def test_an_officer_cannot_reach_the_unlock(client, officer_a, officer_b):
    from django.test import Client

    spread_failures(Client(), "officer_b", LIMIT)
    client.force_login(officer_a)

    response = client.post(reverse("admin:auth_user_changelist"), {
        "action": "unlock_sign_in", "_selected_action": [officer_b.pk]})

    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    assert AccessAttempt.objects.filter(username="officer_b").exists()
    assert not LogEntry.objects.exists()

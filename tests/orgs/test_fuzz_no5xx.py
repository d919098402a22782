"""Every account form (sign-in, second factor, authenticator set-up, password change and
reset, API tokens, organisation switch) posted with nothing, missing, wrong-typed,
oversized, odd unicode and extra fields: never a 5xx, and a refused post changes nothing
stored (bar the failure counters that are the point: tests/fuzz.py). Seeded."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from orgs.models import Membership
from tests import factories, fuzz

pytestmark = pytest.mark.django_db


def test_signed_out_forms_never_give_a_5xx(client, officer_a):
    problems = fuzz.fuzz_page(client, reverse("login"), "login")
    problems += fuzz.fuzz_page(client, reverse("password_reset"), "password_reset")
    assert problems == []


def test_password_reset_link_form_never_gives_a_5xx(client, officer_a):
    uid = urlsafe_base64_encode(force_bytes(officer_a.pk))
    link = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(officer_a)])
    set_password = client.get(link)["Location"]  # Django keeps the token in the session, then asks
    assert fuzz.fuzz_page(client, set_password, "password_reset_confirm") == []


def test_second_factor_form_never_gives_a_5xx(client, owner_a):
    factories.totp_device(owner_a)
    client.force_login(owner_a)  # the password given, the code not yet
    assert fuzz.fuzz_page(client, reverse("otp_verify"), "otp_verify",
                          before_post=lambda: client.force_login(owner_a)) == []


def test_signed_in_account_forms_never_give_a_5xx(client, officer_a, org_a, org_b):
    Membership.objects.create(user=officer_a, organisation=org_b, role=Membership.Role.OFFICER)
    factories.api_token(officer_a, org_a)

    def again():  # a step that cycles the session (a new password) would sign the next post out
        factories.force_sign_in(client, officer_a)

    again()
    problems = []
    for name in ("account", "password_change"):
        problems += fuzz.fuzz_page(client, reverse(name), name, before_post=again)
    assert problems == []


def test_authenticator_setup_form_never_gives_a_5xx(client, second_officer_a):
    client.force_login(second_officer_a)
    assert fuzz.fuzz_page(client, reverse("otp_setup"), "otp_setup",
                          before_post=lambda: client.force_login(second_officer_a)) == []


def test_a_username_longer_than_any_is_a_form_error_not_a_500(client, officer_a):
    """The fuzz's find: AuthenticationForm checked no length, django-axes' failure row
    holds 255 characters, and a longer name was a DataError."""
    response = client.post(reverse("login"), {"username": "a" * 300, "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert not client.session.get("_auth_user_id")

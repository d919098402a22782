"""Passkeys as a second factor (django-otp-webauthn): registered, named, on the account
page; used at the second step of sign-in in place of the app's code; removed after a
confirmation, never the last second factor of someone whose role needs one; another
user's passkey neither used nor removed. The browser side: test_passkeys_browser.py."""

import json
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from orgs.accounts.backup_codes import issue_backup_codes
from tests import factories
from tests.orgs.soft_authenticator import SoftAuthenticator


def post_json(client, name, body=None, *, next_url=None, raw=None):
    url = reverse(name) + (f"?next={next_url}" if next_url else "")
    return client.post(url, data=raw if raw is not None else json.dumps(body or {}), content_type="application/json")


def register(client, authenticator, name="Work laptop"):
    options = post_json(client, "passkey_register_begin", {"name": name})
    assert options.status_code == 200, options.content
    return post_json(client, "passkey_register_complete", authenticator.create(options.json()))


def passkey_step(client, authenticator, *, next_url=None):
    options = post_json(client, "passkey_auth_begin")
    assert options.status_code == 200, options.content
    return post_json(client, "passkey_auth_complete", authenticator.get(options.json()), next_url=next_url)


def password_step(client, user, next_url=None):
    data = {"username": user.get_username(), "password": factories.PASSWORD, **({"next": next_url} if next_url else {})}
    return client.post(reverse("login"), data)


def with_passkey(user, name="Work laptop") -> SoftAuthenticator:
    """A passkey the user registered on their account page, in a session of their own
    (verified by a device they have, if any: factories.force_sign_in would add an app)."""
    client = Client()
    client.force_login(user)
    device = next(devices_for_user(user, confirmed=True), None)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    authenticator = SoftAuthenticator()
    assert register(client, authenticator, name).status_code == 200
    return authenticator


def signed_in(client) -> bool:
    return client.get(reverse("desk:queue")).status_code == 200


def history(user) -> list[str]:
    return [entry.get_change_message() for entry in LogEntry.objects.filter(object_id=str(user.pk)).order_by("pk")]


# --- registration ------------------------------------------------------------------------------


def test_a_member_registers_named_passkeys_and_sees_them_listed(client, officer_a):
    password_step(client, officer_a)
    page = client.get(reverse("account")).content.decode()
    assert "You have no passkeys." in page and 'data-passkey="register"' in page

    added = register(client, SoftAuthenticator(), "Work laptop")

    assert added.status_code == 200 and added.json()["redirect_url"] == reverse("account") + "#passkeys"
    assert register(client, SoftAuthenticator(), "Blue key").status_code == 200
    assert list(WebAuthnCredential.objects.filter(user=officer_a).order_by("pk").values_list("name", flat=True)) == [
        "Work laptop", "Blue key"]
    page = client.get(reverse("account")).content.decode()
    listed = re.search(r'<table id="passkey-list">(.*?)</table>', page, re.S).group(1)
    assert "Work laptop" in listed and "Blue key" in listed
    assert "Your passkey “Work laptop” is added." in page
    assert history(officer_a) == ["Added passkey “Work laptop”.", "Added passkey “Blue key”."]
    # From now on the passkey is asked for at every sign-in.
    client.post(reverse("logout"))
    assert password_step(client, officer_a).url.startswith(reverse("otp_verify"))
    assert not signed_in(client)


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_a_passkey_needs_a_name_of_at_most_64_characters(client, officer_a, name):
    password_step(client, officer_a)

    refused = post_json(client, "passkey_register_begin", {"name": name})

    assert refused.status_code == 400 and refused.json()["code"] == "invalid_name"
    assert refused.json()["detail"]
    assert "otp_webauthn_register_state" not in client.session


def test_a_passkey_is_added_only_after_the_second_factor(client, owner_a):
    factories.totp_device(owner_a)
    password_step(client, owner_a)  # the code not given yet

    blocked = post_json(client, "passkey_register_begin", {"name": "Laptop"})

    assert blocked.status_code == 302 and blocked.url.startswith(reverse("otp_verify"))
    anonymous = post_json(Client(), "passkey_register_begin", {"name": "Laptop"})
    assert anonymous.status_code == 403 and anonymous.json()["detail"] == "Sign in with your password first."
    assert not WebAuthnCredential.objects.exists()


def test_a_passkey_made_for_another_site_is_refused(client, officer_a):
    password_step(client, officer_a)
    options = post_json(client, "passkey_register_begin", {"name": "Phished"}).json()

    refused = post_json(client, "passkey_register_complete",
                        SoftAuthenticator().create(options, origin="https://rightsdesk.example.evil"))

    assert refused.status_code == 422 and refused.json()["detail"] == "The passkey could not be added. Try again."
    assert not WebAuthnCredential.objects.exists()


# --- the second step of sign-in --------------------------------------------------------------


def test_the_second_factor_page_offers_the_passkey_only_to_users_who_have_one(client, owner_a, officer_a):
    factories.totp_device(owner_a)
    password_step(client, owner_a)
    app_only = client.get(reverse("otp_verify")).content.decode()
    assert 'data-passkey="authenticate"' not in app_only and "passkeys.js" not in app_only
    assert 'name="otp_token"' in app_only
    refused = post_json(client, "passkey_auth_begin")
    assert refused.status_code == 404 and refused.json()["code"] == "no_passkey"

    with_passkey(owner_a)
    both = client.get(reverse("otp_verify")).content.decode()
    assert 'data-passkey="authenticate"' in both and 'name="otp_token"' in both and "js/passkeys.js" in both
    # Opened at another address (make run's 127.0.0.1), the browser refuses: the page says where they work.
    assert "Passkeys work only at this site’s own address, http://localhost:8000." in both

    with_passkey(officer_a)
    other = Client()
    password_step(other, officer_a)
    passkey_only = other.get(reverse("otp_verify")).content.decode()
    assert 'data-passkey="authenticate"' in passkey_only and 'name="otp_token"' not in passkey_only
    assert reverse("otp_backup") in passkey_only


@pytest.mark.parametrize("next_url, landing", [(None, "/desk/"), ("/accounts/", "/accounts/"),
                                               ("https://evil.example/", "/desk/")])
def test_a_passkey_passes_the_second_factor_and_lands_where_the_code_would(client, owner_a, next_url, landing):
    factories.totp_device(owner_a)
    authenticator = with_passkey(owner_a)
    assert password_step(client, owner_a).url.startswith(reverse("otp_verify"))
    assert not signed_in(client)
    session_before = client.cookies["sessionid"].value

    done = passkey_step(client, authenticator, next_url=next_url)

    assert done.status_code == 200 and done.json()["redirect_url"] == landing
    assert signed_in(client)
    assert client.cookies["sessionid"].value != session_before  # the session gained rights: a new key
    passkey = WebAuthnCredential.objects.get(user=owner_a)
    assert passkey.last_used_at is not None and passkey.sign_count == authenticator.sign_count


def test_the_passkey_of_another_user_cannot_be_used(client, owner_a, officer_b):
    factories.totp_device(owner_a)
    with_passkey(owner_a)
    someone_elses = with_passkey(officer_b, "B's laptop")
    password_step(client, owner_a)

    refused = passkey_step(client, someone_elses)

    assert refused.status_code == 403 and refused.json()["detail"] == "This passkey belongs to another account."
    assert not signed_in(client)
    assert WebAuthnCredential.objects.get(user=officer_b).last_used_at is None
    # A signature replayed or forged from the right passkey's id is refused too.
    again = passkey_step(client, SoftAuthenticator())
    assert again.status_code == 404 and not signed_in(client)


def test_a_passkey_answer_is_used_once(client, officer_a):
    authenticator = with_passkey(officer_a)
    password_step(client, officer_a)
    options = post_json(client, "passkey_auth_begin").json()
    answer = authenticator.get(options)
    assert post_json(client, "passkey_auth_complete", answer).status_code == 200

    other = Client()
    password_step(other, officer_a)
    post_json(other, "passkey_auth_begin")
    replayed = post_json(other, "passkey_auth_complete", answer)  # another challenge was asked
    assert replayed.status_code == 422 and not signed_in(other)


def test_with_only_a_passkey_an_app_is_added_after_the_passkey_never_with_the_password_alone(client, officer_a):
    authenticator = with_passkey(officer_a)
    password_step(client, officer_a)

    blocked = client.get(reverse("otp_setup"))

    assert blocked.status_code == 302 and blocked.url.startswith(reverse("otp_verify"))
    assert not TOTPDevice.objects.filter(user=officer_a).exists()
    assert passkey_step(client, authenticator).status_code == 200
    assert client.get(reverse("otp_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=officer_a, confirmed=False)
    assert client.post(reverse("otp_setup"), {"otp_token": factories.totp_code(device)}).status_code == 302
    page = client.get(reverse("account")).content.decode()
    assert "You sign in with a code from your authenticator app." in page and "Work laptop" in page


# --- removal ---------------------------------------------------------------------------------


def test_removing_a_passkey_asks_first_then_is_recorded_and_it_no_longer_works(client, officer_a):
    laptop = with_passkey(officer_a, "Work laptop")
    key = with_passkey(officer_a, "Blue key")
    password_step(client, officer_a)
    assert passkey_step(client, key).status_code == 200
    passkey = WebAuthnCredential.objects.get(user=officer_a, name="Work laptop")
    url = reverse("remove_passkey", args=[passkey.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Remove the passkey “Work laptop”?" in confirm.content.decode()
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()

    removed = client.post(url)

    assert removed.status_code == 302 and removed.url == reverse("account") + "#passkeys"
    assert not WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    page = client.get(reverse("account")).content.decode()
    assert "The passkey “Work laptop” is removed; it no longer works." in page
    assert history(officer_a)[-1] == "Deleted passkey “Work laptop”."
    assert client.post(url).status_code == 404

    other = Client()
    password_step(other, officer_a)
    refused = passkey_step(other, laptop)
    assert refused.status_code == 404 and "not registered with Rightsdesk" in refused.json()["detail"]
    assert not signed_in(other)


def test_another_users_passkey_cannot_be_removed(client, officer_a, officer_b):
    mine = with_passkey(officer_a)
    with_passkey(officer_b, "B's laptop")
    theirs = WebAuthnCredential.objects.get(user=officer_b)
    password_step(client, officer_a)
    assert passkey_step(client, mine).status_code == 200

    assert client.get(reverse("remove_passkey", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("remove_passkey", args=[theirs.pk])).status_code == 404

    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()
    assert history(officer_b) == ["Added passkey “B's laptop”."]
    assert "B&#x27;s laptop" not in client.get(reverse("account")).content.decode()


def test_an_owner_cannot_remove_the_last_second_factor(client, owner_a):
    factories.totp_device(owner_a)
    authenticator = with_passkey(owner_a)
    TOTPDevice.objects.filter(user=owner_a).delete()  # an administrator removed the lost phone
    password_step(client, owner_a)
    assert passkey_step(client, authenticator).status_code == 200
    passkey = WebAuthnCredential.objects.get(user=owner_a)
    url = reverse("remove_passkey", args=[passkey.pk])

    page = client.get(url).content.decode()
    assert "is your only second factor, and your role needs one" in page and "Remove the passkey</button>" not in page

    refused = client.post(url)

    assert refused.status_code == 409
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    # With the app set up again, the passkey may go.
    factories.totp_device(owner_a)
    assert client.post(url).status_code == 302
    assert not WebAuthnCredential.objects.filter(user=owner_a).exists()
    assert signed_in(client)  # verified by the passkey just removed: the app carries the session on


def test_a_member_may_remove_the_last_passkey_and_its_backup_codes_go_with_it(client, officer_a):
    authenticator = with_passkey(officer_a)
    issue_backup_codes(officer_a)
    password_step(client, officer_a)
    assert passkey_step(client, authenticator).status_code == 200

    passkey = WebAuthnCredential.objects.get(user=officer_a)
    assert client.post(reverse("remove_passkey", args=[passkey.pk])).status_code == 302

    assert not StaticDevice.objects.filter(user=officer_a).exists()
    client.post(reverse("logout"))
    assert password_step(client, officer_a).url == "/desk/"  # back to the password alone


# --- failures are messages -------------------------------------------------------------------


GARBAGE = [
    "not json", "[]", '"text"', "null", "{}", '{"id": 1}',
    json.dumps({"id": "a", "rawId": "!!", "type": "public-key", "response": {"clientDataJSON": "%%"}}),
    json.dumps({"id": "a", "rawId": "AAAA", "type": "public-key",
                "response": {"clientDataJSON": "AAAA", "authenticatorData": "AAAA", "signature": "AAAA",
                             "userHandle": "###", "attestationObject": "AAAA"}}),
]


def test_passkey_steps_answer_garbage_with_a_message_never_a_5xx(client, owner_a):
    factories.totp_device(owner_a)
    with_passkey(owner_a)
    factories.force_sign_in(client, owner_a)
    problems = []
    for begin, complete in (("passkey_register_begin", "passkey_register_complete"),
                            ("passkey_auth_begin", "passkey_auth_complete")):
        for raw in GARBAGE:
            for name in (begin, complete):
                if name == complete:  # a begun ceremony, so the body itself is judged
                    post_json(client, begin, {"name": "Laptop"})
                response = post_json(client, name, raw=raw)
                if response.status_code >= 500 or (response.status_code != 200 and not response.json()["detail"]):
                    problems.append((name, raw, response.status_code))
        assert client.get(reverse(complete)).status_code == 405
    assert problems == []


def test_passwordless_sign_in_is_not_offered(client, officer_a):
    with_passkey(officer_a)

    refused = post_json(client, "passkey_auth_begin")

    assert refused.status_code == 403 and refused.json()["detail"] == "Sign in with your password first."


# --- the admin -------------------------------------------------------------------------------


def test_administrators_see_passkeys_read_only(client, officer_a, administrator):
    with_passkey(officer_a)
    passkey = WebAuthnCredential.objects.get(user=officer_a)
    factories.force_sign_in(client, administrator)

    listing = client.get(reverse("admin:django_otp_webauthn_webauthncredential_changelist"))
    detail = client.get(reverse("admin:django_otp_webauthn_webauthncredential_change", args=[passkey.pk]))

    assert listing.status_code == 200 and "Work laptop" in listing.content.decode()
    assert detail.status_code == 200 and 'name="name"' not in detail.content.decode()  # no field to edit
    assert client.get(reverse("admin:django_otp_webauthn_webauthncredential_add")).status_code == 403


def test_passkey_tries_are_counted_and_the_31st_in_an_hour_is_refused_with_a_message(client, officer_a):
    with_passkey(officer_a)
    password_step(client, officer_a)

    answers = [post_json(client, "passkey_auth_complete", {"id": "x"}) for _ in range(14)]
    answers += [post_json(client, "passkey_auth_begin") for _ in range(16)]
    refused = post_json(client, "passkey_auth_begin")

    assert all(answer.status_code != 429 for answer in answers)
    assert refused.status_code == 429
    assert "Too many passkey attempts" in refused.json()["detail"] and not signed_in(client)

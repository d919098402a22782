"""API tokens: made, shown once and revoked on the account page; stored hashed; expiring;
acting in the organisation current when made. Session authentication for the web's calls."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from orgs import current
from orgs.models import ApiToken, Membership
from tests import factories

pytestmark = pytest.mark.django_db
QUEUE = "/api/v1/requests/"


def made_token(response) -> str:
    import re

    return re.search(r'<code id="new-api-token">([^<]+)</code>', response.content.decode()).group(1)


def test_a_member_makes_a_token_shown_once_and_stored_hashed(client, officer_a, org_a, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30
    client.force_login(officer_a)

    response = client.post(reverse("create_api_token"), {"name": "queue script"})

    assert response.status_code == 200
    raw = made_token(response)
    token = ApiToken.objects.get(user=officer_a)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest() and token.prefix == raw[:8]
    assert token.organisation == org_a and token.name == "queue script"
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert not ApiToken.objects.filter(token_hash=raw).exists()
    page = client.get(reverse("account")).content.decode()
    assert "queue script" in page and token.prefix in page and raw not in page
    assert factories.api_client(raw).get(QUEUE).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_acts_in_the_organisation_current_when_it_was_made(client, org_a, org_b, officer_a, officer_b):
    Membership.objects.create(user=officer_a, organisation=org_b, role="officer")
    rr_b = factories.verified_request(org_b, email="b@example.com")
    client.force_login(officer_a)
    session = client.session
    session[current.SESSION_KEY] = org_b.pk
    session.save()

    raw = made_token(client.post(reverse("create_api_token"), {"name": "B work"}))

    assert ApiToken.objects.get().organisation == org_b
    results = factories.api_client(raw).get(QUEUE).json()["results"]
    assert [r["reference"] for r in results] == [rr_b.reference]


def test_a_token_needs_a_name(client, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("create_api_token"), {"name": " "})
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert b'id="new-api-token"' not in response.content


def test_non_members_make_no_token(client, db):
    from django.contrib.auth import get_user_model

    loner = get_user_model().objects.create_user("loner", "l@example.com", factories.PASSWORD)
    client.force_login(loner)
    assert client.post(reverse("create_api_token"), {"name": "x"}).status_code == 404
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_401(client, officer_a, org_a):
    raw = factories.api_token(officer_a, org_a)
    token = ApiToken.objects.get()
    client.force_login(officer_a)

    response = client.post(reverse("revoke_api_token", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    got = factories.api_client(raw).get(QUEUE)
    assert got.status_code == 401 and got.json()["code"] == "authentication_failed"
    assert "revoked" in client.get(reverse("account")).content.decode()


def test_nobody_revokes_anothers_token(client, officer_a, officer_b, org_a):
    factories.api_token(officer_a, org_a)
    client.force_login(officer_b)
    assert client.post(reverse("revoke_api_token", args=[ApiToken.objects.get().pk])).status_code == 404
    assert ApiToken.objects.get().revoked_at is None


@pytest.mark.parametrize("header", ["", "Token not-a-token", "Token", "Bearer abc"])
def test_no_or_an_invalid_token_is_401(db, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(QUEUE)
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "fields"}


def test_an_expired_token_is_401(officer_a, org_a):
    raw = factories.api_token(officer_a, org_a, expires_at=timezone.now() - timedelta(seconds=1))
    assert factories.api_client(raw).get(QUEUE).status_code == 401


def test_a_token_stops_with_the_membership(officer_a, org_a):
    raw = factories.api_token(officer_a, org_a)
    Membership.objects.filter(user=officer_a).delete()
    assert factories.api_client(raw).get(QUEUE).status_code == 401


def test_the_web_ui_calls_with_its_session_and_csrf_is_enforced(officer_a, org_a):
    rr = factories.in_review_request(org_a, officer_a)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(officer_a)

    assert client.get(QUEUE).status_code == 200
    refused = client.post(f"{QUEUE}{rr.reference}/add-note/", {"body": "no CSRF token"})
    assert refused.status_code == 403 and refused.json()["fields"] == {}
    client.get(reverse("account"))  # sets the CSRF cookie, as the page would
    token = client.cookies["csrftoken"].value
    assert client.post(f"{QUEUE}{rr.reference}/add-note/", {"body": "with it"}, HTTP_X_CSRFTOKEN=token).status_code == 200

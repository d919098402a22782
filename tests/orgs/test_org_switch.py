"""A member of several organisations chooses the one they work in; the choice is kept
in the session (orgs.current) and shown in the staff header."""

import pytest
from django.urls import reverse

from orgs import current
from orgs.models import Membership
from tests import factories


@pytest.fixture
def officer_of_both(org_a, org_b):
    user = factories.member(org_a, "officer", username="both")
    Membership.objects.create(user=user, organisation=org_b, role="auditor")
    return user


def working_in(client):
    response = client.get(reverse("account"))
    return current.current_membership(response.wsgi_request).organisation.slug


def test_member_of_two_switches_and_the_header_shows_it(client, officer_of_both):
    factories.force_sign_in(client, officer_of_both)
    assert working_in(client) == "park-a"  # the first by name until one is chosen

    response = client.post(reverse("switch_organisation"), {"organisation": "sales-b"})

    assert response.status_code == 302 and response.url == "/desk/"
    page = client.get(reverse("account")).content.decode()
    assert "You are now working in Nanjing Sales Office." in page
    header = page.split("</header>")[0]
    assert '<option value="sales-b" selected>Nanjing Sales Office</option>' in header
    assert '<option value="park-a">Hangzhou Wildlife Park</option>' in header
    assert working_in(client) == "sales-b"


def test_switch_returns_to_a_local_next_only(client, officer_of_both):
    factories.force_sign_in(client, officer_of_both)
    back = client.post(reverse("switch_organisation"), {"organisation": "sales-b", "next": "/accounts/"})
    away = client.post(reverse("switch_organisation"), {"organisation": "park-a", "next": "https://evil.example/"})
    assert back.url == "/accounts/" and away.url == "/desk/"


def test_switch_to_an_organisation_one_is_not_a_member_of_is_404(client, officer_a, org_b):
    factories.force_sign_in(client, officer_a)

    assert client.post(reverse("switch_organisation"), {"organisation": "sales-b"}).status_code == 404
    assert client.post(reverse("switch_organisation"), {"organisation": "no-such-org"}).status_code == 404
    assert client.post(reverse("switch_organisation"), {}).status_code == 404
    assert working_in(client) == "park-a"
    assert current.SESSION_KEY not in client.session


def test_single_organisation_is_shown_without_a_switcher(client, officer_a):
    factories.force_sign_in(client, officer_a)
    html = client.get(reverse("account")).content.decode()
    assert "<span data-current-organisation>Hangzhou Wildlife Park</span>" in html
    assert 'name="organisation"' not in html.split("</header>")[0]


def test_switch_needs_a_signed_in_member_and_a_post(client, officer_of_both, db):
    anonymous = client.post(reverse("switch_organisation"), {"organisation": "sales-b"})
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    factories.force_sign_in(client, officer_of_both)
    assert client.get(reverse("switch_organisation")).status_code == 405


def test_owner_switches_only_after_the_second_factor(client, org_a, org_b):
    owner = factories.member(org_a, "owner", username="owner_both")
    Membership.objects.create(user=owner, organisation=org_b, role="officer")
    client.force_login(owner)  # the password step only

    refused = client.post(reverse("switch_organisation"), {"organisation": "sales-b"})

    assert refused.status_code == 302 and refused.url.startswith(reverse("otp_setup"))
    assert current.SESSION_KEY not in client.session


def test_a_removed_membership_stops_counting(client, officer_of_both):
    factories.force_sign_in(client, officer_of_both)
    client.post(reverse("switch_organisation"), {"organisation": "sales-b"})
    Membership.objects.filter(user=officer_of_both, organisation__slug="sales-b").delete()
    assert working_in(client) == "park-a"

"""The received-date filter at the ends of the calendar: the last day the date picker allows
(9999-12-31) has no next midnight, yet the queue and its CSV answer with the requests,
never a 500."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [reverse("desk:queue"), reverse("desk:queue_csv")])
def test_received_to_the_last_day_of_the_calendar_lists_every_request(officer_client, org_a, officer_a, url):
    rr = factories.in_review_request(org_a, officer_a)

    response = officer_client.get(url, {"received_to": "9999-12-31"})

    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert rr.reference.encode() in body


def test_received_from_the_first_day_of_the_calendar_lists_every_request(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)

    response = officer_client.get(reverse("desk:queue"), {"received_from": "0001-01-01"})

    assert response.status_code == 200 and rr.reference in response.content.decode()

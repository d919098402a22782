"""The status link in the emails to the requester: every email carries a fresh link that
opens the status page. Until the notifications change lands, the link arrives only by the
redirect after verification (tested in test_journey and test_abuse)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from requests_app.delivery import notifications
from requests_app.models import Notification, StatusLink
from tests.public import citizen
from tests.public.pages import page

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://[^\s\"'<>]+?(/status/[A-Za-z0-9_-]{16,}/)")


def _deliver_to_requester() -> list:
    before = len(mail.outbox)
    for pk in Notification.objects.filter(user=None, sent_at=None).order_by("pk").values_list("pk", flat=True):
        notifications.deliver(pk)
    return mail.outbox[before:]


def _opens_the_status_page(client, message, reference) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    path = found.group(1)
    response = client.get(path)
    assert response.status_code == 200
    assert reference in page(response).text
    html = next(content for content, kind in message.alternatives if kind == "text/html")
    assert path in html
    return path


def test_the_email_after_verification_carries_a_working_status_link(client, park):
    _token, (rr,) = citizen.file_and_verify(client, park)

    sent = _deliver_to_requester()

    assert sent, "no email to the requester after verification"
    _opens_the_status_page(client, sent[-1], rr.reference)


def test_the_link_asked_for_by_reference_and_email_arrives_and_works(client, park):
    token, (rr,) = citizen.file_and_verify(client, park)
    _deliver_to_requester()
    client.post(reverse("public:lookup"), {"reference": rr.reference, "email": "guo@example.com"})

    (sent,) = _deliver_to_requester()

    path = _opens_the_status_page(client, sent, rr.reference)
    assert path != citizen.status_url(token)  # a new link each time; the old one keeps working
    assert client.get(citizen.status_url(token)).status_code == 200
    assert StatusLink.objects.filter(submission=rr.submission).count() >= 2


def test_a_duplicate_sends_the_link_of_the_open_request(client, park):
    _token, (rr,) = citizen.file_and_verify(client, park)
    _deliver_to_requester()
    citizen.file_request(client, park)

    (sent,) = _deliver_to_requester()

    assert sent.to == ["guo@example.com"]
    _opens_the_status_page(client, sent, rr.reference)

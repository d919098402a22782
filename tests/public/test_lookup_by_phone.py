"""A lost status link comes back by text message for the reference and the phone number
given with the request, written however the person writes it; nobody learns whether a
reference and a number belong together."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from requests_app.delivery import notifications
from requests_app.models import Notification
from tests.public import citizen
from tests.public.pages import field_errors, messages_shown

pytestmark = pytest.mark.django_db
LOOKUP = reverse("public:lookup")


def _lookup(client, reference, phone):
    return client.post(LOOKUP, {"reference": reference, "email": "", "phone": phone}, follow=True)


def _deliver_links(rr) -> None:
    for pk in Notification.objects.filter(request=rr, kind=Notification.Kind.STATUS_LINK).values_list("pk", flat=True):
        notifications.deliver(pk)


@pytest.fixture
def filed_with_phone(client, park):
    _token, (rr,) = citizen.file_and_verify(client, park, phone="13800138000")
    mail.outbox.clear()
    return rr


def test_reference_and_phone_send_a_new_link_by_text_message(client, park, filed_with_phone, sms_outbox):
    rr = filed_with_phone

    response = _lookup(client, rr.reference.lower(), "138 0013 8000")
    _deliver_links(rr)

    assert "we have sent a new link by text message" in messages_shown(response)
    [text] = sms_outbox
    assert text.to == "+8613800138000"
    assert mail.outbox == []  # asked by phone, answered by phone, not by email
    link = re.search(r"https?://\S+/status/\S+/", text.body).group(0)
    assert client.get(link[link.index("/status/"):]).status_code == 200


def test_a_wrong_phone_gets_the_same_answer_and_no_message(client, park, filed_with_phone, sms_outbox):
    rr = filed_with_phone

    matching = messages_shown(_lookup(client, rr.reference, "13800138000"))
    wrong = messages_shown(_lookup(client, rr.reference, "13900139000"))
    unknown = messages_shown(_lookup(client, "ABCDEFGHJK", "13800138000"))
    _deliver_links(rr)

    assert matching == wrong == unknown
    assert len(sms_outbox) == 1


def test_the_lookup_needs_an_email_or_a_phone(client, db):
    response = client.post(LOOKUP, {"reference": "ABCDEFGHJK", "email": "", "phone": ""})

    assert response.status_code == 200
    assert "Give the email or the phone number you gave with the request." in field_errors(response, "email")
    assert not Notification.objects.exists()


def test_the_lookup_page_offers_the_phone(client, db):
    content = client.get(LOOKUP).content.decode()

    assert 'name="phone"' in content and "phone number you gave" in content

"""An organisation words its own mails (greeting, closing) with a preview; the sentences
Rightsdesk writes, the law's among them, stay as they are, in the preview and in the mail
the real sender sends."""

import pytest
from django.core import mail
from django.urls import reverse

from orgs.models import MailWording
from requests_app import workflow
from requests_app.actors import member
from requests_app.delivery import notifications
from requests_app.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

GREETING = "Dear visitor of Hangzhou Wildlife World,"
CLOSING = "Our privacy team: privacy@hww.example, 0571-5555-0101 (weekdays 9-17)."


def _url(kind="subject_update", language="en"):
    return reverse("desk:mail_wording", args=[kind, language])


@pytest.fixture
def owner_client(client, owner_a):
    factories.force_sign_in(client, owner_a)
    return client


def test_an_owner_previews_then_saves_and_the_law_stays_in_the_mail(owner_client, org_a):
    preview = owner_client.post(_url(), {"greeting": GREETING, "closing": CLOSING, "preview": "1"})

    assert preview.status_code == 200
    text = preview.context["preview_text"]
    assert text.startswith(GREETING) and text.rstrip().endswith(CLOSING)
    assert preview.context["locked_text"].strip() in text  # Rightsdesk's text, whole, between them
    assert "SAMPLE2345" in text
    assert not MailWording.objects.exists()  # a preview saves nothing

    saved = owner_client.post(_url(), {"greeting": GREETING, "closing": CLOSING, "save": "1"})
    assert saved.status_code == 302
    assert MailWording.objects.get(organisation=org_a, kind="subject_update", language="en").greeting == GREETING


def test_the_real_mail_carries_the_organisations_words_around_the_legal_text(org_a, officer_a, owner_a):
    MailWording.objects.create(organisation=org_a, kind="subject_update", language="en", greeting=GREETING,
                               closing=CLOSING)
    rr = factories.in_review_request(org_a, officer_a)
    workflow.refuse(rr, actor=member(officer_a), reason="A court order keeps the record",
                    legal_ground="PIPL art. 47(2): a statutory retention period has not expired")
    mail.outbox = []

    for pk in Notification.objects.filter(request=rr, user=None, sent_at=None).values_list("pk", flat=True):
        notifications.deliver(pk)

    refusal = mail.outbox[-1].body
    assert refusal.startswith(GREETING) and refusal.rstrip().endswith(CLOSING)
    assert "A court order keeps the record" in refusal
    assert "people's court" in refusal  # the law's route, which the organisation cannot remove


def test_words_are_plain_text_never_a_template(owner_client, org_a):
    sneaky = "{{ request.subject.email }} {% now 'Y' %}"

    preview = owner_client.post(_url(), {"greeting": sneaky, "closing": "", "preview": "1"})

    assert preview.context["preview_text"].startswith(sneaky)


def test_each_language_has_its_own_words(org_a, officer_a):
    MailWording.objects.create(organisation=org_a, kind="subject_update", language="zh-hans", greeting="尊敬的游客：")
    rr = factories.in_review_request(org_a, officer_a)
    workflow.message_subject(rr, actor=member(officer_a), body="We found two records.")
    mail.outbox = []
    for pk in Notification.objects.filter(request=rr, user=None, sent_at=None).values_list("pk", flat=True):
        notifications.deliver(pk)
    assert not mail.outbox[-1].body.startswith("尊敬的游客")  # the requester reads English


def test_too_long_words_are_refused_and_nothing_is_saved(owner_client):
    response = owner_client.post(_url(), {"greeting": "x" * 301, "closing": "", "save": "1"})
    assert response.status_code == 400 and response.context["form"].errors["greeting"]
    assert not MailWording.objects.exists()


def test_only_owners_word_mails_and_only_their_organisations(signed_in, client, org_a, org_b, officer_a,
                                                              owner_a):
    MailWording.objects.create(organisation=org_b, kind="subject_update", language="en", greeting="Nanjing words")
    assert signed_in(officer_a).get(reverse("desk:mail_wordings")).status_code == 404
    assert signed_in(officer_a).post(_url(), {"greeting": "x", "save": "1"}).status_code == 404
    assert not MailWording.objects.filter(organisation=org_a).exists()
    client.logout()
    factories.force_sign_in(client, owner_a)
    page = client.get(reverse("desk:mail_wordings")).content.decode()
    assert "Nanjing words" not in page
    assert client.get(_url("no_such_mail", "en")).status_code == 404
    assert client.get(_url("subject_update", "fr")).status_code == 404

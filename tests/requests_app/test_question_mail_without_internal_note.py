"""The requester's mail about a question or a message from the organisation quotes that
message: the one the event sent, not whichever is newest when the mail goes out. An
internal note added in the seconds before the worker sends it is never mailed."""

import pytest
from django.core import mail

from requests_app import workflow
from requests_app.actors import member
from requests_app.delivery import notifications
from requests_app.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db
NOTE = "Internal: she may be the ex-employee who sued us; check with legal first"


@pytest.mark.parametrize("step, text", [
    (lambda rr, actor: workflow.ask_for_information(rr, actor=actor, question="Which pass number did you use?"),
     "Which pass number did you use?"),
    (lambda rr, actor: workflow.message_subject(rr, actor=actor, body="We are checking the gate logs now."),
     "We are checking the gate logs now."),
])
def test_a_note_added_before_the_mail_is_sent_stays_internal(org_a, officer_a, step, text):
    rr = factories.in_review_request(org_a, officer_a)
    step(rr, member(officer_a))
    workflow.add_note(rr, actor=member(officer_a), body=NOTE)  # before the worker sends the mail
    mail.outbox.clear()

    for pk in Notification.objects.filter(request=rr, kind=Notification.Kind.SUBJECT_UPDATE).values_list("pk", flat=True):
        notifications.deliver(pk)

    bodies = "\n".join(message.body for message in mail.outbox)
    assert NOTE not in bodies
    assert text in bodies

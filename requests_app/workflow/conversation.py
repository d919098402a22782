"""Conversation: what passes between the organisation and the requester, status aside.

An officer's message to the requester, an internal note the requester never sees, the
requester's own message and the files they send as evidence; and an officer's look at
who the person is (`reveal_contact`), recorded because every look is one. None of these
changes the status; each writes its event. A question that awaits an answer is
questions.py's.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from requests_app.actors import Actor
from requests_app.cases import files
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import Attachment, DataSubject, Message, RightsRequest
from requests_app.workflow.transitions import require_text, transition


def message_subject(rights_request: RightsRequest, *, actor: Actor, body: str) -> Message:
    require_text(body=body)
    with transition(rights_request, "message_subject", actor) as step:
        if not step.request.requester_confirmed:
            raise TransitionNotAllowed(_("The requester has not confirmed the request yet: until they do, "
                                         "they receive nothing but the code."))
        message = Message.objects.create(
            request=step.request, direction=Message.Direction.TO_SUBJECT, author=actor.user, body=body.strip()
        )
        step.data = {"message": message.pk}
    return message


def add_note(rights_request: RightsRequest, *, actor: Actor, body: str) -> Message:
    """An internal note on the case: a Message the subject never sees, and an event that is
    not shown to them either. No status change; no one is notified."""
    require_text(body=body)
    with transition(rights_request, "add_note", actor) as step:
        message = Message.objects.create(
            request=step.request, direction=Message.Direction.INTERNAL, author=actor.user, body=body.strip()
        )
        step.data = {"message": message.pk}
        step.visible_to_subject = False
    return message


@dataclass(frozen=True)
class Contact:
    """Who the person is and how to reach them, as revealed to one member once."""

    full_name: str
    email: str
    phone: str
    requester_name: str
    requester_email: str


def reveal_contact(rights_request: RightsRequest, *, actor: Actor) -> Contact:
    """Return the subject's contact details (and those of a relative or agent who filed)
    and record that this member saw them: one `reveal_contact` event, not shown to the
    subject, no status change. Allowed to owners, officers and auditors, in any state.
    Refused once the details were purged (nothing left to see). Not idempotent: every
    reveal is a new event, because every look is one."""
    with transition(rights_request, "reveal_contact", actor) as step:
        rr = step.request
        subject = DataSubject.objects.get(pk=rr.subject_id)
        if subject.contact_purged_at is not None and not (rr.requester_name or rr.requester_email):
            raise TransitionNotAllowed(_("The contact details of this case were removed."))
        contact = Contact(subject.full_name, subject.email, subject.phone, rr.requester_name, rr.requester_email)
        step.data = {"fields": [name for name, value in vars(contact).items() if value]}
        step.visible_to_subject = False
    return contact


def subject_message(rights_request: RightsRequest, *, actor: Actor, body: str) -> Message:
    """The requester writes to the organisation outside a question (a question is `answer`)."""
    require_text(body=body)
    with transition(rights_request, "subject_message", actor) as step:
        message = Message.objects.create(
            request=step.request, direction=Message.Direction.FROM_SUBJECT, body=body.strip()
        )
        step.data = {"message": message.pk}
    return message


def add_evidence(rights_request: RightsRequest, *, actor: Actor, upload, purpose: str) -> Attachment:
    """Attach a file the requester sends (already checked for size and type by the form).

    `upload` is an uploaded file, stored here (files.store_upload) before the request is
    locked, or a files.StoredFile stored already (intake stores before its transaction).
    A refused step leaves the stored file without a row, which is harmless (files.py)."""
    if purpose not in Attachment.Purpose.values:
        raise InvalidInput({"purpose": _("Choose what the file is.")})
    stored = upload if isinstance(upload, files.StoredFile) else files.store_upload(upload)
    with transition(rights_request, "add_evidence", actor) as step:
        attachment = files.attachment(step.request, stored, purpose=purpose, from_subject=True)
        attachment.save()
        step.data = {"attachment": attachment.pk, "purpose": purpose, "sha256": attachment.sha256}
    return attachment

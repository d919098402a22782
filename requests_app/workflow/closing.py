"""Closing: how an open case ends other than by a decision, and what goes after it ends.

The requester withdraws; a request nobody verified expires (and an unverified deletion
under the CCPA offers the opt-out instead); and, once a closed case's policy period has
run, the person's contact details are removed and their data key destroyed. A case
closed for an unanswered question is questions.py's; one closed by a decision or its
fulfilment is review.py's and carrying_out.py's.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from requests_app.actors import Actor
from requests_app.cases import deadlines, reminders
from requests_app.errors import TransitionNotAllowed
from requests_app.models import DataSubject, RightsRequest, StatusLink
from requests_app.models import sealed
from requests_app.workflow.questions import _end_pause
from requests_app.workflow.transitions import policy_of, transition


def withdraw(rights_request: RightsRequest, *, actor: Actor) -> None:
    """The requester withdraws an open request; a running pause ends as every pause does
    (`_end_pause`), so the record keeps the exact time paused."""
    with transition(rights_request, "withdraw", actor) as step:
        rr = step.request
        _end_pause(rr, step.now)
        rr.closed_at = step.now
        reminders.point(rr, None)


def expire(rights_request: RightsRequest, *, actor: Actor) -> None:
    """Close a request whose identity was never verified within the policy's period."""
    with transition(rights_request, "expire", actor) as step:
        rr = step.request
        if rr.expires_at is None or step.now < rr.expires_at:
            raise TransitionNotAllowed(_("This request has not reached its expiry yet."))
        rr.closed_at = step.now
        step.data.update(unverified_deletion_offer(rr))


def unverified_deletion_offer(rr: RightsRequest) -> dict:
    """What the expiry letter of an unverified deletion offers, where the law says so.

    Under the CCPA a business may deny a deletion it cannot verify and must say that the
    identity could not be verified (Cal. Code Regs. tit. 11 §7022(a)); denying it, a
    business that sells or shares personal information asks the consumer whether they
    would like to opt out of that (§7022(f)(3)), an opt-out needing no verification
    (§7026(d)). So the letter asks, with a link to the opt-out; nothing is filed for the
    consumer. A person who already has an open opt-out of that kind is not asked again.
    Returns the expire event's data: `opt_out_offered` (the kind) or `opt_out_open` (the
    reference of the open one); {} elsewhere."""
    kind = policy_of(rr).unverified_deletion_offer
    if rr.kind != RightsRequest.Kind.DELETION or not kind:
        return {}
    same_person = Q(subject_id=rr.subject_id)  # or filed apart, known by the same email or phone
    for field in ("email_hash", "phone_hash"):
        if value := getattr(rr.subject, field):
            same_person |= Q(**{f"subject__{field}": value})
    existing = (RightsRequest.objects.filter(same_person, organisation_id=rr.organisation_id, kind=kind)
                .exclude(status__in=RightsRequest.CLOSED_STATUSES).order_by("pk").first())
    if existing is not None:
        return {"opt_out_open": existing.reference}
    return {"opt_out_offered": kind}


CONTACT_FIELDS = ("full_name", "email", "phone", "email_hash", "phone_hash", "member_number_hash", "id_number_hash",
                  "masked_identifiers")


def purge_contact_details(rights_request: RightsRequest, *, actor: Actor) -> None:
    """Remove who the person is from a case closed longer than its policy keeps contact
    details: the subject's name, email, phone, identifier hashes and masked identifiers,
    and the name and email of a relative or agent who filed. The person's data key is
    destroyed in the same transaction, so the texts sealed in their cases' events
    (requests_app/models/sealed.py) can no longer be read; the events, their hashes and the chain
    stay as written. The anonymised request, its messages and its history stay. Refused
    while the period runs, while another case of the same person still needs the details,
    or when there is nothing left to remove."""
    with transition(rights_request, "purge_contact", actor) as step:
        rr = step.request
        tz = rr.organisation.time_zone
        if rr.closed_at is None or step.now < deadlines.contact_purge_at(policy_of(rr), closed_at=rr.closed_at, tz=tz):
            raise TransitionNotAllowed(_("This case is still within its period for keeping contact details."))
        subject = DataSubject.objects.select_for_update().get(pk=rr.subject_id)
        for other in subject.requests.exclude(pk=rr.pk).select_related("organisation"):
            if other.is_open or other.closed_at is None or step.now < deadlines.contact_purge_at(
                policy_of(other), closed_at=other.closed_at, tz=other.organisation.time_zone
            ):
                raise TransitionNotAllowed(_("The same person has another case that still needs the details."))
        if subject.contact_purged_at is not None and not (rr.requester_name or rr.requester_email):
            raise TransitionNotAllowed(_("The contact details of this case were already removed."))
        if subject.contact_purged_at is None:
            DataSubject.objects.filter(pk=subject.pk).update(
                contact_purged_at=step.now, **{name: "" for name in CONTACT_FIELDS}
            )
        sealed.destroy_key(subject.pk)
        rr.requester_name = rr.requester_email = ""
        # The secret links go too: nobody is left to follow the case.
        StatusLink.objects.filter(submission=rr.submission).delete()
        step.data = {"subject": subject.pk}
        step.visible_to_subject = False

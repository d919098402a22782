"""Celery tasks: take ids, load the row, call one function, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from requests_app import tokens
from requests_app.sms import send_sms
from requests_app.models import RequestEvent, VerificationChallenge


@shared_task(name="requests.send_verification_code", acks_late=True)
def send_verification_code(challenge_id: int) -> None:
    """Email a fresh six-digit code for the challenge, once: a second run finds it issued."""
    challenge = VerificationChallenge.objects.select_related("request__subject", "request__organisation").get(
        pk=challenge_id
    )
    code = tokens.issue_code(challenge)
    if code is None:
        return
    rr, subject = challenge.request, challenge.request.subject
    with translation.override(subject.preferred_language):
        body = _(
            "Your code to confirm request %(reference)s to %(organisation)s is %(code)s. "
            "It is valid for 15 minutes. If you did not make this request, ignore this message."
        ) % {"reference": rr.reference, "organisation": rr.organisation.name, "code": code}
        if challenge.channel == VerificationChallenge.Channel.SMS:
            send_sms(subject.phone, body)
        else:
            send_mail(_("Your Rightsdesk code"), body, settings.DEFAULT_FROM_EMAIL, [rr.contact_email])


@shared_task(name="requests.notify_subject", acks_late=True)
def notify_subject(event_id: int) -> None:
    """Tell the subject their request changed, in their language."""
    event = RequestEvent.objects.select_related("request__subject", "request__organisation").get(pk=event_id)
    rr, subject = event.request, event.request.subject
    if not rr.contact_email:
        return
    with translation.override(subject.preferred_language):
        body = _("Your request %(reference)s to %(organisation)s is now: %(status)s.") % {
            "reference": rr.reference,
            "organisation": rr.organisation.name,
            "status": rr.get_status_display(),
        }
        send_mail(
            _("Update on your request %(reference)s") % {"reference": rr.reference},
            body,
            settings.DEFAULT_FROM_EMAIL,
            [rr.contact_email],
        )

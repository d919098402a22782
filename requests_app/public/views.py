"""Public pages: no account; a person reaches their requests only through a secret link.

Views stay thin: parse a form, call one intake or workflow function, render. Workflow
refusals become a message on the page, never a 500.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import get_usage, is_ratelimited
from django_ratelimit.decorators import ratelimit

from orgs.models import Organisation
from requests_app import intake, status_links, tokens, workflow
from requests_app.downloads import attachment_response
from requests_app.actors import SUBJECT
from requests_app.errors import InvalidInput, WorkflowError
from requests_app.models import Attachment, CompensationClaim, RightsRequest, VerificationChallenge
from requests_app.public import forms
from requests_app.subjects import Identity

RESEND_COOL_DOWN = timedelta(seconds=60)


def rate_limited(request, exception=None):
    return render(request, "public/rate_limited.html", status=429)


def landing(request):
    return render(request, "public/landing.html")


def organisation_finder(request):
    form = forms.OrganisationSearchForm(request.GET or None)
    organisations = Organisation.objects.filter(accepts_public_requests=True).order_by("name")
    if form.is_valid():
        data = form.cleaned_data
        # Found by either language's name, whichever the visitor types.
        if data["q"]:
            organisations = organisations.filter(Q(name__icontains=data["q"]) | Q(name_zh__icontains=data["q"]))
        if data["city"]:
            organisations = organisations.filter(Q(city__icontains=data["city"]) | Q(city_zh__icontains=data["city"]))
        if data["kind"]:
            organisations = organisations.filter(kind=data["kind"])
    page = Paginator(organisations, 20).get_page(request.GET.get("page"))
    template = "public/_organisation_results.html" if request.headers.get("HX-Request") else "public/organisations.html"
    return render(request, template, {"form": form, "page": page})


def _public_organisation(slug: str) -> Organisation:
    return get_object_or_404(Organisation, slug=slug, accepts_public_requests=True)


def posted_email(group, request) -> str:
    """The email typed in the form as intake normalises it: one count however it is written."""
    return request.POST.get("email", "").strip().lower()


def per_email(group, request) -> str | None:
    """Five an hour per email; a form without one (phone only) is counted by address alone,
    not in one bucket shared by everybody who gave no email."""
    return "5/h" if posted_email(group, request) else None


@ratelimit(key="ip", rate="10/h", method="POST", block=True)
@ratelimit(key=posted_email, rate=per_email, method="POST", block=True)
def request_form(request, slug):
    organisation = _public_organisation(slug)
    form = forms.RequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_bot:
        return redirect("public:thanks")  # say nothing a bot could learn from
    if request.method == "POST" and form.is_valid():
        try:
            result = intake.file_requests(organisation=organisation, **_intake_arguments(form.cleaned_data))
        except InvalidInput as exc:
            for field, errors in exc.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if result.created:
                return redirect("public:verify", submission=result.created[0].submission)
            return render(request, "public/already_open.html", {"organisation": organisation, "result": result})
    return render(request, "public/request_form.html", {"organisation": organisation, "form": form})


def _intake_arguments(data: dict) -> dict:
    claim = None
    if data.get("claim_amount"):
        claim = intake.ClaimInput(data["claim_amount"], data["claim_currency"], data["claim_covers"])
    return {
        "kinds": data["kinds"],
        "identity": Identity(
            email=data["email"], phone=data["phone"], member_number=data["member_number"],
            id_number=data["id_number"], full_name=data["full_name"],
        ),
        "filed_by": data["filed_by"], "requester_name": data["requester_name"],
        "requester_email": data["requester_email"], "data_description": data["data_description"],
        "details": data["details"], "language": get_language(), "evidence": data["evidence"],
        "authorisation": data["authorisation"], "death_evidence": data["death_evidence"], "claim": claim,
    }


def thanks(request):
    return render(request, "public/thanks.html")


def _submission_requests(submission) -> list[RightsRequest]:
    requests = list(
        RightsRequest.objects.filter(submission=submission).select_related("organisation", "subject").order_by("pk")
    )
    if not requests:
        raise Http404
    return requests


@ratelimit(key="ip", rate="30/h", method="POST", block=True)
def verify(request, submission):
    requests = _submission_requests(submission)
    first = requests[0]
    form = forms.CodeForm(request.POST or None)
    if first.status != RightsRequest.Status.SUBMITTED:
        messages.info(request, _("This request is already verified. Use the link we emailed you to follow it."))
        return redirect("public:lookup")
    if request.method == "POST" and form.is_valid():
        try:
            workflow.verify_identity(first, actor=SUBJECT, code=form.cleaned_data["code"])
        except WorkflowError as exc:
            form.add_error("code", str(exc))
        else:
            token = tokens.issue_status_link(first.submission)
            return redirect("public:status", token=token)
    challenge = first.challenges.order_by("-created_at").first()
    return render(request, "public/verify.html", {
        "form": form, "requests": requests, "first": first, "channel": challenge.channel if challenge else "email",
    })


@require_POST
@ratelimit(key="ip", rate="10/h", method="POST", block=True)
def resend_code(request, submission):
    first = _submission_requests(submission)[0]
    latest = VerificationChallenge.objects.filter(request=first).order_by("-created_at").first()
    if latest and timezone.now() - latest.created_at < RESEND_COOL_DOWN:
        messages.warning(request, _("Please wait a minute before asking for another code."))
    else:
        try:
            workflow.new_verification_challenge(first)
            messages.success(request, _("We have sent a new code. Earlier codes no longer work."))
        except WorkflowError as exc:
            messages.warning(request, str(exc))
    return redirect("public:verify", submission=submission)


TOKEN_GUESSES = "30/10m"


def _requests_for_token(request, token) -> list[RightsRequest]:
    """The submission's requests, or 404; after 30 bad tokens in ten minutes one address gets
    429 for every token, a good one included, so a hit cannot be told from a miss."""
    usage = get_usage(request, group="status-token", key="ip", rate=TOKEN_GUESSES)
    if usage is not None and usage["count"] >= usage["limit"]:
        raise_rate_limited()
    submission = tokens.submission_for_token(token)
    if submission is None:
        is_ratelimited(request, group="status-token", key="ip", rate=TOKEN_GUESSES, increment=True)
        raise Http404
    return _submission_requests(submission)


def raise_rate_limited():
    from django_ratelimit.exceptions import Ratelimited

    raise Ratelimited()


def status(request, token):
    requests = _requests_for_token(request, token)
    cases = [
        {
            "request": rr,
            "events": rr.events.filter(visible_to_subject=True).order_by("seq"),
            "messages": rr.messages.exclude(direction="internal").order_by("created_at"),
            "files": rr.attachments.order_by("created_at"),
            "offers": rr.claims.filter(status=CompensationClaim.Status.OFFERED),
            "claims": rr.claims.order_by("created_at"),
            "can_withdraw": rr.status in workflow.RULES["withdraw"].sources,
            "can_appeal": rr.status == RightsRequest.Status.REFUSED and rr.appeal_closes_at
            and timezone.now() <= rr.appeal_closes_at,
            "can_write": rr.status in workflow.RULES["subject_message"].sources,
            # One set of forms per request, with ids of its own, so each label names its own field.
            "message_form": forms.MessageForm(auto_id=f"id_{rr.reference}_%s"),
            "evidence_form": forms.EvidenceForm(auto_id=f"id_{rr.reference}_%s"),
            "appeal_form": forms.AppealForm(auto_id=f"id_{rr.reference}_%s"),
        }
        for rr in requests
    ]
    organisation = requests[0].organisation
    # Dates as the organisation's law counts them, words in the language the request was filed in.
    with timezone.override(organisation.time_zone), _request_language(request, requests[0]):
        response = render(request, "public/status.html", {"token": token, "cases": cases, "organisation": organisation})
        response["Content-Language"] = get_language()
    return response


def _request_language(request, rr: RightsRequest):
    """The language the request was filed in, whatever the browser asks for; once the person
    picks one with the switch (the language cookie), theirs."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or not rr.subject.preferred_language:
        return translation.override(get_language())
    request.LANGUAGE_CODE = rr.subject.preferred_language
    return translation.override(rr.subject.preferred_language)


def _case(request, token, reference) -> RightsRequest:
    for rr in _requests_for_token(request, token):
        if rr.reference == reference:
            return rr
    raise Http404


@require_POST
def status_action(request, token, reference, action):
    """One POST per subject step on the status page; a refusal is shown as a message."""
    rr = _case(request, token, reference)
    handler = SUBJECT_ACTIONS.get(action)
    if handler is None:
        raise Http404
    with _request_language(request, rr):  # its message is read on the status page
        try:
            outcome = handler(request, rr)
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            if outcome:
                messages.success(request, outcome)
    return redirect(reverse("public:status", kwargs={"token": token}) + f"#case-{rr.reference}")


def _write(request, rr):
    form = forms.MessageForm(request.POST)
    if not form.is_valid():
        raise InvalidInput({"body": _("Write a message of at most 4000 characters.")})
    if rr.status == RightsRequest.Status.AWAITING_SUBJECT:
        workflow.answer(rr, actor=SUBJECT, body=form.cleaned_data["body"])
    else:
        workflow.subject_message(rr, actor=SUBJECT, body=form.cleaned_data["body"])
    return _("Your message was sent.")


def _upload(request, rr):
    form = forms.EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        raise InvalidInput({"evidence": form.errors["evidence"]})
    for upload in form.cleaned_data["evidence"]:
        workflow.add_evidence(rr, actor=SUBJECT, upload=upload, purpose=Attachment.Purpose.EVIDENCE)
    return _("Your files were added.")


def _withdraw(request, rr):
    workflow.withdraw(rr, actor=SUBJECT)
    return _("Your request was withdrawn.")


def _appeal(request, rr):
    form = forms.AppealForm(request.POST)
    if not form.is_valid():
        raise InvalidInput({"grounds": _("Say why the decision should be looked at again.")})
    workflow.appeal(rr, actor=SUBJECT, grounds=form.cleaned_data["grounds"])
    return _("Your appeal was sent. The request is being reviewed again.")


def _answer_offer(request, rr):
    form = forms.OfferForm(request.POST, claims=rr.claims.all())
    if not form.is_valid():
        raise InvalidInput({"answer": _("Choose to accept or decline the offer.")})
    claim = form.cleaned_data["claim"]
    if form.cleaned_data["answer"] == "accept":
        workflow.accept_offer(claim, actor=SUBJECT)
        return _("You accepted the offer.")
    workflow.decline_offer(claim, actor=SUBJECT)
    return _("You declined the offer.")


SUBJECT_ACTIONS = {
    "write": _write, "upload": _upload, "withdraw": _withdraw, "appeal": _appeal, "offer": _answer_offer,
}


def download(request, token, reference, attachment_id):
    rr = _case(request, token, reference)
    attachment = get_object_or_404(Attachment, pk=attachment_id, request=rr)
    return attachment_response(attachment)


def certificate(request, token, reference):
    rr = _case(request, token, reference)
    if rr.certificate is None:
        raise Http404
    with timezone.override(rr.organisation.time_zone), _request_language(request, rr):
        return render(request, "public/certificate.html", {"request_": rr, "certificate": rr.certificate})


@ratelimit(key="ip", rate="10/h", method="POST", block=True)
@ratelimit(key=posted_email, rate=per_email, method="POST", block=True)
def lookup(request):
    """Send a new status link for reference + email; the same answer whether or not they match."""
    form = forms.StatusLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rr = _matching_request(form.cleaned_data["reference"], form.cleaned_data["email"])
        if rr is not None:
            status_links.send_status_link(rr)
        messages.success(request, _("If the reference and email match a request, we have emailed a new link."))
        return redirect("public:lookup")
    return render(request, "public/lookup.html", {"form": form})


def _matching_request(reference: str, email: str) -> RightsRequest | None:
    from orgs.identifiers import IdentifierKind, identifier_hash

    reference = "".join(reference.split()).upper()
    email_hash = identifier_hash(IdentifierKind.EMAIL, email.strip().lower())
    return (
        RightsRequest.objects.filter(reference=reference)
        .filter(Q(subject__email_hash=email_hash) | Q(requester_email__iexact=email.strip()))
        .first()
    )


def health(request):
    return HttpResponse("ok", content_type="text/plain")

"""Public pages: no account; a person reaches their requests only through a secret link.

Views stay thin: parse a form, call one intake or workflow function, render. Workflow
refusals become a message on the page, never a 500.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import get_usage, is_ratelimited

from orgs import public_register, public_settings
from orgs.identifiers import PHONE_REGION, IdentifierKind, identifier_hash, normalise
from orgs.models import Organisation, ReportPublication
from requests_app import workflow
from requests_app.actors import SUBJECT
from requests_app.cases import documents, selectors, tokens
from requests_app.cases.downloads import attachment_response
from requests_app.cases.subjects import Identity
from requests_app.delivery import status_links
from requests_app.errors import InvalidInput, WorkflowError
from requests_app.models import Attachment, CompensationClaim, RightsRequest, VerificationChallenge, sealed
from requests_app.public import forms, limits
from requests_app.workflow import alternatives, intake
from requests_app.workflow.steps import SUBJECT_STEPS

RESEND_COOL_DOWN = timedelta(seconds=60)


def rate_limited(request, exception=None):
    """Every 429 of the pages (RATELIMIT_VIEW): what happened and, when known, how long to wait."""
    wait = getattr(exception, "wait", None)
    return render(request, "429.html", {"wait": limits.wait_in_words(wait) if wait else ""}, status=429)


def landing(request):
    return render(request, "public/landing.html")


def organisation_finder(request):
    form = forms.OrganisationSearchForm(request.GET or None)
    # Whether each publishes a transparency report, in the same query (a link in the results).
    organisations = Organisation.objects.filter(accepts_public_requests=True).order_by("name").annotate(
        report_published=Exists(ReportPublication.objects.filter(organisation=OuterRef("pk"), published=True)))
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
    organisation = public_settings.public_organisation(slug)
    if organisation is None:
        raise Http404
    return organisation


def person_limits(email: str, phone: str, organisation: Organisation | None = None) -> tuple[tuple[str, str], ...]:
    """The person's own buckets (web and API): one per email or phone given, the phone read
    in the organisation's numbering where it is known."""
    region = PHONE_REGION.get(organisation.jurisdiction) if organisation is not None else None
    return tuple((key, limits.PERSON) for key in limits.person_keys(email, phone, region))


def limited_error(form, exc: limits.Limited) -> None:
    form.add_error(None, _(
        "You have sent this too often in a short time. Please try again in %(wait)s; what you typed is kept below."
    ) % {"wait": limits.wait_in_words(exc.wait)})


def request_form(request, slug):
    organisation = _public_organisation(slug)
    form = forms.RequestForm(request.POST or None, request.FILES or None, organisation=organisation)
    # The scanner chosen on the public register or by the QR code on its sign: only the
    # organisation's own published point; any other id is ignored, saying nothing of it.
    point = public_register.published_point(organisation, request.POST.get("point") or request.GET.get("point"))
    # A letter's link may name the kind to ask for (an expiry letter's offer of an opt-out).
    if request.method == "GET" and request.GET.get("kind") in dict(form.fields["kinds"].choices):
        form.initial["kinds"] = [request.GET["kind"]]
    status = 200
    if request.method == "POST" and form.is_bot:
        return redirect("public:thanks")  # say nothing a bot could learn from
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = person_limits(data["email"], data["phone"], organisation)
        try:  # counted once valid: sending back a form to correct it is not another attempt
            limits.attempt(request, limits.SUBMIT, keys=person)
            result = intake.file_requests(organisation=organisation, collection_point=point,
                                          **_intake_arguments(data))
        except limits.Limited as exc:
            limited_error(form, exc)
            status = 429
        except InvalidInput as exc:
            limits.refund(request, limits.SUBMIT, keys=person)
            for field, errors in exc.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if result.created and all(rr.verified_at for rr in result.created):
                # Kinds needing no verification (CCPA opt-outs): no code to wait for.
                return redirect("public:status", token=tokens.issue_status_link(result.created[0].submission))
            if result.created:
                return redirect("public:verify", submission=result.created[0].submission)
            return render(request, "public/already_open.html", {"organisation": organisation, "result": result})
    return render(request, "public/request_form.html", {"organisation": organisation, "form": form, "point": point},
                  status=status)


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
        "details": data["details"], "alternative_wanted": data.get("alternative_wanted") or "",
        "language": get_language(), "evidence": data["evidence"],
        "authorisation": data["authorisation"], "death_evidence": data["death_evidence"], "claim": claim,
        "deceased_arranged_otherwise": {"yes": True, "no": False}.get(data.get("deceased_arranged_otherwise") or ""),
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


def verify(request, submission):
    requests = _submission_requests(submission)
    first = requests[0]
    form = forms.CodeForm(request.POST or None)
    if first.status != RightsRequest.Status.SUBMITTED:
        messages.info(request, _("This request is already verified. Use the link we emailed you to follow it."))
        return redirect("public:lookup")
    # A relative's confirmed mailbox: the officer's check of the evidence verifies (PIPL art. 49).
    awaiting_check = first.filed_by == RightsRequest.FiledBy.NEXT_OF_KIN and first.contact_confirmed_at is not None
    if request.method == "POST" and not awaiting_check and form.is_valid():
        limits.attempt(request, limits.VERIFY, keys=((f"s:{first.submission}", limits.SUBMISSION_CODES),))
        try:
            workflow.verify_identity(first, actor=SUBJECT, code=form.cleaned_data["code"])
        except WorkflowError as exc:
            form.add_error("code", str(exc))
        else:
            first.refresh_from_db()
            if first.status == RightsRequest.Status.SUBMITTED:
                return redirect("public:verify", submission=first.submission)
            token = tokens.issue_status_link(first.submission)
            return redirect("public:status", token=token)
    challenge = first.challenges.order_by("-created_at").first()
    return render(request, "public/verify.html", {
        "form": form, "requests": requests, "first": first, "channel": challenge.channel if challenge else "email",
        "awaiting_check": awaiting_check,
    })


@require_POST
def resend_code(request, submission):
    first = _submission_requests(submission)[0]
    limits.attempt(request, limits.RESEND, keys=((f"s:{first.submission}", limits.SUBMISSION_RESENDS),))
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
        raise limits.Limited(usage["time_left"])
    submission = tokens.submission_for_token(token)
    if submission is None:
        is_ratelimited(request, group="status-token", key="ip", rate=TOKEN_GUESSES, increment=True)
        raise Http404
    return _submission_requests(submission)


def status(request, token):
    requests = _requests_for_token(request, token)
    cases = [
        {
            "request": rr,
            "events": sealed.opened_events(rr.events.filter(visible_to_subject=True).order_by("seq")),
            "messages": rr.messages.exclude(direction="internal").order_by("created_at"),
            "files": rr.attachments.order_by("created_at"),
            "outcomes": selectors.outcomes_for_requester(rr),
            "documents": documents.available(rr),
            "offers": rr.claims.filter(status=CompensationClaim.Status.OFFERED),
            "claims": rr.claims.order_by("created_at"),
            **abilities(rr),
            # One set of forms per request, with ids of its own, so each label names its own field.
            "message_form": forms.MessageForm(auto_id=f"id_{rr.reference}_%s"),
            "evidence_form": forms.EvidenceForm(auto_id=f"id_{rr.reference}_%s"),
            "appeal_form": forms.AppealForm(auto_id=f"id_{rr.reference}_%s"),
            "claim_form": forms.ClaimForm(rr=rr, auto_id=f"id_{rr.reference}_claim_%s"),
            # The way in provided, while it waits for their answer and once they confirmed it.
            "alternative": alternatives.provided(rr) if rr.kind == RightsRequest.Kind.ALTERNATIVE and rr.status in (
                RightsRequest.Status.FULFILLING, RightsRequest.Status.FULFILLED) else None,
            "alternative_form": forms.AlternativeAnswerForm(auto_id=f"id_{rr.reference}_alt_%s"),
            # Which of their uploads evidence bundles may carry (requests_app/cases/sharing.py).
            "share_form": forms.ShareFilesForm(rr=rr, auto_id=f"id_{rr.reference}_share_%s")
            if SUBJECT_STEPS["share_files"].offered(rr) else None,
        }
        for rr in requests
    ]
    organisation = requests[0].organisation
    # Dates as the organisation's law counts them, words in the language the request was filed in.
    with timezone.override(organisation.time_zone), _request_language(request, requests[0]):
        response = render(request, "public/status.html", {"token": token, "cases": cases, "organisation": organisation})
        response["Content-Language"] = get_language()
    return response


def abilities(rr: RightsRequest) -> dict[str, bool]:
    """What the status page (and the citizens' API) offers on the request: its steps' own tests."""
    return {"can_withdraw": SUBJECT_STEPS["withdraw"].offered(rr), "can_appeal": SUBJECT_STEPS["appeal"].offered(rr),
            "can_write": SUBJECT_STEPS["reply"].offered(rr),
            "can_claim": SUBJECT_STEPS["claim_compensation"].offered(rr),
            "can_confirm_alternative": SUBJECT_STEPS["confirm_alternative"].offered(rr)}


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
    """One POST per requester's step (workflow.steps.SUBJECT_STEPS): its form, its one run,
    and its message on the status page; a refusal is shown as a message."""
    rr = _case(request, token, reference)
    step = SUBJECT_STEPS.get(action)
    if step is None:
        raise Http404
    with _request_language(request, rr):  # its message is read on the status page
        try:
            data = forms.FORM_FOR[action](request.POST, request.FILES, rr=rr).cleaned_or_refused()
            result = step.run(rr, data)
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, step.message(rr, data, result))
    return redirect(reverse("public:status", kwargs={"token": token}) + f"#case-{rr.reference}")


def download(request, token, reference, attachment_id):
    rr = _case(request, token, reference)
    attachment = get_object_or_404(Attachment, pk=attachment_id, request=rr)
    return attachment_response(attachment)


def lookup(request):
    """Send a new status link for reference + email (by email) or reference + phone (by text
    message); the same answer whether or not they match, so nobody learns who filed what.
    Only a verified case gets a link: before verification the requester gets only the code."""
    form = forms.StatusLookupForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reference = _compact(data["reference"])
        try:
            limits.attempt(request, limits.LOOKUP, keys=person_limits(data["email"], data["phone"])
                           + ((f"r:{reference}", limits.REFERENCE),))
        except limits.Limited as exc:
            limited_error(form, exc)
            status = 429
        else:
            if data["email"]:
                rr = _request_by_email(reference, data["email"])
                if rr is not None:
                    status_links.send_status_link(rr)
                messages.success(request, _("If the reference and email match a request, we have emailed a new link."))
            else:
                rr = _request_by_phone(reference, data["phone"])
                if rr is not None:
                    status_links.send_status_link(rr, by_sms=True)
                messages.success(request, _(
                    "If the reference and phone number match a request, we have sent a new link by text message."
                ))
            return redirect("public:lookup")
    return render(request, "public/lookup.html", {"form": form}, status=status)


def _compact(reference: str) -> str:
    return "".join(reference.split()).upper()


def _request_by_email(reference: str, email: str) -> RightsRequest | None:
    email_hash = identifier_hash(IdentifierKind.EMAIL, email.strip().lower())
    return (  # only a verified case has a status page to link to: before, the code is all anyone gets
        RightsRequest.objects.filter(reference=reference, verified_at__isnull=False)
        .filter(Q(subject__email_hash=email_hash) | Q(requester_email__iexact=email.strip()))
        .first()
    )


def _request_by_phone(reference: str, phone: str) -> RightsRequest | None:
    """The phone is read as the request's organisation reads it (its country's numbering)."""
    rr = RightsRequest.objects.filter(reference=reference).select_related("organisation", "subject").first()
    if rr is None or rr.verified_at is None or not rr.contact_phone or not rr.subject.phone_hash:
        return None  # unverified, or a deceased person's phone: no link goes there
    try:
        value = normalise(IdentifierKind.PHONE, phone, region=PHONE_REGION.get(rr.organisation.jurisdiction))
    except ValidationError:
        return None
    return rr if identifier_hash(IdentifierKind.PHONE, value) == rr.subject.phone_hash else None


def health(request):
    return HttpResponse("ok", content_type="text/plain")

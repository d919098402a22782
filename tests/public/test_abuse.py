"""Abuse of the public pages: guessing codes and status links, flooding the forms, bots,
cross-site posts, duplicates; and re-sending the status link without telling who has one."""

import re
import secrets
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from requests_app import workflow
from requests_app.actors import SUBJECT
from requests_app.public import limits
from requests_app.models import DataSubject, Notification, RightsRequest, StatusLink, VerificationChallenge
from tests import factories
from tests.public import citizen
from tests.public.pages import error_summary, field_errors, links, messages_shown, page

Status = RightsRequest.Status
pytestmark = pytest.mark.django_db


def _rate_limited(response) -> bool:
    return response.status_code == 429 and "Too many attempts" in page(response).text


def _resend_url(submission) -> str:
    return reverse("public:resend_code", kwargs={"submission": submission})


# --- guessing the code ---------------------------------------------------------------------


def test_five_wrong_codes_lock_the_code_even_for_the_right_one(client, park):
    submission = citizen.submission_of(citizen.file_request(client, park))
    code = citizen.send_code(submission)

    for _attempt in range(5):
        response = client.post(citizen.verify_url(submission), {"code": citizen.wrong(code)})
        assert response.status_code == 200
        assert "That code is not right." in field_errors(response, "code")

    response = client.post(citizen.verify_url(submission), {"code": code})

    assert response.status_code == 200
    assert "Too many wrong codes. Ask for a new one." in field_errors(response, "code")
    assert RightsRequest.objects.get().status == Status.SUBMITTED
    assert not StatusLink.objects.exists()


def test_a_code_that_is_not_six_digits_costs_no_attempt(client, park):
    submission = citizen.submission_of(citizen.file_request(client, park))
    citizen.send_code(submission)

    response = client.post(citizen.verify_url(submission), {"code": "12ab"})

    assert "The code has six digits." in field_errors(response, "code")
    assert VerificationChallenge.objects.get().attempts == 0


def test_a_new_code_waits_a_minute_then_replaces_the_old_one(client, park):
    submission = citizen.submission_of(citizen.file_request(client, park))
    old = citizen.send_code(submission)
    for _attempt in range(5):  # locked, so the person needs a new code
        client.post(citizen.verify_url(submission), {"code": citizen.wrong(old)})

    response = client.post(_resend_url(submission), follow=True)
    assert "Please wait a minute before asking for another code." in messages_shown(response)
    assert VerificationChallenge.objects.count() == 1

    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        response = client.post(_resend_url(submission), follow=True)
        assert "We have sent a new code. Earlier codes no longer work." in messages_shown(response)
        assert VerificationChallenge.objects.count() == 2
        new = citizen.send_code(submission)
        assert len(mail.outbox) == 2

        if new != old:  # one chance in a million that the two codes are the same
            response = client.post(citizen.verify_url(submission), {"code": old})
            assert "That code is not right." in field_errors(response, "code")
        response = client.post(citizen.verify_url(submission), {"code": new})

    assert response.status_code == 302 and response["Location"].startswith("/status/")
    assert RightsRequest.objects.get().status == Status.VERIFIED


def test_a_submission_gets_at_most_five_codes_so_guessing_stays_hopeless(client, park):
    submission = citizen.submission_of(citizen.file_request(client, park))
    moment = timezone.now()
    for minute in range(1, 6):
        with time_machine.travel(moment + timedelta(minutes=2 * minute), tick=False):
            response = client.post(_resend_url(submission), follow=True)

    assert "Too many codes were asked for this request." in messages_shown(response)
    assert VerificationChallenge.objects.count() == 5


def test_a_status_link_left_unused_for_half_a_year_stops_working(client, park):
    token, (rr,) = citizen.file_and_verify(client, park)
    start = timezone.now()

    with time_machine.travel(start + timedelta(days=100), tick=False):
        assert client.get(citizen.status_url(token)).status_code == 200  # used: the clock restarts
    with time_machine.travel(start + timedelta(days=279), tick=False):
        assert client.get(citizen.status_url(token)).status_code == 200
    with time_machine.travel(start + timedelta(days=460), tick=False):
        assert client.get(citizen.status_url(token)).status_code == 404


def test_the_resend_button_needs_a_post(client, park):
    submission = citizen.submission_of(citizen.file_request(client, park))

    assert client.get(_resend_url(submission)).status_code == 405


def test_a_code_expires_after_15_minutes(client, park):
    submission = citizen.submission_of(citizen.file_request(client, park))
    code = citizen.send_code(submission)

    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        response = client.post(citizen.verify_url(submission), {"code": code})

    assert "This code has expired. Ask for a new one." in field_errors(response, "code")


def test_an_unknown_submission_is_not_found(client, db):
    assert client.get(citizen.verify_url("00000000-0000-4000-8000-000000000000")).status_code == 404


# --- guessing the status link ------------------------------------------------------------------


def _guess(client, ip="203.0.113.7"):
    return client.get(citizen.status_url(secrets.token_urlsafe(24)), REMOTE_ADDR=ip)


def test_random_and_malformed_tokens_are_not_found(client, park):
    citizen.file_and_verify(client, park)

    for token in (secrets.token_urlsafe(24), "a", "x" * 65, "..%2F", "1"):
        assert client.get(citizen.status_url(token)).status_code == 404


def test_after_30_bad_tokens_one_address_is_refused_even_with_a_good_link(client, park, still_clock):
    token, (rr,) = citizen.file_and_verify(client, park)

    for _guess_number in range(30):
        assert _guess(client).status_code == 404

    # Locked out: even the real link is refused from that address, so a hit cannot be told.
    assert _rate_limited(client.get(citizen.status_url(token), REMOTE_ADDR="203.0.113.7"))
    assert _rate_limited(_guess(client))
    assert _rate_limited(client.post(citizen.action_url(token, rr, "withdraw"), REMOTE_ADDR="203.0.113.7"))
    rr.refresh_from_db()
    assert rr.status == Status.VERIFIED
    # Another address is not affected; the lock lifts after ten minutes.
    assert client.get(citizen.status_url(token), REMOTE_ADDR="198.51.100.1").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=21), tick=False):
        assert client.get(citizen.status_url(token), REMOTE_ADDR="203.0.113.7").status_code == 200


def test_good_links_do_not_count_towards_the_lock(client, park):
    token, _requests = citizen.file_and_verify(client, park)

    for _visit in range(40):
        assert client.get(citizen.status_url(token), REMOTE_ADDR="203.0.113.8").status_code == 200


def test_the_token_is_only_ever_in_the_address_of_the_status_page(client, park, park_officer):
    """Not in the verify page, the emails, the stored rows, or any link to another page; and
    the status page tells the browser not to send its address to other sites."""
    response = citizen.file_request(client, park)
    visited = [response["Location"]]
    submission = citizen.submission_of(response)
    code = citizen.send_code(submission)
    verify = client.get(citizen.verify_url(submission))
    response = client.post(citizen.verify_url(submission), {"code": code}, follow=True)
    # The redirect chain of the verification carries the token to the status page only.
    ((status_address, _code),) = response.redirect_chain
    token = status_address.split("/")[2]
    assert status_address == citizen.status_url(token)
    visited.append(status_address)

    rr = RightsRequest.objects.get()
    after_write = client.post(citizen.action_url(token, rr, "reply"), {"body": "Hello"}, follow=True)
    visited += [address for address, _status in after_write.redirect_chain]

    prefix = citizen.status_url(token)
    for address in visited + links(response) + links(after_write):
        if token in address:
            assert address.startswith(prefix), address
    for address in links(verify) + links(client.get("/")) + links(client.get(reverse("public:lookup"))):
        assert token not in address
    assert token not in verify.content.decode()
    assert all(token not in message.body for message in mail.outbox)
    assert not StatusLink.objects.filter(token_hash=token).exists()
    assert StatusLink.objects.filter(submission=rr.submission).count() == 1
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")


# --- flooding the forms ------------------------------------------------------------------------


def test_thirty_neighbours_behind_one_address_all_get_through(client, park, still_clock):
    # A housing estate behind one address: each resident files their own request.
    for n in range(30):
        response = citizen.file_request(client, park, email=f"resident{n}@example.com", ip="203.0.113.9")
        assert response.status_code == 302, n

    assert RightsRequest.objects.count() == 30


def test_one_address_is_limited_only_after_several_hundred_attempts(client, park, still_clock):
    for _attempt in range(limits_of("ADDRESS")):
        limits.attempt(_request_from("203.0.113.10"), limits.SUBMIT)

    response = citizen.file_request(client, park, email="late@example.com", ip="203.0.113.10")

    assert response.status_code == 429 and "try again in" in error_summary(response)
    assert citizen.file_request(client, park, email="late@example.com", ip="198.51.100.2").status_code == 302


def test_six_submissions_for_one_email_in_an_hour_are_too_many_however_it_is_written(client, park, still_clock):
    kinds = ["deletion", "access", "copy", "correction", "explanation"]
    spellings = ["guo@example.com", "GUO@example.com", " Guo@Example.com", "guo@EXAMPLE.COM", "guo@example.com "]
    for n, (kind, email) in enumerate(zip(kinds, spellings, strict=True)):
        response = citizen.file_request(client, park, kinds=[kind], email=email, ip="203.0.113.11")
        assert response.status_code == 302, email

    response = citizen.file_request(client, park, kinds=["restriction"], email="Guo@example.com",
                                    ip="198.51.100.99")

    assert response.status_code == 429
    assert RightsRequest.objects.count() == 5


def test_the_limited_form_comes_back_with_what_was_typed_and_the_wait_in_words(client, park, still_clock):
    for kind in ["deletion", "access", "copy", "correction", "explanation"]:
        citizen.file_request(client, park, kinds=[kind], email="guo@example.com")

    response = citizen.file_request(client, park, kinds=["restriction"], email="guo@example.com",
                                    data_description="Face scans at the east gate, 2019", full_name="Guo Bing")

    assert response.status_code == 429
    error = error_summary(response)
    assert re.search(r"Please try again in \d+ (minute|minutes|hour)\b", error), error
    doc = page(response)
    assert doc.find("textarea", name="data_description").text == "Face scans at the east gate, 2019"
    assert doc.find("input", name="full_name").get("value") == "Guo Bing"
    assert doc.find("input", name="email").get("value") == "guo@example.com"
    assert RightsRequest.objects.count() == 5


def test_one_phone_repeating_is_limited_however_it_is_written(client, park, still_clock):
    kinds = ["deletion", "access", "copy", "correction", "explanation"]
    for kind, phone in zip(kinds, ["13800138000", "138 0013 8000", "138-0013-8000", "13800138000", "138 00138000"],
                           strict=True):
        assert citizen.file_request(client, park, kinds=[kind], email="", phone=phone).status_code == 302

    assert citizen.file_request(client, park, kinds=["restriction"], email="", phone="13800138000").status_code == 429


def test_people_who_give_only_a_phone_do_not_share_one_limit(client, park, still_clock):
    for n in range(7):
        response = citizen.file_request(client, park, email="", phone=f"1380013800{n}", ip="203.0.113.12")
        assert response.status_code == 302, n

    assert RightsRequest.objects.count() == 7


def test_a_corrected_form_is_not_counted_as_another_attempt(client, park, still_clock):
    for _attempt in range(10):  # sent back with errors ten times, corrected each time
        response = citizen.file_request(client, park, kinds=None, email="guo@example.com")
        assert response.status_code == 200
        assert "Choose at least one thing you are asking for." in field_errors(response, "kinds")
    for kind in ["deletion", "access", "copy", "correction", "explanation"]:
        assert citizen.file_request(client, park, kinds=[kind], email="guo@example.com").status_code == 302

    assert RightsRequest.objects.count() == 5


def test_a_phone_number_refused_by_intake_is_not_counted_either(client, park, still_clock):
    for _attempt in range(6):  # the form is fine, the number is not: sent back to be corrected
        response = citizen.file_request(client, park, email="guo@example.com", phone="12")
        assert response.status_code == 200 and "Enter a valid phone number." in field_errors(response, "phone")

    assert citizen.file_request(client, park, email="guo@example.com", phone="13800138000").status_code == 302


def test_code_checks_are_limited_per_submission_not_per_neighbour(client, park, still_clock):
    submission = citizen.submission_of(citizen.file_request(client, park))
    citizen.send_code(submission)
    for n in range(30):  # from ever-changing addresses: the submission is what is counted
        assert client.post(citizen.verify_url(submission), {"code": "000000"}, REMOTE_ADDR=f"198.51.100.{n}")\
            .status_code == 200

    assert _rate_limited(client.post(citizen.verify_url(submission), {"code": "000000"}, REMOTE_ADDR="203.0.113.20"))
    # Another resident behind the same address verifies their own request.
    other = citizen.submission_of(citizen.file_request(client, park, email="neighbour@example.com"))
    code = citizen.send_code(other)
    assert client.post(citizen.verify_url(other), {"code": code}, REMOTE_ADDR="203.0.113.20").status_code == 302


def test_code_resends_are_limited_per_submission(client, park, still_clock):
    submission = citizen.submission_of(citizen.file_request(client, park))

    for n in range(10):
        assert client.post(_resend_url(submission), REMOTE_ADDR=f"198.51.100.{n}").status_code == 302

    response = client.post(_resend_url(submission), REMOTE_ADDR="203.0.113.21")
    assert _rate_limited(response) and "Please try again in" in page(response).text


def test_link_lookups_are_limited_per_email_and_per_reference_not_per_address(client, park, still_clock):
    lookup = reverse("public:lookup")
    for n in range(30):  # thirty neighbours looking up their own links
        data = {"reference": f"REF{n:07d}", "email": f"p{n}@example.com"}
        assert client.post(lookup, data, REMOTE_ADDR="203.0.113.22").status_code == 302

    for n in range(5):
        data = {"reference": f"ABC{n:07d}", "email": "Guo@example.com" if n % 2 else "guo@example.com"}
        assert client.post(lookup, data, REMOTE_ADDR=f"198.51.100.{n + 40}").status_code == 302
    response = client.post(lookup, {"reference": "ABCDEFGHJK", "email": "guo@example.com"}, REMOTE_ADDR="198.51.100.50")
    assert response.status_code == 429 and "Please try again in" in error_summary(response)

    for n in range(10):
        data = {"reference": "ABCDEFGHJK", "email": f"guess{n}@example.com"}
        assert client.post(lookup, data, REMOTE_ADDR=f"198.51.100.{n + 60}").status_code == 302
    assert client.post(lookup, {"reference": "ABCDEFGHJK", "email": "last@example.com"}).status_code == 429


def limits_of(name: str) -> int:
    return int(getattr(limits, name).split("/")[0])


def _request_from(ip: str):
    from django.test import RequestFactory

    return RequestFactory().post("/", REMOTE_ADDR=ip)


# --- bots and other sites ------------------------------------------------------------------------


def test_a_filled_honeypot_pretends_success_and_files_nothing(client, park):
    response = citizen.file_request(client, park, website="http://spam.example")

    assert response.status_code == 302 and response["Location"] == reverse("public:thanks")
    assert client.get(response["Location"]).status_code == 200
    assert not RightsRequest.objects.exists() and not DataSubject.objects.exists()
    assert mail.outbox == []


def test_the_honeypot_is_hidden_from_people(client, park):
    doc = page(client.get(citizen.form_url(park)))
    honeypot = doc.find("input", name="website")

    wrapper = next(a for a in honeypot.ancestors() if "honeypot" in a.classes)
    assert wrapper.get("aria-hidden") == "true"
    assert honeypot.get("tabindex") == "-1" and honeypot.get("autocomplete") == "off"


def test_posts_without_the_csrf_token_are_refused(park):
    browser = Client(enforce_csrf_checks=True)
    token, (rr,) = citizen.file_and_verify(Client(), park)

    response = browser.post(citizen.form_url(park), citizen.form_data(email="other@example.com"))
    assert response.status_code == 403
    assert RightsRequest.objects.count() == 1
    assert browser.post(citizen.action_url(token, rr, "withdraw")).status_code == 403
    assert browser.post(reverse("public:lookup"), {"reference": rr.reference, "email": "guo@example.com"})\
        .status_code == 403
    rr.refresh_from_db()
    assert rr.status == Status.VERIFIED


def test_the_form_with_its_csrf_token_is_accepted(park):
    browser = Client(enforce_csrf_checks=True)
    form = browser.get(citizen.form_url(park))
    csrf = page(form).find("input", name="csrfmiddlewaretoken").get("value")

    response = browser.post(citizen.form_url(park), {**citizen.form_data(), "csrfmiddlewaretoken": csrf})

    assert response.status_code == 302
    assert RightsRequest.objects.count() == 1


# --- duplicates -------------------------------------------------------------------------------


def _status_links_for(rr) -> int:
    return Notification.objects.filter(request=rr, kind=Notification.Kind.STATUS_LINK).count()


def test_the_same_request_again_is_not_filed_and_the_link_goes_to_the_open_one(client, park):
    _token, (first,) = citizen.file_and_verify(client, park)

    response = citizen.file_request(client, park, email="GUO@example.com", full_name="Someone Else")

    assert response.status_code == 200
    assert "You already have an open request" in page(response).text
    assert RightsRequest.objects.count() == 1 and DataSubject.objects.count() == 1
    assert _status_links_for(first) == 1
    notification = Notification.objects.get(kind=Notification.Kind.STATUS_LINK)
    assert notification.user is None and notification.sent_at is None  # to the requester, queued
    # The page says nothing about the open request that only its owner should see.
    assert first.reference not in response.content.decode()


def test_a_new_kind_in_the_same_form_is_filed_and_the_open_one_linked(client, park):
    _token, (first,) = citizen.file_and_verify(client, park)

    response = citizen.file_request(client, park, kinds=["deletion", "access"])

    assert response.status_code == 302 and response["Location"].startswith("/verify/")
    new = RightsRequest.objects.exclude(pk=first.pk).get()
    assert new.kind == "access" and new.status == Status.SUBMITTED
    assert _status_links_for(first) == 1 and _status_links_for(new) == 0


def test_the_same_phone_is_the_same_person(client, park):
    citizen.file_request(client, park, email="", phone="13800138000")

    response = citizen.file_request(client, park, email="", phone="+86 138 0013 8000")

    assert "You already have an open request" in page(response).text
    assert RightsRequest.objects.count() == 1


def test_a_closed_request_or_another_organisation_is_no_duplicate(client, park):
    first = factories.submitted_request(park, email="guo@example.com")
    workflow.withdraw(first, actor=SUBJECT)
    other_park = factories.organisation(name="Other Park", slug="other-park")

    assert citizen.file_request(client, park).status_code == 302
    assert citizen.file_request(client, other_park).status_code == 302
    assert RightsRequest.objects.count() == 3
    assert not Notification.objects.filter(kind=Notification.Kind.STATUS_LINK).exists()


# --- re-sending the status link ------------------------------------------------------------------


def _lookup(client, reference, email):
    return client.post(reverse("public:lookup"), {"reference": reference, "email": email}, follow=True)


def _answer(response) -> tuple:
    return response.status_code, [address for address, _status in response.redirect_chain], messages_shown(response)


def test_the_lookup_gives_the_same_answer_whether_or_not_reference_and_email_match(client, park):
    _token, (rr,) = citizen.file_and_verify(client, park)

    matching = _answer(_lookup(client, rr.reference, "guo@example.com"))
    assert _status_links_for(rr) == 1
    wrong_email = _answer(_lookup(client, rr.reference, "someone@example.com"))
    wrong_reference = _answer(_lookup(client, "ABCDEFGHJK", "guo@example.com"))

    assert matching == wrong_email == wrong_reference
    assert "If the reference and email match a request, we have emailed a new link." in matching[2]
    assert _status_links_for(rr) == 1  # only the matching one


def test_the_lookup_forgives_spaces_case_and_finds_the_agents_email(client, park):
    _token, (rr,) = citizen.file_and_verify(
        client, park, filed_by="agent", requester_name="Li Lawyer", requester_email="li@example.com",
        authorisation=citizen.upload("authorisation.pdf", citizen.pdf_bytes(), "application/pdf"),
    )
    spaced = f" {rr.reference[:5].lower()} {rr.reference[5:]} "

    _lookup(client, spaced, " GUO@example.com")
    _lookup(client, rr.reference, "Li@Example.com")

    assert _status_links_for(rr) == 2


def test_a_bad_lookup_keeps_what_was_typed(client, db):
    response = client.post(reverse("public:lookup"), {"reference": "ABC", "email": "nope"})

    assert response.status_code == 200
    assert "Enter a valid email address." in field_errors(response, "email")
    assert page(response).find("input", name="reference").get("value") == "ABC"
    assert not StatusLink.objects.exists()

"""Every public form (the request form, the code, a new code, the lost-link lookup, the
certificate check, and each step on the status page) posted with nothing, missing,
wrong-typed, oversized, odd unicode and extra fields: never a 5xx, and a refused post
changes nothing stored (bar the wrong codes counted: tests/fuzz.py). Seeded."""

import pytest
from django.urls import reverse

from tests import fuzz
from tests.public import citizen

pytestmark = pytest.mark.django_db


def test_request_form_and_lookup_never_give_a_5xx(client, park):
    problems = fuzz.fuzz_page(client, citizen.form_url(park), "request")
    problems += fuzz.fuzz_page(client, reverse("public:lookup"), "lookup")
    problems += fuzz.fuzz_page(client, reverse("public:certificate_check"), "certificate_check")
    assert problems == []


def test_code_forms_never_give_a_5xx(client, park):
    submission = citizen.submission_of(citizen.file_request(client, park))
    assert fuzz.fuzz_page(client, citizen.verify_url(submission), "verify") == []


def test_status_page_steps_never_give_a_5xx(client, park):
    token, _requests = citizen.file_and_verify(client, park)
    assert fuzz.fuzz_page(client, citizen.status_url(token), "status") == []

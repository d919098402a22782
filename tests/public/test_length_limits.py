"""Every free-text field the public can fill in has a length limit, on the pages and in the
citizens' API: an over-long value gets a clear message beside its field and stores nothing."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from requests_app.models import Message, RightsRequest
from requests_app.public import forms
from tests.public import citizen
from tests.public.pages import field_errors, messages_shown

pytestmark = pytest.mark.django_db

# Field of the request form, its limit, and what a valid form needs beside it to reach it.
LIMITS = [
    ("data_description", 2000, {}),
    ("details", 4000, {}),
    ("full_name", 200, {}),
    ("phone", 32, {}),
    ("member_number", 64, {}),
    ("id_number", 64, {}),
    ("requester_name", 200, {"filed_by": "agent"}),
    ("claim_covers", 1000, {"claim_amount": "1038.00"}),
]


def _text_fields(form_class) -> list[str]:
    from django import forms as django_forms

    return [name for name, field in form_class.base_fields.items()
            if isinstance(field, django_forms.CharField) and not isinstance(field, django_forms.RegexField)]


@pytest.mark.parametrize("form_class", [forms.RequestForm, forms.MessageForm, forms.AppealForm,
                                        forms.StatusLookupForm, forms.OrganisationSearchForm])
def test_every_free_text_field_of_the_public_forms_has_a_limit(form_class):
    unlimited = [name for name in _text_fields(form_class) if not form_class.base_fields[name].max_length]

    assert unlimited == []
    assert all(form_class.base_fields[name].max_length <= 5000 for name in _text_fields(form_class))


def test_the_limits_are_at_or_below_the_model_fields():
    from requests_app.models import DataSubject

    model_limits = {
        "full_name": DataSubject._meta.get_field("full_name").max_length,
        "requester_name": RightsRequest._meta.get_field("requester_name").max_length,
        "email": DataSubject._meta.get_field("email").max_length,
        "requester_email": RightsRequest._meta.get_field("requester_email").max_length,
        "phone": DataSubject._meta.get_field("phone").max_length,
    }
    for name, limit in model_limits.items():
        assert forms.RequestForm.base_fields[name].max_length <= limit, name


@pytest.mark.parametrize(("field", "limit", "extra"), LIMITS, ids=[name for name, _limit, _extra in LIMITS])
def test_an_over_long_value_is_a_message_beside_its_field(client, park, field, limit, extra):
    response = citizen.file_request(client, park, **{**extra, field: "x" * (limit + 1)})

    assert response.status_code == 200
    assert f"Ensure this value has at most {limit} characters (it has {limit + 1})." in field_errors(response, field)
    assert not RightsRequest.objects.exists()


def test_a_value_at_the_limit_is_accepted(client, park):
    response = citizen.file_request(client, park, data_description="x" * 2000, details="y" * 4000)

    assert response.status_code == 302
    assert len(RightsRequest.objects.get().details) == 4000


def test_an_over_long_message_on_the_status_page_is_refused_with_a_message(client, park):
    token, (rr,) = citizen.file_and_verify(client, park)

    response = client.post(citizen.action_url(token, rr, "reply"), {"body": "x" * 4001}, follow=True)

    assert response.status_code == 200
    assert "Write a message of at most 4000 characters." in messages_shown(response)
    assert not Message.objects.filter(request=rr).exists()


@pytest.mark.parametrize(("path", "value"), [
    ("data_description", "x" * 2001), ("details", "x" * 4001), ("requester_name", "x" * 201),
    ("identity.full_name", "x" * 201), ("identity.phone", "1" * 33), ("identity.member_number", "x" * 65),
    ("claim.covers", "x" * 1001),
])
def test_the_citizens_api_refuses_over_long_text_naming_the_field(park, path, value):
    body = {"organisation": park.slug, "kinds": ["deletion"], "data_description": "Face scans",
            "identity": {"email": "guo@example.com"}}
    if path.startswith("claim."):
        body["claim"] = {"amount": "1038.00", "currency": "CNY"}
    target = body
    *parents, name = path.split(".")
    for parent in parents:
        target = target.setdefault(parent, {})
    target[name] = value

    response = APIClient().post(reverse("api:public-requests"), body, format="json")

    assert response.status_code == 400, response.content
    assert path in response.json()["fields"]
    # Checked once, by the web's form: its words, the limit and the length given.
    assert f"at most {len(value) - 1} characters (it has {len(value)})" in response.json()["fields"][path][0]
    assert not RightsRequest.objects.exists()

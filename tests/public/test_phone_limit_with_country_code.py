"""The tight limit on one person's submissions counts a phone number as intake reads it:
"138 0013 8000", "+86 138 0013 8000" and "0086 138 0013 8000" are one number (one
person, one phone to send codes to), so writing the country code buys no extra tries."""

import pytest

from requests_app.models import RightsRequest
from tests.public import citizen

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("written", ["+86 138 0013 8000", "0086 138 0013 8000", "+8613800138000"])
def test_the_same_phone_with_its_country_code_is_limited_with_it(client, park, still_clock, written):
    for kind in ["deletion", "access", "copy", "correction", "explanation"]:
        assert citizen.file_request(client, park, kinds=[kind], email="", phone="13800138000").status_code == 302

    response = citizen.file_request(client, park, kinds=["restriction"], email="", phone=written)

    assert response.status_code == 429
    assert not RightsRequest.objects.filter(kind="restriction").exists()


def test_via_the_api_the_country_code_buys_no_tries_either(client, park, still_clock):
    for kind in ["deletion", "access", "copy", "correction", "explanation"]:
        assert citizen.file_request(client, park, kinds=[kind], email="", phone="+86 138 0013 8000").status_code == 302
    from tests import factories

    response = factories.api_client().post("/api/v1/public/requests/", {
        "organisation": park.slug, "kinds": ["restriction"], "identity": {"phone": "13800138000"},
        "data_description": citizen.DESCRIPTION}, format="json")

    assert response.status_code == 429, response.content

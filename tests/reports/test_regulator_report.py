"""A regulator granted an organisation reads its transparency report, every section, even
while the organisation publishes none of it; the page is recorded in the organisation's
history of oversight like every other, and a regulator of another organisation gets 404."""

import pytest
from django.urls import reverse

from orgs import report_publication
from orgs.models import AccessKind, OversightAccess
from tests import factories
from tests.public.pages import page as parsed

pytestmark = pytest.mark.django_db


def test_a_regulator_reads_an_unpublished_report_whole_and_the_reading_is_recorded(
        client, year_2025, org_a, regulator_a, regulator_b):
    assert report_publication.published_sections(org_a) is None
    assert client.get(reverse("public:transparency_year", args=[org_a.slug, 2025])).status_code == 404

    factories.force_sign_in(client, regulator_a)
    url = reverse("oversight:transparency", args=[org_a.slug]) + "?year=2025"
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = parsed(response)
    assert "does not publish" in html.find(id="report-publication").text
    assert [td.text for td in html.find(id="report-table").find("tfoot").find_all("td")][0] == "13"
    for section in ("report-grounds", "report-times", "report-compensation"):
        assert html.find(id=section) is not None, section
    assert OversightAccess.objects.filter(organisation=org_a, kind=AccessKind.TRANSPARENCY,
                                          object_ref="2025").count() == 1

    assert client.get(reverse("oversight:transparency", args=[org_a.slug]) + "?year=1999").status_code == 404
    factories.force_sign_in(client, regulator_b)
    assert client.get(url).status_code == 404

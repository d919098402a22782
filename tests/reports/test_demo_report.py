"""The demo's Hangzhou Wildlife World publishes its transparency report, with figures of the
requests the demo walked through the workflow (requests_app/demo/year.py): real numbers,
not a page of withheld cells; a second seeding changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from orgs.models import Organisation, ReportPublicationChange
from requests_app.models import RightsRequest
from requests_app.reports.figures import transparency_report, years_of

pytestmark = pytest.mark.django_db


def test_the_demo_park_publishes_a_report_of_its_requests(client):
    call_command("seed_demo", "--force", stdout=io.StringIO())
    park = Organisation.objects.get(slug="hangzhou-wildlife-world")

    reports = [transparency_report(park, year) for year in years_of(park)]
    assert sum(r.total.received.value for r in reports) == RightsRequest.objects.filter(organisation=park).count()
    shown = [c.shown for r in reports for row in r.rows for c in [row.received, *row.cells] if c.shown]
    assert len(shown) >= 8  # counts the page shows, not withheld ones
    assert any(r.total.cells[1].value for r in reports)  # complied with in part (records kept)
    assert any(c.paid_minor for r in reports for c in r.compensation)  # amounts paid, over five payments
    year = years_of(park)[0]
    assert client.get(reverse("public:transparency_year", args=[park.slug, year])).status_code == 200

    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert ReportPublicationChange.objects.filter(organisation=park).count() == 1

"""The officers are warned of a business-day deadline counted through a year no working-day
calendar covers (only weekends were skipped there): on the case page, in the queue and on
the dashboard; and an administrator adds the missing year in the admin."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from orgs.models import CalendarDay, CalendarYear
from requests_app.cases import deadlines
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 15 working days from Friday 11 December 2026 reach Friday 1 January 2027 (no 2027 notice yet).
UNCOVERED = datetime(2026, 12, 11, 10, 0, tzinfo=SHANGHAI)
COVERED = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
WARNING = "a year no working-day calendar covers"


def verified_at(org, moment, email):
    with time_machine.travel(moment, tick=False):
        return factories.verified_request(org, email=email)


@pytest.fixture
def flagged(org_a):
    return verified_at(org_a, UNCOVERED, "guo@example.com")


@pytest.fixture
def plain(org_a):
    return verified_at(org_a, COVERED, "li@example.com")


def test_case_page_warns_of_the_uncovered_year(officer_client, flagged, plain):
    page = officer_client.get(reverse("desk:case", args=[flagged.reference])).content.decode()
    assert 'id="calendar-warning"' in page and "2027" in page and WARNING in page

    page = officer_client.get(reverse("desk:case", args=[plain.reference])).content.decode()
    assert 'id="calendar-warning"' not in page


def test_queue_marks_the_row_and_filters_on_it(officer_client, flagged, plain):
    page = officer_client.get(reverse("desk:queue")).content.decode()
    row = page.split(f'data-reference="{flagged.reference}"')[1].split("</tr>")[0]
    other = page.split(f'data-reference="{plain.reference}"')[1].split("</tr>")[0]
    assert "No calendar for 2027" in row and "No calendar" not in other

    page = officer_client.get(reverse("desk:queue"), {"no_calendar": "on"}).content.decode()
    assert flagged.reference in page and plain.reference not in page


def test_dashboard_counts_open_requests_with_an_uncovered_year(officer_client, flagged, plain):
    with time_machine.travel(datetime(2026, 12, 14, 10, 0, tzinfo=SHANGHAI), tick=False):
        response = officer_client.get(reverse("desk:dashboard"))
    assert response.context["figures"].calendar_warnings == 1
    page = response.content.decode()
    assert "1 open request has a business-day deadline in a year no working-day calendar covers" in page
    assert "?no_calendar=on" in page


def test_dashboard_shows_no_warning_when_every_year_is_covered(officer_client, plain):
    page = officer_client.get(reverse("desk:dashboard")).content.decode()
    assert 'id="calendar-warning"' not in page


def test_the_warning_stays_within_the_organisation(signed_in, officer_b, flagged):
    page = signed_in(officer_b).get(reverse("desk:dashboard")).content.decode()
    assert 'id="calendar-warning"' not in page


# --- the admin table ---------------------------------------------------------------------


@pytest.fixture
def admin_client(client, administrator):
    factories.force_sign_in(client, administrator)
    return client


def year_form(**days) -> dict:
    data = {
        "jurisdiction": "CN", "year": "2027", "covered": "on", "source": "State Council notice for 2027",
        "days-TOTAL_FORMS": str(len(days)), "days-INITIAL_FORMS": "0", "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for n, (day, kind) in enumerate(days.values()):
        data |= {f"days-{n}-day": day, f"days-{n}-kind": kind, f"days-{n}-name": "Spring Festival"}
    return data


def test_an_administrator_adds_a_year_and_new_deadlines_count_it(admin_client, org_a):
    before = verified_at(org_a, datetime(2027, 2, 4, 10, 0, tzinfo=SHANGHAI), "guo@example.com")
    assert before.calendar_uncovered_year == 2027

    days = {f"h{d}": (f"2027-02-{d:02d}", "holiday") for d in range(5, 12)} | {"w": ("2027-02-13", "working_day")}
    response = admin_client.post(reverse("admin:orgs_calendaryear_add"), year_form(**days))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarYear.objects.get(jurisdiction="CN", year=2027).days.count() == 8

    after = verified_at(org_a, datetime(2027, 2, 4, 10, 0, tzinfo=SHANGHAI), "li@example.com")
    assert after.target_at == deadlines.end_of_day(date(2027, 3, 3), SHANGHAI)
    assert after.calendar_uncovered_year is None


def test_a_day_outside_the_year_is_a_form_error(admin_client):
    response = admin_client.post(reverse("admin:orgs_calendaryear_add"),
                                 year_form(h=("2028-01-01", "holiday")))
    assert response.status_code == 200
    assert "This day is not in 2027." in response.content.decode()
    assert not CalendarYear.objects.exists() and not CalendarDay.objects.exists()


def test_the_year_list_says_which_years_the_library_knows(admin_client):
    CalendarYear.objects.create(jurisdiction="CN", year=2026)
    CalendarYear.objects.create(jurisdiction="CN", year=2027)
    page = admin_client.get(reverse("admin:orgs_calendaryear_changelist")).content.decode()
    assert page.count('alt="True"') == 1 and page.count('alt="False"') >= 2  # 2026 known; 2027 neither complete nor known

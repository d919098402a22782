"""The public report pages, their downloads and the owner's switch: unpublished is a 404
that says nothing; the owner alone chooses, on the record; the page speaks the visitor's
language (Chinese first for an organisation in China) and cites the organisation's law."""

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from orgs import report_publication
from orgs.models import ReportPublication, ReportPublicationChange, ReportSection
from tests import factories
from tests.public.pages import page as parsed
from tests.reports.conftest import at, existing_since

pytestmark = pytest.mark.django_db
ALL = ReportSection.values


def _urls(slug, year):
    return [reverse("public:transparency", args=[slug]),
            *(reverse(f"public:transparency_{page}", args=[slug, year]) for page in ("year", "csv", "json"))]


def _publish(org, sections=ALL, user=None):
    return report_publication.set_publication(org, user=user, published=True, sections=sections)


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_an_unpublished_report_is_not_found_with_no_hint(client, org_a):
    this_year = timezone.now().year
    nothing_there = parsed(client.get(reverse("public:transparency", args=["no-such-organisation"]))).find("main").text
    for url in _urls(org_a.slug, this_year):
        response = client.get(url)
        assert response.status_code == 404
        assert parsed(response).find("main").text == nothing_there  # as for no organisation at all
    _publish(org_a)
    for url in _urls(org_a.slug, this_year):
        assert client.get(url).status_code == 200, url
    report_publication.set_publication(org_a, user=None, published=False, sections=ALL)
    assert client.get(_urls(org_a.slug, this_year)[1]).status_code == 404


def test_bad_years_are_not_found_never_an_error(client, org_a):
    existing_since(org_a, at(6, 1, year=2024))
    _publish(org_a)
    slug, next_year = org_a.slug, timezone.now().year + 1
    for path in (f"/organisations/{slug}/transparency/abc/", f"/organisations/{slug}/transparency/2023/",
                 f"/organisations/{slug}/transparency/{next_year}/", f"/organisations/{slug}/transparency/0/",
                 f"/organisations/{slug}/transparency/99999999999999999999/",
                 f"/organisations/{slug}/transparency/2023.json", f"/organisations/{slug}/transparency/20x5.csv",
                 "/organisations/no-such-org/transparency/2025/"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/organisations/{slug}/transparency/2024/").status_code == 200


def test_the_page_shows_the_table_chart_rule_and_definitions(english, year_2025, org_a):
    _publish(org_a)
    response = english.get(reverse("public:transparency_year", args=[org_a.slug, 2025]))
    html = parsed(response)

    assert response.status_code == 200 and response["Content-Language"] == "en"
    assert html.find(id="report-chart").find("title").text.startswith("Requests received in 2025")
    table = html.find(id="report-table")
    assert [td.text for td in table.find("tfoot").find_all("td")][0] == "13"  # received, shown
    assert "withheld" in [td.text for td in table.find("tbody").find_all("td")]
    assert "Complied with in part" in html.find(id="report-definitions").find("dl").text
    assert "A count from 1 to 4 is withheld" in html.find(id="report-rule").text
    assert html.find(id="on-time").text == "at least 55 %"
    assert "officer's own citation" not in response.content.decode()


def test_chinese_first_for_an_organisation_in_china_and_english_when_chosen(client, english, year_2025, org_a):
    _publish(org_a)
    url = reverse("public:transparency_year", args=[org_a.slug, 2025])
    english_page = english.get(url)
    english.cookies.clear()
    chinese_page = client.get(url)

    assert chinese_page["Content-Language"] == "zh-hans"
    chinese = chinese_page.content.decode()
    assert "透明度报告" in chinese and "不公布" in chinese and "部分" in chinese
    assert "Transparency report 2025" in english_page.content.decode()


def test_law_citations_follow_the_organisations_jurisdiction(english):
    cited = {"CN": "PIPL art. 50", "EU": "GDPR art. 12(3)", "US-CA": "§7102(a)", "BR": "LGPD art. 6(VI)",
             "US-VA": "§59.1-577(B)"}
    for jurisdiction, citation in cited.items():
        org = factories.jurisdiction_org(jurisdiction, slug=f"org-{jurisdiction.lower()}")
        _publish(org)
        page = english.get(reverse("public:transparency_year", args=[org.slug, timezone.now().year]))
        law = parsed(page).find(id="report-law").text
        assert citation in law, (jurisdiction, law)
        others = [c for j, c in cited.items() if j != jurisdiction]
        assert not any(other in law for other in others)


def test_left_out_sections_are_not_on_the_page_nor_in_the_downloads(english, year_2025, org_a):
    _publish(org_a, sections=[ReportSection.REFUSAL_GROUNDS])
    page = english.get(reverse("public:transparency_year", args=[org_a.slug, 2025])).content.decode()
    data = json.loads(english.get(reverse("public:transparency_json", args=[org_a.slug, 2025])).content)
    text = english.get(reverse("public:transparency_csv", args=[org_a.slug, 2025])).content.decode()

    assert 'id="report-grounds"' in page
    assert 'id="report-compensation"' not in page and 'id="report-times"' not in page
    assert "compensation" not in data and "days_to_respond" not in data and "denied_by_ground" in data
    assert "Compensation claims," not in text and "Days to respond," not in text


def test_json_and_csv_carry_the_same_withheld_figures_with_definitions_and_rule(english, year_2025, org_a):
    _publish(org_a)
    response = english.get(reverse("public:transparency_json", args=[org_a.slug, 2025]))
    data = json.loads(response.content)
    rows = list(csv.reader(io.StringIO(english.get(reverse("public:transparency_csv", args=[org_a.slug, 2025]))
                                       .content.decode())))

    assert response["Content-Disposition"] == f'attachment; filename="transparency-{org_a.slug}-2025.json"'
    deletion = next(r for r in data["requests"] if r["kind"] == "deletion")
    # Thirteen requests: the total is shown; the ten deletions are withheld with the rest, as
    # the one access request (and the kinds with 1 each) would follow from them.
    assert deletion["received"] is None and data["all_requests"]["received"] == 13
    assert next(r for r in data["requests"] if r["kind"] == "correction")["received"] == 0
    assert data["suppression"]["threshold"] == 5 and len(data["suppression"]["rule"]) == 3
    assert any(d["term"] == "Complied with in part" for d in data["definitions"])
    # A withheld count: null in the JSON, "withheld" in the CSV, never its value.
    assert data["compensation"] == [{"currency": "CNY", "claims": None, "paid": None, "amount_paid_minor": None,
                                     "amount_paid": None}]
    assert ["Compensation claims", "CNY", "Claims", "withheld"] in rows
    assert ["Requests", "All requests", "Received", "13"] in rows
    assert ["Requests", "Deletion", "Received", "withheld"] in rows
    assert any(r[0] == "Suppression rule" for r in rows) and any(r[0] == "Definition" for r in rows)
    assert data["days_to_respond"]["all"] == {"median_days": 4.0, "mean_days": 11.1}


def test_the_register_and_the_finder_link_a_published_report(client, org_a):
    register = reverse("public:register", args=[org_a.slug])
    assert b'id="transparency-link"' not in client.get(register).content
    _publish(org_a)
    assert b'id="transparency-link"' in client.get(register).content
    finder = client.get(reverse("public:organisations")).content.decode()
    assert reverse("public:transparency", args=[org_a.slug]) in finder


# --- the owner's switch on the desk ---------------------------------------------------------


def test_only_an_owner_may_see_or_change_the_switch(client, org_a, officer_a, auditor_a, system_owner_a):
    url = reverse("desk:transparency")
    for user in (officer_a, auditor_a, system_owner_a):
        factories.force_sign_in(client, user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"published": "on", "sections": ALL}).status_code == 404
    assert not ReportPublication.objects.exists() and not ReportPublicationChange.objects.exists()


def test_an_owner_previews_an_unpublished_report_then_publishes_on_the_record(client, org_a, owner_a):
    factories.force_sign_in(client, owner_a)
    url = reverse("desk:transparency")
    preview = client.get(url)
    assert preview.status_code == 200 and b'id="report-table"' in preview.content
    assert client.get(_urls(org_a.slug, timezone.now().year)[1]).status_code == 404

    response = client.post(url, {"published": "on", "sections": [ReportSection.RESPONSE_TIMES]})

    assert response.status_code == 302
    publication = ReportPublication.objects.get(organisation=org_a)
    assert publication.published and publication.sections == {ReportSection.RESPONSE_TIMES}
    change = ReportPublicationChange.objects.get(organisation=org_a)
    assert (change.changed_by, change.published, change.sections) == (owner_a, True, ["response_times"])
    assert client.get(_urls(org_a.slug, timezone.now().year)[1]).status_code == 200
    client.post(url, {"published": "on", "sections": [ReportSection.RESPONSE_TIMES]})  # no change: no new row
    assert ReportPublicationChange.objects.count() == 1


def test_a_bad_choice_is_a_form_error_and_changes_nothing(client, org_a, owner_a):
    factories.force_sign_in(client, owner_a)
    response = client.post(reverse("desk:transparency"), {"published": "on", "sections": ["everything"]})

    assert response.status_code == 400
    assert not ReportPublication.objects.exists() and not ReportPublicationChange.objects.exists()


def test_the_owners_dashboard_links_the_switch(client, org_a, owner_a, officer_a):
    factories.force_sign_in(client, owner_a)
    assert reverse("desk:transparency").encode() in client.get(reverse("desk:dashboard")).content
    factories.force_sign_in(client, officer_a)
    assert reverse("desk:transparency").encode() not in client.get(reverse("desk:dashboard")).content


def test_another_organisations_report_is_its_own(client, year_2025, org_a, org_b):
    """Organisation B's one request of 2025 (conftest) is in B's report alone (withheld there)."""
    _publish(org_b)
    b_data = json.loads(client.get(reverse("public:transparency_json", args=[org_b.slug, 2025])).content)
    deletion = next(r for r in b_data["requests"] if r["kind"] == "deletion")

    assert deletion["received"] is None and deletion["outcomes"]["whole"] is None  # one request: withheld
    assert b_data["all_requests"]["outcomes"]["denied"] == 0

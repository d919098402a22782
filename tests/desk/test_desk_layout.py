"""What every desk page carries: the menu (queue, dashboard, CSV export, tasks), a
language switch that puts the desk in Chinese, times labelled with their zone, and on
the case page the clock, the status and a link to the case file beside the case."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_desk_menu_has_queue_dashboard_csv_and_tasks(officer_client):
    html = officer_client.get(reverse("desk:queue")).content.decode()
    menu = html.split("<header")[1].split("</header>")[0]

    for url in (reverse("desk:queue"), reverse("desk:dashboard"), reverse("desk:queue_csv"),
                reverse("requests_app:task_list")):
        assert f'href="{url}"' in menu
    assert f'action="{reverse("set_language")}"' in menu and 'value="zh-hans"' in menu


def test_a_system_owner_is_offered_only_the_tasks(signed_in, system_owner_a):
    menu = signed_in(system_owner_a).get(reverse("requests_app:task_list")).content.decode().split("</header>")[0]

    assert f'href="{reverse("requests_app:task_list")}"' in menu
    assert f'href="{reverse("desk:queue")}"' not in menu and f'href="{reverse("desk:dashboard")}"' not in menu


def test_the_language_switch_puts_the_desk_in_chinese(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)

    response = officer_client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("desk:queue")})
    assert response.status_code == 302
    queue = officer_client.get(reverse("desk:queue")).content.decode()
    case = officer_client.get(reverse("desk:case", args=[rr.reference])).content.decode()

    assert '<html lang="zh-hans">' in queue and "申请队列" in queue and "剩余时间" in queue
    assert "后续操作" in case and "拒绝" in case


@pytest.mark.parametrize("jurisdiction, zone", [("CN", "CST"), ("EU", "CET"), ("US-CA", "PST")])
def test_times_on_the_case_page_are_labelled_with_their_zone(signed_in, jurisdiction, zone):
    org = factories.jurisdiction_org(jurisdiction)
    officer = factories.member(org, "officer", username=f"officer-{jurisdiction}")
    rr = factories.in_review_request(org, officer)
    html = signed_in(officer).get(reverse("desk:case", args=[rr.reference])).content.decode()

    local = timezone.localtime(rr.received_at, org.time_zone)
    from django.utils.formats import date_format

    assert f"{date_format(local, 'DATETIME_FORMAT')} {zone}" in html
    history = html.split('class="timeline"')[1]
    assert f" {zone} · " in history


def test_the_case_page_links_its_case_file_and_keeps_the_status_beside_the_case(officer_client, org_a, officer_a):
    rr = factories.fulfilling_request(org_a, officer_a)
    html = officer_client.get(reverse("desk:case", args=[rr.reference])).content.decode()

    side = html.split('<aside class="case-side"')[1].split("</aside>")[0]
    main = html.split('<div class="case-main">')[1]
    assert 'id="status"' in side and 'id="clock"' in side and 'id="steps"' in side
    assert f'href="{reverse("desk:casefile_html", args=[rr.reference])}"' in side
    assert f'href="{reverse("desk:casefile_json", args=[rr.reference])}"' in side
    assert 'id="history-title"' in main and 'id="person-title"' in main

"""Working through the queue quickly: days left on each row in words, statuses by stage,
sorting that keeps its cursor pages whole, the count of what the filters leave, quick
views, the received-date filter, and search by name and by member or pass number."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, member
from requests_app.cases.subjects import Identity
from requests_app.desk.clock import clock
from requests_app.models import RightsRequest
from tests import factories

pytestmark = pytest.mark.django_db
QUEUE = reverse("desk:queue")


def refs(response) -> list[str]:
    return [row.request.reference for row in response.context["rows"]]


def person(org, *, name="Guo Bing", email="guo@example.com", member_number="", officer=None):
    """A verified request filed by someone with this name (and member number), in review if `officer`."""
    rr = workflow.submit(organisation=org, kind="deletion",
                         identity=Identity(email=email, full_name=name, member_number=member_number))
    tasks.send_verification_code(rr.challenges.get().pk)
    workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox())
    if officer is not None:
        workflow.assign(rr, actor=member(officer), assignee=officer)
    rr.refresh_from_db()
    return rr


# --- the clock in words ----------------------------------------------------------------------


def test_the_clock_says_days_left_overdue_or_paused(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    due = rr.due_at

    assert clock(rr, due - timedelta(days=3, hours=2)).text == "3 days left"
    assert clock(rr, due - timedelta(days=1, hours=1)).text == "1 day left"
    assert clock(rr, due - timedelta(hours=5)).text == "Due today"
    assert clock(rr, due + timedelta(hours=1)).text == "Overdue 1 day"
    assert clock(rr, due + timedelta(days=4, hours=1)).text == "Overdue 5 days"
    assert clock(rr, due - timedelta(days=3)).urgency == "due_week"
    assert clock(rr, due - timedelta(days=1)).urgency == "due_soon"

    paused = factories.awaiting_subject_request(org_a, officer_a, email="p@example.com")
    assert clock(paused, timezone.now()).text == "Paused"
    assert clock(factories.refused_request(org_a, officer_a, email="r@example.com"), timezone.now()).text == "—"


def test_every_row_and_the_case_page_say_the_clock_in_words(officer_client, org_a, officer_a):
    with time_machine.travel(timezone.now() - timedelta(days=33), tick=False):  # CN: 30 days, 3 past
        rr = factories.in_review_request(org_a, officer_a)
    factories.awaiting_subject_request(org_a, officer_a, email="p@example.com")
    late = clock(rr, timezone.now()).text
    assert late in ("Overdue 2 days", "Overdue 3 days")  # the due day ends at midnight where the park is

    queue = officer_client.get(QUEUE)
    case = officer_client.get(reverse("desk:case", args=[rr.reference]))

    texts = sorted(row.clock.text for row in queue.context["rows"])
    assert texts == [late, "Paused"]
    html = queue.content.decode()
    assert f'class="clock clock-overdue" data-clock>{late}<' in html
    assert 'class="clock clock-paused" data-clock>Paused<' in html
    assert f'id="clock" data-clock>{late}<' in case.content.decode()


def test_statuses_are_badged_by_stage(officer_client, org_a, officer_a):
    made = {
        "new": factories.verified_request(org_a, email="n@example.com"),
        "review": factories.in_review_request(org_a, officer_a, email="r@example.com"),
        "waiting": factories.awaiting_subject_request(org_a, officer_a, email="w@example.com"),
        "fulfilling": factories.approved_request(org_a, officer_a, email="f@example.com"),
    }
    html = officer_client.get(QUEUE).content.decode()
    for stage, rr in made.items():
        row = html.split(f'data-reference="{rr.reference}"')[1].split("</tr>")[0]
        assert f'class="status-badge stage-{stage}">{rr.get_status_display()}<' in row


def test_requester_names_are_in_the_queue_and_a_purged_one_is_a_dash(officer_client, org_a, officer_a):
    from requests_app.actors import SYSTEM

    named = person(org_a, name="Guo Bing")
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        gone = factories.withdrawn_request(org_a, email="gone@example.com")
    workflow.purge_contact_details(gone, actor=SYSTEM)

    rows = {row.request.reference: row for row in officer_client.get(QUEUE, {"status": ["verified", "withdrawn"]})
            .context["rows"]}
    html = officer_client.get(QUEUE, {"status": ["verified", "withdrawn"]}).content.decode()

    assert rows[named.reference].request.subject.full_name == "Guo Bing" and "Guo Bing" in html
    assert re.search(r'<td class="requester" title="[^"]*">—</td>', html.split(f'data-reference="{gone.reference}"')[1])


# --- sorting, count, quick views, dates ------------------------------------------------------------


@pytest.fixture
def spread(org_a, officer_a, second_officer_a):
    """Requests received on different days, in different stages, mine and others'."""
    now = timezone.now()
    made = {}
    for n, days in enumerate([9, 2, 5, 14, 1]):
        with time_machine.travel(now - timedelta(days=days), tick=False):
            made[days] = factories.verified_request(org_a, email=f"p{n}@example.com")
    workflow.assign(made[5], actor=member(officer_a), assignee=officer_a)
    workflow.assign(made[14], actor=member(officer_a), assignee=second_officer_a)
    for rr in made.values():
        rr.refresh_from_db()
    return made


def walk(client, query, per_page=None) -> list[str]:
    seen, url = [], QUEUE + "?" + query
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += refs(response)
        url = QUEUE + response.context["next_url"] if response.context["next_url"] else None
    return seen


@pytest.mark.parametrize("sort, key, reverse", [
    ("due", lambda rr: (rr.due_at, rr.pk), False),
    ("received", lambda rr: (rr.received_at, rr.pk), True),
    ("received_oldest", lambda rr: (rr.received_at, rr.pk), False),
    ("reference", lambda rr: (rr.reference, rr.pk), False),
])
def test_the_queue_sorts_and_its_pages_stay_whole(officer_client, spread, sort, key, reverse, monkeypatch):
    from requests_app.desk import views

    expected = [rr.reference for rr in sorted(spread.values(), key=key, reverse=reverse)]
    real = views.paginate
    monkeypatch.setattr(views, "paginate", lambda qs, cursor, sort: real(qs, cursor, 2, sort))

    assert walk(officer_client, f"sort={sort}") == expected  # pages of two: every boundary met
    assert officer_client.get(QUEUE, {"sort": sort}).context["total"] == 5


def test_sorting_by_status_follows_the_stages_and_a_bad_sort_is_the_default(officer_client, org_a, officer_a):
    waiting = factories.awaiting_subject_request(org_a, officer_a, email="w@example.com")
    new = factories.verified_request(org_a, email="n@example.com")
    review = factories.in_review_request(org_a, officer_a, email="r@example.com")

    assert refs(officer_client.get(QUEUE, {"sort": "status"})) == [new.reference, review.reference, waiting.reference]
    response = officer_client.get(QUEUE, {"sort": "no-such-order"})
    assert response.status_code == 200
    assert response.context["sort"] == "due"


def test_the_result_count_is_what_the_filters_leave(officer_client, spread, org_b, officer_b):
    factories.verified_request(org_b, email="b@example.com")

    assert officer_client.get(QUEUE).context["total"] == 5
    response = officer_client.get(QUEUE, {"assignee": "none"})
    assert response.context["total"] == 3
    assert "3 requests" in response.content.decode()


def test_quick_views(officer_client, org_a, officer_a, second_officer_a):
    mine = factories.in_review_request(org_a, officer_a, email="m@example.com")
    theirs = factories.in_review_request(org_a, second_officer_a, email="t@example.com")
    unassigned = factories.verified_request(org_a, email="u@example.com")
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=40), tick=False):  # CN: 30 days, long past
        late = factories.verified_request(org_a, email="late@example.com")
    with time_machine.travel(now - timedelta(days=26), tick=False):  # due in four or five days
        soon = factories.in_review_request(org_a, officer_a, email="soon@example.com")
    views = {str(view["label"]): view["url"] for view in officer_client.get(QUEUE).context["quick_views"]}

    def listed(label):
        response = officer_client.get(QUEUE + views[label])
        assert [str(view["label"]) for view in response.context["quick_views"] if view["current"]] == [label]
        return set(refs(response))

    assert listed("Mine") == {mine.reference, soon.reference}
    assert listed("Unassigned") == {unassigned.reference, late.reference}
    assert listed("Overdue") == {late.reference}
    assert listed("Due in 7 days") == {soon.reference}
    assert theirs.reference not in listed("Mine")


def test_the_received_date_filter_counts_days_where_the_organisation_is(officer_client, org_a):
    shanghai = ZoneInfo("Asia/Shanghai")
    early = factories.submitted_at(org_a, datetime(2026, 11, 2, 0, 30, tzinfo=shanghai), email="e@example.com")
    late = factories.submitted_at(org_a, datetime(2026, 11, 1, 23, 30, tzinfo=shanghai), email="l@example.com")
    older = factories.submitted_at(org_a, datetime(2026, 10, 20, 12, 0, tzinfo=shanghai), email="o@example.com")
    everything = {"status": list(RightsRequest.Status.values)}

    def between(**dates):
        return set(refs(officer_client.get(QUEUE, {**everything, **dates})))

    assert between(received_from="2026-11-02") == {early.reference}
    assert between(received_to="2026-11-01") == {late.reference, older.reference}
    assert between(received_from="2026-10-21", received_to="2026-11-01") == {late.reference}
    bad = officer_client.get(QUEUE, {"received_from": "2 Nov"})
    assert bad.status_code == 200 and bad.context["filter"].form.errors["received_from"]


# --- search -------------------------------------------------------------------------------------------


def test_search_by_name_finds_part_of_it_in_any_case(officer_client, org_a, officer_a):
    guo = person(org_a, name="Guo Bing", email="g@example.com")
    other = person(org_a, name="Li Wei", email="l@example.com")

    assert refs(officer_client.get(QUEUE, {"q": "guo b"})) == [guo.reference]
    assert refs(officer_client.get(QUEUE, {"q": "WEI"})) == [other.reference]
    assert refs(officer_client.get(QUEUE, {"q": "Zhang"})) == []


def test_search_by_member_number_matches_its_hash(officer_client, org_a, officer_a):
    guo = person(org_a, name="Guo Bing", member_number="HZ-2021-0042")
    person(org_a, name="Li Wei", email="l@example.com", member_number="HZ-2021-0043")

    assert refs(officer_client.get(QUEUE, {"q": "hz-2021-0042"})) == [guo.reference]
    assert refs(officer_client.get(QUEUE, {"q": "HZ-2021-004"})) == []  # a part of a number is no match
    assert "HZ-2021-0042" not in guo.subject.masked_identifiers


def test_search_never_finds_another_organisations_requests(officer_client, org_a, org_b, officer_b):
    theirs = person(org_b, name="Guo Bing", member_number="HZ-2021-0042")
    ours = person(org_a, name="Guo Bin", email="g2@example.com")

    assert refs(officer_client.get(QUEUE, {"q": "Guo Bin"})) == [ours.reference]
    for query in ("HZ-2021-0042", "guo@example.com", theirs.reference):
        response = officer_client.get(QUEUE, {"q": query})
        assert f'data-reference="{theirs.reference}"' not in response.content.decode()
        assert response.context["total"] == 0

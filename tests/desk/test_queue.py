"""The queue: the organisation's requests by due date, filters, search, counts per status,
cursor pages without repeats or gaps, bulk assignment, and overdue rows that stand out."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from orgs.models import Organisation
from requests_app import workflow
from requests_app.actors import member
from requests_app.models import RightsRequest
from tests import factories

pytestmark = pytest.mark.django_db
Status = RightsRequest.Status
QUEUE = reverse("desk:queue")


def refs(response) -> list[str]:
    return [row.request.reference for row in response.context["rows"]]


def under_law(org, jurisdiction):
    """From now on the organisation files under `jurisdiction` (earlier requests keep theirs)."""
    Organisation.objects.filter(pk=org.pk).update(jurisdiction=jurisdiction)
    org.refresh_from_db()


def filed_days_ago(org, days, **kwargs) -> RightsRequest:
    return factories.submitted_at(org, timezone.now() - timedelta(days=days), **kwargs)


def queue_order(queryset) -> list[str]:
    rows = list(queryset.values_list("due_at", "pk", "reference"))
    rows.sort(key=lambda r: (r[0] is None, r[0] or 0, r[1]))
    return [r[2] for r in rows]


# --- what the queue shows ------------------------------------------------------------------------


def test_the_queue_lists_the_open_requests_of_the_organisation_by_due_date(officer_client, org_a, officer_a, org_b):
    under_law(org_a, "BR")  # 15 days from receipt
    later = filed_days_ago(org_a, 1, email="a@example.com")
    sooner = filed_days_ago(org_a, 10, email="b@example.com")
    under_law(org_a, "CN")
    no_clock = factories.submitted_request(org_a, email="c@example.com")  # CN: the clock waits for verification
    closed = factories.withdrawn_request(org_a, email="d@example.com")
    factories.submitted_request(org_b, email="e@example.com")

    response = officer_client.get(QUEUE)

    assert response.status_code == 200
    assert refs(response) == [sooner.reference, later.reference, no_clock.reference]
    assert closed.reference not in response.content.decode()


def test_overdue_and_near_due_rows_stand_out_in_words_and_class(officer_client, org_a):
    under_law(org_a, "BR")
    overdue = filed_days_ago(org_a, 20, email="a@example.com")
    near = filed_days_ago(org_a, 14, email="b@example.com")
    fine = filed_days_ago(org_a, 1, email="c@example.com")

    response = officer_client.get(QUEUE)
    html = response.content.decode()

    def row(rr):
        return re.search(rf'<tr class="([^"]*)" data-reference="{rr.reference}">(.*?)</tr>', html, re.S)

    assert row(overdue).group(1) == "row-overdue" and re.search(r"Overdue \d+ days", row(overdue).group(2))
    assert row(near).group(1) == "row-due-soon" and re.search(r"\d+ days? left|Due today", row(near).group(2))
    assert row(fine).group(1) == "" and "Overdue" not in row(fine).group(2)


def test_the_queue_shows_masked_identifiers_only(officer_client, org_a):
    factories.submitted_request(org_a, email="guo.bing@example.com")

    html = officer_client.get(QUEUE).content.decode()

    assert "g***@example.com" in html and "guo.bing@example.com" not in html


# --- filters and search ----------------------------------------------------------------------------


@pytest.fixture
def mixed(org_a, officer_a, second_officer_a):
    """A queue with something to filter on each axis."""
    under_law(org_a, "BR")
    made = {
        "overdue": filed_days_ago(org_a, 20, email="overdue@example.com", kind="access"),
        "due_soon": filed_days_ago(org_a, 14, email="soon@example.com"),
    }
    under_law(org_a, "CN")
    made["mine"] = factories.in_review_request(org_a, officer_a, email="mine@example.com")
    made["theirs"] = factories.in_review_request(org_a, second_officer_a, email="theirs@example.com", kind="copy")
    made["approved"] = factories.approved_request(org_a, officer_a, email="approved@example.com")
    made["refused"] = factories.refused_request(org_a, officer_a, email="refused@example.com")
    made["unassigned"] = factories.verified_request(org_a, email="Guo.Bing@Example.com")
    return made


@pytest.mark.parametrize("query, expected", [
    ({"status": ["in_review"]}, {"mine", "theirs"}),
    ({"status": ["approved", "refused"]}, {"approved", "refused"}),
    ({"kind": "access"}, {"overdue"}),
    ({"jurisdiction": "BR"}, {"overdue", "due_soon"}),
    ({"overdue": "on"}, {"overdue"}),
    ({"due_within": "2"}, {"due_soon"}),
    ({"mine": "on"}, {"mine", "approved"}),
    ({"assignee": "none"}, {"overdue", "due_soon", "unassigned"}),
    ({"q": "guo.bing@EXAMPLE.com "}, {"unassigned"}),
    ({"q": "someone@example.com"}, set()),
    ({"q": "not an email@"}, set()),
])
def test_the_queue_filters(officer_client, mixed, query, expected):
    response = officer_client.get(QUEUE, query)

    assert response.status_code == 200
    assert set(refs(response)) == {mixed[name].reference for name in expected}


def test_a_request_waiting_for_the_requester_is_not_overdue_while_its_clock_is_paused(
    officer_client, org_a, officer_a
):
    """As the dashboard counts: a paused clock (PIPL policy) is not running late."""
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        paused = factories.in_review_request(org_a, officer_a, email="paused@example.com")
        workflow.ask_for_information(paused, actor=member(officer_a), question="Which gate?", reason="clarification")
    paused.refresh_from_db()
    assert paused.due_at < timezone.now() and paused.paused_at is not None

    response = officer_client.get(QUEUE, {"overdue": "on"})

    assert paused.reference not in refs(response)
    assert "row-overdue" not in officer_client.get(QUEUE).content.decode()


def test_filter_by_assignee(officer_client, mixed, second_officer_a):
    response = officer_client.get(QUEUE, {"assignee": second_officer_a.pk})
    assert refs(response) == [mixed["theirs"].reference]


def test_search_by_reference_forgives_case_and_spaces(officer_client, mixed):
    reference = mixed["refused"].reference
    typed = f" {reference[:4].lower()} {reference[4:]} "

    response = officer_client.get(QUEUE, {"q": typed, "status": ["refused"]})

    assert refs(response) == [reference]


def test_search_finds_nothing_of_another_organisation(officer_client, org_a, org_b):
    theirs = factories.submitted_request(org_b, email="guo@example.com")

    by_email = officer_client.get(QUEUE, {"q": "guo@example.com"})
    by_reference = officer_client.get(QUEUE, {"q": theirs.reference})

    assert refs(by_email) == [] and refs(by_reference) == []


def test_email_search_uses_the_hash_not_the_clear_address(officer_client, org_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    factories.submitted_request(org_a, email="guo@example.com")
    with CaptureQueriesContext(connection) as queries:
        officer_client.get(QUEUE, {"q": "guo@example.com"})

    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "email_hash" in sql
    assert "guo@example.com" not in sql


def test_counts_per_status_in_one_query(officer_client, mixed, org_b, officer_b):
    factories.in_review_request(org_b, officer_b, email="b@example.com")

    response = officer_client.get(QUEUE)
    counts = {c["status"]: c["count"] for c in response.context["counts"]}

    assert counts == {**{s: 0 for s in Status.values}, "submitted": 2, "verified": 1, "in_review": 2,
                      "approved": 1, "refused": 1}


def test_counts_follow_the_other_filters(officer_client, mixed):
    response = officer_client.get(QUEUE, {"kind": "copy"})
    counts = {c["status"]: c["count"] for c in response.context["counts"]}
    assert counts["in_review"] == 1 and sum(counts.values()) == 1


def test_a_bad_filter_value_is_said_and_the_rest_still_applies(officer_client, mixed):
    response = officer_client.get(QUEUE, {"due_within": "soon", "kind": "access"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["due_within"]
    assert refs(response) == [mixed["overdue"].reference]


QUEUE_PAGE_QUERIES = 9  # see test_a_queue_page_takes_the_same_queries_for_5_rows_as_for_40


def _queries_of_a_page(client, params=None) -> tuple[int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(QUEUE, params or {})  # the closed requests' counts are kept from here on
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, params or {})
    return len(queries.captured_queries), response


def test_a_queue_page_takes_the_same_queries_for_5_rows_as_for_40(officer_client, org_a, officer_a):
    """Session, user, second factor, the memberships (the gate and the header share them);
    the page's rows (the dated ones, then the undated); the closed requests' version; the
    open ones' counts; the people to assign to (the bulk form, kept rendered, reads them no
    more). None per row."""
    for n in range(5):
        factories.in_review_request(org_a, officer_a, email=f"p{n}@example.com")
    factories.withdrawn_request(org_a, email="gone@example.com")
    few, response = _queries_of_a_page(officer_client)
    assert len(response.context["rows"]) == 5
    for n in range(5, 40):
        factories.in_review_request(org_a, officer_a, email=f"p{n}@example.com")

    many, response = _queries_of_a_page(officer_client)

    assert len(response.context["rows"]) == 40
    assert few == many == QUEUE_PAGE_QUERIES


def test_a_filtered_queue_page_counts_its_statuses_in_one_query(officer_client, org_a, officer_a):
    factories.in_review_request(org_a, officer_a, email="p@example.com", kind="copy")
    count, response = _queries_of_a_page(officer_client, {"kind": "copy"})
    # The filter's counts in one grouped query, instead of the version and the open ones'.
    assert count == QUEUE_PAGE_QUERIES - 1
    assert response.context["total"] == 1


def test_closing_a_request_moves_it_between_the_counts_at_once(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a, email="p@example.com")
    factories.refused_request(org_a, officer_a, email="q@example.com")
    before = {c["status"]: c["count"] for c in officer_client.get(QUEUE).context["counts"]}
    workflow.refuse(rr, actor=member(officer_a), reason=factories.REFUSAL_REASON,
                    legal_ground=factories.REFUSAL_GROUND)

    response = officer_client.get(QUEUE, {"status": ["refused", "in_review"]})

    counts = {c["status"]: c["count"] for c in response.context["counts"]}
    assert (before["in_review"], before["refused"]) == (1, 1)
    assert (counts["in_review"], counts["refused"]) == (0, 2)
    assert response.context["total"] == 2


def test_the_filter_form_shows_each_query_as_typed(officer_client, mixed):
    copy = officer_client.get(QUEUE, {"kind": "copy"}).content.decode()
    access = officer_client.get(QUEUE, {"kind": "access"}).content.decode()
    again = officer_client.get(QUEUE, {"kind": "copy"}).content.decode()

    assert '<option value="copy" selected>' in copy and '<option value="copy" selected>' not in access
    assert '<option value="access" selected>' in access
    assert '<option value="copy" selected>' in again and '<option value="access" selected>' not in again


def test_a_new_officer_is_offered_in_the_filter_and_the_assign_menu_at_once(officer_client, org_a, officer_a):
    factories.in_review_request(org_a, officer_a, email="p@example.com")
    assert "Wang Fang" not in officer_client.get(QUEUE).content.decode()
    newcomer = factories.member(org_a, "officer", username="newcomer")
    newcomer.first_name, newcomer.last_name = "Wang", "Fang"
    newcomer.save()

    page = officer_client.get(QUEUE).content.decode()

    assert page.count(f'<option value="{newcomer.pk}">Wang Fang</option>') == 2  # the filter, the assign menu


# --- cursor pages ---------------------------------------------------------------------------------


@pytest.fixture
def long_queue(org_a):
    """128 open requests: many sharing a due day (ties broken by id), 23 with no due date
    (the third page holds the last dated ones and the undated ones)."""
    under_law(org_a, "BR")
    for n in range(105):
        filed_days_ago(org_a, n % 7, email=f"p{n}@example.com")
    under_law(org_a, "CN")
    for n in range(23):
        factories.submitted_request(org_a, email=f"q{n}@example.com")
    return queue_order(RightsRequest.objects.filter(organisation=org_a))


def _walk(client, url, direction) -> list:
    """The responses met following the `direction` ("next" or "previous") links from `url`."""
    responses = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        responses.append(response)
        link = response.context[f"{direction}_url"]
        url = QUEUE + link if link else None
    return responses


def test_pages_follow_each_other_without_repeats_or_gaps(officer_client, long_queue):
    forward = _walk(officer_client, QUEUE, "next")
    pages = [refs(response) for response in forward]

    assert [len(page) for page in pages] == [50, 50, 28]
    assert sum(pages, []) == long_queue

    backward = _walk(officer_client, QUEUE + forward[-1].context["previous_url"], "previous")
    assert [pages[-1]] + [refs(response) for response in backward] == pages[::-1]
    assert backward[-1].context["previous_url"] == ""  # back on the first page


@pytest.mark.parametrize("per_page", [1, 4, 7, 23])
def test_small_pages_walk_the_whole_queue_both_ways(org_a, long_queue, per_page):
    """Every page boundary there is: inside a run of equal due dates, between dated and
    undated requests, inside the undated ones."""
    from requests_app.desk.pagination import paginate

    queryset = RightsRequest.objects.filter(organisation=org_a)
    page, pages = paginate(queryset, None, per_page), []
    while True:
        pages.append([rr.reference for rr in page.rows])
        if not page.next_cursor:
            break
        page = paginate(queryset, page.next_cursor, per_page)
    assert sum(pages, []) == long_queue
    assert all(len(p) == per_page for p in pages[:-1])

    backward = []
    while page.previous_cursor:
        page = paginate(queryset, page.previous_cursor, per_page)
        backward.append([rr.reference for rr in page.rows])
    assert backward == pages[::-1][1:]


def test_a_request_arriving_meanwhile_does_not_repeat_a_row(officer_client, org_a, long_queue):
    first = officer_client.get(QUEUE)
    factories.submitted_at(org_a, timezone.now() - timedelta(days=1), email="late@example.com")  # CN: no due date

    second = officer_client.get(QUEUE + first.context["next_url"])

    assert not set(refs(first)) & set(refs(second))
    assert refs(second) == long_queue[50:100]


def test_a_tampered_cursor_shows_the_first_page(officer_client, long_queue):
    first = officer_client.get(QUEUE)
    cursor = parse_qs(urlparse(first.context["next_url"]).query)["cursor"][0]

    response = officer_client.get(QUEUE, {"cursor": cursor[:-2] + "xx"})

    assert refs(response) == long_queue[:50]
    assert response.context["previous_url"] == ""


def test_the_pages_keep_the_filters(officer_client, org_a, long_queue):
    responses = _walk(officer_client, QUEUE + "?jurisdiction=BR", "next")

    assert all("jurisdiction=BR" in r.context["next_url"] for r in responses[:-1])
    assert sum((refs(r) for r in responses), []) == [
        ref for ref in long_queue if RightsRequest.objects.get(reference=ref).jurisdiction == "BR"
    ]


# --- bulk assign ------------------------------------------------------------------------------------


def test_bulk_assign_assigns_the_ticked_requests_of_this_organisation_only(
    officer_client, org_a, officer_a, second_officer_a, org_b, officer_b
):
    ours = [factories.verified_request(org_a, email=f"v{n}@example.com") for n in range(3)]
    unverified = factories.submitted_request(org_a, email="s@example.com")
    theirs = factories.verified_request(org_b, email="b@example.com")
    before_theirs = factories.snapshot(theirs)

    response = officer_client.post(reverse("desk:bulk_assign"), {
        "references": [rr.reference for rr in ours] + [unverified.reference, theirs.reference, "NOSUCHREF"],
        "assignee": second_officer_a.pk,
        "return_to": QUEUE + "?kind=deletion",
    }, follow=True)

    for rr in ours:
        rr.refresh_from_db()
        assert (rr.assignee, rr.status) == (second_officer_a, Status.IN_REVIEW)
    unverified.refresh_from_db()
    assert unverified.assignee is None
    assert factories.snapshot(theirs) == before_theirs
    said = [str(m) for m in response.context["messages"]]
    assert any(all(rr.reference in m for rr in ours) for m in said)
    assert any(unverified.reference in m for m in said if m.startswith("Not assigned"))
    assert any(theirs.reference in m and "not found" in m for m in said)
    assert response.redirect_chain[-1][0] == QUEUE + "?kind=deletion"


def test_bulk_assign_to_someone_outside_the_organisation_is_refused(officer_client, org_a, officer_b):
    rr = factories.verified_request(org_a)
    before = factories.snapshot(rr)

    response = officer_client.post(reverse("desk:bulk_assign"), {"references": [rr.reference],
                                                                  "assignee": officer_b.pk})

    assert response.status_code == 400
    assert factories.snapshot(rr) == before


def test_bulk_assign_goes_back_only_to_the_desk(officer_client, org_a, officer_a):
    rr = factories.verified_request(org_a)

    response = officer_client.post(reverse("desk:bulk_assign"), {"references": [rr.reference],
                                                                  "assignee": officer_a.pk,
                                                                  "return_to": "https://evil.example/desk/"})

    assert response["Location"] == QUEUE


def test_an_auditor_sees_the_queue_without_checkboxes_and_cannot_bulk_assign(signed_in, org_a, officer_a, auditor_a):
    rr = factories.verified_request(org_a)
    client = signed_in(auditor_a)

    page = client.get(QUEUE)
    assert page.status_code == 200 and refs(page) == [rr.reference]
    assert 'name="references"' not in page.content.decode()

    before = factories.snapshot(rr)
    response = client.post(reverse("desk:bulk_assign"), {"references": [rr.reference], "assignee": officer_a.pk})
    assert response.status_code == 403
    assert factories.snapshot(rr) == before


def test_a_system_owner_has_no_queue_but_is_sent_to_their_tasks(signed_in, system_owner_a):
    response = signed_in(system_owner_a).get(QUEUE)
    assert response.status_code == 302 and response["Location"] == "/tasks/"


def test_signing_in_is_required(client):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "next=/desk/" in response["Location"]

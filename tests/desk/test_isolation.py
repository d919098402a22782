"""The isolation matrix: an officer of organisation A gets 404 on every desk URL of
organisation B's cases, GET and POST, and B's case is left exactly as it was.

The URLs are not listed by hand: every pattern of the "desk" namespace (and the manual
tasks pages) is enumerated from the URL configuration, and each of its parameters is
filled with B's value. A new desk URL is covered the day it is added; one with a
parameter this file does not know fails until a value of B is given for it below.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from orgs import current, erasure
from orgs.models import DataSystem, Membership
from requests_app import workflow
from requests_app.actors import SUBJECT
from requests_app.models import RightsRequest
from requests_app.workflow.steps import OFFICER_STEPS
from tests import factories

pytestmark = pytest.mark.django_db


def _patterns(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, entry


def desk_patterns() -> list[tuple[str, URLPattern]]:
    _prefix, resolver = get_resolver().namespace_dict["desk"]
    return list(_patterns(resolver.url_patterns, "desk:"))


def all_patterns():
    return desk_patterns() + [
        (f"requests_app:{p.name}", p) for p in _patterns_of("requests_app") if p.name.startswith("task")
    ]


def _patterns_of(namespace):
    _prefix, resolver = get_resolver().namespace_dict[namespace]
    return [p for _name, p in _patterns(resolver.url_patterns)]


@pytest.fixture
def case_b(org_b, officer_b):
    """Organisation B's case with one of everything a URL can name: request, file, claim, manual
    task, collection point, decommission order."""
    factories.system(org_b, name="Pass ledger B", connector=DataSystem.Connector.MANUAL, owner=officer_b)
    rr = factories.fulfilling_request(org_b, officer_b, email="b-person@example.com")
    attachment = workflow.add_evidence(rr, actor=SUBJECT, upload=SimpleUploadedFile("pass.pdf", b"%PDF-1.4 pass"),
                                       purpose="evidence")
    claim = factories.claim(rr)
    task = rr.fulfilment_tasks.get()
    # A collection point of B's register, ordered removed, the order done with its certificate.
    point = factories.collection_point(factories.activity(org_b, name="Visitor capture B"), name="Sales office B")
    order = erasure.order_decommission(point, reason="Ordered out", by=officer_b)
    factories.run_order(order)
    return {"request": rr, "attachment": attachment, "claim": claim, "task": task, "point": point, "order": order}


def values_of_b(case_b) -> dict:
    """A value of B for every parameter name a desk URL may have."""
    rr = case_b["request"]
    return {
        "reference": [rr.reference, rr.reference.lower()],
        "action": list(OFFICER_STEPS) + ["no-such-step"],
        "attachment_id": [case_b["attachment"].pk],
        "claim_id": [case_b["claim"].pk],
        "task_id": [case_b["task"].pk],
        "public_id": [case_b["task"].public_id, case_b["point"].public_id],
        "order_id": [case_b["order"].pk],
        "pk": [rr.pk],
        "request_id": [rr.pk],
        "fmt": ["json", "html"],
        "format": ["json", "html"],
        "name": ["certificate", "refusal", "extension", "fulfilment"],  # the requester's documents
        # The organisation's mail wording (owners only: an officer of A is refused it anyway).
        "kind": ["subject_update"],
        "language": ["en"],
    }


OWNERS_ONLY = {"desk:mail_wordings", "desk:transparency"}  # also tests/reports/test_pages.py
MADE_UP = {"reference": "NOSUCHREF9", "public_id": "00000000-0000-4000-8000-000000000000"}


def urls_naming_b(case_b) -> list[tuple[str, str]]:
    """Every URL of the desk (and tasks) that names something of B, filled with B's values,
    each beside the same URL naming something that does not exist at all."""
    known = values_of_b(case_b)
    urls = []
    for name, pattern in all_patterns():
        params = list(pattern.pattern.converters)
        if not params:
            continue
        unknown = [p for p in params if p not in known]
        assert not unknown, f"{name} has parameters {unknown}: give B's value for them in values_of_b()"
        combos = [{}]
        for param in params:
            combos = [{**combo, param: value} for combo in combos for value in known[param]]
        for combo in combos:
            made_up = {p: MADE_UP.get(p, 10**9 if isinstance(v, int) else v) for p, v in combo.items()}
            urls.append((reverse(name, kwargs=combo), reverse(name, kwargs=made_up)))
    return urls


def post_data_naming_b(case_b, officer_b) -> dict:
    """A POST body that every step would accept, all of it B's."""
    return {
        "assignee": officer_b.pk, "check_performed": "Saw the pass", "question": "Which gate?",
        "reason": "Because", "legal_ground": "other", "legal_ground_other": "Art. 1", "note": "", "body": "Hello",
        "confirmed": "True",
        "task": case_b["task"].pk, "outcome": "deleted", "retention_reason": "",
        "claim": case_b["claim"].pk, "basis": "loss", "amount": "1.00", "references": [case_b["request"].reference],
    }


def test_the_matrix_covers_the_desk(case_b):
    names = {name for name, _p in all_patterns()}
    assert {"desk:queue", "desk:case", "desk:case_action", "desk:attachment", "desk:bulk_assign",
            "desk:bulk_refuse", "desk:approve_confirm", "requests_app:task_list",
            "requests_app:task_confirm"} <= names
    assert len(urls_naming_b(case_b)) >= len(OFFICER_STEPS) + 3


def test_an_officer_of_a_gets_404_on_every_url_of_bs_cases(signed_in, officer_a, officer_b, case_b):
    client = signed_in(officer_a)
    before = factories.snapshot(case_b["request"])
    data = post_data_naming_b(case_b, officer_b)

    for url, nowhere in urls_naming_b(case_b):
        got = client.get(url).status_code, client.post(url, data).status_code
        # B's case answers exactly as a case that does not exist: 404, or 405 for a method
        # the URL never serves (whatever it names), and never a 2xx, 3xx, 403 or 409.
        assert got == (client.get(nowhere).status_code, client.post(nowhere, data).status_code), url
        assert set(got) <= {404, 405} and 404 in got, f"{url}: {got}"

    assert factories.snapshot(case_b["request"]) == before


def test_pages_that_name_no_case_show_and_change_nothing_of_b(signed_in, org_a, officer_a, officer_b, case_b):
    """The queue, bulk assignment and the rest of the desk: B's references are neither shown
    nor acted on, even when smuggled into a query or a form."""
    client = signed_in(officer_a)
    factories.verified_request(org_a, email="a-person@example.com")
    rr_b = case_b["request"]
    before = factories.snapshot(rr_b)
    data = post_data_naming_b(case_b, officer_b)

    for name, pattern in all_patterns():
        if pattern.pattern.converters:
            continue
        url = reverse(name)
        if name in OWNERS_ONLY:  # an officer is not shown them at all (tests/desk/test_mail_wording.py)
            assert client.get(url).status_code == 404 and client.post(url, data).status_code == 404
            continue
        for response in (client.get(url, {"q": rr_b.reference}), client.get(url, {"q": "b-person@example.com"}),
                         client.get(url, {"q": "Guo"}), client.get(url, {"sort": "status"}),
                         client.get(url, {"status": list(RightsRequest.Status.values)})):
            assert response.status_code in (200, 405), f"GET {url}"
            assert not _shows_case(response, rr_b), f"GET {url} shows B's case"
        response = client.post(url, data)
        assert response.status_code < 500, f"POST {url}"
        assert not _shows_case(response, rr_b), f"POST {url} shows B's case"

    assert factories.snapshot(rr_b) == before


def _shows_case(response, rr) -> bool:
    """B's case in a page or file: its link, its row, its person (a typed query echoed back is not)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode(errors="replace")
    return any(sign in text for sign in (
        reverse("desk:case", args=[rr.reference]), f'data-reference="{rr.reference}"', f"{rr.reference},",
        rr.subject.masked_identifiers,
    ))


def test_the_current_organisation_decides_not_any_membership(client, org_a, org_b, officer_a, officer_b, case_b):
    """Someone who works for both sees B's case only while working in B."""
    Membership.objects.create(user=officer_a, organisation=org_b, role=Membership.Role.OFFICER)
    client.force_login(officer_a)
    session = client.session
    session[current.SESSION_KEY] = org_a.pk
    session.save()
    url = reverse("desk:case", args=[case_b["request"].reference])

    assert client.get(url).status_code == 404

    session[current.SESSION_KEY] = org_b.pk
    session.save()
    assert client.get(url).status_code == 200


def test_a_removed_membership_stops_working_at_once(signed_in, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    client = signed_in(officer_a)
    url = reverse("desk:case", args=[rr.reference])
    assert client.get(url).status_code == 200

    Membership.objects.filter(user=officer_a).delete()

    assert client.get(url).status_code == 404
    assert client.get(reverse("desk:queue")).status_code == 404


def test_a_system_owner_sees_only_their_tasks(signed_in, org_a, officer_a, system_owner_a):
    system = factories.system(org_a, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=system_owner_a)
    rr = factories.fulfilling_request(org_a, officer_a)
    client = signed_in(system_owner_a)

    tasks = client.get(reverse("requests_app:task_list"))
    assert rr.reference in tasks.content.decode()
    task = rr.fulfilment_tasks.get(system=system)
    assert client.get(reverse("requests_app:task_confirm", args=[task.public_id])).status_code == 200
    for name, pattern in desk_patterns():
        kwargs = {p: {"reference": rr.reference, "action": "approve", "attachment_id": 1}.get(p, "x")
                  for p in pattern.pattern.converters}
        try:
            url = reverse(name, kwargs=kwargs)
        except Exception:  # noqa: BLE001 - a parameter shaped otherwise: covered by the matrix above
            continue
        if name == "desk:queue":  # the queue sends them to their tasks instead (sign-in lands there)
            assert client.get(url)["Location"] == reverse("requests_app:task_list")
            continue
        assert client.get(url).status_code in (404, 405), url

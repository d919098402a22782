"""The admin reads like the desk: the timeline in words, every time with its zone, amounts
in money, and a language switch for the officers in Hangzhou who read Chinese."""

import re

import pytest
from django.urls import reverse

from requests_app import workflow
from requests_app.actors import SUBJECT, member
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, administrator):
    factories.force_sign_in(client, administrator)
    return client


@pytest.fixture
def case(org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    workflow.refuse(rr, actor=member(officer_a), reason="The pass was never issued to this person.",
                    legal_ground="identity_not_verified")
    workflow.claim_compensation(rr, actor=SUBJECT, amount_minor=103800, currency="CNY", covers="Pass and travel")
    rr.refresh_from_db()
    return rr


def _page(client, rr) -> str:
    return client.get(reverse("admin:requests_app_rightsrequest_change", args=[rr.pk])).content.decode()


def _column(content: str, name: str) -> list[str]:
    return [" ".join(cell.split()) for cell in re.findall(rf'<td class="field-{name}">\s*<p>(.*?)</p>', content, re.S)]


def test_the_timeline_says_what_happened_in_the_desks_words(admin_client, case):
    content = _page(admin_client, case)

    what = _column(content, "what")
    assert "Request filed" in what and "Assigned to officer_a" in what
    assert any(w.startswith("Refused. Reason: The pass was never issued to this person.") for w in what), what
    assert "Compensation claimed" in what
    assert not {"submit", "assign", "refuse", "claim_compensation"} & set(what)
    assert "the requester" in _column(content, "actor_display")
    assert "In review → Refused" in _column(content, "transition")
    assert "&quot;reason&quot;" not in content and "&quot;legal_ground&quot;" not in content  # no raw JSON


def test_every_time_on_the_case_names_its_zone(admin_client, case):
    content = _page(admin_client, case)

    times = _column(content, "created_at_zoned")
    assert times and all(t.endswith("(Asia/Shanghai, UTC+08:00)") for t in times), times
    received = content.split('field-received_at_zoned')[1][:600]
    assert "(Asia/Shanghai, UTC+08:00)" in received


def test_an_amsterdam_case_shows_amsterdam_time(admin_client, officer_a):
    org = factories.jurisdiction_org("EU")
    officer = factories.member(org, "officer", username="officer_eu")
    rr = factories.in_review_request(org, officer)

    times = _column(_page(admin_client, rr), "created_at_zoned")

    assert all(re.search(r"\(Europe/\w+, UTC\+0[12]:00\)$", t) for t in times), times


def test_amounts_are_money_not_minor_units(admin_client, case):
    content = _page(admin_client, case)
    claims = admin_client.get(reverse("admin:requests_app_compensationclaim_changelist")).content.decode()

    assert _column(content, "claimed") == ["1,038.00 CNY"]
    assert "103800" not in content
    assert "1,038.00 CNY" in claims and "103800" not in claims


def test_the_admin_switches_to_chinese_and_back(admin_client, case):
    index = reverse("admin:index")
    assert 'name="language"' in admin_client.get(index).content.decode()

    response = admin_client.post("/i18n/setlang/", {"language": "zh-hans", "next": index})
    chinese = admin_client.get(response["Location"]).content.decode()
    admin_client.post("/i18n/setlang/", {"language": "en", "next": index})
    english = admin_client.get(index).content.decode()

    assert response["Location"] == index
    assert '<html lang="zh-hans"' in chinese and "Rightsdesk administration" not in chinese
    assert '<html lang="en"' in english and "Rightsdesk administration" in english


def test_a_tasks_outcome_is_in_words_not_the_stored_json(admin_client, org_a, officer_a):
    from orgs.models import DataSystem
    from requests_app import fulfilment

    gate = factories.activity(org_a, name="Gate entry by face")
    vault = factories.system(org_a, name="Biometric vault", connector=DataSystem.Connector.VAULT)
    factories.person_record(gate, data_system=vault)
    rr = factories.fulfilling_request(org_a, officer_a)
    fulfilment.run_task(rr.fulfilment_tasks.get().pk)

    outcomes = _column(_page(admin_client, rr), "outcome")

    assert outcomes and outcomes[0].startswith("Deleted · Face · Gate entry by face (Deleted on request")
    assert "{" not in outcomes[0]

"""Deciding on the desk: approval only after a confirmation that says how the identity
was verified and what approval sets off in which systems; refusal of several requests
at once with one reason and legal ground; the legal grounds offered by the request's law."""

import pytest
from django.urls import reverse
from django.utils import translation

from orgs import law
from orgs.models import DataSystem
from requests_app.models import Notification, RightsRequest
from tests import factories

pytestmark = pytest.mark.django_db
Status = RightsRequest.Status
QUEUE = reverse("desk:queue")


def confirm_url(rr):
    return reverse("desk:approve_confirm", args=[rr.reference])


def action_url(rr, action):
    return reverse("desk:case_action", args=[rr.reference, action])


# --- approval --------------------------------------------------------------------------------


@pytest.fixture
def systems(org_a, officer_a):
    return [
        factories.system(org_a, name="Gate vault", connector=DataSystem.Connector.VAULT),
        factories.system(org_a, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=officer_a),
        factories.system(org_a, name="Visitor wifi", connector=DataSystem.Connector.MANUAL, holds_personal_data=False),
    ]


def test_the_case_page_approves_only_through_the_confirmation(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    html = officer_client.get(reverse("desk:case", args=[rr.reference])).content.decode()

    assert f'href="{confirm_url(rr)}"' in html
    assert f'action="{action_url(rr, "approve")}"' not in html  # no one-click approval form


def test_approving_without_confirming_is_refused_and_changes_nothing(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)
    before = factories.snapshot(rr)

    response = officer_client.post(action_url(rr, "approve"), {"note": "Looks fine"})

    assert response.status_code == 400
    assert "Approve from the confirmation page" in response.content.decode()
    assert factories.snapshot(rr) == before


def test_the_confirmation_shows_the_verification_and_the_systems_approval_sets_off(
    officer_client, org_a, officer_a, systems
):
    rr = factories.in_review_request(org_a, officer_a)

    response = officer_client.get(confirm_url(rr))

    assert response.status_code == 200
    html = response.content.decode()
    verification = html.split('id="verification"')[1].split("</section>")[0]
    assert "by the one-time code sent to the requester" in verification and "CST" in verification
    effects = html.split('id="systems"')[1].split("</ul>")[0]
    assert "<strong>Gate vault</strong> · Built-in biometric vault" in effects
    assert "Pass ledger" in effects and "is asked to act" in effects
    assert "Visitor wifi" not in effects  # holds no personal data: approval sends it nothing
    assert "A deletion cannot be undone." in html and "PIPL art. 47" in html
    assert f'action="{action_url(rr, "approve")}"' in html and 'name="confirmed"' in html


def test_a_manual_verification_is_shown_with_the_check_performed(officer_client, org_a, officer_a):
    from requests_app import workflow
    from requests_app.actors import member

    rr = factories.submitted_request(org_a)
    workflow.verify_identity(rr, actor=member(officer_a), check_performed="Saw the annual pass at the gate")
    workflow.assign(rr, actor=member(officer_a), assignee=officer_a)

    html = officer_client.get(confirm_url(rr)).content.decode()

    assert "by hand, by officer_a" in html and "Saw the annual pass at the gate" in html


def test_an_access_request_is_not_called_irreversible(officer_client, org_a, officer_a, systems):
    rr = factories.in_review_request(org_a, officer_a, kind="access")

    assert "cannot be undone" not in officer_client.get(confirm_url(rr)).content.decode()


def test_confirming_approves(officer_client, org_a, officer_a, systems):
    rr = factories.in_review_request(org_a, officer_a)
    form = officer_client.get(confirm_url(rr)).context["form"]

    response = officer_client.post(action_url(rr, "approve"), {"confirmed": form["confirmed"].value(), "note": ""})

    assert response.status_code == 302
    rr.refresh_from_db()
    assert rr.status == Status.APPROVED


def test_the_confirmation_is_refused_where_approval_cannot_happen(signed_in, officer_client, org_a, officer_a,
                                                                  auditor_a):
    verified = factories.verified_request(org_a)
    assert officer_client.get(confirm_url(verified)).status_code == 409
    rr = factories.in_review_request(org_a, officer_a, email="x@example.com")
    assert officer_client.post(confirm_url(rr)).status_code == 405
    assert signed_in(auditor_a).get(confirm_url(rr)).status_code == 403


# --- legal grounds per jurisdiction ----------------------------------------------------------


def test_an_eu_case_offers_gdpr_grounds_and_never_pipl(signed_in):
    org = factories.jurisdiction_org("EU")
    officer = factories.member(org, "officer", username="eu.officer")
    rr = factories.in_review_request(org, officer)

    form = signed_in(officer).get(reverse("desk:case", args=[rr.reference])).context["steps"]
    refuse = next(step["form"] for step in form if step["name"] == "refuse")
    labels = [str(label) for _code, label in refuse.fields["legal_ground"].choices]
    html = signed_in(officer).get(reverse("desk:case", args=[rr.reference])).content.decode()

    assert labels[0].startswith("GDPR art. 12(5)") and all("GDPR" in label for label in labels[:-1])
    assert labels[-1].startswith("Other")
    assert "PIPL" not in html


def test_the_stored_ground_is_the_laws_words_in_the_requesters_language(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a, language="zh-hans")

    response = officer_client.post(action_url(rr, "refuse"), {"reason": "欺诈案件未结", "legal_ground": "cn_47_2"})

    assert response.status_code == 302
    rr.refresh_from_db()
    with translation.override("zh-hans"):
        in_chinese = str(law.refusal_ground_label("CN", "cn_47_2"))
    assert rr.refusal_legal_ground == in_chinese
    assert in_chinese != "PIPL art. 47(2): a statutory retention period has not expired"  # it is translated


def test_another_ground_is_cited_in_the_officers_words(officer_client, org_a, officer_a):
    rr = factories.in_review_request(org_a, officer_a)

    officer_client.post(action_url(rr, "refuse"), {"reason": "Court order", "legal_ground": "other",
                                                   "legal_ground_other": "Civil Procedure Law art. 106"})

    rr.refresh_from_db()
    assert (rr.status, rr.refusal_legal_ground) == (Status.REFUSED, "Civil Procedure Law art. 106")


# --- bulk refusal --------------------------------------------------------------------------------


def test_bulk_refusal_refuses_each_with_one_reason_and_ground_and_reports_the_rest(
    officer_client, org_a, officer_a, org_b, officer_b
):
    first = factories.in_review_request(org_a, officer_a, email="one@example.com")
    second = factories.in_review_request(org_a, officer_a, email="two@example.com")
    done = factories.fulfilled_request(org_a, officer_a, email="done@example.com")
    theirs = factories.in_review_request(org_b, officer_b, email="b@example.com")
    before_b, before_done = factories.snapshot(theirs), factories.snapshot(done)

    response = officer_client.post(reverse("desk:bulk_refuse"), {
        "references": [first.reference, second.reference, done.reference, theirs.reference],
        "reason": "The same pass was used by a fraud ring; the police asked us to keep the records",
        "legal_ground": "cn_44_law",
    }, follow=True)

    for rr in (first, second):
        rr.refresh_from_db()
        assert rr.status == Status.REFUSED
        assert rr.refusal_legal_ground == "PIPL art. 44: a law or administrative regulation provides otherwise"
        assert rr.refusal_reason.startswith("The same pass")
        assert Notification.objects.filter(request=rr, event__action="refuse", kind="subject_update").exists()
    said = [str(m) for m in response.context["messages"]]
    assert any(first.reference in m and second.reference in m and m.startswith("Refused") for m in said)
    assert any(m.startswith(f"Not refused: {done.reference}") for m in said)
    assert f"Not refused: {theirs.reference}: not found" in said  # as a made-up one: nothing told
    assert factories.snapshot(theirs) == before_b and factories.snapshot(done) == before_done


@pytest.mark.parametrize("data", [
    {"reason": "", "legal_ground": "cn_44_law"},
    {"reason": "Fraud", "legal_ground": ""},
    {"reason": "Fraud", "legal_ground": "other", "legal_ground_other": ""},
    {"reason": "Fraud", "legal_ground": "eu_12_5"},
    {"reason": "Fraud", "legal_ground": "cn_44_law", "references": []},
])
def test_bulk_refusal_with_bad_input_refuses_nothing(officer_client, org_a, officer_a, data):
    rr = factories.in_review_request(org_a, officer_a)
    before = factories.snapshot(rr)

    response = officer_client.post(reverse("desk:bulk_refuse"), {"references": [rr.reference], **data})

    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    assert factories.snapshot(rr) == before


def test_bulk_refusal_reports_a_request_under_another_law(officer_client, org_a, officer_a):
    from orgs.models import Organisation

    Organisation.objects.filter(pk=org_a.pk).update(jurisdiction="EU")
    org_a.refresh_from_db()
    eu = factories.in_review_request(org_a, officer_a, email="eu@example.com")
    Organisation.objects.filter(pk=org_a.pk).update(jurisdiction="CN")
    org_a.refresh_from_db()
    assert eu.jurisdiction == "EU"
    cn = factories.in_review_request(org_a, officer_a, email="cn@example.com")

    response = officer_client.post(reverse("desk:bulk_refuse"), {
        "references": [eu.reference, cn.reference], "reason": "Fraud", "legal_ground": "cn_44_law"}, follow=True)

    eu.refresh_from_db(), cn.refresh_from_db()
    assert (eu.status, cn.status) == (Status.IN_REVIEW, Status.REFUSED)
    assert any(eu.reference in str(m) and "another law" in str(m) for m in response.context["messages"])


def test_an_auditor_cannot_refuse_in_bulk(signed_in, org_a, officer_a, auditor_a):
    rr = factories.in_review_request(org_a, officer_a)
    before = factories.snapshot(rr)

    response = signed_in(auditor_a).post(reverse("desk:bulk_refuse"), {
        "references": [rr.reference], "reason": "Fraud", "legal_ground": "cn_44_law"})

    assert response.status_code == 403
    assert factories.snapshot(rr) == before

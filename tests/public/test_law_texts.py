"""Each organisation speaks its own law: the request form, the status page, the mails and
what the vault and the retention sweep write come from orgs/law.py by the organisation's
jurisdiction. An Amsterdam (GDPR) organisation never says PIPL and defaults claims to EUR;
only a law with a next-of-kin right (PIPL art. 49) offers filing for a deceased relative."""

import pytest
from django.core import mail
from django.utils import timezone

from orgs import erasure, law
from orgs.models import BiometricRecord, DataSystem, ErasureOrder
from requests_app import fulfilment, workflow
from requests_app.actors import SUBJECT, member
from requests_app.delivery import notifications
from requests_app.errors import InvalidInput
from requests_app.models import Notification, RightsRequest
from tests import factories
from tests.public import citizen
from tests.public.pages import page

pytestmark = pytest.mark.django_db


@pytest.fixture
def eu_org():
    return factories.jurisdiction_org("EU", slug="museum-ams")


@pytest.fixture
def ca_org():
    return factories.jurisdiction_org("US-CA", slug="gym-sf")


@pytest.fixture
def cn_org():
    return factories.jurisdiction_org("CN", slug="park-hz")


def form_page(client, org):
    response = client.get(citizen.form_url(org))
    assert response.status_code == 200
    return page(response)


def selected_currency(form) -> str:
    select = form.find("select", name="claim_currency")
    return next(option.get("value") for option in select.find_all("option") if "selected" in option.attrs)


def filed_by_choices(form) -> set[str]:
    return {i.get("value") for i in form.find_all("input", name="filed_by")}


def test_an_eu_form_speaks_gdpr_defaults_to_eur_and_never_says_pipl(client, eu_org):
    form = form_page(client, eu_org)

    assert "PIPL" not in form.text
    assert "erased (art. 17)" in form.text and "GDPR art. 82" in form.text
    assert selected_currency(form) == "EUR"
    assert filed_by_choices(form) == {"self", "agent"}  # the GDPR has no next of kin (recital 27)


def test_a_californian_form_speaks_ccpa_and_defaults_to_usd(client, ca_org):
    form = form_page(client, ca_org)

    assert "PIPL" not in form.text and "GDPR" not in form.text
    assert "§1798.105" in form.text and "§7063" in form.text
    assert selected_currency(form) == "USD"
    assert "next_of_kin" not in filed_by_choices(form)


def test_a_chinese_form_offers_next_of_kin_citing_pipl_49_and_defaults_to_cny(client, cn_org):
    form = form_page(client, cn_org)

    assert filed_by_choices(form) == {"self", "next_of_kin", "agent"}
    assert str(law.texts("CN").next_of_kin) in form.text
    assert "PIPL art. 69" in form.text
    assert selected_currency(form) == "CNY"


def test_next_of_kin_posted_to_an_eu_form_gets_a_form_error_and_files_nothing(client, eu_org):
    response = citizen.file_request(client, eu_org, filed_by="next_of_kin", requester_name="Daughter",
                                    requester_email="daughter@example.com", claim_currency="EUR")

    assert response.status_code == 200
    assert "valid choice" in page(response).text
    assert not RightsRequest.objects.filter(organisation=eu_org).exists()


def test_next_of_kin_through_the_api_is_refused_for_an_eu_organisation(eu_org):
    api = factories.api_client()
    body = {"organisation": eu_org.slug, "kinds": ["deletion"], "data_description": "Face template",
            "identity": {"email": "guo@example.com", "full_name": "Guo"}, "filed_by": "next_of_kin",
            "requester_name": "Daughter", "requester_email": "daughter@example.com"}

    response = api.post("/api/v1/public/requests/", body, format="json")

    assert response.status_code == 400, response.content
    assert "filed_by" in str(response.json())
    assert not RightsRequest.objects.filter(organisation=eu_org).exists()


@pytest.mark.parametrize(("jurisdiction", "says", "never"), [
    ("EU", "GDPR arts. 12(4), 77 and 79", "PIPL"),
    ("US-CA", "California Privacy Protection Agency", "PIPL"),
    ("CN", "PIPL arts. 60, 65", "GDPR"),
])
def test_the_refusal_on_the_status_page_and_in_the_mail_gives_the_route_of_its_law(
    client, jurisdiction, says, never
):
    org = factories.jurisdiction_org(jurisdiction)
    officer = factories.member(org, "officer", username=f"officer-{jurisdiction}")
    token, (rr,) = citizen.file_and_verify(client, org, claim_currency=law.texts(jurisdiction).currency)
    workflow.assign(rr, actor=member(officer), assignee=officer)
    ground = law.texts(jurisdiction).refusal_grounds[0][1]
    workflow.refuse(rr, actor=member(officer), reason="No record matches the pass number", legal_ground=str(ground))
    mail.outbox.clear()

    notifications.deliver(Notification.objects.get(request=rr, event__action="refuse").pk)
    status = page(client.get(citizen.status_url(token))).find(id=f"case-{rr.reference}").text

    (letter,) = mail.outbox
    for text in (status, letter.body):
        assert says in text and never not in text
        assert str(law.texts(jurisdiction).reasons_required) in text


def test_the_vault_keeps_a_record_for_storage_only_in_the_words_of_the_organisations_law(settings, tmp_path, eu_org):
    settings.MEDIA_ROOT = tmp_path / "media"
    officer = factories.member(eu_org, "officer", username="officer_eu")
    vault = factories.system(eu_org, name="Turnstile vault")
    kept = factories.activity(eu_org, name="Fraud cases", modality="face", statutory_retention=True)
    record = factories.person_record(kept, data_system=vault)
    rr = factories.approved_request(eu_org, officer)

    fulfilment.begin(rr.pk)
    fulfilment.run_task(rr.fulfilment_tasks.get(connector=DataSystem.Connector.VAULT).pk)

    record = BiometricRecord.objects.get(pk=record.pk)
    assert record.state == BiometricRecord.State.RESTRICTED
    assert "GDPR arts. 17(3)(b) and 18" in record.tombstone_reason and "PIPL" not in record.tombstone_reason


def test_retention_expiry_cites_the_organisations_law(eu_org, cn_org):
    past = timezone.now() - timezone.timedelta(days=1)
    for org in (eu_org, cn_org):
        factories.vault_records(factories.activity(org), 1, retain_until=past)

    erasure.open_retention_orders()

    reasons = dict(ErasureOrder.objects.values_list("organisation__jurisdiction", "reason"))
    assert reasons == {"EU": "Retention period expired (GDPR arts. 5(1)(e), 17(1)(a))",
                       "CN": "Retention period expired (PIPL art. 47(1))"}


def test_an_eu_claim_assessed_on_the_desk_names_gdpr_art_82(client, eu_org):
    officer = factories.member(eu_org, "officer", username="officer_eu")
    rr = factories.in_review_request(eu_org, officer)
    factories.claim(rr, amount_minor=25000, currency="EUR")
    client.force_login(officer)

    text = page(client.get(f"/desk/requests/{rr.reference}/")).find(id="step-assess_claim").text

    assert "Basis (GDPR art. 82)" in text and "PIPL" not in text


def test_a_currency_error_gives_the_organisations_currency_as_the_example(eu_org):
    rr = factories.verified_request(eu_org)

    with pytest.raises(InvalidInput) as exc:
        workflow.claim_compensation(rr, actor=SUBJECT, amount_minor=100, currency="euro")

    assert "such as EUR" in str(exc.value.errors["currency"])

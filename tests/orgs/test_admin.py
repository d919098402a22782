"""The Django admin as an administrator sees it: every model browsable, nothing secret shown,
and no way round the workflow or the audit trail."""

import re
from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orgs import (
    consent, devices, filing, filing_reminders, oversight, oversight_orders, oversight_reminders, report_publication,
)
from orgs.identifiers import read_identifiers
from orgs.models import (
    BiometricRecord, CalendarDay, CalendarYear, FilingReminder, ImpactAssessment, MailWording, RetentionDuty,
    ReviewReminder,
)
from requests_app import workflow
from requests_app.actors import SUBJECT, member
from requests_app.cases import tokens
from requests_app.models import Attachment, Reminder, RequestEvent, RightsRequest, SubjectKey
from requests_app.transparency import sequencer
from tests import factories, tampering
from tests.drp.agent import Agent
from tests.drp.conftest import register as register_agent
from tests.gate import Gate
from tests.orgs.test_crypto import TEMPLATE, biometric_record

MODELS = [model for label in ("orgs", "requests_app") for model in apps.get_app_config(label).get_models()]


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    # Tests run with DEBUG off, whose manifest storage needs a collectstatic the tests never ran.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }}


@pytest.fixture
def admin_client(client, administrator):
    factories.force_sign_in(client, administrator)
    return client


@pytest.fixture
def case(org_a, officer_a, administrator, monkeypatch):
    """One object of every model: a deletion request carried into fulfilment, with a claim
    (verifying it wrote a Notification), and a finished erasure order with its certificate."""
    record = biometric_record(org_a)
    office = factories.activity(org_a, name="Visitor face capture", collection_point="Sales office")
    factories.vault_records(office, 2)
    factories.run_order(factories.erasure_order(org_a, collection_point="Sales office", ordered_by=administrator))
    factories.event_subscription(org_a, url="https://hooks.example/rightsdesk")  # filing writes its delivery
    factories.api_token(officer_a, org_a)
    rr = factories.in_review_request(org_a, officer_a)
    workflow.approve(rr, actor=member(officer_a), note="Pass holder confirmed")  # a note: the person's key
    workflow.start_fulfilment(rr, actor=member(officer_a))
    sequencer.integrate()  # the log's leaves, nodes, head and state; the next events wait in its queue
    workflow.message_subject(rr, actor=member(officer_a), body="We are deleting your face data.")
    workflow.claim_compensation(rr, actor=SUBJECT, amount_minor=103800, currency="CNY", covers="Pass and travel")
    Reminder.objects.create(request=rr, threshold=Reminder.Threshold.DAYS_7, due_at=rr.due_at)
    Attachment.objects.create(
        request=rr, purpose=Attachment.Purpose.EVIDENCE, file=f"requests/{rr.pk}/{'a' * 64}",
        original_name="annual-pass.jpg", content_type="image/jpeg", size=1024, sha256="a" * 64,
        from_subject=True,
    )
    tokens.issue_status_link(rr.submission)  # as the public pages do for the requester's link
    MailWording.objects.create(organisation=org_a, kind="subject_update", language="en", greeting="Dear visitor,")
    RetentionDuty.objects.create(organisation=org_a, name="Anti-fraud register", legal_basis="Art. 17(3)(b) GDPR")
    year = CalendarYear.objects.create(jurisdiction="CN", year=2027, source="State Council notice")
    CalendarDay.objects.create(calendar_year=year, day=date(2027, 2, 6), kind="holiday", name="Spring Festival")
    # The register: a point, its live device, the assessment that let it go live, and a reminder of its review.
    camera = factories.live_device(factories.collection_point(office, name="Sales office"), officer_a,
                                   serial="NJ-CAM-1")
    # The device connector: its credential, a deletion queued for it, and the receipt for it.
    gate = Gate(camera)
    BiometricRecord.objects.filter(activity=office).update(collection_point=camera.collection_point)
    devices.queue_record_deletions(BiometricRecord.objects.filter(activity=office).values_list("pk", flat=True))
    gate.work()
    ReviewReminder.objects.create(assessment=ImpactAssessment.objects.get(), due_at=timezone.now())
    # The consent ledger: a visitor's consent at the kiosk.
    consent.give(org_a, office, read_identifiers({"email": "visitor@example.com"}, jurisdiction="CN"),
                 channel="kiosk", separate=True)
    # A filing obligation (the rule at a threshold of one person: 100,000 rows would slow every test here)
    # and a reminder of it, as the sweep claims one.
    monkeypatch.setattr(filing, "THRESHOLD", 1)
    filing_reminders.claim(filing.check(org_a).opened, FilingReminder.Stage.TEN_DAYS, now=timezone.now())
    # A regulator with a grant, a page it opened, its order (with its history) and a reminder of it.
    authority = factories.authority()
    regulator = factories.regulator(authority, username="inspector")
    oversight.record_access(factories.grant(authority, org_a), regulator.user, "overview")
    order = oversight_orders.send(org_a, regulator=regulator, kind="inquiry", text="Who reviewed the gates?")
    oversight_reminders.claim(order, "3", now=timezone.now())
    # An authorised agent of the DRP: its pair-wise token, a request it filed (its message kept
    # against replay) and the callback queued to tell it.
    drp_agent = Agent("ADMIN_TEST_AGENT", org_a.slug)
    register_agent(drp_agent, org_a, prefixes="https://agent.example/")
    agent_client = Client()
    assert drp_agent.register(agent_client).status_code == 200
    filed = drp_agent.file(agent_client, drp_agent.exercise_message(callback="https://agent.example/drp/status", regime="", exercise="deletion"))
    assert filed.status_code == 200, filed.content
    # A request withdrawn: its organisation's closed requests' version is bumped.
    factories.withdrawn_request(org_a, email="withdrawn@example.com")
    # The transparency report published, its change on the record.
    report_publication.set_publication(org_a, user=None, published=True, sections=["compensation"])
    rr.refresh_from_db()
    return rr, record


def url(model: type[Model] | Model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_model_of_both_apps_is_registered():
    assert [m for m in MODELS if not admin.site.is_registered(m)] == []


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_and_change_page_open_for_the_administrator(admin_client, case, model):
    obj = model.objects.order_by("pk").first()
    assert obj is not None, "the case fixture should build one of each"

    changelist = admin_client.get(url(model, "changelist"))
    change = admin_client.get(url(model, "change", obj.pk))

    assert changelist.status_code == 200
    assert url(model, "change", obj.pk) in changelist.content.decode()
    assert change.status_code == 200


def test_a_persons_data_key_is_never_shown(admin_client, case):
    rr, _record = case
    wrapped = bytes(SubjectKey.objects.get(subject_id=rr.subject_id).wrapped)

    for page in (url(SubjectKey, "changelist"), url(SubjectKey, "change", rr.subject_id)):
        content = admin_client.get(page).content.decode()
        assert wrapped.decode() not in content and "wrapped" not in content


def test_biometric_pages_show_no_template(admin_client, case):
    _rr, record = case
    ciphertext = bytes(BiometricRecord.objects.values_list("template_ciphertext", flat=True).get(pk=record.pk))

    for page in (url(BiometricRecord, "changelist"), url(BiometricRecord, "change", record.pk)):
        content = admin_client.get(page).content.decode()
        assert "g***@example.com" in content
        for secret in (TEMPLATE.decode(), ciphertext.decode(), repr(ciphertext), ciphertext.hex(),
                       "template_ciphertext", record.email_hash):
            assert secret not in content, (page, secret)


def test_biometric_records_are_found_by_the_persons_email(admin_client, case):
    _rr, record = case
    changelist = url(BiometricRecord, "changelist")

    assert url(record, "change", record.pk) in admin_client.get(changelist, {"q": " GUO@example.com"}).content.decode()
    assert url(record, "change", record.pk) not in admin_client.get(changelist, {"q": "li@example.com"}).content.decode()


def test_biometric_records_cannot_be_added_in_the_admin(admin_client, case):
    assert admin_client.get(url(BiometricRecord, "add")).status_code == 403


def test_request_page_shows_the_timeline_in_order(admin_client, case):
    rr, _record = case

    content = admin_client.get(url(rr, "change", rr.pk)).content.decode()

    actions = re.findall(r'<td class="field-what">\s*<p>([^<]+)</p>', content)
    assert actions == ["Request filed", "Identity verified with the one-time code", "Assigned to officer_a",
                       "Approved: Pass holder confirmed", "Fulfilment started in the data systems", "Message sent to the requester",
                       "Compensation claimed"]
    assert "Holds (7 events checked)" in content


def test_request_page_reports_a_broken_chain(admin_client, case):
    rr, _record = case
    tampering.update_events(RequestEvent.objects.filter(request=rr, seq=2), data={"method": "forged"})

    content = admin_client.get(url(rr, "change", rr.pk)).content.decode()

    assert f"BROKEN: {rr.reference} event 2: content changed" in content


def test_request_status_cannot_be_changed_in_the_admin(admin_client, case):
    rr, _record = case

    page = admin_client.get(url(rr, "change", rr.pk)).content.decode()
    response = admin_client.post(url(rr, "change", rr.pk), {"status": "fulfilled", "_save": "Save"})

    assert 'name="status"' not in page
    assert response.status_code == 403
    assert RightsRequest.objects.get(pk=rr.pk).status == RightsRequest.Status.FULFILLING


def test_requests_cannot_be_added_or_deleted_in_the_admin(admin_client, case):
    rr, _record = case

    assert admin_client.get(url(rr, "add")).status_code == 403
    assert admin_client.post(url(rr, "delete", rr.pk), {"post": "yes"}).status_code == 403
    assert RightsRequest.objects.filter(pk=rr.pk).exists()


def test_verify_chain_action_names_the_broken_request(admin_client, case):
    rr, _record = case
    tampering.update_events(RequestEvent.objects.filter(request=rr, seq=3), prev_hash="")

    response = admin_client.post(
        url(rr, "changelist"), {"action": "verify_chains", "_selected_action": [rr.pk]}, follow=True
    )

    assert f"{rr.reference} event 3: does not follow the previous event" in response.content.decode()


def queries_to_open(client, page: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    return len(captured)


def test_request_changelist_does_not_query_per_row(admin_client, case, org_a):
    before = queries_to_open(admin_client, url(RightsRequest, "changelist"))
    for n in range(3):
        factories.submitted_request(org_a, email=f"p{n}@example.com")

    assert queries_to_open(admin_client, url(RightsRequest, "changelist")) == before


def test_request_page_does_not_query_per_timeline_row(admin_client, case, officer_a):
    rr, _record = case
    queries_to_open(admin_client, url(rr, "change", rr.pk))  # warm Django's content-type cache
    before = queries_to_open(admin_client, url(rr, "change", rr.pk))
    for n in range(3):
        workflow.message_subject(rr, actor=member(officer_a), body=f"Update {n}")

    assert queries_to_open(admin_client, url(rr, "change", rr.pk)) == before


def test_events_are_read_only_and_cannot_be_deleted(admin_client, case):
    rr, _record = case
    event = rr.events.get(seq=1)

    page = admin_client.get(url(event, "change", event.pk)).content.decode()
    edit = admin_client.post(url(event, "change", event.pk), {"action": "forged", "_save": "Save"})
    delete = admin_client.post(url(event, "delete", event.pk), {"post": "yes"})
    changelist = admin_client.get(url(RequestEvent, "changelist")).content.decode()

    assert 'name="_save"' not in page
    assert edit.status_code == 403
    assert delete.status_code == 403
    assert RequestEvent.objects.get(pk=event.pk).action == "submit"
    assert "delete_selected" not in changelist
    assert admin_client.get(url(RequestEvent, "add")).status_code == 403


def test_subject_list_shows_masked_identifiers_only(admin_client, case):
    rr, _record = case

    content = admin_client.get(url(rr.subject, "changelist")).content.decode()

    assert "g***@example.com" in content
    assert "guo@example.com" not in content
    assert admin_client.post(url(rr.subject, "delete", rr.subject.pk), {"post": "yes"}).status_code == 403


def test_subject_is_found_by_email_but_listed_masked(admin_client, case, org_a):
    rr, _record = case
    other = factories.submitted_request(org_a, email="li@example.com").subject

    content = admin_client.get(url(rr.subject, "changelist"), {"q": "Guo@Example.com"}).content.decode()

    assert url(rr.subject, "change", rr.subject.pk) in content
    assert url(other, "change", other.pk) not in content
    assert "guo@example.com" not in content.replace('value="Guo@Example.com"', "")


def test_verification_code_hash_is_never_shown(admin_client, case):
    rr, _record = case
    challenge = rr.challenges.get()

    for page in (url(challenge, "changelist"), url(challenge, "change", challenge.pk)):
        assert challenge.code_hash not in admin_client.get(page).content.decode()

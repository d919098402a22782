"""The request kinds the US laws add: opt-out of sale or sharing and limiting sensitive
personal information (CCPA Civ. Code §§1798.120, 1798.121), Virginia's opt-outs of
targeted advertising, sale and profiling (Va. Code §59.1-577(A)(5)).

CCPA opt-outs: 15 business days (regs §7026(f), §7027(g)), no extension, no identity
verification (regs §7026(d), §7027(e)). Virginia's opt-outs are authenticated requests like
the others (59.1-577(A), (B)(4)) with the 45 days of (B)(1).

Reference calendar: Tuesday 4 May 2027 in Los Angeles (PDT, UTC-7). Fifteen business days
(Mon-Fri; no US or Californian holiday falls between 4 and 26 May 2027) end on Tuesday 25 May.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from orgs.models import DataSystem
from requests_app import fulfilment, tasks, workflow
from requests_app.actors import SUBJECT, member
from requests_app.cases import documents
from requests_app.cases.outcomes import RecordOutcome, outcomes_for
from requests_app.cases.subjects import Identity
from requests_app.desk.filters import QueueFilter
from requests_app.errors import InvalidInput, TransitionNotAllowed
from requests_app.models import RightsRequest, VerificationChallenge
from requests_app.public.forms import RequestForm
from requests_app.workflow import task_steps
from tests import factories

pytestmark = pytest.mark.django_db
Kind, Status = RightsRequest.Kind, RightsRequest.Status
LA, NEW_YORK = ZoneInfo("America/Los_Angeles"), ZoneInfo("America/New_York")
US_KINDS = {Kind.OPT_OUT_SALE, Kind.LIMIT_SENSITIVE, Kind.OPT_OUT_TARGETED, Kind.OPT_OUT_PROFILING}
OFFERED = {
    "CN": set(), "EU": set(), "BR": set(),
    "US-CA": {Kind.OPT_OUT_SALE, Kind.LIMIT_SENSITIVE},
    "US-VA": {Kind.OPT_OUT_SALE, Kind.OPT_OUT_TARGETED, Kind.OPT_OUT_PROFILING},
}
ZONES = {"CN": "Asia/Shanghai", "EU": "Europe/Berlin", "US-CA": "America/Los_Angeles", "BR": "America/Sao_Paulo",
         "US-VA": "America/New_York"}


def _org(jurisdiction):
    return factories.organisation(name=f"Org {jurisdiction}", slug=f"org-{jurisdiction.lower()}",
                                  jurisdiction=jurisdiction, time_zone=ZONES[jurisdiction])


def _end_of(y, m, d, tz):
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=tz)


def _file(org, kinds, email="pat@example.com"):
    return workflow.submit_many(organisation=org, kinds=kinds, identity=Identity(email=email, full_name="Pat"))


# --- offered only where the law has them ------------------------------------------------------


@pytest.mark.parametrize("jurisdiction", list(OFFERED))
def test_the_form_and_the_desk_filter_offer_the_kinds_of_the_organisations_law(jurisdiction):
    org = _org(jurisdiction)
    officer = factories.member(org, "officer", username=f"officer_{jurisdiction.lower()}")

    assert QueueFilter.base_filters["kind"].field  # a field built before is not reused with every kind
    form_kinds = {code for code, _label in RequestForm(organisation=org).fields["kinds"].choices}
    filter_kinds = {code for code, _label in QueueFilter(
        {}, queryset=RightsRequest.objects.none(), membership=officer.memberships.get()).form.fields["kind"].choices}

    assert form_kinds & US_KINDS == OFFERED[jurisdiction]
    assert filter_kinds & US_KINDS == OFFERED[jurisdiction]
    assert Kind.DELETION in form_kinds and Kind.DELETION in filter_kinds


@pytest.mark.parametrize("jurisdiction,kind", [
    (j, k) for j in OFFERED for k in sorted(US_KINDS) if k not in OFFERED[j]])
def test_a_kind_the_law_does_not_have_is_refused_with_a_clear_error(jurisdiction, kind):
    org = _org(jurisdiction)

    with pytest.raises(InvalidInput) as exc:
        _file(org, [Kind.DELETION, kind])

    assert "is not a request the law of this organisation provides for" in str(exc.value.errors["kind"])
    assert not RightsRequest.objects.exists()


def test_the_api_refuses_an_opt_out_under_a_law_without_it(client):
    _org("EU")
    response = client.post(reverse("api:public-requests"), {
        "organisation": "org-eu", "kinds": ["opt_out_sale"], "identity": {"email": "pat@example.com"},
        "data_description": "Loyalty card data",
    }, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["fields"]["kinds"] == ["Select a valid choice. opt_out_sale is not one of the available "
                                                  "choices."]
    assert not RightsRequest.objects.exists()


def test_the_public_form_refuses_an_opt_out_under_a_law_without_it(client):
    from tests.public import citizen

    org = _org("BR")
    response = citizen.file_request(client, org, kinds=["opt_out_targeted"])

    assert response.status_code == 200 and not RightsRequest.objects.exists()
    assert "is not one of the available choices" in response.content.decode()


# --- CCPA: no code, 15 business days, no extension ----------------------------------------------


@pytest.mark.parametrize("kind", [Kind.OPT_OUT_SALE, Kind.LIMIT_SENSITIVE])
def test_a_ccpa_opt_out_needs_no_code_and_is_due_in_15_business_days(kind, time_machine):
    time_machine.move_to(datetime(2027, 5, 4, 23, 30, tzinfo=LA), tick=False)  # 06:30 UTC on 5 May
    org = _org("US-CA")
    mail.outbox.clear()

    (rr,) = _file(org, [kind])

    assert rr.status == Status.VERIFIED and rr.expires_at is None
    assert not VerificationChallenge.objects.exists()
    assert rr.events.get(action="verify").data["method"] == "not_required"
    assert rr.due_at == _end_of(2027, 5, 25, LA)
    assert not deadlines_allow_extension(rr)


def deadlines_allow_extension(rr):
    from requests_app.cases import deadlines

    return deadlines.can_extend(deadlines.get_policy(rr.jurisdiction), extensions_so_far=0, kind=rr.kind)


def test_a_ccpa_opt_out_filed_just_after_local_midnight_counts_from_that_day(time_machine):
    time_machine.move_to(datetime(2027, 5, 5, 0, 30, tzinfo=LA), tick=False)
    (rr,) = _file(_org("US-CA"), [Kind.OPT_OUT_SALE])

    assert rr.due_at == _end_of(2027, 5, 26, LA)


def test_a_ccpa_opt_out_is_due_to_the_end_of_its_15th_business_day_and_overdue_after(time_machine):
    time_machine.move_to(datetime(2027, 5, 4, 10, 0, tzinfo=LA), tick=False)
    org = _org("US-CA")
    officer = factories.member(org, "officer", username="officer_ca")
    (rr,) = _file(org, [Kind.OPT_OUT_SALE])
    workflow.assign(rr, actor=member(officer), assignee=officer)

    time_machine.move_to(datetime(2027, 5, 25, 23, 59, tzinfo=LA), tick=False)
    assert not rr.is_overdue
    time_machine.move_to(datetime(2027, 5, 26, 0, 0, 1, tzinfo=LA), tick=False)
    assert rr.is_overdue
    with pytest.raises(TransitionNotAllowed):
        workflow.extend(rr, actor=member(officer), reason="Vendor slow")


def test_a_ccpa_deletion_filed_with_an_opt_out_still_waits_for_its_code(time_machine):
    time_machine.move_to(datetime(2027, 5, 4, 10, 0, tzinfo=LA), tick=False)
    org = _org("US-CA")

    filed = _file(org, [Kind.OPT_OUT_SALE, Kind.DELETION])

    by_kind = {rr.kind: rr for rr in filed}
    assert by_kind[Kind.OPT_OUT_SALE].status == Status.VERIFIED
    deletion = by_kind[Kind.DELETION]
    assert deletion.status == Status.SUBMITTED and deletion.due_at == _end_of(2027, 6, 18, LA)  # 45 days
    tasks.send_verification_code(VerificationChallenge.objects.get(request=deletion).pk)
    workflow.verify_identity(deletion, actor=SUBJECT, code=factories.code_from_outbox())
    deletion.refresh_from_db()
    assert deletion.status == Status.VERIFIED


def test_the_web_form_takes_a_ccpa_opt_out_straight_to_the_status_page(client, time_machine):
    from tests.public import citizen

    time_machine.move_to(datetime(2027, 5, 4, 10, 0, tzinfo=UTC), tick=False)
    org = _org("US-CA")
    response = citizen.file_request(client, org, kinds=["opt_out_sale"], claim_currency="USD")

    assert response.status_code == 302 and response["Location"].startswith("/status/")
    page = client.get(response["Location"]).content.decode()
    assert "This request needs no identity check." in page


# --- Virginia: authenticated, 45 days ----------------------------------------------------------


@pytest.mark.parametrize("kind", [Kind.OPT_OUT_SALE, Kind.OPT_OUT_TARGETED, Kind.OPT_OUT_PROFILING])
def test_a_virginia_opt_out_is_authenticated_and_due_in_45_days(kind, time_machine):
    time_machine.move_to(datetime(2027, 5, 4, 10, 0, tzinfo=NEW_YORK), tick=False)
    org = _org("US-VA")

    (rr,) = _file(org, [kind])

    assert rr.status == Status.SUBMITTED and VerificationChallenge.objects.filter(request=rr).exists()
    assert rr.due_at == _end_of(2027, 6, 18, NEW_YORK)  # receipt clock: 4 May + 45 days


# --- fulfilment: recorded per data system, closed with its letter ----------------------------


def _approved(org, officer, kind):
    """Filed, verified where the law asks for it (the code), assigned and approved."""
    (rr,) = _file(org, [kind])
    if rr.status == Status.SUBMITTED:
        tasks.send_verification_code(rr.challenges.get().pk)
        workflow.verify_identity(rr, actor=SUBJECT, code=factories.code_from_outbox())
    workflow.assign(rr, actor=member(officer), assignee=officer)
    workflow.approve(rr, actor=member(officer))
    return rr


CASES = [("US-CA", Kind.OPT_OUT_SALE), ("US-CA", Kind.LIMIT_SENSITIVE), ("US-VA", Kind.OPT_OUT_SALE),
         ("US-VA", Kind.OPT_OUT_TARGETED), ("US-VA", Kind.OPT_OUT_PROFILING)]


@pytest.mark.parametrize("jurisdiction,kind", CASES)
def test_an_opt_out_is_recorded_per_data_system_and_closes_with_its_letter(jurisdiction, kind, time_machine):
    time_machine.move_to(datetime(2027, 5, 4, 17, 0, tzinfo=UTC), tick=False)
    org = _org(jurisdiction)
    officer = factories.member(org, "officer", username="officer_us")
    vault = factories.system(org, name="Face vault")
    ledger = factories.system(org, name="Ad partner feed", connector=DataSystem.Connector.MANUAL, owner=officer)
    face = factories.activity(org, name="Face check-in", modality="face", collection_point="Front desk")
    record = factories.person_record(face, data_system=vault, email="pat@example.com")
    expected = RecordOutcome.USE_LIMITED if kind == Kind.LIMIT_SENSITIVE else RecordOutcome.OPTED_OUT

    rr = _approved(org, officer, kind)
    fulfilment.begin(rr.pk)
    vault_task = rr.fulfilment_tasks.get(system=vault)
    fulfilment.run_task(vault_task.pk)
    vault_task.refresh_from_db()
    assert [entry["outcome"] for entry in vault_task.result["records"]] == [expected]
    assert record.__class__.objects.get(pk=record.pk).state == record.State.ACTIVE  # the data stay
    manual = rr.fulfilment_tasks.get(system=ledger)
    assert set(outcomes_for(kind)) == {expected, RecordOutcome.NOT_APPLICABLE, RecordOutcome.NOT_FOUND}
    task_steps.record_by_hand(manual, actor=member(officer), hand=task_steps.HandOutcome(outcome=expected))
    fulfilment.complete_if_done(rr.pk)  # as the worker does once every task is done
    rr.refresh_from_db()

    assert rr.status == Status.FULFILLED and rr.certificate is None
    letter = documents.render_html(documents.for_request(rr, "fulfilment"))
    assert "Face vault" in letter and "Ad partner feed" in letter
    assert str(RecordOutcome(expected).label) in letter
    assert str(Kind(kind).label) in letter
    assert ("§1798.120" if jurisdiction == "US-CA" else "§59.1-577(A)(5)") in letter


def test_a_hand_outcome_that_does_not_fit_an_opt_out_is_refused(time_machine):
    org = _org("US-CA")
    officer = factories.member(org, "officer", username="officer_ca")
    ledger = factories.system(org, name="Ad partner feed", connector=DataSystem.Connector.MANUAL, owner=officer)
    rr = _approved(org, officer, Kind.OPT_OUT_SALE)
    fulfilment.begin(rr.pk)

    with pytest.raises(InvalidInput):
        task_steps.record_by_hand(rr.fulfilment_tasks.get(system=ledger), actor=member(officer),
                                  hand=task_steps.HandOutcome(outcome=RecordOutcome.DELETED))


def test_an_opt_out_acknowledges_no_period_beyond_its_own(time_machine):
    """The per-kind period is the policy's: 45 days for a CCPA deletion, 15 business days for its opt-out."""
    from requests_app.cases import deadlines

    policy = deadlines.get_policy("US-CA")
    assert deadlines.response_period(policy, Kind.DELETION) == policy.response
    assert deadlines.response_period(policy, Kind.OPT_OUT_SALE) == deadlines.Period(15, deadlines.Unit.BUSINESS_DAYS)
    assert deadlines.response_period(deadlines.get_policy("US-VA"), Kind.OPT_OUT_SALE) == deadlines.Period(
        45, deadlines.Unit.DAYS)
    start = datetime(2027, 5, 4, 17, 0, tzinfo=UTC)
    assert deadlines.due_at(policy, clock_started_at=start, tz=LA, kind=Kind.OPT_OUT_SALE) - start < timedelta(days=22)


# --- a webhook system answers what it recorded -------------------------------------------------


@pytest.fixture
def ad_partner():
    from tests.requests_app.test_fulfilment_webhook import ExternalSystem

    system = ExternalSystem()
    yield system
    system.close()


def _webhook_task(ad_partner, kind):
    org = _org("US-CA")
    officer = factories.member(org, "officer", username="officer_ca")
    factories.webhook_system(org, url=ad_partner.url, secret="ad-partner-secret-0123456789", webhook_timeout_hours=48)
    rr = _approved(org, officer, kind)
    fulfilment.begin(rr.pk)
    task = rr.fulfilment_tasks.get()
    fulfilment.run_task(task.pk)
    return rr, task


@pytest.mark.parametrize("kind,outcome", [(Kind.OPT_OUT_SALE, "opted_out"), (Kind.LIMIT_SENSITIVE, "use_limited")])
def test_a_webhook_system_reports_the_opt_out_it_recorded(client, ad_partner, kind, outcome):
    from tests.requests_app.test_fulfilment_webhook import _callback

    rr, task = _webhook_task(ad_partner, kind)
    body = {"status": "done", "records": [{"external_id": "ad-id-7", "outcome": outcome}]}

    response = _callback(client, task, body, secret="ad-partner-secret-0123456789")

    assert response.status_code == 200, response.content
    task.refresh_from_db()
    assert task.result["records"] == [{"external_id": "ad-id-7", "outcome": outcome}]


def test_a_webhook_answer_that_does_not_fit_the_opt_out_is_refused(client, ad_partner):
    from tests.requests_app.test_fulfilment_webhook import _callback

    rr, task = _webhook_task(ad_partner, Kind.OPT_OUT_SALE)
    body = {"status": "done", "records": [{"external_id": "ad-id-7", "outcome": "deleted"}]}

    response = _callback(client, task, body, secret="ad-partner-secret-0123456789")

    assert response.status_code == 400
    assert "must fit the request" in response.json()["fields"]["records"][0]
    task.refresh_from_db()
    assert task.status == task.Status.AWAITING_CALLBACK

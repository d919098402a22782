"""`manage.py seed_demo`: the demo a person sees after `make run`, built through the workflow."""

import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from orgs.models import BiometricRecord, ConsentEvent, Organisation
from requests_app.demo import data as demo
from requests_app.models import CompensationClaim, FulfilmentTask, RequestEvent, RightsRequest
from requests_app.transparency import sequencer
from requests_app.transparency.audit import verify_chain
from requests_app.workflow import ERASURE_KINDS

pytestmark = pytest.mark.django_db

DEMO_SLUGS = {
    "hangzhou-wildlife-world": ("CN", "Asia/Shanghai"),
    "nanjing-riverside-sales": ("CN", "Asia/Shanghai"),
    "hangzhou-greenfield-estate": ("CN", "Asia/Shanghai"),
    "amsterdam-museum-pass": ("EU", "Europe/Amsterdam"),
    "golden-gate-fitness": ("US-CA", "America/Los_Angeles"),
}


def seed_demo() -> str:
    out = io.StringIO()
    # Tests run with DEBUG off, where the command refuses without --force.
    call_command("seed_demo", "--force", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Row counts of every model of both apps and of users, and the identity of every event."""
    counts = {
        model._meta.label: model._default_manager.count()
        for label in ("orgs", "requests_app")
        for model in apps.get_app_config(label).get_models()
    }
    counts["auth.User"] = get_user_model().objects.count()
    events = list(RequestEvent.objects.order_by("request_id", "seq").values_list("request_id", "seq", "hash"))
    requests = list(RightsRequest.objects.order_by("pk").values_list("pk", "status", "due_at", "chain_head"))
    return {"counts": counts, "events": events, "requests": requests}


def test_seed_demo_builds_the_demo():
    out = seed_demo()

    orgs = {o.slug: o for o in Organisation.objects.all()}
    assert {slug: (o.jurisdiction, str(o.time_zone)) for slug, o in orgs.items()} == DEMO_SLUGS
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(demo.DEMO_PASSWORD)
    assert "admin" in out and demo.DEMO_PASSWORD in out and "/admin/" in out

    statuses = set(RightsRequest.objects.values_list("status", flat=True))
    assert statuses == set(RightsRequest.Status.values)
    assert set(RightsRequest.objects.values_list("organisation__slug", flat=True)) == set(DEMO_SLUGS)
    assert RightsRequest.objects.filter(filed_by=RightsRequest.FiledBy.NEXT_OF_KIN).exists()
    assert RightsRequest.objects.filter(filed_by=RightsRequest.FiledBy.AGENT, jurisdiction__in=["EU", "US-CA"]).exists()

    now = timezone.now()
    open_requests = RightsRequest.objects.exclude(status__in=RightsRequest.CLOSED_STATUSES)
    assert open_requests.filter(due_at__lt=now).exists()
    assert open_requests.filter(due_at__gt=now, due_at__lte=now + timedelta(days=2)).exists()
    assert open_requests.filter(due_at__gt=now, due_at__lte=now + timedelta(days=7)).exists()
    for jurisdiction in ("EU", "US-CA"):
        assert open_requests.filter(jurisdiction=jurisdiction, due_at__lt=now).exists(), jurisdiction
        near = open_requests.filter(jurisdiction=jurisdiction, due_at__gt=now, due_at__lte=now + timedelta(days=7))
        assert near.exists(), jurisdiction

    # The Hangzhou case: Guo's deletion request, verified by his code, an open claim of RMB 1,038.
    park = orgs["hangzhou-wildlife-world"]
    case = RightsRequest.objects.get(organisation=park, subject__email=f"guo.bing@{demo.DEMO_DOMAIN}")
    assert case.kind == RightsRequest.Kind.DELETION and case.is_open
    assert case.events.get(action="verify").data["method"] == "code"
    assert case.received_at < now - timedelta(days=7)
    claim = case.claims.get(status__in=CompensationClaim.OPEN_STATUSES)
    assert (claim.claimed_minor, claim.currency) == (103800, "CNY")
    matched = BiometricRecord.objects.matching(case.subject.identifier_hashes()).filter(organisation=park)
    assert set(matched.values_list("modality", flat=True)) == {"face", "fingerprint"}
    assert case.reference in out

    assert BiometricRecord.objects.filter(organisation=park).count() >= 24
    assert BiometricRecord.objects.filter(retain_until__lt=now, state=BiometricRecord.State.ACTIVE).exists()
    assert park.systems.get(name="Gate vendor cloud").webhook_url == "http://127.0.0.1:8765/hooks/rightsdesk"
    assert park.systems.get(name="Ticketing office paper archive").owner.username == "park.archive"


def test_second_run_creates_nothing_and_changes_nothing():
    first = seed_demo()
    assert "Nothing new was created" not in first
    before = snapshot()

    second = seed_demo()

    assert snapshot() == before
    assert "Nothing new was created" in second
    assert demo.DEMO_PASSWORD in second


def test_every_audit_chain_holds_after_seeding():
    seed_demo()
    requests = list(RightsRequest.objects.all())
    assert requests
    assert [(rr.reference, verify_chain(rr)) for rr in requests if verify_chain(rr)] == []
    assert sum(rr.event_count for rr in requests) == RequestEvent.objects.count()


def test_the_chain_and_the_transparency_log_verify_after_seeding():
    seed_demo()
    sequencer.integrate()  # nothing left to append: seed_demo integrated its events

    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out, stderr=io.StringIO())  # raises CommandError on a break

    events = RequestEvent.objects.count()
    assert f"Audit chain holds: {RightsRequest.objects.count()} requests, {events} events checked." in out.getvalue()
    assert f"Transparency log holds: {events} entries" in out.getvalue()


def erased_by(rr: RightsRequest) -> dict[int, str]:
    """{record id: outcome} of the request's erase_record events."""
    return {e.data["record"]: e.data["outcome"] for e in rr.events.filter(action="erase_record")}


def test_every_demo_deletion_erases_its_records_through_the_vault():
    seed_demo()
    erasing = RightsRequest.objects.filter(
        kind__in=ERASURE_KINDS, fulfilment_tasks__connector="vault", fulfilment_tasks__status=FulfilmentTask.Status.DONE
    ).distinct()
    assert erasing.count() >= 3  # Greenfield's fulfilled deletion, the park's and Nanjing's being carried out

    for rr in erasing:
        erased = erased_by(rr)
        assert erased and set(erased.values()) == {"deleted"}, rr.reference
        records = BiometricRecord.objects.filter(pk__in=erased)
        # The vault's tombstones: no template, no identifiers left, the request named.
        assert {r.state for r in records} == {BiometricRecord.State.DELETED}
        assert all(r.template_ciphertext is None and not r.email_hash and not r.masked_identifiers for r in records)
        assert all(rr.reference in r.tombstone_reason for r in records)
        # Nothing of the person's is left active in the vault, but what a withdrawal of consent
        # keeps because it rests on another basis, listed so in the task's outcome.
        left = BiometricRecord.objects.matching(rr.subject.identifier_hashes()).filter(organisation=rr.organisation)
        kept = {entry["id"] for task in rr.fulfilment_tasks.filter(connector="vault")
                for entry in task.result.get("records", []) if entry["outcome"] == "kept"}
        assert set(left.exclude(state=BiometricRecord.State.DELETED).values_list("pk", flat=True)) == kept, rr.reference
        assert not kept or rr.kind == RightsRequest.Kind.WITHDRAW_CONSENT, rr.reference


def test_every_fulfilled_demo_deletion_has_a_certificate_listing_its_erased_records():
    seed_demo()
    fulfilled = RightsRequest.objects.filter(kind__in=ERASURE_KINDS, status=RightsRequest.Status.FULFILLED)
    assert fulfilled.exists()

    for rr in fulfilled:
        erased = erased_by(rr)
        assert erased, rr.reference
        body = rr.certificate.body
        listed = {entry["id"]: entry["outcome"] for system in body["systems"] for entry in system["records"]}
        assert listed == erased, rr.reference
        assert body["totals"] == {"deleted": len(erased)}
        assert rr.events.get(action="finish_fulfilment").data["certificate"] == rr.certificate.number


def test_the_demo_access_request_is_answered_by_the_vaults_export():
    seed_demo()
    rr = RightsRequest.objects.get(subject__email_hash=demo.PEOPLE["eva.dekker"].identifier_fields("EU")["email_hash"])

    assert rr.status == RightsRequest.Status.FULFILLED
    task = rr.fulfilment_tasks.get()
    assert {entry["outcome"] for entry in task.result["records"]} == {"exported"}
    assert rr.attachments.filter(purpose="export").count() == 2  # JSON and a readable page


@override_settings(DEBUG=False)
def test_refuses_to_publish_a_superuser_password_with_debug_off():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not get_user_model().objects.filter(username="admin").exists()


def test_the_demo_register_tells_the_three_stories_of_the_measures():
    """The park's face gates live on a current assessment with the card as the other way in
    and a photographed sign, keeping templates on themselves and confirming their deletions;
    the Nanjing cameras never assessed, never live, then ordered out: their records erased,
    the cameras retired, one certificate; the estate's terminal live but face only, flagged
    for the missing alternative."""
    from orgs import assessments, devices, register
    from orgs.models import BiometricRecord, CollectionPoint, Device, DeviceDeletion, ErasureOrder

    seed_demo()
    park, nanjing, estate = (Organisation.objects.get(slug=slug) for slug in (
        "hangzhou-wildlife-world", "nanjing-riverside-sales", "hangzhou-greenfield-estate"))
    gates = Device.objects.filter(organisation=park, collection_point__name="North gate face scanner")
    assert sorted(gates.values_list("status", flat=True)) == ["live", "live"]
    assert set(gates.values_list("template_storage", flat=True)) == {"on_device"}
    assert assessments.current_assessment(gates[0].collection_point.activity) is not None
    assert Device.objects.get(organisation=park, serial="HWW-FP-01").status == "retired"
    assert CollectionPoint.objects.get(organisation=park, name="North gate face scanner").signage_photo
    assert register.flags_for(park) == []
    # Every deletion a demo gate was asked for, it confirmed with a receipt its own key signed.
    asked = DeviceDeletion.objects.filter(device__organisation__in=[park, estate])
    assert asked.exists() and not asked.filter(receipt__isnull=True).exists()
    for deletion in asked.select_related("receipt"):
        assert devices.verify_receipt(deletion.receipt.as_proof())

    order = ErasureOrder.objects.get(organisation=nanjing, kind="decommission")
    assert order.status == "done" and order.certificate is not None
    assert order.certificate.body["what"]["devices_retired"] == ["NJ-CAM-01", "NJ-CAM-02"]
    assert not BiometricRecord.objects.filter(collection_point=order.point, state="active").exists()
    erased_by_order = BiometricRecord.objects.filter(collection_point=order.point,
                                                     tombstone_reason__startswith=f"Erasure order #{order.pk}")
    assert order.processed == erased_by_order.count() > 0
    assert register.flags_for(nanjing) == []

    assert Device.objects.get(organisation=estate, serial="GF-MG-01").status == "live"
    assert "no_alternative" in {flag.code for flag in register.flags_for(estate)}


def test_the_demo_withdrawal_of_consent_deletes_the_face_template_and_keeps_the_pass_photo_saying_why():
    seed_demo()
    park = Organisation.objects.get(slug="hangzhou-wildlife-world")
    rr = RightsRequest.objects.get(organisation=park, kind=RightsRequest.Kind.WITHDRAW_CONSENT,
                                   subject__email=f"ye.qing@{demo.DEMO_DOMAIN}")
    entries = {entry["activity"]: entry for entry in rr.fulfilment_tasks.get(connector="vault").result["records"]}

    assert entries["Annual-pass entry by face"]["outcome"] == "deleted"
    assert entries["Photo on the annual pass"]["outcome"] == "kept"
    # In Ye Qing's language, as her certificate will say it: "Held on another basis: necessary for a contract".
    assert entries["Photo on the annual pass"]["reason"] == "基于其他依据保存：订立、履行合同所必需"
    ledger = ConsentEvent.objects.filter(organisation=park, reference=rr.reference)
    assert list(ledger.values_list("action", "activity__name")) == [("withdrawn", "Annual-pass entry by face")]
    # The park's other face-gate holders consented at the kiosk; Guo Bing never did.
    assert ConsentEvent.objects.filter(organisation=park, action="given").count() >= 10
    guo = RightsRequest.objects.get(organisation=park, subject__email=f"guo.bing@{demo.DEMO_DOMAIN}").subject
    assert not ConsentEvent.objects.matching(guo.identifier_hashes()).exists()


def test_a_greenfield_resident_asks_for_another_way_in_than_the_face_only_terminal():
    seed_demo()

    rr = RightsRequest.objects.get(kind=RightsRequest.Kind.ALTERNATIVE,
                                   organisation__slug="hangzhou-greenfield-estate")
    assert rr.collection_point.name == "Main gate face terminal" and rr.alternative_wanted == "card"
    actions = list(rr.events.order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == ["provide_alternative", "alternative_not_working", "provide_alternative"]
    assert rr.status == RightsRequest.Status.FULFILLING  # waiting for the resident's answer
    assert not rr.fulfilment_tasks.exists()


def test_the_demo_park_is_over_the_filing_threshold_with_its_first_filing_open():
    """The park holds the faces of 100,000 and more pass holders (counted once each), so the
    real check opened its first filing, twelve days before the seeding; the other Chinese
    organisations are far below and owe nothing; a second run adds no one."""
    from orgs import filing
    from orgs.models import FilingObligation

    seed_demo()
    park = Organisation.objects.get(slug="hangzhou-wildlife-world")
    people = filing.people_count(park)
    [obligation] = FilingObligation.objects.all()
    assert obligation.organisation == park and obligation.kind == "first" and obligation.status == "open"
    assert people >= filing.THRESHOLD and obligation.people_counted >= filing.THRESHOLD
    assert timedelta(days=11) < timezone.now() - obligation.opened_at < timedelta(days=13)
    assert 0 < filing.days_left(obligation) < 30

    seed_demo()
    assert filing.people_count(park) == people and FilingObligation.objects.count() == 1

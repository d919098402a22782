"""Builders for test state. Requests are made through the workflow, as in production."""

from django.contrib.auth import get_user_model
from django.core import mail

from orgs.models import DataSystem, Membership, Organisation
from requests_app import tasks, workflow
from requests_app.actors import SUBJECT, member as as_member
from requests_app.cases.subjects import Identity
from requests_app.models import RightsRequest

PASSWORD = "correct-horse-battery"


def organisation(*, name="Test Org", slug="test-org", jurisdiction="CN", time_zone="Asia/Shanghai", **extra):
    return Organisation.objects.create(
        name=name, slug=slug, jurisdiction=jurisdiction, time_zone=time_zone,
        contact_email=f"privacy@{slug}.example", **extra,
    )


def member(org, role, *, username):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


def system(org, *, name="Gate vault", connector=DataSystem.Connector.VAULT, **extra):
    return DataSystem.objects.create(organisation=org, name=name, connector=connector, **extra)


def submitted_request(org, *, kind="deletion", email="guo@example.com", **extra) -> RightsRequest:
    identity = Identity(email=email, full_name="Guo")
    if extra.get("filed_by") == RightsRequest.FiledBy.NEXT_OF_KIN:  # the deceased, named by pass (PIPL art. 49)
        identity = Identity(email=email, full_name="Guo", member_number="HWW-2019-0427")
        extra.setdefault("deceased_arranged_otherwise", False)
    return workflow.submit(organisation=org, kind=kind, identity=identity, **extra)


def code_from_outbox() -> str:
    """The six digits of the newest code email in Django's test outbox."""
    import re

    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def verified_request(org, **kwargs) -> RightsRequest:
    rr = submitted_request(org, **kwargs)
    tasks.send_verification_code(rr.challenges.get().pk)
    workflow.verify_identity(rr, actor=SUBJECT, code=code_from_outbox())
    if rr.filed_by == RightsRequest.FiledBy.NEXT_OF_KIN:  # the code confirmed the relative's mailbox only
        _check_next_of_kin(org, rr)
    return rr


def _check_next_of_kin(org, rr) -> None:
    """An officer's check of the death and relationship evidence verifies a relative's request."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from requests_app.models import Attachment

    checker = Membership.objects.filter(organisation=org, role__in=[Membership.Role.OWNER, Membership.Role.OFFICER])
    officer = checker.first().user if checker.exists() else member(org, "officer", username=f"checker_{org.pk}")
    upload = SimpleUploadedFile("death.pdf", b"%PDF-1.4 death certificate", content_type="application/pdf")
    workflow.add_evidence(rr, actor=SUBJECT, upload=upload, purpose=Attachment.Purpose.DEATH_EVIDENCE)
    workflow.verify_next_of_kin(rr, actor=as_member(officer), death_checked=True, relationship_checked=True,
                                arranged_otherwise=False, check_performed="Death certificate and household register")


def in_review_request(org, officer, **kwargs) -> RightsRequest:
    rr = verified_request(org, **kwargs)
    workflow.assign(rr, actor=as_member(officer), assignee=officer)
    return rr


# --- Builders for the workflow suite (tests/requests_app/test_workflow_*.py) -----------
# Every state is reached through workflow functions, the way a user would reach it.

from datetime import timedelta  # noqa: E402  (appended section)

import time_machine  # noqa: E402
from django.utils import timezone  # noqa: E402

from requests_app.actors import SYSTEM  # noqa: E402
from requests_app.models import CompensationClaim, RequestEvent  # noqa: E402
from requests_app.transparency import audit

REFUSAL_REASON = "The gate records must be kept while the fraud case is open."
REFUSAL_GROUND = "PIPL art. 47(2): a statutory retention period has not expired"


def awaiting_subject_request(org, officer, *, question="Which pass number did you use?", **kwargs) -> RightsRequest:
    rr = in_review_request(org, officer, **kwargs)
    reason = "clarification" if org.jurisdiction in ("CN", "EU") else ""
    workflow.ask_for_information(rr, actor=as_member(officer), question=question, reason=reason)
    return rr


def approved_request(org, officer, **kwargs) -> RightsRequest:
    rr = in_review_request(org, officer, **kwargs)
    workflow.approve(rr, actor=as_member(officer))
    return rr


def refused_request(org, officer, **kwargs) -> RightsRequest:
    rr = in_review_request(org, officer, **kwargs)
    workflow.refuse(rr, actor=as_member(officer), reason=REFUSAL_REASON, legal_ground=REFUSAL_GROUND)
    return rr


def fulfilling_request(org, officer, **kwargs) -> RightsRequest:
    """Approved and started: one pending task per data system the organisation has."""
    rr = approved_request(org, officer, **kwargs)
    workflow.start_fulfilment(rr, actor=as_member(officer))
    return rr


def fulfilled_request(org, officer, **kwargs) -> RightsRequest:
    rr = fulfilling_request(org, officer, **kwargs)
    for task in rr.fulfilment_tasks.all():
        workflow.record_task_outcome(task, actor=as_member(officer), outcome={"deleted": 1})
    workflow.finish_fulfilment(rr, actor=as_member(officer))
    return rr


def withdrawn_request(org, **kwargs) -> RightsRequest:
    rr = submitted_request(org, **kwargs)
    workflow.withdraw(rr, actor=SUBJECT)
    return rr


def expired_request(org, **kwargs) -> RightsRequest:
    """Filed long enough ago that its time to verify ran out, then expired by the system."""
    with time_machine.travel(timezone.now() - timedelta(days=100), tick=False):
        rr = submitted_request(org, **kwargs)
    workflow.expire(rr, actor=SYSTEM)
    return rr


def request_in_state(status, org, officer, **kwargs) -> RightsRequest:
    """A request of `org` in `status`, built through the workflow; `officer` decides."""
    S = RightsRequest.Status
    with_officer = {
        S.IN_REVIEW: in_review_request, S.AWAITING_SUBJECT: awaiting_subject_request,
        S.APPROVED: approved_request, S.REFUSED: refused_request,
        S.FULFILLING: fulfilling_request, S.FULFILLED: fulfilled_request,
    }
    without_officer = {
        S.SUBMITTED: submitted_request, S.VERIFIED: verified_request,
        S.WITHDRAWN: withdrawn_request, S.EXPIRED: expired_request,
    }
    if status in with_officer:
        rr = with_officer[status](org, officer, **kwargs)
    else:
        rr = without_officer[status](org, **kwargs)
    assert rr.status == status, (rr.status, status)
    return rr


def claim(rr, *, amount_minor=103800, currency="CNY", covers="Annual pass and travel costs") -> CompensationClaim:
    return workflow.claim_compensation(rr, actor=SUBJECT, amount_minor=amount_minor, currency=currency, covers=covers)


def claim_in_state(status, rr, officer) -> CompensationClaim:
    """A compensation claim on `rr` walked to `status` through the workflow."""
    S, actor = CompensationClaim.Status, as_member(officer)
    c = claim(rr)
    if status == S.CLAIMED:
        return c
    workflow.assess_claim(c, actor=actor, basis=CompensationClaim.Basis.LOSS, amount_minor=103800)
    if status == S.ASSESSED:
        return c
    workflow.offer_compensation(c, actor=actor, amount_minor=103800)
    if status == S.OFFERED:
        return c
    if status in (S.DECLINED, S.CLOSED):
        workflow.decline_offer(c, actor=SUBJECT)
        if status == S.CLOSED:
            workflow.close_claim(c, actor=actor, note="The pass was refunded in full already.")
        return c
    workflow.accept_offer(c, actor=SUBJECT)
    if status == S.ACCEPTED:
        return c
    workflow.record_payment(c, actor=actor, amount_minor=103800, reference="PAY-2021-0042")
    return c


def snapshot(rr) -> dict:
    """Everything a refused step must leave as it was: the row, its history, claims, tasks."""
    fresh = RightsRequest.objects.get(pk=rr.pk)
    row = {f.attname: getattr(fresh, f.attname) for f in RightsRequest._meta.concrete_fields}
    return {
        "row": row,
        "events": list(fresh.events.values_list("seq", "hash")),
        "claims": list(fresh.claims.order_by("pk").values()),
        "tasks": list(fresh.fulfilment_tasks.order_by("pk").values()),
        "messages": fresh.messages.count(),
    }


def new_event(rr, before: dict) -> RequestEvent:
    """The one event written since `before` (a snapshot); fails if there is not exactly one,
    or if the chain does not hold with it as its head."""
    fresh = RightsRequest.objects.get(pk=rr.pk)
    events = list(fresh.events.filter(seq__gt=len(before["events"])).order_by("seq"))
    assert len(events) == 1, [e.action for e in events]
    assert fresh.event_count == len(before["events"]) + 1
    assert fresh.chain_head == events[0].hash != before["row"]["chain_head"]
    assert audit.verify_chain(fresh) is None
    return events[0]


# --- Builders for the biometric vault's erasure orders and retention -------------------
# (tests/orgs/test_erasure*.py, tests/orgs/test_retention.py)

from orgs import erasure  # noqa: E402
from orgs.models import BiometricRecord, ErasureOrder, Modality, ProcessingActivity  # noqa: E402


def activity(org, *, name="Annual pass entry", collection_point="Main gate", modality=Modality.FACE,
             statutory_retention=False, legal_basis="consent", consent_type="separate", **extra) -> ProcessingActivity:
    return ProcessingActivity.objects.create(
        organisation=org, name=name, purpose="Entry with an annual pass", legal_basis=legal_basis,
        collection_point=collection_point, modality=modality, consent_type=consent_type, retention_days=365,
        statutory_retention=statutory_retention, **extra,
    )


def vault_records(activity, n=1, *, data_system=None, retain_until=None, state=BiometricRecord.State.ACTIVE,
                  reason="") -> list[BiometricRecord]:
    """`n` records of the activity in a vault system (the organisation's first, made if
    need be), each with its own encrypted template; a deleted one is stored as the vault
    leaves it (tombstone, no template)."""
    org = activity.organisation
    data_system = data_system or (
        DataSystem.objects.filter(organisation=org, connector=DataSystem.Connector.VAULT).order_by("pk").first()
        or system(org)
    )
    now = timezone.now()
    records = []
    for _n in range(n):
        record = BiometricRecord(
            organisation=org, system=data_system, activity=activity, modality=activity.modality,
            masked_identifiers="p***@example.com", collected_at=now - timedelta(days=400),
            retain_until=retain_until or now + timedelta(days=365), state=state,
        )
        if state == BiometricRecord.State.DELETED:
            record.tombstoned_at, record.tombstone_reason = now - timedelta(days=1), reason or "Deletion request"
        else:
            record.set_template(f"template-{activity.pk}-{_n}".encode())
            if state == BiometricRecord.State.RESTRICTED:
                record.tombstoned_at, record.tombstone_reason = now - timedelta(days=1), reason or "Storage only"
        records.append(record)
    return BiometricRecord.objects.bulk_create(records)


def erasure_order(org, *, reason="Ordered by the city: face cameras out of sales offices", **fields) -> ErasureOrder:
    return ErasureOrder.objects.create(organisation=org, reason=reason, **fields)


def run_order(order, *, chunk_size=erasure.CHUNK_SIZE) -> int:
    """Run the order to the end as the chained task would; returns the number of runs."""
    runs = 1
    while erasure.run_next_chunk(order.pk, chunk_size=chunk_size):
        runs += 1
    order.refresh_from_db()
    return runs


# --- Builders for fulfilment (tests/requests_app/test_fulfilment_*.py) -----------------

from orgs.identifiers import IdentifierKind, identifier_hash, mask, normalise  # noqa: E402


def person_record(activity, *, email="guo@example.com", data_system=None, template=None) -> BiometricRecord:
    """One vault record of the person known by `email`, matchable as fulfilment matches
    (the keyed hash of the normalised address), with an encrypted template."""
    org = activity.organisation
    data_system = data_system or (
        DataSystem.objects.filter(organisation=org, connector=DataSystem.Connector.VAULT).order_by("pk").first()
        or system(org)
    )
    value = normalise(IdentifierKind.EMAIL, email)
    now = timezone.now()
    record = BiometricRecord(
        organisation=org, system=data_system, activity=activity, modality=activity.modality,
        email_hash=identifier_hash(IdentifierKind.EMAIL, value), masked_identifiers=mask(IdentifierKind.EMAIL, value),
        collected_at=now - timedelta(days=30), retain_until=now + timedelta(days=335),
    )
    record.set_template(template or f"{activity.modality}-template-of-{value}".encode())
    record.save()
    return record


def webhook_system(org, *, url, secret="shared-webhook-secret-0123456789", name="Membership CRM",
                   **extra) -> DataSystem:
    data_system = DataSystem(organisation=org, name=name, connector=DataSystem.Connector.WEBHOOK, webhook_url=url,
                             **extra)
    data_system.set_webhook_secret(secret)
    data_system.save()
    return data_system


# --- Builders and readers for the sweeps and notifications suites -----------------------
# (tests/requests_app/test_sweep_*.py, test_notifications.py, test_workflow_effects.py)

import base64  # noqa: E402
import json  # noqa: E402

import pytest  # noqa: E402

from requests_app.cases.subjects import Identity as _Identity  # noqa: E402


def jurisdiction_org(jurisdiction, *, slug=None, **extra):
    """An organisation under another law: EU (Berlin), US-CA (Los Angeles), CN (Shanghai)."""
    zones = {"EU": "Europe/Berlin", "US-CA": "America/Los_Angeles", "US-VA": "America/New_York",
             "BR": "America/Sao_Paulo", "CN": "Asia/Shanghai"}
    return organisation(name=f"{jurisdiction} org", slug=slug or f"org-{jurisdiction.lower()}",
                        jurisdiction=jurisdiction, time_zone=zones[jurisdiction], **extra)


def submitted_at(org, moment, **kwargs) -> RightsRequest:
    """A request filed at `moment` (through the workflow, the clock moved there)."""
    with time_machine.travel(moment, tick=False):
        return submitted_request(org, **kwargs)


def phone_only_request(org, *, phone="13800138000", **extra) -> RightsRequest:
    return workflow.submit(organisation=org, kind="deletion", identity=_Identity(phone=phone), **extra)


def queued_tasks(queue: str) -> list[tuple[str, list]]:
    """The (task name, args) waiting on `queue` of the machine's Redis, oldest first: read
    from the broker itself, so a test sees what a worker would receive."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for raw in reversed(client.lrange(queue, 0, -1)):  # LPUSH: newest first
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], args))
    return found


@pytest.fixture
def own_queue(celery_queue):
    """`celery_queue` (this process publishes to a queue of the test's own), emptied after."""
    import redis
    from django.conf import settings

    yield celery_queue
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    for key in client.scan_iter(f"{celery_queue}*"):
        client.delete(key)


# --- Signing in (tests/orgs/test_signin.py; any test of a staff page) -------------------
# Owners, staff and superusers must pass a TOTP second factor (orgs/accounts/second_factor.py), so
# `client.force_login(owner)` alone leaves them at the code page. Use `force_sign_in`
# for a session that has passed both factors, or `sign_in` to walk the real pages.

from urllib.parse import parse_qs, urlsplit  # noqa: E402

from django.urls import reverse  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.oath import TOTP, totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402


def totp_device(user, *, confirmed=True, name="Phone") -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=name, confirmed=confirmed)


def totp_code(device, *, steps_ahead=0) -> str:
    """The code the user's authenticator app shows now (or `steps_ahead` steps later)."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{code:0{device.digits}d}"


def fresh_totp_code(device) -> str:
    """A code the device will accept now. A code works once per 30-second step, so a
    second sign-in within the step (another client of the same user) takes the next
    step's code, which the device's tolerance of one step accepts."""
    device.refresh_from_db()
    now_t = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    return totp_code(device, steps_ahead=1 if device.last_t >= now_t else 0)


def force_sign_in(client, user) -> None:
    """force_login, plus a session verified by the user's TOTP device (made if need be)
    when the user must verify: what the real sign-in leaves behind, without the pages."""
    from orgs.accounts.second_factor import must_verify

    client.force_login(user)
    if must_verify(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def sign_in(client, user, *, password=PASSWORD, next_url=None):
    """Sign in through the real pages: password, then the TOTP code where the user must
    verify (enrolling an authenticator first if they have none). Returns the last
    response (a redirect to `next_url` or the landing page)."""
    data = {"username": user.get_username(), "password": password, **({"next": next_url} if next_url else {})}
    response = client.post(reverse("login"), data)
    assert response.status_code == 302, response.content[:500]
    for page in ("otp_setup", "otp_verify"):
        url = urlsplit(response.url)
        if url.path != reverse(page):
            continue
        if page == "otp_setup":
            client.get(response.url)  # makes the device whose secret the page shows
        device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
        then = parse_qs(url.query).get("next", [""])[0]
        response = client.post(reverse(page), {"otp_token": fresh_totp_code(device),
                                               "otp_device": device.persistent_id, "next": then})
        assert response.status_code == 302, response.content[:500]
    return response



# --- The REST API (tests/api/) ----------------------------------------------------------
# Tokens are issued by the same function as the account page; a client carries one.


def api_token(user, org, *, name="script", **fields) -> str:
    """A token of `user` acting in `org` (issued as the account page does); `fields`
    overwrite the stored row afterwards (expires_at, revoked_at). Returns the token."""
    from orgs.models import ApiToken
    from requests_app.api.tokens import issue_token

    token, raw = issue_token(Membership.objects.get(user=user, organisation=org), name=name)
    if fields:
        ApiToken.objects.filter(pk=token.pk).update(**fields)
    return raw


def api_client(token: str | None = None):
    """DRF's test client, sending `Authorization: Token <token>` when given one."""
    from rest_framework.test import APIClient

    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def member_api(user, org):
    """A client with a fresh token of `user` acting in `org`."""
    return api_client(api_token(user, org))


# --- Outgoing event webhooks (tests/api/test_event_webhooks.py) --------------------------

from orgs.models import EventSubscription  # noqa: E402


def event_subscription(org, *, url, secret="whsec_ZXZlbnQtc2lnbmluZy1zZWNyZXQtMDEyMzQ1Njc4OQ==", events=None,
                       active=True, legacy_signature=False) -> EventSubscription:
    subscription = EventSubscription(organisation=org, url=url, active=active, legacy_signature=legacy_signature,
                                     events=events if events is not None else list(EventSubscription.Event.values))
    subscription.set_secret(secret)
    subscription.save()
    return subscription


# --- The register of collection points and devices, impact assessments ------------------
# (tests/orgs/test_register*.py, tests/api/test_register_api.py). Built through the
# register's own functions, as the admin and the API build them.

from orgs import assessments as register_assessments  # noqa: E402
from orgs import register  # noqa: E402
from orgs.models import CollectionPoint, Device, ImpactAssessment  # noqa: E402


def png_bytes(size=(4, 3)) -> bytes:
    """A real (tiny) PNG, which Pillow opens as the admin's and the API's image fields do."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def signage_upload(name="sign.png", content=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type="image/png")


def collection_point(activity, *, name="North gate", place_kind="entrance_gate", alternatives=("card",),
                     signage=False, **extra) -> CollectionPoint:
    """A point of the activity; `signage=True` stores a photo of its sign (set MEDIA_ROOT first)."""
    fields = {
        "site": "Hangzhou Wildlife World, Fuyang District", "necessity": "Annual pass holders enter without queuing.",
        "notice": "Hangzhou Wildlife World scans the faces of annual pass holders at this gate to let them in; "
                  "face data stay on the gate for the pass's year; ask at the desk or online to use a card "
                  "instead or to have your data deleted.",
        **extra,
    }
    point = CollectionPoint(organisation=activity.organisation, activity=activity, name=name, place_kind=place_kind,
                            alternatives=list(alternatives), **fields)
    if signage:
        point.signage_photo = signage_upload()
    register.save_point(point)
    return point


def device(point, *, serial="HZ-GATE-001", kind="gate", template_storage="on_device", **extra) -> Device:
    """A planned device at the point (of the point's modality unless given)."""
    extra.setdefault("modality", point.activity.modality)
    made = Device(collection_point=point, serial=serial, kind=kind, template_storage=template_storage, **extra)
    register.save_device(made)
    return made


def answers_for(activity) -> dict:
    return {q.code: f"Answered: {q.code}" for q in register_assessments.questions_for(activity)}


def assessment(activity, *, approved_by=None, at=None, answers=None, **extra) -> ImpactAssessment:
    """An assessment of the activity with every question answered; approved by `approved_by`
    (at `at`, the clock moved there) when given, else a draft."""
    draft = ImpactAssessment(organisation=activity.organisation, activity=activity,
                             answers=answers_for(activity) if answers is None else answers, **extra)
    register_assessments.save_draft(draft)
    if approved_by is None:
        return draft
    if at is None:
        return register_assessments.approve(draft, user=approved_by)
    with time_machine.travel(at, tick=False):
        return register_assessments.approve(draft, user=approved_by)


def live_device(point, approver, **extra) -> Device:
    """A device set live, with a current assessment of the point's activity (approved if need be)."""
    if register_assessments.current_assessment(point.activity) is None:
        assessment(point.activity, approved_by=approver)
    return register.set_live(device(point, **extra))


# --- Builders for the filing threshold (tests/orgs/test_filing.py, tests/desk/test_filing_desk.py) ----

from django.db import connection  # noqa: E402


def face_people(activity, people: int, *, records_each: int = 1, first: int = 0, point=None,
                state: str = "active") -> int:
    """`people` distinct people (numbered from `first`), each with `records_each` face records
    of the activity, in one INSERT ... SELECT generate_series (PostgreSQL; no templates):
    100,000 rows in a few seconds. Each carries only its person key (person n's is the same
    in every record and every call): the count reads nothing else. Returns the rows written."""
    org = activity.organisation
    data_system = (DataSystem.objects.filter(organisation=org, connector=DataSystem.Connector.VAULT).order_by("pk")
                   .first() or system(org))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orgs_biometricrecord (organisation_id, system_id, activity_id, collection_point_id, modality,
                email_hash, phone_hash, member_number_hash, id_number_hash, person_hash, masked_identifiers,
                template_ciphertext, collected_at, retain_until, state, tombstoned_at, tombstone_reason)
            SELECT %s, %s, %s, %s, %s, '', '', '', '', h, 'p***@example.com', NULL,
                   now() - interval '30 days', now() + interval '335 days', %s,
                   CASE WHEN %s = 'active' THEN NULL ELSE now() END, ''
            FROM (SELECT md5('person-' || g) AS h
                  FROM generate_series(%s, %s) AS g) AS people, generate_series(1, %s) AS r
            """,
            [org.pk, data_system.pk, activity.pk, getattr(point, "pk", None), activity.modality, state, state,
             first, first + people - 1, records_each],
        )
        return cursor.rowcount


# --- Regulators (tests/oversight/) ---------------------------------------------------------------

from datetime import date, timedelta  # noqa: E402

from orgs.models import Authority, OversightGrant, Regulator  # noqa: E402


def authority(*, name="Nanjing Municipal Cyberspace Administration Office", name_zh="南京市委网信办",
              kind="cac", jurisdiction="CN", **extra) -> Authority:
    return Authority.objects.create(name=name, name_zh=name_zh, kind=kind, jurisdiction=jurisdiction, **extra)


def regulator(of: Authority, *, username) -> Regulator:
    user = get_user_model().objects.create_user(username, f"{username}@regulator.example", PASSWORD)
    return Regulator.objects.create(user=user, authority=of)


def grant(of: Authority, org, *, starts_on: date | None = None, ends_on: date | None = None, regulator=None,
          reason="Inspection of face-recognition entry", **extra) -> OversightGrant:
    """A grant over `org`, by default from yesterday to 30 days ahead (the organisation's dates)."""
    from django.utils import timezone as tz

    today = tz.localtime(tz.now(), org.time_zone).date()
    return OversightGrant.objects.create(authority=of, organisation=org, regulator=regulator, reason=reason,
                                         starts_on=starts_on or today - timedelta(days=1),
                                         ends_on=ends_on or today + timedelta(days=30), **extra)

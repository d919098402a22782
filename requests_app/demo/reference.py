"""The demo's setting, written from the tables of requests_app/demo/data.py: organisations,
logins (with the owners' and the administrator's authenticators), data systems,
processing activities, biometric records and the consent ledger. Idempotent: each is keyed on its natural
key (organisation slug, username, system and activity name); an organisation's records
are enrolled by the run that finds it has none.
"""

import secrets
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgs.models import BiometricRecord, CollectionPoint, DataSystem, Membership, Organisation, ProcessingActivity
from requests_app.demo import consent, drp_agent, gates, scanners
from requests_app.demo.data import (
    ACTIVITIES, DEMO_AUTHENTICATOR, DEMO_PASSWORD, GOLDEN_GATE, LOGINS, ORGANISATIONS, SETUP_DAYS_AGO, SYSTEMS,
    VAULT, Role, demo_email, records,
)
from requests_app.demo.vendor import demo_secret

if TYPE_CHECKING:
    from requests_app.demo.seed import Demo


@dataclass(frozen=True)
class DemoAuthenticator:
    """A demo login's TOTP secret, printed so a person can add it to an authenticator app."""

    username: str
    otpauth_uri: str
    secret: str  # base32, for typing in by hand


def build(demo: "Demo") -> None:
    """Organisations, logins, systems and activities (dated SETUP_DAYS_AGO), then the records."""
    with transaction.atomic(), time_machine.travel(demo.real_now - timedelta(days=SETUP_DAYS_AGO), tick=False):
        for spec in ORGANISATIONS:
            org, created = Organisation.objects.get_or_create(
                slug=spec["slug"], defaults={**spec, "contact_email": f"privacy@{spec['slug']}.example"}
            )
            demo.result.created["organisations"] += created
            demo.orgs[org.slug] = Organisation.objects.get(pk=org.pk)  # time_zone as a ZoneInfo
        _logins(demo)
        for slug, org in demo.orgs.items():
            _systems_and_activities(demo, org)
            scanners.build(demo, org)
    for slug, org in demo.orgs.items():
        _biometric_records(demo, org)
        consent.build(demo, org)
    demo.gates = gates.enrol(list(demo.orgs.values()))
    drp_agent.enrol(demo.orgs[GOLDEN_GATE])  # the DRP's demo agent (var/demo-drp-agent.json)


def _logins(demo: "Demo") -> None:
    User = get_user_model()
    password_hash = None  # hashed once: the slow hasher would take a quarter second per login
    for username, first, last, slug, role in LOGINS:
        user = User.objects.filter(username=username).first()
        if user is None:
            create = User.objects.create_superuser if slug is None else User.objects.create_user
            user = create(username, demo_email(username), None, first_name=first, last_name=last)
            user.password = password_hash = password_hash or make_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            demo.result.created["logins"] += 1
            demo.result.new_logins.add(username)
        demo.users[username] = user
        if slug is not None:
            _m, created = Membership.objects.get_or_create(
                user=user, organisation=demo.orgs[slug], defaults={"role": role}
            )
            demo.result.created["memberships"] += created
        if slug is None or role == Role.OWNER:
            _authenticator(demo, user)


def _authenticator(demo: "Demo", user) -> None:
    """The administrator and the owners must sign in with a second factor: give each
    a confirmed TOTP device (unless they have one already) and report its secret."""
    if not TOTPDevice.objects.filter(user=user).exists():
        TOTPDevice.objects.create(user=user, name=DEMO_AUTHENTICATOR, confirmed=True)
        demo.result.created["authenticator devices"] += 1
    device = TOTPDevice.objects.filter(user=user, name=DEMO_AUTHENTICATOR, confirmed=True).first()
    if device is not None:
        demo.result.authenticators.append(
            DemoAuthenticator(user.username, device.config_url, b32encode(device.bin_key).decode())
        )


def _systems_and_activities(demo: "Demo", org: Organisation) -> None:
    for spec in SYSTEMS[org.slug]:
        spec = dict(spec)
        owner = spec.pop("owner", None)
        defaults = {**spec, "owner": demo.users[owner] if owner else None}
        system, created = DataSystem.objects.get_or_create(organisation=org, name=spec["name"], defaults=defaults)
        if system.connector == DataSystem.Connector.WEBHOOK and system.webhook_secret_ciphertext is None:
            system.set_webhook_secret(demo_secret())
            system.save(update_fields=["webhook_secret_ciphertext"])
        demo.result.created["data systems"] += created
    for spec in ACTIVITIES[org.slug]:
        _a, created = ProcessingActivity.objects.get_or_create(organisation=org, name=spec["name"], defaults=spec)
        demo.result.created["processing activities"] += created


def _biometric_records(demo: "Demo", org: Organisation) -> None:
    """Enrol the organisation's records, once: a later run finds records there and leaves
    them as they are, whatever became of them. A record erased (on a demo request, by the
    retention sweep of `make run`, in the admin) keeps none of its identifiers
    (orgs/erasure.py), so no key could tell it from one never made, and re-enrolling a
    person whose deletion was certified is what the demo must never show."""
    if BiometricRecord.objects.filter(organisation=org).exists():
        return
    today = demo.real_now.astimezone(org.time_zone).date()
    vault = DataSystem.objects.get(organisation=org, name=VAULT)
    activities = {a.name: a for a in ProcessingActivity.objects.filter(organisation=org)}
    # Where each was collected: the demo's activities have one collection point each (scanners.py).
    points = {p.activity_id: p for p in CollectionPoint.objects.filter(organisation=org).order_by("-pk")}
    new = []
    for spec in records(today)[org.slug]:
        activity = activities[spec.activity]
        collected = datetime.combine(spec.collected, time(10, 30), tzinfo=org.time_zone)
        if spec.lapsed:
            retain_until = collected + timedelta(days=activity.retention_days)
        else:  # renewed pass or membership: kept until the next renewal falls due
            retain_until = max(collected + timedelta(days=activity.retention_days),
                               demo.real_now + timedelta(days=60 + len(new) * 7 % 300))
        record = BiometricRecord(organisation=org, system=vault, activity=activity, modality=activity.modality,
                                 collection_point=points.get(activity.pk), collected_at=collected,
                                 retain_until=retain_until,
                                 **spec.person.identifier_fields(org.jurisdiction))
        record.set_template(secrets.token_bytes(512))  # stands in for a real template
        new.append(record)
    BiometricRecord.objects.bulk_create(new)
    demo.result.created["biometric records"] += len(new)

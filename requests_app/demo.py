"""Demo data for a person trying Rightsdesk with `make run` (`manage.py seed_demo`).

Five organisations (the Hangzhou park of China's first facial-recognition lawsuit, a
Nanjing property sales office, a Hangzhou housing estate, an Amsterdam museum pass and
a Californian gym), their people, data systems, processing activities and biometric
records, and rights requests in every status.

Requests are made only through `requests_app.workflow`, step by step, each step
replayed at its moment in the past under `time_machine.travel`, so statuses, due dates
and the audit chain are exactly what the real code computes. Nothing writes a status
or a date by hand.

Idempotent: everything is keyed on a natural key (organisation slug, username, system
and activity name, a record's identifiers) and each demo request on its subject's
email `<key>@demo.rightsdesk.example`; a scenario whose request exists is skipped.
"""

import logging
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from celery import current_app
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from orgs.identifiers import IdentifierKind, identifier_hash, mask, normalise
from orgs.models import BiometricRecord, DataSystem, Membership, Modality, Organisation, ProcessingActivity
from requests_app import deadlines, tasks, workflow
from requests_app.actors import SUBJECT, SYSTEM, member
from requests_app.demo_vendor import demo_secret
from requests_app.models import Attachment, RightsRequest
from requests_app.subjects import PHONE_REGION, Identity

DEMO_PASSWORD = "rightsdesk-demo"
DEMO_AUTHENTICATOR = "Demo authenticator"
DEMO_DOMAIN = "demo.rightsdesk.example"
HANGZHOU_CASE_KEY = "guo.bing"
LOCMEM_EMAIL = "django.core.mail.backends.locmem.EmailBackend"
# Reference data (organisations, logins, systems) is dated this long before the run.
SETUP_DAYS_AGO = 200

Kind = RightsRequest.Kind
FiledBy = RightsRequest.FiledBy
Role = Membership.Role
Basis = ProcessingActivity.LegalBasis
Consent = ProcessingActivity.ConsentType
FACE, FINGERPRINT = Modality.FACE, Modality.FINGERPRINT


def demo_email(key: str) -> str:
    return f"{key}@{DEMO_DOMAIN}"


# --- organisations, logins, systems, activities -----------------------------------------

PARK, NANJING, GREENFIELD, AMSTERDAM, GOLDEN_GATE = (
    "hangzhou-wildlife-world", "nanjing-riverside-sales", "hangzhou-greenfield-estate",
    "amsterdam-museum-pass", "golden-gate-fitness",
)

ORGANISATIONS = [
    dict(slug=PARK, name="Hangzhou Wildlife World", name_zh="杭州野生动物世界", kind=Organisation.Kind.PARK,
         city="Hangzhou", city_zh="杭州",
         jurisdiction="CN", time_zone="Asia/Shanghai", contact_phone="+86 571 6300 0000",
         address="Fuyang District, Hangzhou, Zhejiang"),
    dict(slug=NANJING, name="Nanjing Riverside Property Sales Office", name_zh="南京滨江售楼处",
         kind=Organisation.Kind.PROPERTY_SALES, city="Nanjing", city_zh="南京",
         jurisdiction="CN", time_zone="Asia/Shanghai", address="Jianye District, Nanjing, Jiangsu"),
    dict(slug=GREENFIELD, name="Hangzhou Greenfield Housing Estate", name_zh="杭州绿野小区",
         kind=Organisation.Kind.HOUSING_ESTATE, city="Hangzhou", city_zh="杭州",
         jurisdiction="CN", time_zone="Asia/Shanghai", address="Xihu District, Hangzhou, Zhejiang"),
    dict(slug=AMSTERDAM, name="Amsterdam Museum Pass", name_zh="阿姆斯特丹博物馆通票", kind=Organisation.Kind.PARK,
         city="Amsterdam", city_zh="阿姆斯特丹",
         jurisdiction="EU", time_zone="Europe/Amsterdam", address="Museumplein, Amsterdam"),
    dict(slug=GOLDEN_GATE, name="Golden Gate Fitness", name_zh="金门健身", kind=Organisation.Kind.OTHER,
         city="San Francisco", city_zh="旧金山",
         jurisdiction="US-CA", time_zone="America/Los_Angeles", address="Market Street, San Francisco, CA"),
]

# username, first name, last name, organisation slug (None: administrator), role
LOGINS = [
    ("admin", "Demo", "Administrator", None, None),
    ("park.owner", "Hu", "Jian", PARK, Role.OWNER),
    ("park.officer", "Shen", "Yue", PARK, Role.OFFICER),
    ("park.archive", "Fang", "Li", PARK, Role.SYSTEM_OWNER),
    ("park.auditor", "Tang", "Hui", PARK, Role.AUDITOR),
    ("nanjing.owner", "Qian", "Bo", NANJING, Role.OWNER),
    ("nanjing.officer", "Cao", "Lin", NANJING, Role.OFFICER),
    ("greenfield.owner", "Feng", "Rui", GREENFIELD, Role.OWNER),
    ("greenfield.officer", "Deng", "Xia", GREENFIELD, Role.OFFICER),
    ("amsterdam.owner", "Pieter", "de Vries", AMSTERDAM, Role.OWNER),
    ("amsterdam.officer", "Fleur", "Mulder", AMSTERDAM, Role.OFFICER),
    ("goldengate.owner", "Dana", "Brooks", GOLDEN_GATE, Role.OWNER),
    ("goldengate.officer", "Luis", "Ortega", GOLDEN_GATE, Role.OFFICER),
]

VAULT = "Biometric vault"
PAPER_ARCHIVE = "Ticketing office paper archive"

SYSTEMS = {
    PARK: [
        dict(name=VAULT, connector=DataSystem.Connector.VAULT,
             description="Face and fingerprint templates of annual-pass holders, encrypted at rest."),
        dict(name=PAPER_ARCHIVE, connector=DataSystem.Connector.MANUAL, owner="park.archive",
             description="Paper pass application forms with photos and fingerprint cards, 2019 onwards."),
        dict(name="Gate vendor cloud", connector=DataSystem.Connector.WEBHOOK,
             # The demo vendor `make run` starts beside the worker (Procfile `vendor`,
             # requests_app/demo_vendor.py); the shared secret is set when seeding.
             webhook_url="http://127.0.0.1:8765/hooks/rightsdesk",
             description="The gate vendor's cloud copy of the templates the gates match against."),
    ],
    **{slug: [dict(name=VAULT, connector=DataSystem.Connector.VAULT,
                   description="Biometric templates, encrypted at rest.")]
       for slug in (NANJING, GREENFIELD, AMSTERDAM, GOLDEN_GATE)},
}
# The sales office's camera vendor moved its endpoint: nothing answers at the address on
# file any more (the demo vendor now listens on 8765), so its task fails until an officer
# re-points it (README, "When a system fails").
CAMERA_VENDOR = "Camera vendor cloud"
SYSTEMS[NANJING] = SYSTEMS[NANJING] + [
    dict(name=CAMERA_VENDOR, connector=DataSystem.Connector.WEBHOOK,
         webhook_url="http://127.0.0.1:8766/hooks/rightsdesk",
         description="The camera vendor's cloud copy of the entrance-camera face captures."),
]

PARK_FINGERPRINT = "Annual-pass entry by fingerprint"
PARK_FACE = "Annual-pass entry by face"
NANJING_FACE = "Visitor face capture at the sales office"
GREENFIELD_FACE = "Residents' entry by face"
AMSTERDAM_FACE = "Museum pass turnstile face match"
GG_FACE = "Front-desk face check-in"
GG_FINGERPRINT = "Locker fingerprint access"

ACTIVITIES = {
    PARK: [
        dict(name=PARK_FINGERPRINT, modality=FINGERPRINT, legal_basis=Basis.WRITTEN_CONSENT,
             consent_type=Consent.WRITTEN, retention_days=395,
             purpose="Admit annual-pass holders at the gate by matching their fingerprint to the pass.",
             collection_point="Ticketing office enrolment desk; north gate fingerprint reader",
             signage="Pass terms signed at purchase mention fingerprint entry."),
        dict(name=PARK_FACE, modality=FACE, legal_basis=Basis.CONSENT, consent_type=Consent.BUNDLED,
             retention_days=395,
             purpose="Admit annual-pass holders by face recognition (replaced fingerprints from October 2019).",
             collection_point="North gate face scanner",
             signage="Sign at the north gate; text messages to pass holders (July and October 2019): "
                     "enrol your face or lose entry."),
    ],
    NANJING: [
        dict(name=NANJING_FACE, modality=FACE, legal_basis=Basis.LEGITIMATE_INTERESTS, consent_type=Consent.NONE,
             retention_days=180,
             purpose="Tell walk-in buyers from agency-referred buyers to settle agency commissions.",
             collection_point="Sales office entrance cameras", signage=""),
    ],
    GREENFIELD: [
        dict(name=GREENFIELD_FACE, modality=FACE, legal_basis=Basis.CONSENT, consent_type=Consent.BUNDLED,
             retention_days=730,
             purpose="Open the estate gate for registered residents (face only: no card or code alternative).",
             collection_point="Main gate face terminal",
             signage="Notice at the main gate; enrolment form at the property office."),
    ],
    AMSTERDAM: [
        dict(name=AMSTERDAM_FACE, modality=FACE, legal_basis=Basis.SEPARATE_CONSENT, consent_type=Consent.SEPARATE,
             retention_days=400,
             purpose="Check that a museum pass is used by its holder.",
             collection_point="Entrance turnstiles",
             signage="Notice at every turnstile; explicit opt-in when buying the pass (GDPR art. 9(2)(a))."),
    ],
    GOLDEN_GATE: [
        dict(name=GG_FACE, modality=FACE, legal_basis=Basis.CONSENT, consent_type=Consent.WRITTEN,
             retention_days=1095, purpose="Check members in without a card.",
             collection_point="Front-desk check-in camera",
             signage="Notice at the front desk and in the membership agreement."),
        dict(name=GG_FINGERPRINT, modality=FINGERPRINT, legal_basis=Basis.CONSENT, consent_type=Consent.WRITTEN,
             retention_days=365, purpose="Open members' day lockers.",
             collection_point="Locker room fingerprint locks",
             signage="Notice on every locker bank."),
    ],
}


# --- people and their biometric records --------------------------------------------------


@dataclass(frozen=True)
class Person:
    key: str  # local part of the demo email, unique across the demo
    full_name: str = ""
    phone: str = ""
    member_number: str = ""
    email: str | None = None  # None: demo_email(key); "" for none

    @property
    def address(self) -> str:
        return demo_email(self.key) if self.email is None else self.email

    def identity(self, **changes) -> Identity:
        values = dict(email=self.address, phone=self.phone, member_number=self.member_number,
                      full_name=self.full_name)
        return Identity(**{**values, **changes})


@dataclass(frozen=True)
class RecordSpec:
    person: Person
    activity: str
    collected: date
    lapsed: bool = False  # retention period already over


PEOPLE = {p.key: p for p in [
    # Hangzhou Wildlife World: annual-pass holders
    Person("guo.bing", "Guo Bing", "+86 139 5710 0427", "HWW-2019-0427"),
    Person("chen.lei", "Chen Lei", "+86 139 5710 0611", "HWW-2019-0611"),
    Person("wang.jianguo", "Wang Jianguo", "+86 139 5710 0305", "HWW-2019-0305"),
    Person("li.na", "Li Na", "+86 139 5710 0702", "HWW-2019-0702"),
    Person("zhao.min", "Zhao Min", "+86 139 5710 0918", "HWW-2019-0918"),
    Person("sun.hao", "Sun Hao", "+86 138 0571 2231"),
    # Nanjing sales office visitors: the office knows them by the phone they gave at the door
    Person("zhou.xin", "Zhou Xin", "+86 138 2501 3344"),
    Person("huang.lei", "Huang Lei", "+86 138 2501 7781"),
    Person("xu.ying", "Xu Ying", "+86 138 2501 9052"),
    # Greenfield estate residents (resident card numbers)
    Person("ma.jun", "Ma Jun", "+86 137 5800 1202", "GF-03-1202"),
    Person("lin.yan", "Lin Yan", "+86 137 5800 0601", "GF-07-0601"),
    Person("he.qiang", "He Qiang", "+86 137 5800 1501", "GF-03-1501"),
    Person("qian.hui", "Qian Hui", "+86 137 5800 0903", "GF-09-0903"),
    # Amsterdam Museum Pass holders
    Person("eva.dekker", "Eva Dekker", "+31 6 2345 0815", "AMP-2022-0815"),
    Person("daan.visser", "Daan Visser", "+31 6 2345 1907", "AMP-2023-1907"),
    Person("sanne.bakker", "Sanne Bakker", "+31 6 2345 5512"),
    # her pass carries an old address and no phone
    Person("sanne.bakker.pass", member_number="AMP-2024-5512", email=demo_email("s.bakker.2019")),
    Person("lotte.jansen", "Lotte Jansen", "+31 6 2345 0207", "AMP-2023-0207"),
    # her child's pass, bought with her address
    Person("lotte.jansen.child", member_number="AMP-2025-1130", email=demo_email("lotte.jansen")),
    Person("noah.smit", "Noah Smit", "+31 6 2345 3141", "AMP-2024-3141"),
    # Golden Gate Fitness members
    Person("jordan.lee", "Jordan Lee", "+1 415 867 2201", "GGF-20417"),
    Person("maria.garcia", "Maria Garcia", "+1 415 867 3390", "GGF-18820"),
    Person("sam.chen", "Sam Chen", "+1 415 867 4412", "GGF-21955"),
    Person("alex.kim", "Alex Kim", "+1 415 867 5530", "GGF-22310"),
    Person("riley.ng", "Riley Ng", "+1 415 867 6620", "GGF-23001"),
]}


def _records(today: date) -> dict[str, list[RecordSpec]]:
    """Every demo biometric record, per organisation slug. Deterministic: same input, same records."""
    p = PEOPLE
    records: dict[str, list[RecordSpec]] = {slug: [] for slug in SYSTEMS}
    park = records[PARK]
    park += [
        RecordSpec(p["guo.bing"], PARK_FINGERPRINT, date(2019, 4, 27)),
        RecordSpec(p["guo.bing"], PARK_FACE, date(2019, 4, 27)),  # the photos taken for his pass
        RecordSpec(p["chen.lei"], PARK_FINGERPRINT, date(2019, 3, 16)),
        RecordSpec(p["chen.lei"], PARK_FACE, date(2019, 10, 12)),
        RecordSpec(p["wang.jianguo"], PARK_FINGERPRINT, date(2019, 2, 2)),
        RecordSpec(p["wang.jianguo"], PARK_FACE, date(2019, 8, 20)),
        RecordSpec(p["li.na"], PARK_FINGERPRINT, date(2019, 5, 1)),
        RecordSpec(p["li.na"], PARK_FACE, date(2019, 7, 30)),
        RecordSpec(p["zhao.min"], PARK_FINGERPRINT, date(2019, 6, 8)),
    ]
    for i in range(1, 25):  # other pass holders; every third never enrolled a face, every fourth lapsed
        n = 1000 + 13 * i
        holder = Person(f"pass{n}", phone=f"+86 139 5710 {n}", member_number=f"HWW-2019-{n}")
        park.append(RecordSpec(holder, PARK_FINGERPRINT, date(2019, 1, 5) + timedelta(days=6 * i), i % 4 == 0))
        if i % 3:
            park.append(RecordSpec(holder, PARK_FACE, date(2019, 7, 15) + timedelta(days=4 * i), i % 4 == 0))

    def recent(days_ago: int) -> date:
        return today - timedelta(days=days_ago)

    records[NANJING] += [RecordSpec(p[k], NANJING_FACE, recent(d))
                         for k, d in [("zhou.xin", 45), ("huang.lei", 33), ("xu.ying", 3)]]
    for i in range(1, 10):
        visitor = Person(f"visitor{i}", phone=f"+86 138 2501 {1100 + 37 * i}", email="")
        records[NANJING].append(RecordSpec(visitor, NANJING_FACE, recent(10 + 23 * i), 10 + 23 * i > 180))

    records[GREENFIELD] += [RecordSpec(p[k], GREENFIELD_FACE, recent(d))
                            for k, d in [("ma.jun", 320), ("lin.yan", 300), ("he.qiang", 410)]]
    for i in range(1, 8):
        resident = Person(f"resident{i}", phone=f"+86 137 5800 {2000 + 41 * i}", member_number=f"GF-{i:02d}-0{i}02")
        records[GREENFIELD].append(RecordSpec(resident, GREENFIELD_FACE, recent(150 + 97 * i), 150 + 97 * i > 730))

    records[AMSTERDAM] += [RecordSpec(p[k], AMSTERDAM_FACE, recent(d)) for k, d in [
        ("eva.dekker", 210), ("daan.visser", 150), ("sanne.bakker.pass", 120), ("lotte.jansen", 260),
        ("lotte.jansen.child", 90), ("noah.smit", 180)]]
    for i in range(1, 5):
        holder = Person(f"museum{i}", phone=f"+31 6 2345 {6000 + 11 * i}", member_number=f"AMP-2023-{7000 + i}")
        records[AMSTERDAM].append(RecordSpec(holder, AMSTERDAM_FACE, recent(120 * i), 120 * i > 400))

    records[GOLDEN_GATE] += [
        RecordSpec(p["jordan.lee"], GG_FACE, recent(400)), RecordSpec(p["jordan.lee"], GG_FINGERPRINT, recent(200)),
        RecordSpec(p["maria.garcia"], GG_FACE, recent(700)), RecordSpec(p["sam.chen"], GG_FACE, recent(90)),
        RecordSpec(p["alex.kim"], GG_FACE, recent(30)),
    ]
    for i in range(1, 5):
        gym = Person(f"member{i}", phone=f"+1 415 867 {6100 + 9 * i}", member_number=f"GGF-1{i}000")
        records[GOLDEN_GATE].append(RecordSpec(gym, GG_FACE, recent(300 * i), 300 * i > 1095))
        if i % 2:
            records[GOLDEN_GATE].append(RecordSpec(gym, GG_FINGERPRINT, recent(100 * i), 100 * i > 365))
    return records


def _identifier_fields(person: Person, jurisdiction: str) -> dict[str, str]:
    """The record's hashed and masked identifiers, computed as the intake form does for a subject."""
    fields, masked = {}, []
    for kind, raw in ((IdentifierKind.EMAIL, person.address), (IdentifierKind.PHONE, person.phone),
                      (IdentifierKind.MEMBER_NUMBER, person.member_number)):
        if raw:
            value = normalise(kind, raw, region=PHONE_REGION.get(jurisdiction))
            fields[f"{kind.value}_hash"] = identifier_hash(kind, value)
            masked.append(mask(kind, value))
    fields["masked_identifiers"] = ", ".join(masked)
    return fields


# --- the run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAuthenticator:
    """A demo login's TOTP secret, printed so a person can add it to an authenticator app."""

    username: str
    otpauth_uri: str
    secret: str  # base32, for typing in by hand


@dataclass
class SeedResult:
    created: Counter = field(default_factory=Counter)
    new_logins: set[str] = field(default_factory=set)
    hangzhou_case: RightsRequest | None = None
    authenticators: list[DemoAuthenticator] = field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        return not any(self.created.values())


class Demo:
    def __init__(self):
        self.real_now = timezone.now()
        self.result = SeedResult()
        self.users: dict[str, object] = {}
        self.orgs: dict[str, Organisation] = {}

    # reference data ------------------------------------------------------------------

    def build_reference_data(self) -> None:
        with transaction.atomic(), time_machine.travel(self.real_now - timedelta(days=SETUP_DAYS_AGO), tick=False):
            for spec in ORGANISATIONS:
                org, created = Organisation.objects.get_or_create(
                    slug=spec["slug"], defaults={**spec, "contact_email": f"privacy@{spec['slug']}.example"}
                )
                self.result.created["organisations"] += created
                self.orgs[org.slug] = Organisation.objects.get(pk=org.pk)  # time_zone as a ZoneInfo
            self._logins()
            for slug, org in self.orgs.items():
                self._systems_and_activities(org)
        for slug, org in self.orgs.items():
            self._biometric_records(org)

    def _logins(self) -> None:
        User = get_user_model()
        password_hash = None  # hashed once: the slow hasher would take a quarter second per login
        for username, first, last, slug, role in LOGINS:
            user = User.objects.filter(username=username).first()
            if user is None:
                create = User.objects.create_superuser if slug is None else User.objects.create_user
                user = create(username, demo_email(username), None, first_name=first, last_name=last)
                user.password = password_hash = password_hash or make_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                self.result.created["logins"] += 1
                self.result.new_logins.add(username)
            self.users[username] = user
            if slug is not None:
                _m, created = Membership.objects.get_or_create(
                    user=user, organisation=self.orgs[slug], defaults={"role": role}
                )
                self.result.created["memberships"] += created
            if slug is None or role == Role.OWNER:
                self._authenticator(user)

    def _authenticator(self, user) -> None:
        """The administrator and the owners must sign in with a second factor: give each
        a confirmed TOTP device (unless they have one already) and report its secret."""
        from base64 import b32encode

        from django_otp.plugins.otp_totp.models import TOTPDevice

        if not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name=DEMO_AUTHENTICATOR, confirmed=True)
            self.result.created["authenticator devices"] += 1
        device = TOTPDevice.objects.filter(user=user, name=DEMO_AUTHENTICATOR, confirmed=True).first()
        if device is not None:
            self.result.authenticators.append(
                DemoAuthenticator(user.username, device.config_url, b32encode(device.bin_key).decode())
            )

    def _systems_and_activities(self, org: Organisation) -> None:
        for spec in SYSTEMS[org.slug]:
            spec = dict(spec)
            owner = spec.pop("owner", None)
            defaults = {**spec, "owner": self.users[owner] if owner else None}
            system, created = DataSystem.objects.get_or_create(organisation=org, name=spec["name"], defaults=defaults)
            if system.connector == DataSystem.Connector.WEBHOOK and system.webhook_secret_ciphertext is None:
                system.set_webhook_secret(demo_secret())
                system.save(update_fields=["webhook_secret_ciphertext"])
            self.result.created["data systems"] += created
        for spec in ACTIVITIES[org.slug]:
            _a, created = ProcessingActivity.objects.get_or_create(organisation=org, name=spec["name"], defaults=spec)
            self.result.created["processing activities"] += created

    def _biometric_records(self, org: Organisation) -> None:
        today = self.real_now.astimezone(org.time_zone).date()
        vault = DataSystem.objects.get(organisation=org, name=VAULT)
        activities = {a.name: a for a in ProcessingActivity.objects.filter(organisation=org)}
        key_fields = ("activity_id", "modality", "email_hash", "phone_hash", "member_number_hash")
        existing = set(BiometricRecord.objects.filter(organisation=org).values_list(*key_fields))
        new = []
        for spec in _records(today)[org.slug]:
            activity = activities[spec.activity]
            ids = _identifier_fields(spec.person, org.jurisdiction)
            key = (activity.pk, activity.modality, *(ids.get(f) or "" for f in key_fields[2:]))
            if key in existing:
                continue
            existing.add(key)
            collected = datetime.combine(spec.collected, time(10, 30), tzinfo=org.time_zone)
            if spec.lapsed:
                retain_until = collected + timedelta(days=activity.retention_days)
            else:  # renewed pass or membership: kept until the next renewal falls due
                retain_until = max(collected + timedelta(days=activity.retention_days),
                                   self.real_now + timedelta(days=60 + len(new) * 7 % 300))
            record = BiometricRecord(organisation=org, system=vault, activity=activity, modality=activity.modality,
                                     collected_at=collected, retain_until=retain_until, **ids)
            record.set_template(secrets.token_bytes(512))  # stands in for a real template
            new.append(record)
        BiometricRecord.objects.bulk_create(new)
        self.result.created["biometric records"] += len(new)

    # requests --------------------------------------------------------------------------

    def build_requests(self, scenarios: list["Scenario"]) -> None:
        for scenario in scenarios:
            org = self.orgs[scenario.org]
            person = PEOPLE[scenario.key]
            assert person.address == demo_email(scenario.key), "a demo request is keyed on its subject's email"
            email_hash = identifier_hash(IdentifierKind.EMAIL, person.address.lower())
            found = RightsRequest.objects.filter(organisation=org, subject__email_hash=email_hash).first()
            if found is None:
                with transaction.atomic():
                    found = scenario.play(Scene(self, org, person))
                self.result.created["requests"] += 1
            if scenario.key == HANGZHOU_CASE_KEY:
                self.result.hangzhou_case = found


@dataclass(frozen=True)
class Scenario:
    key: str
    org: str
    play: Callable[["Scene"], RightsRequest]


class Scene:
    """One request's history, each step at its own moment in the organisation's time zone."""

    def __init__(self, demo: Demo, org: Organisation, person: Person):
        self.demo, self.org, self.person = demo, org, person
        self.tz: ZoneInfo = org.time_zone
        self.today = demo.real_now.astimezone(self.tz).date()
        prefix = {PARK: "park", NANJING: "nanjing", GREENFIELD: "greenfield", AMSTERDAM: "amsterdam",
                  GOLDEN_GATE: "goldengate"}[org.slug]
        self.owner, self.officer = demo.users[f"{prefix}.owner"], demo.users[f"{prefix}.officer"]
        self.users = demo.users
        self._last: datetime | None = None

    def moment(self, days_ago: int, hhmm: str) -> datetime:
        hour, minute = map(int, hhmm.split(":"))
        return datetime.combine(self.today - timedelta(days=days_ago), time(hour, minute), tzinfo=self.tz)

    @contextmanager
    def on(self, days_ago: int, hhmm: str = "10:00") -> Iterator[datetime]:
        moment = self.moment(days_ago, hhmm)
        if moment >= self.demo.real_now or (self._last and moment < self._last):
            raise AssertionError(f"demo step at {moment} is in the future or out of order")
        self._last = moment
        with time_machine.travel(moment, tick=False):
            yield moment

    def do(self, days_ago: int, hhmm: str, step: Callable, *args, **kwargs):
        with self.on(days_ago, hhmm):
            return step(*args, **kwargs)

    def days_ago_for_due_in(self, due_in: int) -> int:
        """How many days ago the clock must start for the request to fall due `due_in` days from today."""
        response = deadlines.get_policy(self.org.jurisdiction).response
        if response.unit == deadlines.Unit.MONTHS:
            start = self.today + timedelta(days=due_in) - relativedelta(months=response.amount)
        else:  # calendar days in every current policy
            start = self.today + timedelta(days=due_in - response.amount)
        return (self.today - start).days

    def submit(self, days_ago: int, hhmm: str, kind: str, identity: Identity | None = None, **fields) -> RightsRequest:
        """File the request on the public form; the worker emails the code the same minute."""
        language = "zh-hans" if self.org.jurisdiction == "CN" else "en"
        with self.on(days_ago, hhmm):
            rr = workflow.submit(organisation=self.org, kind=kind, identity=identity or self.person.identity(),
                                 language=language, **fields)
            tasks.send_verification_code(rr.challenges.get().pk)
        return rr

    def verify_by_code(self, rr: RightsRequest, days_ago: int, hhmm: str) -> None:
        """The subject types the code from the email (read from the locmem outbox): the person's
        own, even when an agent filed; a relative's own, which only confirms their mailbox."""
        sent = [m for m in mail.outbox if rr.confirmation_email in m.to and rr.reference in m.body]
        code = re.search(r"\b(\d{6})\b", sent[-1].body).group(1)
        self.do(days_ago, hhmm, workflow.verify_identity, rr, actor=SUBJECT, code=code)

    def verify(self, rr: RightsRequest, days_ago: int, hhmm: str, check: str) -> None:
        self.do(days_ago, hhmm, workflow.verify_identity, rr, actor=member(self.officer), check_performed=check)

    def attach(self, rr: RightsRequest, days_ago: int, hhmm: str, purpose: str, name: str, text: str) -> None:
        """The requester attaches a (one-page PDF) document on the form."""
        upload = SimpleUploadedFile(name, one_page_pdf(text), content_type="application/pdf")
        self.do(days_ago, hhmm, workflow.add_evidence, rr, actor=SUBJECT, upload=upload, purpose=purpose)

    def assign(self, rr: RightsRequest, days_ago: int, hhmm: str, by=None, to=None) -> None:
        self.do(days_ago, hhmm, workflow.assign, rr, actor=member(by or self.owner), assignee=to or self.officer)

    def records(self, rr: RightsRequest):
        return BiometricRecord.objects.matching(rr.subject.identifier_hashes()).filter(organisation=self.org)

    def task(self, rr: RightsRequest, system_name: str):
        return rr.fulfilment_tasks.get(system__name=system_name)

    def vault_outcome(self, rr: RightsRequest, outcome: str) -> dict:
        return {"connector": "vault", "records": [
            {"record": r.pk, "modality": r.modality, "outcome": outcome} for r in self.records(rr)
        ]}

    def vault_delete(self, rr: RightsRequest, days_ago: int, hhmm: str) -> None:
        """What the vault connector does (DESIGN.md): delete, destroy the template, keep a tombstone."""
        with self.on(days_ago, hhmm):
            outcome = self.vault_outcome(rr, "deleted")
            for record in self.records(rr).filter(state=BiometricRecord.State.ACTIVE):
                record.state, record.template_ciphertext = BiometricRecord.State.DELETED, None
                record.tombstoned_at, record.tombstone_reason = timezone.now(), f"Deletion request {rr.reference}"
                record.save(update_fields=["state", "template_ciphertext", "tombstoned_at", "tombstone_reason"])
            workflow.record_task_outcome(self.task(rr, VAULT), actor=SYSTEM, outcome=outcome)


def one_page_pdf(text: str) -> bytes:
    """A small valid PDF showing one line of text: the demo's scanned documents."""
    stream = f"BT /F1 12 Tf 20 20 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 50] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


@contextmanager
def quiet_side_effects() -> Iterator[None]:
    """Replay history without reaching anybody: mail goes to the locmem outbox and Celery
    runs the tasks queued on commit in process, so nothing waits in the broker to notify
    demo subjects of events that 'happened' weeks ago."""
    conf = current_app.conf
    saved = {k: conf.get(k) for k in ("task_always_eager", "task_eager_propagates")}
    had_outbox, old_outbox = hasattr(mail, "outbox"), getattr(mail, "outbox", None)
    # One "task succeeded" line per replayed event is noise; failures are still logged.
    # The gate vendor is not up yet while seeding: its task waits for the re-queue sweep,
    # which `make run`'s worker runs within a minute; that is expected, not a warning.
    loggers = {logging.getLogger("celery.app.trace"): logging.WARNING, logging.getLogger("kombu.connection"): logging.ERROR,
               logging.getLogger("requests_app.effects"): logging.ERROR,
               logging.getLogger("requests_app.connectors.webhook"): logging.ERROR}
    levels = {logger: logger.level for logger in loggers}
    conf.update(task_always_eager=True, task_eager_propagates=True)
    mail.outbox = []
    for logger, level in loggers.items():
        logger.setLevel(level)
    try:
        with override_settings(EMAIL_BACKEND=LOCMEM_EMAIL):
            yield
    finally:
        for logger, level in levels.items():
            logger.setLevel(level)
        conf.update(saved)
        if had_outbox:
            mail.outbox = old_outbox
        else:
            del mail.outbox


def seed() -> SeedResult:
    demo = Demo()
    with quiet_side_effects():
        demo.build_reference_data()
        demo.build_requests(SCENARIOS)
    return demo.result


# --- the requests ---------------------------------------------------------------------------
# Days are counted back from today in the organisation's time zone; every step is in the past.


def hangzhou_case(s: Scene) -> RightsRequest:
    """Guo Bing v. Hangzhou Wildlife World (2019-2021), filed with Rightsdesk instead of a court.

    Left in review on purpose: the decision the park refused in 2019 (delete the face data,
    photos included, and, as the appeal court added, the fingerprints) is the demo user's to
    take, with the compensation offer of RMB 1,038 waiting for Guo's answer."""
    rr = s.submit(20, "09:12", Kind.DELETION,
                  data_description="My face photos and fingerprint templates taken for my annual pass "
                                   "HWW-2019-0427 and used at the park gate (fingerprint reader, north gate "
                                   "face scanner).",
                  details="I bought a two-person annual pass on 27 April 2019 and entered by fingerprint. In "
                          "July and October 2019 the park texted that I must enrol my face or lose entry. I do "
                          "not agree to face recognition. Delete my facial data, including the photos, and my "
                          "fingerprints, and compensate me for the pass and my travel costs.")
    s.verify_by_code(rr, 20, "09:18")
    s.do(20, "09:25", workflow.claim_compensation, rr, actor=SUBJECT, amount_minor=103800, currency="CNY",
         covers="annual pass (lost contract benefit) and travel costs")
    s.assign(rr, 19, "10:05")
    s.do(18, "11:00", workflow.ask_for_information, rr, actor=member(s.officer),
         question="We hold a fingerprint template and a face template made from the photos for pass "
                  "HWW-2019-0427. Did you also enrol at the north gate face scanner, or only give photos at "
                  "the ticket office?", reason="clarification")
    s.do(16, "20:40", workflow.answer, rr, actor=SUBJECT,
         body="Only photos and fingerprints at the ticket office on 27 April 2019. I never used the face scanner.")
    claim = rr.claims.get()
    s.do(12, "15:00", workflow.assess_claim, claim, actor=member(s.owner), basis="loss", amount_minor=103800,
         note="Lost benefit of the two-person annual pass (RMB 1,360) for the months fingerprint entry was "
              "refused, plus his travel costs: the RMB 1,038 the Fuyang court awarded in 2020.")
    s.do(12, "15:10", workflow.offer_compensation, claim, actor=member(s.owner), amount_minor=103800)
    s.do(5, "16:30", workflow.message_subject, rr, actor=member(s.officer),
         body="We offered RMB 1,038. Before deciding on deletion we are confirming with the gate vendor which "
              "copies of your templates it holds.")
    return rr


def park_fulfilling(s: Scene) -> RightsRequest:
    rr = s.submit(12, "10:00", Kind.DELETION, data_description="Face and fingerprint data for pass HWW-2019-0611.")
    s.verify(rr, 12, "16:30", "Pass holder came to the ticket office; identity card and pass HWW-2019-0611 checked.")
    s.assign(rr, 11, "09:30", by=s.officer)
    s.do(4, "11:00", workflow.approve, rr, actor=member(s.officer),
         note="No statutory retention applies: delete the templates, the paper form and the vendor's copy.")
    s.do(4, "11:05", workflow.start_fulfilment, rr, actor=member(s.officer))
    s.do(2, "14:00", workflow.record_task_outcome, s.task(rr, PAPER_ARCHIVE), actor=member(s.users["park.archive"]),
         outcome={"connector": "manual", "outcome": "deleted",
                  "note": "Pass application form, photos and fingerprint card shredded."})
    return rr  # the vault and the gate vendor's webhook have not reported yet


def park_next_of_kin(s: Scene) -> RightsRequest:
    """PIPL art. 49: the daughter files with her own email, names her late father by his pass,
    attaches the evidence; her code confirms her mailbox; the officer's check verifies."""
    rr = s.submit(9, "10:00", Kind.DELETION, filed_by=FiledBy.NEXT_OF_KIN, requester_name="Wang Fang (daughter)",
                  requester_email=demo_email("wang.fang"), deceased_arranged_otherwise=False,
                  data_description="My late father's face and fingerprint data held for annual pass HWW-2019-0305.",
                  details="My father died in August. As his daughter I ask you to delete his biometric data "
                          "(PIPL art. 49).")
    s.attach(rr, 9, "10:01", Attachment.Purpose.DEATH_EVIDENCE, "death-certificate-and-hukou.pdf",
             "Death certificate of Wang Jianguo; household register page naming Wang Fang as his daughter")
    s.verify_by_code(rr, 9, "10:05")  # her own mailbox: confirmed, not yet verified
    s.do(8, "10:00", workflow.verify_next_of_kin, rr, actor=member(s.officer), death_checked=True,
         relationship_checked=True, arranged_otherwise=False,
         check_performed="Death certificate no. 330106-2026-08-1147 and the household register page showing "
                         "Wang Fang as his daughter; the pass record has no instruction of his about his data.")
    s.assign(rr, 8, "10:10")
    s.do(7, "14:00", workflow.ask_for_information, rr, actor=member(s.officer),
         question="Did your father hold a second pass (a family pass) whose data we should also delete?", reason="clarification")
    return rr


def park_verified(s: Scene) -> RightsRequest:
    rr = s.submit(2, "09:40", Kind.EXPLANATION,
                  details="Explain why my face is needed to enter with my annual pass, who else receives it and "
                          "how long you keep it.")
    s.verify(rr, 2, "11:00", "Called the phone number on pass HWW-2019-0702; the holder confirmed the request.")
    return rr


def park_refused(s: Scene) -> RightsRequest:
    rr = s.submit(14, "10:00", Kind.COPY, data_description="Gate camera recordings of 3 October 2019 showing me.")
    s.verify(rr, 14, "15:00", "Identity card and pass HWW-2019-0918 checked at the ticket office.")
    s.assign(rr, 13, "09:00")
    s.do(5, "16:00", workflow.refuse, rr, actor=member(s.officer),
         reason="Gate recordings are overwritten after 30 days; we hold no recording of 3 October 2019. Your pass "
                "record and entry log can be provided on an access request.",
         legal_ground="PIPL art. 45: only personal information the processor holds can be copied")
    return rr


def park_expired(s: Scene) -> RightsRequest:
    rr = s.submit(25, "21:30", Kind.DELETION, data_description="Face photo taken at the north gate.")
    s.do(10, "03:00", workflow.expire, rr, actor=SYSTEM)  # the daily sweep: the code was never entered
    return rr


def nanjing_overdue(s: Scene) -> RightsRequest:
    rr = s.submit(37, "15:00", Kind.DELETION,
                  data_description="Images of my face taken by the cameras at the sales office entrance when I "
                                   "visited the show flat.")
    s.verify(rr, 36, "10:00", "Phone number confirmed by call-back; it matches the visitor log.")
    s.assign(rr, 36, "10:05")
    s.do(21, "11:00", workflow.message_subject, rr, actor=member(s.officer),
         body="We have asked the camera vendor to list every copy of your images.")
    return rr  # due six days ago: escalated to the owner


def nanjing_approved(s: Scene) -> RightsRequest:
    started = s.days_ago_for_due_in(1)
    rr = s.submit(started + 1, "19:00", Kind.DELETION,
                  data_description="Face captures from the sales office entrance cameras.")
    s.verify(rr, started, "10:00", "Phone number confirmed by call-back.")
    s.assign(rr, started, "10:05")
    s.do(1, "17:00", workflow.approve, rr, actor=member(s.officer),
         note="The entrance cameras were removed as the city ordered; delete the stored captures.")
    s.do(1, "17:05", workflow.start_fulfilment, rr, actor=member(s.officer))
    # The vault deletes its captures (when the seed commits); the camera vendor never answered.
    s.do(1, "18:00", workflow.record_task_outcome, s.task(rr, CAMERA_VENDOR), actor=SYSTEM, failed=True,
         outcome={"connector": "webhook", "error": "unreachable after 8 attempts (ConnectionError)"})
    return rr  # being carried out, one system failed: the officer re-points it or records it by hand


def nanjing_submitted(s: Scene) -> RightsRequest:
    return s.submit(1, "20:15", Kind.ACCESS, data_description="What did your entrance cameras record of me?")


def greenfield_fulfilled(s: Scene) -> RightsRequest:
    rr = s.submit(45, "18:00", Kind.DELETION,
                  data_description="My face template at the main gate terminal (resident card GF-03-1202).",
                  details="The estate may not force residents to use face entry; I use my resident card.")
    s.verify(rr, 44, "09:30", "Resident card and identity card checked at the property office.")
    s.assign(rr, 44, "09:40")
    s.do(41, "10:00", workflow.approve, rr, actor=member(s.officer),
         note="Card entry offered to every resident; no reason to keep the template.")
    s.do(41, "10:05", workflow.start_fulfilment, rr, actor=member(s.officer))
    s.vault_delete(rr, 41, "10:06")
    s.do(40, "09:00", workflow.finish_fulfilment, rr, actor=member(s.officer))
    return rr


def greenfield_due_soon(s: Scene) -> RightsRequest:
    started = s.days_ago_for_due_in(5)
    rr = s.submit(started + 1, "21:00", Kind.WITHDRAW_CONSENT,
                  data_description="Face enrolment for the main gate.",
                  details="I withdraw my consent to face entry. Give me a card or a code instead.")
    s.verify(rr, started, "09:00", "Resident card GF-07-0601 checked at the property office.")
    s.assign(rr, started, "09:10")
    s.do(10, "15:00", workflow.message_subject, rr, actor=member(s.officer),
         body="An IC-card reader is being fitted at the main gate; we will confirm when your card works.")
    return rr


def greenfield_approved(s: Scene) -> RightsRequest:
    rr = s.submit(6, "19:30", Kind.EXPLANATION,
                  details="Explain why the gate must scan my face, who sees the images and how long you keep them.")
    s.verify(rr, 6, "20:00", "Resident card GF-09-0903 checked at the property office.")
    s.assign(rr, 5, "09:00")
    s.do(3, "10:00", workflow.approve, rr, actor=member(s.officer), note="Answer with the processing rules.")
    return rr  # approved: the officer writes the explanation when finishing (no system to run)


def greenfield_withdrawn(s: Scene) -> RightsRequest:
    rr = s.submit(15, "19:30", Kind.CORRECTION,
                  details="My face record is linked to flat 3-1501, which I left. I now live in 5-0801.")
    s.verify(rr, 14, "10:00", "Identity card checked at the property office.")
    s.assign(rr, 14, "10:10")
    s.do(8, "12:00", workflow.withdraw, rr, actor=SUBJECT)  # the office fixed it at the counter
    return rr


def amsterdam_fulfilled(s: Scene) -> RightsRequest:
    rr = s.submit(45, "13:00", Kind.ACCESS, data_description="Museum pass AMP-2022-0815: what face data do you hold?")
    s.verify(rr, 44, "10:00", "Pass number and date of birth matched the pass record.")
    s.assign(rr, 44, "10:15")
    s.do(40, "11:00", workflow.approve, rr, actor=member(s.officer))
    s.do(40, "11:05", workflow.start_fulfilment, rr, actor=member(s.officer))
    s.do(39, "09:00", workflow.record_task_outcome, s.task(rr, VAULT), actor=SYSTEM,
         outcome=s.vault_outcome(rr, "found"))
    s.do(39, "09:30", workflow.message_subject, rr, actor=member(s.officer),
         body="We hold one face template, made at the turnstiles on your separate consent, used only to check "
              "that the pass is yours, kept 400 days after your last visit. It is not shared.")
    s.do(39, "09:35", workflow.finish_fulfilment, rr, actor=member(s.officer))
    return rr


def amsterdam_extended(s: Scene) -> RightsRequest:
    rr = s.submit(25, "14:00", Kind.COPY, data_description="All turnstile face-match logs for pass AMP-2023-1907.")
    s.verify(rr, 24, "10:00", "Pass number and date of birth matched the pass record.")
    s.assign(rr, 24, "10:10")
    s.do(3, "16:00", workflow.extend, rr, actor=member(s.officer),
         reason="The logs must be collected from the turnstile vendor at three sites (GDPR art. 12(3)).")
    return rr


def amsterdam_appealed(s: Scene) -> RightsRequest:
    rr = s.submit(40, "09:00", Kind.DELETION, s.person.identity(member_number="AMP-2024-5521"),
                  data_description="Turnstile face template for my museum pass.")
    s.verify(rr, 39, "10:00", "Reply from the email address confirmed.")
    s.assign(rr, 39, "10:05")
    s.do(33, "15:00", workflow.refuse, rr, actor=member(s.officer),
         reason="No museum pass AMP-2024-5521 exists and no record carries your email address or phone number.",
         legal_ground="GDPR art. 11(2) and 12(2): the controller cannot identify the data subject")
    s.do(30, "20:00", workflow.appeal, rr, actor=SUBJECT,
         grounds="I mistyped the number: my pass is AMP-2024-5512, bought with my old email address.")
    # A GDPR art. 82 claim in euros, declined: the desk offers a new offer or closing it.
    s.do(30, "20:05", workflow.claim_compensation, rr, actor=SUBJECT, amount_minor=25000, currency="EUR",
         covers="Non-material damage: my face kept after I asked, and the time spent on the appeal")
    claim = rr.claims.get()
    s.do(28, "10:00", workflow.assess_claim, claim, actor=member(s.owner), basis="set_amount", amount_minor=7500,
         note="GDPR art. 82: a modest amount for the delay; no material loss shown.")
    s.do(28, "10:05", workflow.offer_compensation, claim, actor=member(s.owner), amount_minor=7500)
    s.do(26, "19:00", workflow.decline_offer, claim, actor=SUBJECT)
    return rr  # back in review with the owner; due nine days ago


def amsterdam_awaiting(s: Scene) -> RightsRequest:
    rr = s.submit(12, "11:00", Kind.DELETION, s.person.identity(member_number=""),
                  data_description="Face data for the museum pass bought with this email address.")
    s.verify(rr, 11, "10:00", "Reply from the email address and phone call-back.")
    s.assign(rr, 11, "10:05")
    s.do(6, "14:00", workflow.ask_for_information, rr, actor=member(s.officer),
         question="Two passes were bought with this email address (AMP-2023-0207 and AMP-2025-1130). Whose face "
                  "data should we delete? If the second pass is your child's, please confirm you are the parent.", reason="clarification")
    return rr


def amsterdam_verified(s: Scene) -> RightsRequest:
    received = s.days_ago_for_due_in(4)
    rr = s.submit(received, "10:00", Kind.RESTRICTION,
                  details="Stop matching my face at the turnstiles; I will show my pass instead.")
    s.verify(rr, received - 1, "09:00", "Pass number and date of birth matched the pass record.")
    return rr  # nobody has picked it up and it falls due in a few days


def goldengate_agent(s: Scene) -> RightsRequest:
    """CCPA regs §7063: the agent files; the consumer confirms with the code sent to his own email."""
    received = s.days_ago_for_due_in(5)
    rr = s.submit(received, "08:30", Kind.DELETION, filed_by=FiledBy.AGENT,
                  requester_name="Bayview Privacy Agents LLC", requester_email=demo_email("bayview.agents"),
                  data_description="Face check-in and locker fingerprint data for membership GGF-20417.")
    s.attach(rr, received, "08:31", Attachment.Purpose.AUTHORISATION, "signed-permission.pdf",
             "Jordan Lee authorises Bayview Privacy Agents LLC to request deletion")
    s.verify_by_code(rr, received, "08:40")  # the consumer, from his own mailbox
    s.assign(rr, received - 2, "11:10")
    return rr


def goldengate_agent_waiting(s: Scene) -> RightsRequest:
    """An agent's request the consumer has not confirmed yet: the code went to her own email."""
    rr = s.submit(1, "16:00", Kind.ACCESS, filed_by=FiledBy.AGENT, requester_name="Bayview Privacy Agents LLC",
                  requester_email=demo_email("bayview.agents"),
                  data_description="Check-in history and face template for membership GGF-23001.")
    s.attach(rr, 1, "16:01", Attachment.Purpose.AUTHORISATION, "signed-permission.pdf",
             "Riley Ng authorises Bayview Privacy Agents LLC to request access")
    return rr


def goldengate_overdue(s: Scene) -> RightsRequest:
    rr = s.submit(52, "17:00", Kind.ACCESS, data_description="Face check-in data for membership GGF-18820.")
    s.verify(rr, 50, "10:00", "Two data points matched: membership number and phone (CCPA regs 7062).")
    s.assign(rr, 50, "10:10")
    # A settlement in dollars, paid in full: the CCPA gives damages only after a breach.
    s.do(49, "09:00", workflow.claim_compensation, rr, actor=SUBJECT, amount_minor=12000, currency="USD",
         covers="Two months' membership fees while face check-in was the only way in")
    claim = rr.claims.get()
    s.do(45, "11:00", workflow.assess_claim, claim, actor=member(s.owner), basis="set_amount", amount_minor=12000,
         note="Goodwill settlement: the fees for the months card check-in was unavailable.")
    s.do(45, "11:05", workflow.offer_compensation, claim, actor=member(s.owner), amount_minor=12000)
    s.do(44, "18:30", workflow.accept_offer, claim, actor=SUBJECT)
    s.do(42, "10:00", workflow.record_payment, claim, actor=member(s.owner), amount_minor=12000,
         reference="ACH-GGF-18820-01")
    return rr  # 45 days from receipt, however long verification took: overdue


def goldengate_verified(s: Scene) -> RightsRequest:
    rr = s.submit(3, "12:00", Kind.PORTABILITY, data_description="My check-in history and face template.")
    s.verify(rr, 2, "09:00", "Three data points matched and a signed declaration received (CCPA regs 7062).")
    return rr


def goldengate_submitted(s: Scene) -> RightsRequest:
    return s.submit(1, "18:45", Kind.DELETION, data_description="Face check-in template.")


SCENARIOS = [
    Scenario(HANGZHOU_CASE_KEY, PARK, hangzhou_case),
    Scenario("chen.lei", PARK, park_fulfilling),
    Scenario("wang.jianguo", PARK, park_next_of_kin),
    Scenario("li.na", PARK, park_verified),
    Scenario("zhao.min", PARK, park_refused),
    Scenario("sun.hao", PARK, park_expired),
    Scenario("zhou.xin", NANJING, nanjing_overdue),
    Scenario("huang.lei", NANJING, nanjing_approved),
    Scenario("xu.ying", NANJING, nanjing_submitted),
    Scenario("ma.jun", GREENFIELD, greenfield_fulfilled),
    Scenario("lin.yan", GREENFIELD, greenfield_due_soon),
    Scenario("he.qiang", GREENFIELD, greenfield_withdrawn),
    Scenario("qian.hui", GREENFIELD, greenfield_approved),
    Scenario("eva.dekker", AMSTERDAM, amsterdam_fulfilled),
    Scenario("daan.visser", AMSTERDAM, amsterdam_extended),
    Scenario("sanne.bakker", AMSTERDAM, amsterdam_appealed),
    Scenario("lotte.jansen", AMSTERDAM, amsterdam_awaiting),
    Scenario("noah.smit", AMSTERDAM, amsterdam_verified),
    Scenario("jordan.lee", GOLDEN_GATE, goldengate_agent),
    Scenario("riley.ng", GOLDEN_GATE, goldengate_agent_waiting),
    Scenario("maria.garcia", GOLDEN_GATE, goldengate_overdue),
    Scenario("sam.chen", GOLDEN_GATE, goldengate_verified),
    Scenario("alex.kim", GOLDEN_GATE, goldengate_submitted),
]

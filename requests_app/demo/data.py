"""The demo's tables: organisations, logins, data systems, processing activities, people
and their biometric records. Plain data and the small helpers that read it; nothing here
writes to the database (requests_app/demo/reference.py does, from these tables).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from orgs.erasure import IDENTIFIER_FIELDS
from orgs.models import DataSystem, Membership, Modality, Organisation, ProcessingActivity
from requests_app.cases.subjects import Identity, build_subject

DEMO_PASSWORD = "rightsdesk-demo"
DEMO_AUTHENTICATOR = "Demo authenticator"
DEMO_DOMAIN = "demo.rightsdesk.example"
HANGZHOU_CASE_KEY = "guo.bing"
# Reference data (organisations, logins, systems) is dated this long before the run.
SETUP_DAYS_AGO = 200

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

# Regulators (requests_app/demo/oversight.py): username, first, last, the authority they work for.
NANJING_CAC = dict(name="Nanjing Municipal Cyberspace Administration Office", name_zh="南京市委网信办", kind="cac",
                   jurisdiction="CN", contact_email="oversight@nanjing-cac.example")
REGULATORS = [("nanjing.cac", "Zhou", "Ming", NANJING_CAC["name"])]

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
             # requests_app/demo/vendor.py); the shared secret is set when seeding.
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
PARK_PASS_PHOTO = "Photo on the annual pass"
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
        # In 2019 the park texted "enrol your face or lose entry"; since the Measures came into force
        # (June 2025) it asks each holder separately at the enrolment kiosk (the consent ledger).
        dict(name=PARK_FACE, modality=FACE, legal_basis=Basis.SEPARATE_CONSENT, consent_type=Consent.SEPARATE,
             retention_days=395,
             purpose="Admit annual-pass holders by face recognition (replaced fingerprints from October 2019).",
             collection_point="North gate face scanner",
             signage="Sign at the north gate; separate consent asked at the enrolment kiosk since June 2025 "
                     "(in 2019 text messages told pass holders: enrol your face or lose entry)."),
        # The photo printed on the pass, for the gate staff to see the pass is its holder's: part of the
        # pass contract, not of the consent to face entry, so withdrawing that consent leaves it.
        dict(name=PARK_PASS_PHOTO, modality=FACE, legal_basis=Basis.CONTRACT, consent_type=Consent.NONE,
             retention_days=395,
             purpose="Print the holder's photo on the annual pass, so the gate staff can see the pass is used by "
                     "its holder (the pass is personal).",
             collection_point="Ticketing office enrolment desk", signage="Pass terms signed at purchase."),
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

    def identifier_fields(self, jurisdiction: str) -> dict[str, str]:
        """The hashed and masked identifiers of this person's records: what the intake form
        computes for a subject of the same identity (build_subject), so the two match."""
        subject = build_subject(self.identity(), jurisdiction=jurisdiction, reachable=False)
        return {name: getattr(subject, name) for name in IDENTIFIER_FIELDS}


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
    Person("ye.qing", "Ye Qing", "+86 139 5710 1106", "HWW-2024-1106"),
    # Nanjing sales office visitors: the office knows them by the phone they gave at the door
    Person("zhou.xin", "Zhou Xin", "+86 138 2501 3344"),
    Person("huang.lei", "Huang Lei", "+86 138 2501 7781"),
    Person("xu.ying", "Xu Ying", "+86 138 2501 9052"),
    # Greenfield estate residents (resident card numbers)
    Person("ma.jun", "Ma Jun", "+86 137 5800 1202", "GF-03-1202"),
    Person("lin.yan", "Lin Yan", "+86 137 5800 0601", "GF-07-0601"),
    Person("he.qiang", "He Qiang", "+86 137 5800 1501", "GF-03-1501"),
    Person("qian.hui", "Qian Hui", "+86 137 5800 0903", "GF-09-0903"),
    Person("tang.li", "Tang Li", "+86 137 5800 1108", "GF-11-0108"),
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


def records(today: date) -> dict[str, list[RecordSpec]]:
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
        # Enrolled for face entry on her consent; her pass photo is held for the pass contract.
        RecordSpec(p["ye.qing"], PARK_FACE, date(2024, 11, 6)),
        RecordSpec(p["ye.qing"], PARK_PASS_PHOTO, date(2024, 11, 6)),
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
                            for k, d in [("ma.jun", 320), ("lin.yan", 300), ("he.qiang", 410), ("tang.li", 260)]]
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

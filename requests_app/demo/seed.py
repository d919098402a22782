"""One run of the demo: the setting (requests_app/demo/reference.py), then every scenario of
requests_app/demo/scenes.py not seeded yet, with side effects kept quiet (quiet.py).

A demo request is keyed on its subject's email `<key>@demo.rightsdesk.example`: a scenario
whose request exists is skipped, so a second run creates nothing.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from orgs.models import Organisation
from requests_app.demo import filing, oversight, reference, year
from requests_app.demo.data import HANGZHOU_CASE_KEY, PEOPLE, demo_email
from requests_app.demo.engine import Scenario, Scene
from requests_app.demo.quiet import quiet_side_effects
from requests_app.demo.reference import DemoAuthenticator
from requests_app.demo.scenes import SCENARIOS
from requests_app.models import RightsRequest


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
    """What one run knows: when it started, what it made, the logins and organisations."""

    def __init__(self):
        self.real_now = timezone.now()
        self.result = SeedResult()
        self.users: dict[str, object] = {}
        self.orgs: dict[str, Organisation] = {}
        self.gates: dict = {}  # serial -> private key of the demo's gates (demo/gates.py)

    def build_requests(self, scenarios: list[Scenario]) -> None:
        for scenario in scenarios:
            org = self.orgs[scenario.org]
            person = PEOPLE[scenario.key]
            assert person.address == demo_email(scenario.key), "a demo request is keyed on its subject's email"
            email_hash = person.identifier_fields(org.jurisdiction)["email_hash"]
            found = RightsRequest.objects.filter(organisation=org, subject__email_hash=email_hash).first()
            if found is None:
                # All of a story or none of it, so a failed run leaves nothing half-told
                # that the next run would skip. Its files (evidence, exports) are stored
                # under their hashes before each step's own transaction (cases/files.py);
                # a rolled-back story leaves them unnamed, and the re-run finds them there.
                with transaction.atomic():
                    found = scenario.play(Scene(self, org, person))
                self.result.created["requests"] += 1
            if scenario.key == HANGZHOU_CASE_KEY:
                self.result.hangzhou_case = found


def seed() -> SeedResult:
    """Load the demo; idempotent (what exists is kept as it is)."""
    demo = Demo()
    with quiet_side_effects():
        reference.build(demo)
        oversight.build(demo)  # the Nanjing cyberspace administration's regulator and grant
        filing.build(demo)  # the park over the filing threshold: 100,000 and more faces
        demo.build_requests(SCENARIOS)
        year.build(demo)  # the park's earlier requests, and its published transparency report
        oversight.order_removal(demo)  # the Nanjing cameras: inquiry, order, removal, certificate, answer
    return demo.result

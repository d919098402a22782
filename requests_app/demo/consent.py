"""The demo's consent ledger (issue 13, item 4): when the Measures came into force (June
2025), Hangzhou Wildlife World asked each annual-pass holder enrolled for face entry again,
separately, at the enrolment kiosk; those who agreed are on the ledger, and their face
templates at the north gate link to that consent. Guo Bing, who never agreed to face
recognition, is not among them. Written through the ledger's own rules (orgs/consent.py).

Ye Qing is the story of a withdrawal: her face template rests on her consent, the photo on
her pass on the pass contract; her request to withdraw consent (requests_app/demo/scenes.py)
deletes the first and keeps the second, saying why.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from orgs import consent
from orgs.identifiers import Identifiers
from orgs.models import BiometricRecord, ConsentEvent, Organisation, ProcessingActivity
from requests_app.demo.data import HANGZHOU_CASE_KEY, PARK, PARK_FACE, records

if TYPE_CHECKING:
    from requests_app.demo.seed import Demo

WORDING = ("Hangzhou Wildlife World asks your consent, separately from the pass terms, to scan your face at the "
           "north gate to let you in. The face template is encrypted, kept for the pass year plus 30 days, and "
           "deleted when you withdraw this consent. You may enter with your pass card instead; saying no changes "
           "nothing else about your pass.")
WORDING_VERSION = "HWW-FACE-2025-06"


def build(demo: "Demo", org: Organisation) -> None:
    """The park's ledger, once: a run that finds entries there leaves it as it is."""
    if org.slug != PARK or ConsentEvent.objects.filter(organisation=org).exists():
        return
    face = ProcessingActivity.objects.get(organisation=org, name=PARK_FACE)
    asked = datetime(2025, 6, 2, 10, 0, tzinfo=org.time_zone)
    today = demo.real_now.astimezone(org.time_zone).date()
    for spec in records(today)[PARK]:
        if spec.activity != PARK_FACE or spec.lapsed or spec.person.key == HANGZHOU_CASE_KEY:
            continue
        fields = spec.person.identifier_fields(org.jurisdiction)
        person = Identifiers(values={}, masked=fields["masked_identifiers"],
                             hashes={name: value for name, value in fields.items() if name.endswith("_hash") and value})
        entry = consent.give(org, face, person, channel=ConsentEvent.Channel.KIOSK, separate=True, wording=WORDING,
                             wording_version=WORDING_VERSION, at=asked)
        BiometricRecord.objects.filter(organisation=org, activity=face, consent__isnull=True).matching(
            person.hashes_by_kind()).update(consent=entry)
        demo.result.created["consent ledger entries"] += 1

"""The isolation matrix of the API: organisation A's tokens get 404 on every URL of the
"api" namespace that names something of organisation B, whatever the method, exactly as
for a made-up id; lists and searches never show B; B is left as it was. And a walk over
every URL shows no template (nor its ciphertext, nor identifier hashes) in any body.

The URLs are not listed by hand: every pattern of the "api" namespace whose view accepts
API tokens is enumerated from the URL configuration, and each parameter is filled with
B's value. A new endpoint is covered the day it is added; one with a parameter this file
does not know fails until B's value is given below. (Views that take no API token, the
citizens' and systems' endpoints with their own credentials, are out of a token's reach.)
"""

import base64

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from orgs import consent
from orgs.identifiers import read_identifiers
from orgs.models import (
    BiometricRecord, CollectionPoint, ConsentEvent, DataSystem, Device, ImpactAssessment, Membership,
)
from requests_app.api.authentication import ApiTokenAuthentication
from tests import factories

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")
MADE_UP = {"reference": "NOSUCHREF9", "public_id": "00000000-0000-4000-8000-000000000000", "pk": 10**9}
TEMPLATE = b"\x13\x37secret-iris-template-bytes\x00\xfe" * 3


def _patterns(patterns):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry


def token_patterns() -> list[tuple[str, URLPattern]]:
    """Every pattern of the api namespace whose view authenticates API tokens."""
    _prefix, resolver = get_resolver().namespace_dict["api"]
    found = []
    for pattern in _patterns(resolver.url_patterns):
        view = getattr(pattern.callback, "cls", None)
        if view is not None and ApiTokenAuthentication in getattr(view, "authentication_classes", ()):
            found.append((f"api:{pattern.name}", pattern))
    return found


def build(org, officer, owner, *, email, template=TEMPLATE) -> dict:
    """One of everything an API URL can name, in `org`."""
    factories.system(org, name="Pass ledger", connector=DataSystem.Connector.MANUAL, owner=officer)
    activity = factories.activity(org)
    vault = factories.system(org, name="Gate vault")
    record = factories.person_record(activity, email=email, data_system=vault, template=template)
    rr = factories.fulfilling_request(org, officer, email=email)
    claim = factories.claim(rr)
    task = rr.fulfilment_tasks.get(system__name="Pass ledger")
    point = factories.collection_point(activity, name=f"Gate of {org.slug}", alternatives=())
    device = factories.device(point, serial=f"SN-{org.slug}")
    assessment = factories.assessment(activity)  # a draft: approving it would change B
    entry = consent.give(org, activity, read_identifiers({"email": email}, jurisdiction=org.jurisdiction),
                         channel="kiosk", separate=True)
    return {"request": rr, "claim": claim, "task": task, "activity": activity, "system": vault, "record": record,
            "officer": officer, "owner": owner, "point": point, "device": device, "assessment": assessment,
            "consent": entry}


def values_of(case, name) -> dict:
    """The value of `case` for each parameter a URL named `name` may have."""
    pk_by_resource = {"data-system": case["system"].pk, "processing-activity": case["activity"].pk,
                      "biometric-record": case["record"].pk, "collection-point": case["point"].pk,
                      "device": case["device"].pk, "impact-assessment": case["assessment"].pk,
                      "consent-entry": case["consent"].pk}
    # The resource a URL name starts with: "device-go-live" is a device's.
    resource = max((r for r in pk_by_resource if name.removeprefix("api:").startswith(f"{r}-")), key=len, default="")
    return {"reference": [case["request"].reference, case["request"].reference.lower()],
            "public_id": [case["task"].public_id],
            "pk": [pk_by_resource[resource]] if resource in pk_by_resource else []}


def urls_naming(case) -> list[tuple[str, str]]:
    urls = []
    for name, pattern in token_patterns():
        params = list(pattern.pattern.regex.groupindex)
        if not params:
            continue
        known = values_of(case, name)
        missing = [p for p in params if not known.get(p)]
        assert not missing, f"{name} has parameters {missing}: give B's value for them in values_of()"
        combos = [{}]
        for param in params:
            combos = [{**c, param: v} for c in combos for v in known[param]]
        for combo in combos:
            urls.append((reverse(name, kwargs=combo), reverse(name, kwargs={p: MADE_UP[p] for p in combo})))
    return urls


def body_naming(case) -> dict:
    return {"assignee": case["officer"].pk, "check_performed": "Saw it", "question": "Which gate?",
            "reason": "Because", "legal_ground": "Art. 1", "note": "", "body": "Hello", "claim": case["claim"].pk,
            "basis": "loss", "amount_minor": 1, "reference": "PAY-1", "outcome": "deleted",
            "system": case["system"].pk, "activity": case["activity"].pk, "owner": case["officer"].pk,
            "name": "Taken over", "city": "Elsewhere", "email": "x@example.com",
            "template": base64.b64encode(b"x").decode(), "collection_point": case["point"].pk, "serial": "SN-taken",
            "kind": "gate", "modality": "face", "template_storage": "central", "site": "Taken", "place_kind": "other",
            "necessity": "Taken", "notice": "Taken", "answers": {}, "action": "withdrawn", "channel": "kiosk"}


def state_of(case) -> dict:
    org = case["request"].organisation
    org.refresh_from_db()
    return {"request": factories.snapshot(case["request"]),
            "tasks": list(case["request"].fulfilment_tasks.values_list("status", "result")),
            "claims": list(case["request"].claims.values_list("status", "offered_minor")),
            "systems": list(DataSystem.objects.filter(organisation=org).values_list("name", "owner")),
            "records": BiometricRecord.objects.filter(organisation=org).count(),
            "members": list(Membership.objects.filter(organisation=org).values_list("user", "role")),
            "org": (org.name, org.city),
            "register": [list(model.objects.filter(organisation=org).order_by("pk").values())
                         for model in (CollectionPoint, Device, ImpactAssessment, ConsentEvent)]}


@pytest.fixture
def case_b(org_b, officer_b):
    owner_b = factories.member(org_b, "owner", username="owner_b")
    return build(org_b, officer_b, owner_b, email="b-person@example.com")


@pytest.fixture
def case_a(org_a, officer_a, owner_a):
    return build(org_a, officer_a, owner_a, email="a-person@example.com", template=TEMPLATE + b"-a")


def test_the_matrix_covers_the_officer_and_owner_api(case_b):
    names = {name for name, _p in token_patterns()}
    assert {"api:request-list", "api:request-detail", "api:request-approve", "api:request-record-payment",
            "api:fulfilment-task-list", "api:fulfilment-task-outcome", "api:dashboard", "api:organisation",
            "api:member-list", "api:data-system-detail", "api:processing-activity-detail",
            "api:biometric-record-detail", "api:collection-point-detail", "api:collection-point-signage-photo",
            "api:device-detail", "api:device-go-live", "api:device-retire", "api:impact-assessment-detail",
            "api:impact-assessment-approve", "api:register-flags"} <= names
    assert len(urls_naming(case_b)) >= 2 * 14 + 4 + 7  # request URLs twice (upper, lower case)


@pytest.mark.parametrize("who", ["owner", "officer"])
def test_as_tokens_get_404_on_every_url_of_b(case_a, case_b, who):
    client = factories.member_api(case_a[who], case_a["request"].organisation)
    before = state_of(case_b)
    data = body_naming(case_b)

    for url, nowhere in urls_naming(case_b):
        got = tuple(getattr(client, m)(url, data, format="json").status_code for m in METHODS)
        same = tuple(getattr(client, m)(nowhere, data, format="json").status_code for m in METHODS)
        assert got == same, url
        assert set(got) <= {404, 405} and 404 in got, f"{url}: {got}"
        method = METHODS[got.index(404)]
        assert getattr(client, method)(url, data, format="json").json()["code"] == "not_found", url

    assert state_of(case_b) == before


def test_lists_and_searches_never_show_b(case_a, case_b):
    client = factories.member_api(case_a["owner"], case_a["request"].organisation)
    rr_b = case_b["request"]
    before = state_of(case_b)
    secrets_of_b = [rr_b.reference, str(case_b["task"].public_id), "b-person", "Nanjing", "owner_b", "officer_b",
                    case_b["point"].name, str(case_b["point"].public_id), case_b["device"].serial]

    for name, pattern in token_patterns():
        if pattern.pattern.regex.groupindex:
            continue
        url = reverse(name)
        actions = getattr(pattern.callback, "actions", None) or {}
        if actions and "get" not in actions:
            # Read by POST (a person's consent ledger: identifiers never in a URL).
            response = client.post(url, {"email": "b-person@example.com"}, format="json")
            assert response.status_code == 200, url
            assert not [s for s in secrets_of_b if s in response.content.decode()], url
            assert '"entries":[]' in response.content.decode().replace(" ", ""), url
            continue
        for query in ({"q": rr_b.reference}, {"q": "b-person@example.com"}, {"status": ["fulfilling", "submitted"]}):
            response = client.get(url, query)
            assert response.status_code == 200, url
            assert not [s for s in secrets_of_b if s in response.content.decode()], url
        client.post(url, body_naming(case_b), format="json")

    assert state_of(case_b) == before


def _forbidden_strings(record: BiometricRecord, template: bytes) -> list[str]:
    cipher = bytes(BiometricRecord.objects.get(pk=record.pk).template_ciphertext)
    return [template.decode("latin-1"), base64.b64encode(template).decode(), template.hex(),
            cipher.decode("latin-1"), base64.b64encode(cipher).decode(), cipher.hex(),
            record.email_hash, record.phone_hash or record.email_hash]


def test_no_response_of_a_full_walk_shows_a_template(case_a):
    org = case_a["request"].organisation
    client = factories.member_api(case_a["owner"], org)
    made = client.post(reverse("api:biometric-record-list"), {
        "system": case_a["system"].pk, "activity": case_a["activity"].pk, "modality": "iris",
        "email": "walker@example.com", "template": base64.b64encode(TEMPLATE).decode(),
        "collected_at": "2026-01-01T00:00:00Z", "retain_until": "2030-01-01T00:00:00Z"}, format="json")
    assert made.status_code == 201
    posted = BiometricRecord.objects.get(pk=made.json()["id"])
    forbidden = _forbidden_strings(posted, TEMPLATE) + _forbidden_strings(case_a["record"], TEMPLATE + b"-a")

    bodies = [made.content]
    for name, pattern in token_patterns():
        params = list(pattern.pattern.regex.groupindex)
        known = values_of(case_a, name)
        if any(not known.get(p) for p in params):
            continue
        kwargs = {p: known[p][0] for p in params}
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code in (200, 405), name
        bodies.append(response.content)
    for pk in (posted.pk, case_a["record"].pk):
        bodies.append(client.get(reverse("api:biometric-record-detail", kwargs={"pk": pk})).content)

    assert len(bodies) >= 12
    for body in bodies:
        text = body.decode("latin-1")
        assert not [f for f in forbidden if f and f in text]
    assert b"template" not in b"".join(bodies[1:]).replace(b"template_", b"")

"""The API answers every client in its own JSON ({"code", "message", "fields"}): a
malformed path value (a bad UUID, a bad reference) is a JSON 404, never the site's HTML
page; a method an operation lacks, TRACE included, is a JSON 405; and the answers match
the schema, a request without a certificate included (null, which the schema now allows).
The operations come from the schema itself, so a new one is covered without a new line."""

import re
import uuid

import pytest
import schemathesis
from django.test import Client
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from requests_app.cases import tokens
from requests_app.models import RightsRequest
from tests import factories
from tests.api.test_schemathesis import keep_connection  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete", "trace")
BAD_VALUES = ["not-a-uuid", "00000000-0000-0000-0000-00000000000g", "bad.ref", "a" * 300, "%E9%83%AD%00", "..%2F.."]


@pytest.fixture
def spec(client):
    return client.get("/api/schema/?format=json").json()


@pytest.fixture
def owner_api(org_a, owner_a):
    return factories.member_api(owner_a, org_a)


def _filled(path: str, params: dict[str, dict]) -> str:
    """The path with a well-formed value in each parameter (that may name nothing)."""
    def value(match):
        schema = params.get(match.group(1), {}).get("schema", {})
        if schema.get("format") == "uuid":
            return str(uuid.uuid4())
        return "1" if schema.get("type") == "integer" or match.group(1) == "id" else "ABCDEFGHJK"
    return re.sub(r"\{(\w+)\}", value, path)


def _params(operations: dict) -> dict[str, dict]:
    return {p["name"]: p for op in operations.values() if isinstance(op, dict)
            for p in op.get("parameters", []) if p.get("in") == "path"}


def _is_json_error(response, status: int) -> bool:
    return (response.status_code == status and response["Content-Type"].startswith("application/json")
            and set(response.json()) == {"code", "message", "fields"})


def test_a_malformed_path_value_is_a_json_404_on_every_operation(spec, owner_api):
    wrong, sent = [], 0
    for path, operations in spec["paths"].items():
        if "{" not in path:
            continue
        for bad in BAD_VALUES:
            url = re.sub(r"\{\w+\}", bad, path)
            for method in [m for m in operations if m in METHODS]:
                # Each from an address of its own: the status token's guess limit (30 unknown
                # tokens in ten minutes per address) would otherwise answer 429 first.
                sent += 1
                response = getattr(owner_api, method)(url, REMOTE_ADDR=f"10.9.{sent // 250}.{sent % 250 + 1}")
                if not (_is_json_error(response, 404) or _is_json_error(response, 400)):
                    wrong.append((method, url[:80], response.status_code, response["Content-Type"]))
    assert wrong == []


def test_an_unknown_path_under_the_api_is_a_json_404(owner_api, client):
    assert _is_json_error(owner_api.get("/api/v1/no-such-thing/"), 404)
    assert _is_json_error(client.post("/api/v1/public/submissions/123/verify/"), 404)
    # Outside the API the site's own page stays.
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_every_method_an_operation_lacks_is_a_json_405_trace_included(spec, owner_api):
    wrong, checked = [], 0
    for path, operations in spec["paths"].items():
        url = _filled(path, _params(operations))
        for method in METHODS:
            if method in operations:
                continue
            checked += 1
            response = getattr(owner_api, method)(url)
            if not _is_json_error(response, 405):
                wrong.append((method.upper(), url, response.status_code, response["Content-Type"]))
    assert checked > 50
    assert wrong == [], "\n".join(map(str, wrong))


def test_trace_is_refused_for_a_citizen_without_a_token_too(client, org_a):
    rr = factories.submitted_request(org_a)
    link = tokens.issue_status_link(rr.submission)
    for url in ("/api/v1/public/requests/", f"/api/v1/public/status/{link}/"):
        response = Client().generic("TRACE", url)
        assert _is_json_error(response, 405), (url, response.status_code)


@pytest.mark.parametrize("state", [RightsRequest.Status.IN_REVIEW, RightsRequest.Status.FULFILLED])
def test_a_request_with_or_without_certificate_matches_the_schema(state, org_a, owner_a, officer_a, settings,
                                                                  keep_connection):
    """Before fulfilment the certificate is null; the schema said string (the issue's find)."""
    from config.wsgi import application

    settings.ALLOWED_HOSTS = ["*"]
    rr = factories.request_in_state(state, org_a, officer_a)
    assert (rr.certificate_id is None) == (state == RightsRequest.Status.IN_REVIEW)
    token = factories.api_token(owner_a, org_a)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    for path, parameters in (("/api/v1/requests/{reference}/", {"reference": rr.reference}),
                             ("/api/v1/requests/", {})):
        case = schema[path]["GET"].Case(path_parameters=parameters)
        response = case.call(headers={"Authorization": f"Token {token}"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.status_code == 200
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


def test_the_schema_says_certificate_may_be_null(spec):
    detail = spec["components"]["schemas"]["RequestDetail"]["properties"]["certificate"]
    assert detail.get("nullable") is True and detail["type"] == "string"


@pytest.mark.parametrize("url", ["/api/v1/requests/AB%00CD/", "/api/v1/public/status/x%00y/",
                                 "/api/v1/public/status/x/AB%00/reply/"])
def test_a_nul_in_an_api_path_is_a_json_404_not_a_500(url, owner_api):
    """PostgreSQL refuses NUL in text: such a reference or token used to be a DataError."""
    for method in ("get", "post"):
        assert _is_json_error(getattr(owner_api, method)(url), 404)


@pytest.mark.parametrize("url", ["/desk/requests/AB%00CD/", "/status/x%00y/", "/status/x/AB%00/certificate/"])
def test_a_nul_in_a_page_path_is_the_sites_404(url, client, officer_a):
    client.force_login(officer_a)
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")

"""Property-based run of Schemathesis against the API's own schema, inside the suite.

The schema is read from /api/schema/ through the WSGI application (the test's database
and its transaction); every operation gets a bounded, reproducible number of generated
requests (derandomized, no shrinking), with an officer's API token, and every answer
must be no 5xx and match the schema. Failures are collected per operation and reported
together, with the request that caused each.
"""

import secrets
import time
from datetime import timedelta

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from orgs.models import ApiToken
from requests_app.api.authentication import token_digest
from requests_app.cases import tokens
from tests import factories

MAX_EXAMPLES = 10
BUDGET_SECONDS = 90


@pytest.fixture
def keep_connection():
    """Like Django's test client: a request through the WSGI handler must not close the
    test's connection (and with it the test's transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(keep_connection, settings, org_a, owner_a, officer_a, tmp_path):
    """An organisation with requests in several states and an officer's token."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = tmp_path / "media"
    factories.system(org_a)
    rr = factories.in_review_request(org_a, officer_a)
    factories.refused_request(org_a, officer_a, email="li@example.com")
    factories.submitted_request(org_a, email="wang@example.com")
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=owner_a, organisation=org_a, name="schemathesis", token_hash=token_digest(token),
                            prefix=token[:8], expires_at=timezone.now() + timedelta(days=1))
    return {"token": token, "status_token": tokens.issue_status_link(rr.submission)}


def _run_operation(operation, headers: dict) -> None:
    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )
    def check(case):
        # A WSGI server always sets REMOTE_ADDR (the rate limits' key); werkzeug's test client does not.
        response = case.call(headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    check()


def test_every_operation_answers_without_5xx_and_as_its_schema_says(seeded):
    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    headers = {"Authorization": f"Token {seeded['token']}"}
    failures, ran, started = {}, 0, time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _run_operation(operation, headers)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported below, operation by operation
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:3000]}"
        ran += 1
    elapsed = time.monotonic() - started
    assert ran >= 10, "the schema lists too few operations: was it loaded?"
    assert not failures, "\n\n".join(f"{label}\n{detail}" for label, detail in failures.items())
    assert elapsed < BUDGET_SECONDS

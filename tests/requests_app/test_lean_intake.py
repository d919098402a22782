"""The intake's path to the database, held by counting: a submission from a warm process
costs three statements (the duplicate check, the ids drawn, one INSERT writing every row),
whether it comes through the API or the web form, so a query added to it shows here."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from orgs import public_settings
from requests_app.models import DataSubject, PendingEntry, RequestEvent, RightsRequest, VerificationChallenge
from requests_app.transparency import audit
from orgs.identifiers import IdentifierKind, identifier_hash
from requests_app.workflow import intake
from tests import factories
from tests.public import citizen
from tests.workers import free_port

Status = RightsRequest.Status


@pytest.fixture
def park(db):
    return factories.organisation(name="Hangzhou Safari Park", slug="hangzhou-safari-park", jurisdiction="CN")


def payload(email: str, **overrides) -> dict:
    return {"organisation": "hangzhou-safari-park", "kinds": ["deletion"], "identity": {"email": email},
            "data_description": "Face scan at the north gate with my annual pass.", **overrides}


def file(api, email: str, ip: str = "203.0.113.7", **overrides):
    return api.post(reverse("api:public-requests"), payload(email, **overrides), format="json", REMOTE_ADDR=ip)


def statements(queries) -> list[str]:
    return [query["sql"].split(None, 1)[0].upper() for query in queries.captured_queries]


def test_one_intake_through_the_api_sends_three_statements_and_writes_every_row(park):
    api = APIClient()
    assert file(api, "first@example.com").status_code == 201  # the process warms: organisation, sequences

    with CaptureQueriesContext(connection) as queries:
        response = file(api, "guo@example.com", ip="203.0.113.8", kinds=["deletion", "access"])

    assert response.status_code == 201, response.content
    assert statements(queries) == ["WITH", "SELECT", "WITH"]  # duplicates, ids, every row
    filed = list(RightsRequest.objects.filter(submission=response.json()["submission"]).order_by("pk"))
    assert [rr.kind for rr in filed] == ["deletion", "access"]
    assert filed[0].subject_id == filed[1].subject_id
    assert DataSubject.objects.get(pk=filed[0].subject_id).email == "guo@example.com"
    for rr in filed:
        event = RequestEvent.objects.get(request=rr)
        assert (event.seq, event.action, rr.event_count, rr.chain_head) == (1, "submit", 1, event.hash)
        assert audit.verify_chain(rr) is None
        assert PendingEntry.objects.filter(event=event).exists()
        assert rr.status == Status.SUBMITTED and rr.expires_at is not None
    challenge = VerificationChallenge.objects.get(request__submission=filed[0].submission)
    assert challenge.request_id == filed[0].pk and challenge.sent_at is None


def test_the_web_form_files_with_the_same_three_statements(client, park):
    assert citizen.file_request(client, park, email="first@example.com").status_code == 302

    with CaptureQueriesContext(connection) as queries:
        response = citizen.file_request(client, park, email="guo@example.com", ip="203.0.113.9")

    assert response.status_code == 302
    assert statements(queries) == ["WITH", "SELECT", "WITH"]
    assert RightsRequest.objects.filter(subject__email="guo@example.com").count() == 1


def test_an_open_duplicate_is_found_by_the_persons_hash_and_nothing_is_written(park):
    api = APIClient()
    assert file(api, "guo@example.com").status_code == 201

    with CaptureQueriesContext(connection) as queries:
        again = file(api, "  GUO@example.com ", ip="203.0.113.10")

    assert again.status_code == 409
    assert statements(queries) == ["WITH", "SELECT"]  # the check by hash, then the open request read
    assert RightsRequest.objects.count() == 1 and DataSubject.objects.count() == 1


def test_a_reference_already_taken_is_drawn_again_and_every_row_is_still_written(park, monkeypatch):
    api = APIClient()
    assert file(api, "first@example.com").status_code == 201
    taken = RightsRequest.objects.get()
    taken_head = (taken.event_count, taken.chain_head)
    # The first draw of the next submission repeats the reference already taken.
    draws = iter([taken.reference, "ABCDEFGH23"])
    monkeypatch.setattr("requests_app.cases.tokens.new_reference", lambda: next(draws))

    with CaptureQueriesContext(connection) as queries:
        response = file(api, "guo@example.com", ip="203.0.113.8")

    assert response.status_code == 201
    assert statements(queries) == ["WITH", "SELECT", "WITH", "WITH"]  # the clash left out, then written
    rr = RightsRequest.objects.get(submission=response.json()["submission"])
    assert rr.reference == "ABCDEFGH23" == response.json()["requests"][0]["reference"]
    assert audit.verify_chain(rr) is None and PendingEntry.objects.filter(event__request=rr).count() == 1
    assert VerificationChallenge.objects.filter(request=rr).count() == 1
    assert DataSubject.objects.count() == 2  # the person written once
    taken.refresh_from_db()
    assert (taken.event_count, taken.chain_head) == taken_head and audit.verify_chain(taken) is None


def test_the_intake_goes_through_when_the_rate_limit_cache_is_down(park, settings, caplog):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}  # nothing listens there

    response = file(APIClient(), "guo@example.com")

    assert response.status_code == 201
    assert RightsRequest.objects.filter(subject__email="guo@example.com").count() == 1
    assert "rate-limit cache unreachable" in caplog.text and "guo" not in caplog.text


def test_an_organisation_that_stops_taking_requests_is_seen_at_once(park):
    api = APIClient()
    assert file(api, "first@example.com").status_code == 201  # kept by this process
    park.accepts_public_requests = False
    park.save()

    response = file(api, "guo@example.com", ip="203.0.113.8")

    assert response.status_code == 400 and "organisation" in response.json()["fields"]
    assert public_settings.public_organisation("hangzhou-safari-park") is None


def test_an_unknown_slug_is_not_kept(park):
    for n in range(50):
        assert public_settings.public_organisation(f"no-such-park-{n}") is None
    assert not [name for name in public_settings._kept._values if name[1].startswith("no-such-park")]
    assert cache.get("orgs:generation:organisations") is None  # nothing was changed: nothing bumped


def test_the_duplicate_check_starts_from_the_persons_hash_whatever_the_statistics_say(park):
    """Statistics taken when the organisation had one request (autovacuum off, as on the
    bench machine), then 3,000 more: the check still goes hash, person, their requests."""
    assert file(APIClient(), "first@example.com").status_code == 201
    template = RightsRequest.objects.get()
    columns = [f.column for f in RightsRequest._meta.local_concrete_fields if f.column not in ("id", "reference")]
    listed = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{RightsRequest._meta.db_table}"')
        cursor.execute(f'ANALYZE "{DataSubject._meta.db_table}"')
        cursor.execute(f'INSERT INTO "{RightsRequest._meta.db_table}" ("reference", {listed}) '
                       f"SELECT 'B' || lpad(n::text, 9, '0'), {listed} FROM \"{RightsRequest._meta.db_table}\", "
                       f"generate_series(1, 3000) AS n WHERE id = %s", [template.pk])
    params = [identifier_hash(IdentifierKind.EMAIL, "guo@example.com"), park.pk, "deletion",
              *RightsRequest.CLOSED_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + intake.duplicates_sql(("email_hash",), 1), params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "request_subject_idx" in plan, plan
    assert "request_dashboard_idx" not in plan and "Seq Scan on requests_app_rightsrequest" not in plan, plan

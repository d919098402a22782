"""The indexes of the tables written on every intake and every step, as PostgreSQL has them.

Each index is written on every insert, so each must be needed by a query; the request
table's are listed here by name, with the query that needs each, and an index added
or dropped (by a model change or a migration) shows as a failure until this list and
its reason are updated too. Read from the real catalogue (pg_indexes), not the models.
"""

import pytest
from django.db import connection, models

from requests_app.models import (
    DataSubject, EventDelivery, LogLeaf, NextReminder, Notification, PendingEntry, Reminder, RequestEvent,
    RightsRequest, StatusLink, SubjectKey, VerificationChallenge,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's catalogue"),
]

# Written on every intake (subject, request, first event, its log entry, the code) or on
# every step (an event, its log entry, the mails, webhooks and reminders it sends, the
# sweep's pointer it moves).
HOT = (RightsRequest, DataSubject, RequestEvent, PendingEntry, LogLeaf, VerificationChallenge, StatusLink,
       SubjectKey, Notification, EventDelivery, Reminder, NextReminder)

REQUEST_INDEXES = {
    "requests_app_rightsrequest_pkey",
    # Reference lookups (case page, API, search, bulk steps, status-page resend) and the
    # clash check of a newly drawn reference.
    "request_reference_unique",
    # The queue filtered by status; the counts per status.
    "request_queue_idx",
    # The queue in its keyset order: open requests (the default queue), every status.
    "request_open_queue_idx",
    "request_queue_due_idx",
    # The expiry of unverified requests; the purge of closed cases' contact details.
    "request_unverified_idx",
    "request_closed_idx",
    # The dashboard, from the index alone.
    "request_dashboard_idx",
    # A submission's requests: status page, new code, verification of the submission.
    "request_submission_idx",
    # A person's requests: the duplicate check of intake, the contact purge, sealed texts' keys.
    "request_subject_idx",
    # Partial (empty at intake): the queue by assignee and "mine"; a certificate's
    # request; SET_NULL when a collection point is deleted.
    "request_assignee_idx",
    "request_certificate_idx",
    "request_point_idx",
}


def indexes_of(model) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                       "AND tablename = %s", [model._meta.db_table])
        return dict(cursor.fetchall())


def test_the_request_table_has_exactly_the_indexes_its_queries_need():
    assert set(indexes_of(RightsRequest)) == REQUEST_INDEXES


@pytest.mark.parametrize("model", HOT, ids=lambda model: model.__name__)
def test_no_pattern_twin_index_on_hot_tables(model):
    # Django adds a `_like` (varchar_pattern_ops) twin to a CharField with db_index or
    # unique; no query here matches a hash, token, key or reference by LIKE.
    twins = {name for name, definition in indexes_of(model).items() if "pattern_ops" in definition}
    assert twins == set()


@pytest.mark.parametrize("model", HOT, ids=lambda model: model.__name__)
def test_every_index_on_hot_tables_is_declared_in_meta(model):
    """No index made silently by db_index or a foreign key: each is in Meta with its reason."""
    table = model._meta.db_table
    declared = {index.name for index in model._meta.indexes}
    declared |= {c.name for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)}
    implied = {f"{table}_pkey"} | {
        f"{table}_{field.column}_key" for field in model._meta.local_fields
        if isinstance(field, models.OneToOneField) and not field.primary_key
    }
    assert set(indexes_of(model)) - implied == declared

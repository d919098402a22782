"""Changing events the way someone with superuser rights on the database could.

The model, its queryset and a trigger all refuse UPDATE and DELETE on events; to test
that tampering is *detected*, these helpers go around all three.
"""

from contextlib import contextmanager

from django.db import connection, models

from requests_app.models import RequestEvent


@contextmanager
def triggers_off():
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            cursor.execute("SET session_replication_role = origin")


def update_events(queryset, **fields) -> None:
    with triggers_off():
        models.QuerySet.update(queryset, **fields)


def update_event(pk: int, **fields) -> None:
    update_events(RequestEvent.objects.filter(pk=pk), **fields)


def delete_event(request_id: int, seq: int) -> None:
    with triggers_off() as cursor:
        # Notifications point at events; whoever deletes an event must unhook them first.
        cursor.execute(
            "UPDATE requests_app_notification SET event_id = NULL WHERE event_id IN "
            "(SELECT id FROM requests_app_requestevent WHERE request_id = %s AND seq = %s)",
            [request_id, seq],
        )
        # So do its place in the transparency log's queue, or its leaf once logged.
        for table in ("requests_app_pendingentry", "requests_app_logleaf"):
            cursor.execute(
                f"DELETE FROM {table} WHERE event_id IN "
                "(SELECT id FROM requests_app_requestevent WHERE request_id = %s AND seq = %s)",
                [request_id, seq],
            )
        cursor.execute("DELETE FROM requests_app_requestevent WHERE request_id = %s AND seq = %s", [request_id, seq])

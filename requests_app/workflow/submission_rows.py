"""Writing the first rows of a submission in one round trip.

A submission is one person (DataSubject), one request per kind, each request's first
event (the request row written with its chain head already on it), the event's place in
the log's queue (PendingEntry), and the code challenge on the first request. Each event's
hash covers its request's id, so the ids are drawn first (`draw_ids`); then every row is
written by one statement. On PostgreSQL that is one INSERT whose common table
expressions write each table, and which is a transaction of its own when none is open. A
reference already taken (two random draws alike) is left out by ON CONFLICT, with its
event, queue entry and challenge; `write` then draws that request a new reference, and
writes it and its rows again. Elsewhere (SQLite, for `make run`) the same rows are
written table by table inside a transaction, and a reference taken makes it try again.
"""

import functools
from collections.abc import Callable
from contextlib import contextmanager

import psycopg

from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from requests_app.cases import tokens
from requests_app.models import DataSubject, PendingEntry, RequestEvent, RightsRequest, VerificationChallenge

ATTEMPTS = 5
_sequences: dict[str, str] = {}


class _PreparedCursor(psycopg.Cursor):
    """Binds on the server and prepares each statement (Django leaves psycopg's automatic
    preparing off): psycopg keeps it by its text on the connection and runs it again by name."""

    keep_text = False  # Django's debug log (and the tests' counting) reads the statement back

    def execute(self, query, params=None, **kwargs):
        super().execute(query, params, **{**kwargs, "prepare": True})
        if self.keep_text and self._query is None:  # psycopg keeps no text of a prepared run
            self._query = self._convert_query(query, params)
        return self


@contextmanager
def planned_once():
    """A cursor for the intake's few statements of fixed shape. On PostgreSQL each is prepared
    on the connection the first time and run by name after (not parsed and planned again,
    with every request's values written into it, as Django's ClientCursor sends them).
    Wrapped as Django wraps its own, so the debug log and the tests count it."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        # Django turns psycopg's preparing off (None), which refuses even prepare=True; a
        # threshold never reached keeps every other statement unprepared, as Django wants.
        connection.connection.prepare_threshold = 2**31 - 1
    with connection.wrap_database_errors:
        raw = _PreparedCursor(connection.connection)
        raw.keep_text = connection.queries_logged
    with connection._prepare_cursor(raw) as cursor:
        yield cursor


def draw_ids(counts: dict[type[Model], int]) -> dict[type[Model], list[int]]:
    """`count` new ids of each model's table; on PostgreSQL from its sequence, in one query."""
    if connection.vendor != "postgresql":
        return _next_free_ids(counts)
    models = [model for model, count in counts.items() if count]
    parts, params = [], []
    for model in models:
        parts.append("ARRAY(SELECT nextval(%s) FROM generate_series(1, %s))")
        params += [_sequence(model), counts[model]]
    with planned_once() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        drawn = cursor.fetchone()
    return {model: list(ids) for model, ids in zip(models, drawn, strict=True)}


def _sequence(model: type[Model]) -> str:
    table = model._meta.db_table
    if table not in _sequences:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            _sequences[table] = cursor.fetchone()[0]
    return _sequences[table]


def _next_free_ids(counts: dict[type[Model], int]) -> dict[type[Model], list[int]]:
    """Past the highest id the table has had (SQLite's AUTOINCREMENT keeps it), inside the
    writing transaction; two writers drawing alike make one fail, and it tries again."""
    drawn = {}
    with connection.cursor() as cursor:
        for model, count in counts.items():
            table = model._meta.db_table
            cursor.execute(f'SELECT max("{model._meta.pk.column}") FROM "{table}"')  # noqa: S608 - names from models
            highest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(highest, row[0] if row else 0) + 1
            drawn[model] = list(range(start, start + count))
    return drawn


def write(subject: DataSubject, requests: list[RightsRequest],
          first_event: Callable[[RightsRequest], RequestEvent],
          challenge: VerificationChallenge | None) -> list[RequestEvent]:
    """Write the submission's rows: ids drawn and set, then `first_event(rr)` builds each
    request's first event (its hash needs the request's id, and it moves the request's
    head), then one statement. `challenge`, if any, belongs to requests[0]. Returns the events."""
    if connection.vendor != "postgresql":
        return _write_table_by_table(subject, requests, first_event, challenge)
    events = _with_ids(subject, requests, first_event, challenge, draw_ids(_counts(requests, challenge)))
    pending, new_subject = list(zip(requests, events, strict=True)), subject
    for _attempt in range(ATTEMPTS):
        written = _write_in_one_statement(new_subject, pending, challenge)
        pending = [(rr, event) for rr, event in pending if rr.pk not in written]
        if not pending:
            for obj in [subject, *requests, *events, challenge]:
                if obj is not None:  # as Model.save leaves them: later saves UPDATE
                    obj._state.adding, obj._state.db = False, connection.alias
            return events
        new_subject = None  # it went in with the first statement
        for rr, _event in pending:
            rr.reference = tokens.new_reference()
    raise IntegrityError("could not find a free reference after %d tries" % ATTEMPTS)


def _counts(requests, challenge) -> dict[type[Model], int]:
    return {DataSubject: 1, RightsRequest: len(requests), RequestEvent: len(requests),
            VerificationChallenge: 1 if challenge is not None else 0}


def _with_ids(subject, requests, first_event, challenge, ids) -> list[RequestEvent]:
    subject.pk = ids[DataSubject][0]
    for rr, pk in zip(requests, ids[RightsRequest], strict=True):
        rr.pk, rr.subject = pk, subject
    events = [first_event(rr) for rr in requests]
    for event, pk in zip(events, ids[RequestEvent], strict=True):
        event.pk = pk
    if challenge is not None:
        challenge.pk, challenge.request = ids[VerificationChallenge][0], requests[0]
    return events


def _write_in_one_statement(subject: DataSubject | None, pairs: list[tuple[RightsRequest, RequestEvent]],
                            challenge: VerificationChallenge | None) -> set[int]:
    """One INSERT, a common table expression per table; returns the ids of the requests written."""
    ctes, params = [], []

    def add(name: str, sql: str, values: list) -> None:
        ctes.append(f'"{name}" AS ({sql})')
        params.extend(values)

    if subject is not None:
        add("subject", *_insert([subject]))
    sql, values = _insert([rr for rr, _event in pairs])
    add("written", sql + ' ON CONFLICT ("reference") DO NOTHING RETURNING "id"', values)
    # Below here, a row is written only if its request was.
    sql, values = _insert([event for _rr, event in pairs], only_if_written="request_id")
    add("events", sql + ' RETURNING "id"', values)
    add("pending", f'INSERT INTO "{PendingEntry._meta.db_table}" ("event_id") SELECT "id" FROM "events"', [])
    if challenge is not None and challenge.request_id in {rr.pk for rr, _event in pairs}:
        add("challenge", *_insert([challenge], only_if_written="request_id"))
    with planned_once() as cursor:
        cursor.execute("WITH " + ", ".join(ctes) + ' SELECT "id" FROM "written"', params)
        return {row[0] for row in cursor.fetchall()}


def _insert(objs: list[Model], only_if_written: str | None = None) -> tuple[str, list]:
    """INSERT of `objs` (of one model, every column, ids set). `only_if_written`: the column
    naming a request; a row goes in only if its request is among those the statement wrote."""
    model = type(objs[0])
    fields = model._meta.local_concrete_fields
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs for field in fields]
    return _insert_sql(model, len(objs), only_if_written), params


@functools.cache
def _insert_sql(model: type[Model], count: int, only_if_written: str | None) -> str:
    fields = model._meta.local_concrete_fields
    table, columns = model._meta.db_table, ", ".join(f'"{field.column}"' for field in fields)
    if only_if_written is None:
        rows = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * count)
        return f'INSERT INTO "{table}" ({columns}) VALUES {rows}'
    # Typed: outside an INSERT's own VALUES, PostgreSQL would read an untyped NULL as text.
    rows = ", ".join(["(" + ", ".join(f"%s::{field.db_type(connection)}" for field in fields) + ")"] * count)
    return (f'INSERT INTO "{table}" ({columns}) SELECT * FROM (VALUES {rows}) AS v ({columns}) '
            f'WHERE v."{only_if_written}" IN (SELECT "id" FROM "written")')


def _write_table_by_table(subject, requests, first_event, challenge) -> list[RequestEvent]:
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                events = _with_ids(subject, requests, first_event, challenge,
                                   draw_ids(_counts(requests, challenge)))
                subject.save(force_insert=True)
                RightsRequest.objects.bulk_create(requests)
                RequestEvent.objects.bulk_create(events)
                PendingEntry.objects.bulk_create([PendingEntry(event_id=event.pk) for event in events])
                if challenge is not None:
                    challenge.save(force_insert=True)
            return events
        except IntegrityError:  # a reference or an id another writer took meanwhile: draw again
            for rr in requests:
                rr.reference, rr.event_count, rr.chain_head = tokens.new_reference(), 0, ""
    raise IntegrityError("could not write the submission after %d tries" % ATTEMPTS)

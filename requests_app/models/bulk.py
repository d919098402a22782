"""Many rows in one statement: INSERT ... ON CONFLICT DO NOTHING RETURNING, and UPDATE by id.

The rows a unique constraint already holds are skipped, and only the rows this statement
wrote come back: whoever gets a row back is the one that created it, which is how the
deadline sweep knows a reminder is its own to send even when sweeps run at once.

PostgreSQL gets one array per column (`unnest`), so a statement of 10,000 rows has a
handful of parameters; other databases (SQLite >= 3.35 in the embedded set-up) get
multi-row VALUES, in statements below their parameter limit.
"""

from collections.abc import Mapping, Sequence

from django.db import connections, models

# Below both PostgreSQL's 65,535 bind parameters and SQLite's 32,766.
MAX_PARAMS = 30_000


def insert_ignoring_conflicts(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    same: Mapping[str, object] | None = None,
    returning: Sequence[str] = ("id",),
    using: str = "default",
) -> list[tuple]:
    """Insert `rows` (values in the order of `fields`, plus the `same` value for every row
    in each field it names); returns `returning` of each row written."""
    if not rows:
        return []
    same = same or {}
    connection = connections[using]
    opts, qn = model._meta, connection.ops.quote_name
    columns = [opts.get_field(name) for name in fields]
    fixed = [opts.get_field(name) for name in same]
    fixed_values = list(_prepared(fixed, [tuple(same.values())], connection)[0])
    names = ", ".join(qn(f.column) for f in columns + fixed)
    head = f"INSERT INTO {qn(opts.db_table)} ({names}) "
    tail = f" ON CONFLICT DO NOTHING RETURNING {', '.join(qn(opts.get_field(n).column) for n in returning)}"
    values = _prepared(columns, rows, connection)
    written: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{_array_type(f, connection)}" for f in columns)
            scalars = "".join(f", CAST(%s AS {f.cast_db_type(connection)})" for f in fixed)
            cursor.execute(
                f"{head}SELECT new.*{scalars} FROM unnest({arrays}) AS new{tail}",
                fixed_values + [list(col) for col in zip(*values)],  # in the order of the %s
            )
            return cursor.fetchall()
        one_row = "(" + ", ".join(["%s"] * (len(columns) + len(fixed))) + ")"
        per_statement = max(1, MAX_PARAMS // (len(columns) + len(fixed)))
        for start in range(0, len(values), per_statement):
            part = values[start : start + per_statement]
            cursor.execute(
                f"{head}VALUES {', '.join([one_row] * len(part))}{tail}",
                [v for row in part for v in (*row, *fixed_values)],
            )
            written += cursor.fetchall()
    return written


def update_column(
    model: type[models.Model], field: str, values: Mapping[int, object], *, using: str = "default"
) -> int:
    """Set one column to its own value per primary key, in one statement (a few on SQLite)."""
    if not values:
        return 0
    connection = connections[using]
    opts, qn = model._meta, connection.ops.quote_name
    target = opts.get_field(field)
    table, column, pk = qn(opts.db_table), qn(target.column), qn(opts.pk.column)
    pairs = _prepared([opts.pk, target], list(values.items()), connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET {column} = new.value "
                f"FROM unnest(%s::{_array_type(opts.pk, connection)}, %s::{_array_type(target, connection)}) "
                f"AS new (id, value) WHERE {table}.{pk} = new.id",
                [list(col) for col in zip(*pairs)],
            )
            return cursor.rowcount
        changed = 0
        for start in range(0, len(pairs), MAX_PARAMS // 2):
            part = pairs[start : start + MAX_PARAMS // 2]
            cursor.execute(
                f"WITH new (id, value) AS (VALUES {', '.join(['(%s, %s)'] * len(part))}) "
                f"UPDATE {table} SET {column} = new.value FROM new WHERE {table}.{pk} = new.id",
                [v for pair in part for v in pair],
            )
            changed += cursor.rowcount
        return changed


def _prepared(columns: list, rows: Sequence[Sequence], connection) -> list[tuple]:
    # Dates and times need the backend's form (naive UTC text on SQLite; psycopg takes
    # them as they are); ints and strings go as they are, which keeps 10,000 rows cheap.
    kinds = (models.JSONField,) if connection.vendor == "postgresql" else (
        models.DateTimeField, models.DateField, models.JSONField, models.UUIDField
    )
    preparers = [
        (lambda value, f=f: f.get_db_prep_save(value, connection)) if isinstance(f, kinds) else None
        for f in columns
    ]
    if not any(preparers):
        return [tuple(row) for row in rows]
    return [
        tuple(prepare(value) if prepare else value for prepare, value in zip(preparers, row, strict=True))
        for row in rows
    ]


def _array_type(field, connection) -> str:
    return f"{field.cast_db_type(connection)}[]"

"""The log's tables refuse UPDATE and DELETE like request events, and all four refuse
TRUNCATE (a statement, so the row triggers of 0002 never saw it). Events written before
the log existed join its queue, oldest first.

The TRUNCATE guard yields to `SET rightsdesk.allow_truncate = on`, which only the test
suite's flush between tests sets: whoever can set it could drop the trigger anyway,
and neither would go unseen, since the signed heads no longer verify against an
emptied log.
"""

from django.db import migrations

LOG_TABLES = ["requests_app_logleaf", "requests_app_lognode", "requests_app_signedtreehead"]
NO_TRUNCATE = ["requests_app_requestevent", *LOG_TABLES]

POSTGRES_UP = [
    """CREATE FUNCTION transparency_log_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the transparency log is append-only';
    END;
    $$ LANGUAGE plpgsql;""",
    """CREATE FUNCTION append_only_no_truncate() RETURNS trigger AS $$
    BEGIN
        IF current_setting('rightsdesk.allow_truncate', true) = 'on' THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: TRUNCATE refused';
    END;
    $$ LANGUAGE plpgsql;""",
    *[f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
          FOR EACH ROW EXECUTE FUNCTION transparency_log_append_only();""" for table in LOG_TABLES],
    *[f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
          FOR EACH STATEMENT EXECUTE FUNCTION append_only_no_truncate();""" for table in NO_TRUNCATE],
]
POSTGRES_DOWN = [
    *[f"DROP TRIGGER {table}_no_truncate ON {table};" for table in NO_TRUNCATE],
    *[f"DROP TRIGGER {table}_append_only ON {table};" for table in LOG_TABLES],
    "DROP FUNCTION append_only_no_truncate();",
    "DROP FUNCTION transparency_log_append_only();",
]
SQLITE_UP = [
    statement
    for table in LOG_TABLES
    for statement in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;""",
    )
]
SQLITE_DOWN = [f"DROP TRIGGER {table}_{verb};" for table in LOG_TABLES for verb in ("no_update", "no_delete")]
QUEUE_EXISTING = """INSERT INTO requests_app_pendingentry (event_id)
    SELECT id FROM requests_app_requestevent ORDER BY id"""


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0014_transparency_log")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
        migrations.RunSQL(QUEUE_EXISTING, migrations.RunSQL.noop),
    ]

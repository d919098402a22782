"""Refuse UPDATE and DELETE on request events in the database itself.

The model and its queryset refuse them too; the trigger covers raw SQL and any code
path that forgets. TRUNCATE (test teardown) is not a row operation and still works.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE FUNCTION requestevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'request events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER requestevent_append_only BEFORE UPDATE OR DELETE ON requests_app_requestevent
    FOR EACH ROW EXECUTE FUNCTION requestevent_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER requestevent_append_only ON requests_app_requestevent;
DROP FUNCTION requestevent_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER requestevent_no_update BEFORE UPDATE ON requests_app_requestevent
       BEGIN SELECT RAISE(ABORT, 'request events are append-only'); END;""",
    """CREATE TRIGGER requestevent_no_delete BEFORE DELETE ON requests_app_requestevent
       BEGIN SELECT RAISE(ABORT, 'request events are append-only'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER requestevent_no_update;", "DROP TRIGGER requestevent_no_delete;"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("requests_app", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": [POSTGRES_UP], "sqlite": SQLITE_UP}),
            _run({"postgresql": [POSTGRES_DOWN], "sqlite": SQLITE_DOWN}),
        )
    ]

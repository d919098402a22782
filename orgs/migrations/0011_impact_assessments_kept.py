"""Impact assessments in the database itself: none is deleted before its keep_until (three
years after approval, Measures art. 9), and an approved one keeps its activity, answers,
conclusion, interval, approval and keep_until (never shortened).

The model, its queryset and the admin refuse the same; the trigger covers raw SQL and any
code path that forgets. TRUNCATE (the test suite's flush) is not a row operation.
"""

from django.db import migrations

FIXED = ("activity_id", "answers", "conclusion", "review_interval_days", "approved_at")

POSTGRES_UP = [
    f"""CREATE FUNCTION impactassessment_kept() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.keep_until IS NOT NULL AND OLD.keep_until > now() THEN
                RAISE EXCEPTION USING MESSAGE = 'impact assessment ' || OLD.id || ' is kept until ' || OLD.keep_until;
            END IF;
            RETURN OLD;
        END IF;
        IF OLD.approved_at IS NOT NULL AND (
            {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FIXED)}
            OR NEW.keep_until IS NULL OR NEW.keep_until < OLD.keep_until
        ) THEN
            RAISE EXCEPTION USING MESSAGE = 'impact assessment ' || OLD.id || ' is approved: it is not changed';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER impactassessment_kept BEFORE UPDATE OR DELETE ON orgs_impactassessment
        FOR EACH ROW EXECUTE FUNCTION impactassessment_kept();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER impactassessment_kept ON orgs_impactassessment;",
    "DROP FUNCTION impactassessment_kept();",
]
# Django stores SQLite date-times as UTC text ("2025-06-01 08:00:00.000000"), which sorts as
# time does beside datetime('now') ("2025-06-01 08:00:00").
SQLITE_UP = [
    """CREATE TRIGGER impactassessment_kept_delete BEFORE DELETE ON orgs_impactassessment
       WHEN OLD.keep_until IS NOT NULL AND OLD.keep_until > datetime('now')
       BEGIN SELECT RAISE(ABORT, 'impact assessments are kept three years after approval'); END;""",
    f"""CREATE TRIGGER impactassessment_kept_update BEFORE UPDATE ON orgs_impactassessment
       WHEN OLD.approved_at IS NOT NULL AND (
           {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FIXED)}
           OR NEW.keep_until IS NULL OR NEW.keep_until < OLD.keep_until)
       BEGIN SELECT RAISE(ABORT, 'an approved impact assessment is not changed'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER impactassessment_kept_delete;", "DROP TRIGGER impactassessment_kept_update;"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("orgs", "0010_scanner_register")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]

"""What every benchmark does first: its own PostgreSQL database, created if missing, migrated;
and the time each SQL statement takes while a block runs."""

import contextlib
import time


def create_database() -> None:
    """Create the database named in settings if the server lacks it."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"],
              "password": db["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**params) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
            print(f"created database {db['NAME']}")


def set_up_django() -> None:
    """django.setup(), then the database created if needed and migrated."""
    import django

    django.setup()
    create_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@contextlib.contextmanager
def statement_times():
    """Time each SQL statement (by its first words) while the block runs; printed after it."""
    from django.db import connection

    spent: dict[str, list] = {}

    def timed(execute, sql, params, many, context):
        tick = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = spent.setdefault(" ".join(sql.split())[:100], [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - tick

    with connection.execute_wrapper(timed):
        yield spent
    for sql, (count, seconds) in sorted(spent.items(), key=lambda item: -item[1][1]):
        print(f"  {seconds:7.3f} s {count:4d}x  {sql}")

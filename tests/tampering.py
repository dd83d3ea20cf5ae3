"""Edit a log row behind the application's back, as only a table owner could: on PostgreSQL
the append-only trigger (relief/dbroles.py) is switched off around the edit; SQLite has none."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def tampering(table: str):
    if connection.vendor != "postgresql":
        yield
        return
    name = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE with checks pending
        cursor.execute(f"ALTER TABLE {name} DISABLE TRIGGER USER")
        yield
        cursor.execute(f"ALTER TABLE {name} ENABLE TRIGGER USER")

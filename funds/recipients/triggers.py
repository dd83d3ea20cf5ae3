"""Database objects beyond tables, installed after every ``migrate`` (as cases/signals.py
does for the case log): on PostgreSQL the register's change log is append-only at the
database level too. UPDATE and DELETE raise, whoever asks. (The account reveal log is the
core's ``relief.DataReveal``, append-only through relief/dbroles.py.)"""

from __future__ import annotations

from django.db import connections

APPEND_ONLY_TABLES = ("funds_recipientchange",)

_SQL = """
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""


def install_append_only_triggers(sender=None, using="default", **kwargs) -> list[str]:
    """post_migrate handler (idempotent). Returns the tables that got their trigger."""
    conn = connections[using or "default"]
    if conn.vendor != "postgresql":
        return []
    done = []
    with conn.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            cursor.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_name = %s "
                "AND table_schema = current_schema()",
                [table],
            )
            if cursor.fetchone() is None:
                continue
            cursor.execute(_SQL.format(table=table))
            done.append(table)
    return done

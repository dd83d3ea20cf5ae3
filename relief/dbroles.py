"""Two PostgreSQL roles, so the application cannot rewrite its own audit trail.

- The **owner role** owns the schema and every table in it; migrations run as it.
- The **application role** (what web, worker and beat connect as) may read and write the
  ordinary tables, but on the log tables only ``SELECT`` and ``INSERT``: no ``UPDATE``,
  ``DELETE``, ``TRUNCATE``, and, not being the owner, no ``ALTER TABLE … DISABLE TRIGGER``.

On top of the privileges, an append-only trigger on each log table refuses ``UPDATE`` and
``DELETE`` from anyone (history tables: ``DELETE``; their ``history_user`` is set to NULL
by PostgreSQL itself when a user is deleted). The log tables are the hash-chained logs
(relief/logchain.py), django-simple-history's tables and any model with
``append_only = True``.

``manage.py db_roles`` (run once with a role that may create roles) creates both roles and
hands the schema to the owner; after every ``migrate`` (as the owner) ``post_migrate``
re-applies the grants and triggers for tables that are new.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import connections

from relief.logchain import ChainedLog

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION relief_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _is_history(model) -> bool:
    return model.__name__.startswith("Historical") and hasattr(model, "history_id")


def log_models() -> list:
    return sorted(
        (
            m
            for m in apps.get_models()
            if issubclass(m, ChainedLog) or _is_history(m) or getattr(m, "append_only", False)
        ),
        key=lambda m: m._meta.db_table,
    )


def log_tables() -> list[str]:
    return [m._meta.db_table for m in log_models()]


def _q(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def _existing_tables(cursor) -> set[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
    )
    return {row[0] for row in cursor.fetchall()}


def _role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def install_append_only_triggers(connection) -> list[str]:
    """Append-only triggers on every existing log table (idempotent); returns the tables."""
    done = []
    with connection.cursor() as cursor:
        existing = _existing_tables(cursor)
        cursor.execute(APPEND_ONLY_FUNCTION)
        for model in log_models():
            table = model._meta.db_table
            if table not in existing:
                continue
            operations = "DELETE" if _is_history(model) else "UPDATE OR DELETE"
            trigger = _q(connection, f"{table}_append_only")
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {_q(connection, table)}")
            cursor.execute(
                f"CREATE TRIGGER {trigger} BEFORE {operations} ON {_q(connection, table)} "
                "FOR EACH ROW EXECUTE FUNCTION relief_append_only()"
            )
            done.append(table)
    return done


def apply_grants(connection, app_role: str) -> bool:
    """The application role's privileges on every table; False when the role is absent."""
    with connection.cursor() as cursor:
        if not _role_exists(cursor, app_role):
            return False
        role = _q(connection, app_role)
        existing = _existing_tables(cursor)
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
        )
        cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute(
            f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}"
        )
        for table in log_tables():
            if table in existing:
                cursor.execute(f"REVOKE UPDATE, DELETE ON {_q(connection, table)} FROM {role}")
    return True


def create_roles(
    connection, *, owner: str, owner_password: str, app: str, app_password: str
) -> None:
    """Create (or update the passwords of) both roles, give the schema and every object in
    it to ``owner``, let only these two roles connect, and grant ``app`` its privileges."""
    # First, so that the trigger function is among the objects handed to the owner below
    # (migrations, run as the owner, replace it later).
    install_append_only_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        for name, password in ((owner, owner_password), (app, app_password)):
            verb = "ALTER" if _role_exists(cursor, name) else "CREATE"
            if password:
                cursor.execute(f"{verb} ROLE {_q(connection, name)} LOGIN PASSWORD %s", [password])
            else:
                cursor.execute(f"{verb} ROLE {_q(connection, name)} NOLOGIN")
            if not superuser:
                # ALTER … OWNER TO needs membership of the new owner (CREATEROLE may grant it)
                cursor.execute(f"GRANT {_q(connection, name)} TO current_user")
        own = _q(connection, owner)
        cursor.execute("SELECT current_database()")
        database = _q(connection, cursor.fetchone()[0])
        cursor.execute(f"ALTER SCHEMA public OWNER TO {own}")
        cursor.execute(
            "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
            "AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        )
        for name, kind in cursor.fetchall():
            what = {"v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}.get(kind, "TABLE")
            if kind == "S":
                cursor.execute(
                    "SELECT 1 FROM pg_depend d JOIN pg_class s ON s.oid = d.objid "
                    "WHERE s.relname = %s AND d.deptype IN ('a', 'i')",
                    [name],
                )
                if cursor.fetchone():  # owned by a table column: moves with the table
                    continue
            cursor.execute(f"ALTER {what} {_q(connection, name)} OWNER TO {own}")
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
        )
        for (signature,) in cursor.fetchall():
            cursor.execute(f"ALTER FUNCTION {signature} OWNER TO {own}")
        cursor.execute(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC")
        cursor.execute(
            f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {own}, {_q(connection, app)}"
        )
        # CREATE on the database: migrations add trusted extensions (pg_trgm) as the owner
        cursor.execute(f"GRANT CREATE ON DATABASE {database} TO {own}")
        cursor.execute(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {_q(connection, app)}")
    apply_grants(connection, app)


def protect_logs_after_migrate(sender=None, using="default", **kwargs) -> None:
    """post_migrate: append-only triggers and the application role's grants (PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    install_append_only_triggers(connection)
    apply_grants(connection, settings.DB_APP_ROLE)

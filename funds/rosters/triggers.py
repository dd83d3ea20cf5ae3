"""On PostgreSQL a locked roster never changes, whatever code runs: triggers refuse UPDATE or
DELETE of a locked run's lines (except the bank's result fields: result, result_reason,
result_import_id) and DELETE or changes of a locked run (except its paid / failed totals).
Installed after every ``migrate`` (idempotent), like the register's append-only logs, so the
test database (built without migrations) has them too. SQLite relies on the services."""

from __future__ import annotations

from django.db import connections

CREATE = """
CREATE OR REPLACE FUNCTION funds_roster_line_locked() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM funds_rosterrun r WHERE r.id = OLD.run_id AND r.state = 'locked') THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'roster % is locked: its lines cannot be deleted', OLD.run_id;
        END IF;
        IF (NEW.run_id, NEW.line_no, NEW.line_id, NEW.recipient_id, NEW.village_id, NEW.kind,
            NEW.source, NEW.month, NEW.name, NEW.id_number, NEW.bank, NEW.account_number,
            NEW.amount, NEW.channel, NEW.detail::text, NEW.carried_from_id)
           IS DISTINCT FROM
           (OLD.run_id, OLD.line_no, OLD.line_id, OLD.recipient_id, OLD.village_id, OLD.kind,
            OLD.source, OLD.month, OLD.name, OLD.id_number, OLD.bank, OLD.account_number,
            OLD.amount, OLD.channel, OLD.detail::text, OLD.carried_from_id) THEN
            RAISE EXCEPTION 'roster % is locked: only the bank result of a line may change',
                OLD.run_id;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS funds_roster_line_locked ON funds_rosterline;
CREATE TRIGGER funds_roster_line_locked
    BEFORE UPDATE OR DELETE ON funds_rosterline
    FOR EACH ROW EXECUTE FUNCTION funds_roster_line_locked();

CREATE OR REPLACE FUNCTION funds_roster_run_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'locked' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'roster % is locked: it cannot be deleted', OLD.id;
        END IF;
        IF (NEW.state, NEW.township_id, NEW.month, NEW.assistance_type_id, NEW.kind,
            NEW.line_count, NEW.bank_amount, NEW.bank_line_count, NEW.held_amount,
            NEW.locked_by_id, NEW.locked_at)
           IS DISTINCT FROM
           (OLD.state, OLD.township_id, OLD.month, OLD.assistance_type_id, OLD.kind,
            OLD.line_count, OLD.bank_amount, OLD.bank_line_count, OLD.held_amount,
            OLD.locked_by_id, OLD.locked_at) THEN
            RAISE EXCEPTION 'roster % is locked: it cannot change', OLD.id;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS funds_roster_run_locked ON funds_rosterrun;
CREATE TRIGGER funds_roster_run_locked
    BEFORE UPDATE OR DELETE ON funds_rosterrun
    FOR EACH ROW EXECUTE FUNCTION funds_roster_run_locked();
"""

DROP = """
DROP TRIGGER IF EXISTS funds_roster_line_locked ON funds_rosterline;
DROP FUNCTION IF EXISTS funds_roster_line_locked();
DROP TRIGGER IF EXISTS funds_roster_run_locked ON funds_rosterrun;
DROP FUNCTION IF EXISTS funds_roster_run_locked();
"""


def install_roster_triggers(sender=None, using="default", **kwargs) -> bool:
    """post_migrate handler; True when the triggers were (re)installed."""
    conn = connections[using or "default"]
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = 'funds_rosterline' "
            "AND table_schema = current_schema()"
        )
        if cursor.fetchone() is None:
            return False
        cursor.execute(CREATE)
    return True


def drop_roster_triggers(using="default") -> None:
    conn = connections[using or "default"]
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(DROP)

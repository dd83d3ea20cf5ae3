"""On PostgreSQL a locked roster never changes, whatever code runs: triggers refuse UPDATE or
DELETE of a locked run's lines (except the bank's result fields: result, result_reason,
result_import_id) and DELETE or changes of a locked run (except its paid / failed totals).
The keys of a line (run, carried-from line, result file) are not foreign keys checked row by
row but statement-level triggers over the transition table with the same refusals.
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
            NEW.amount, NEW.channel, NEW.change_id, NEW.in_force, NEW.already,
            NEW.detail::text, NEW.carried_from_id)
           IS DISTINCT FROM
           (OLD.run_id, OLD.line_no, OLD.line_id, OLD.recipient_id, OLD.village_id, OLD.kind,
            OLD.source, OLD.month, OLD.name, OLD.id_number, OLD.bank, OLD.account_number,
            OLD.amount, OLD.channel, OLD.change_id, OLD.in_force, OLD.already,
            OLD.detail::text, OLD.carried_from_id) THEN
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

-- The keys of a line (run, carried-from line, result file) are checked once per statement,
-- as a foreign key would check them row by row: the referenced rows must exist, and are
-- locked FOR KEY SHARE so that they cannot go before the statement's transaction ends.
CREATE OR REPLACE FUNCTION funds_roster_line_keys() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM funds_rosterrun r
        WHERE r.id IN (SELECT DISTINCT n.run_id FROM new_rows n) FOR KEY SHARE;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT n.run_id FROM new_rows n) k
               WHERE NOT EXISTS (SELECT 1 FROM funds_rosterrun r WHERE r.id = k.run_id)) THEN
        RAISE EXCEPTION 'funds_rosterline: run_id refers to no funds_rosterrun row'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    PERFORM 1 FROM funds_paymentresultimport i
        WHERE i.id IN (SELECT DISTINCT n.result_import_id FROM new_rows n
                       WHERE n.result_import_id IS NOT NULL) FOR KEY SHARE;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT n.result_import_id FROM new_rows n
                              WHERE n.result_import_id IS NOT NULL) k
               WHERE NOT EXISTS (SELECT 1 FROM funds_paymentresultimport i
                                 WHERE i.id = k.result_import_id)) THEN
        RAISE EXCEPTION 'funds_rosterline: result_import_id refers to no result file'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    PERFORM 1 FROM funds_rosterline l
        WHERE l.id IN (SELECT n.carried_from_id FROM new_rows n
                       WHERE n.carried_from_id IS NOT NULL) FOR KEY SHARE;
    IF EXISTS (SELECT 1 FROM new_rows n
               WHERE n.carried_from_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM funds_rosterline l
                                 WHERE l.id = n.carried_from_id)) THEN
        RAISE EXCEPTION 'funds_rosterline: carried_from_id refers to no line'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS funds_roster_line_keys_insert ON funds_rosterline;
CREATE TRIGGER funds_roster_line_keys_insert
    AFTER INSERT ON funds_rosterline REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION funds_roster_line_keys();
DROP TRIGGER IF EXISTS funds_roster_line_keys_update ON funds_rosterline;
CREATE TRIGGER funds_roster_line_keys_update
    AFTER UPDATE ON funds_rosterline REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION funds_roster_line_keys();

-- … and the referenced rows cannot go while lines refer to them.
CREATE OR REPLACE FUNCTION funds_roster_line_carried_deleted() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM funds_rosterline t JOIN old_rows o ON t.carried_from_id = o.id) THEN
        RAISE EXCEPTION 'funds_rosterline: a line carried into a later roster cannot go'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS funds_roster_line_carried_deleted ON funds_rosterline;
CREATE TRIGGER funds_roster_line_carried_deleted
    AFTER DELETE ON funds_rosterline REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION funds_roster_line_carried_deleted();

CREATE OR REPLACE FUNCTION funds_roster_referenced_deleted() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    IF (TG_TABLE_NAME = 'funds_rosterrun'
        AND EXISTS (SELECT 1 FROM funds_rosterline l WHERE l.run_id = OLD.id))
       OR (TG_TABLE_NAME = 'funds_paymentresultimport'
           AND EXISTS (SELECT 1 FROM funds_rosterline l WHERE l.result_import_id = OLD.id)) THEN
        RAISE EXCEPTION '%: row % still has roster lines', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS funds_roster_run_referenced ON funds_rosterrun;
CREATE TRIGGER funds_roster_run_referenced
    BEFORE UPDATE OR DELETE ON funds_rosterrun
    FOR EACH ROW EXECUTE FUNCTION funds_roster_referenced_deleted();
DROP TRIGGER IF EXISTS funds_roster_import_referenced ON funds_paymentresultimport;
CREATE TRIGGER funds_roster_import_referenced
    BEFORE UPDATE OR DELETE ON funds_paymentresultimport
    FOR EACH ROW EXECUTE FUNCTION funds_roster_referenced_deleted();
"""

DROP = """
DROP TRIGGER IF EXISTS funds_roster_line_locked ON funds_rosterline;
DROP FUNCTION IF EXISTS funds_roster_line_locked();
DROP TRIGGER IF EXISTS funds_roster_run_locked ON funds_rosterrun;
DROP FUNCTION IF EXISTS funds_roster_run_locked();
DROP TRIGGER IF EXISTS funds_roster_line_keys_insert ON funds_rosterline;
DROP TRIGGER IF EXISTS funds_roster_line_keys_update ON funds_rosterline;
DROP FUNCTION IF EXISTS funds_roster_line_keys();
DROP TRIGGER IF EXISTS funds_roster_line_carried_deleted ON funds_rosterline;
DROP FUNCTION IF EXISTS funds_roster_line_carried_deleted();
DROP TRIGGER IF EXISTS funds_roster_run_referenced ON funds_rosterrun;
DROP TRIGGER IF EXISTS funds_roster_import_referenced ON funds_paymentresultimport;
DROP FUNCTION IF EXISTS funds_roster_referenced_deleted();
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

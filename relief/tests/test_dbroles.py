"""The application's database role cannot rewrite the audit trail: on the log tables it may
SELECT and INSERT but not UPDATE, DELETE, TRUNCATE or disable the append-only trigger; the
owner role cannot UPDATE or DELETE either without first disabling the trigger, which
verify_log then exposes through the broken hash chain."""

import datetime
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction

from relief.dbroles import create_roles, log_tables
from relief.delegation import delegation_change_status, delegation_create
from relief.logverify import verify_all
from relief.models import AssistanceType, Delegation, DelegationEvent, Notification

pytestmark = pytest.mark.postgres


@pytest.fixture
def roles(db, demo):
    """Both roles, named after the test database (roles are shared by the whole server);
    everything, the roles included, is rolled back with the test's transaction."""
    base = connection.settings_dict["NAME"][:40]
    owner, app = f"{base}_owner", f"{base}_app"
    with connection.cursor() as cursor:  # no ALTER TABLE while foreign-key checks wait
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    create_roles(connection, owner=owner, owner_password="", app=app, app_password="")
    return owner, app


@contextmanager
def acting_as(role):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")
        yield cursor
        cursor.execute("RESET ROLE")


def refused(role, sql, params=None) -> str:
    with pytest.raises(DatabaseError) as excinfo, acting_as(role) as cursor:
        cursor.execute(sql, params)
    return str(excinfo.value)


@pytest.fixture
def events(demo):
    delegation = delegation_create(
        actor=demo.user("admin"),
        township=demo.wuxi,
        assistance_type=AssistanceType.objects.get(code="dibao_rural"),
        document_no="当政委〔2026〕9号",
        document_date=datetime.date(2026, 1, 1),
        effective_from=datetime.date(2026, 1, 10),
        effective_until=None,
        phase=Delegation.Phase.PILOT,
    )
    for day, status in ((1, "suspended"), (2, "active")):
        delegation_change_status(
            delegation=delegation,
            status=status,
            effective_date=datetime.date(2026, 2, day),
            reason="测试",
            actor=demo.user("admin"),
        )
    return list(DelegationEvent.objects.order_by("pk"))


def test_the_log_tables_are_the_chained_logs_and_the_history_tables():
    tables = log_tables()
    assert "relief_delegationevent" in tables and "cases_caseevent" in tables
    assert "cases_householdedit" in tables and "review_amountchange" in tables
    assert "funds_recipientchange" in tables and "funds_rosterevent" in tables
    assert "relief_historicaluser" in tables and "relief_notification" not in tables


@pytest.mark.parametrize(
    "table", ["relief_delegationevent", "cases_caseevent", "funds_rosterevent"]
)
def test_the_application_role_cannot_update_delete_truncate_or_disable_the_trigger(
    roles, events, table
):
    _, app = roles
    assert "permission denied" in refused(app, f"UPDATE {table} SET id = id")
    assert "permission denied" in refused(app, f"DELETE FROM {table}")
    assert "permission denied" in refused(app, f"TRUNCATE {table} CASCADE")
    assert "must be owner" in refused(app, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
    assert "must be owner" in refused(app, f"DROP TABLE {table}")


def test_the_application_role_cannot_delete_change_history(roles, demo):
    _, app = roles
    assert "permission denied" in refused(app, "DELETE FROM relief_historicaluser")
    assert "permission denied" in refused(app, "UPDATE relief_historicaluser SET username = 'x'")


def test_the_application_role_appends_to_the_log_and_works_on_ordinary_tables(roles, events, demo):
    _, app = roles
    with acting_as(app):
        delegation_change_status(
            delegation=events[0].delegation,
            status="suspended",
            effective_date=datetime.date(2026, 2, 3),
            reason="以应用角色写入",
            actor=demo.user("admin"),
        )
        note = Notification.objects.create(recipient=demo.user("clerk"), verb="通知")
        Notification.objects.filter(pk=note.pk).update(verb="已改")
        Notification.objects.filter(pk=note.pk).delete()
        assert DelegationEvent.objects.count() == 3
    assert all(r.breaks == [] for r in verify_all())


def test_even_the_owner_cannot_update_or_delete_past_the_trigger(roles, events):
    owner, _ = roles
    assert "append-only" in refused(owner, "UPDATE relief_delegationevent SET reason = 'x'")
    assert "append-only" in refused(owner, "DELETE FROM relief_delegationevent")


def test_an_owner_who_disables_the_trigger_is_caught_by_the_hash_chain(roles, events):
    owner, _ = roles
    with acting_as(owner) as cursor:
        cursor.execute("ALTER TABLE relief_delegationevent DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE relief_delegationevent SET reason = '被改写' WHERE id = %s", [events[0].pk]
        )
        cursor.execute("ALTER TABLE relief_delegationevent ENABLE TRIGGER USER")
    report = next(r for r in verify_all() if r.model == "relief.DelegationEvent")
    assert [b.pk for b in report.breaks] == [events[0].pk]

"""The roster log (funds.RosterEvent) is one of the tamper-evident logs (issue 16): each row is
hash-chained to the previous row of its run, ``manage.py verify_log`` names an edited or
removed row, and on PostgreSQL the application role may only SELECT and INSERT it. Since
the log is append-only, 作废 no longer deletes a run: the run is kept as 已作废 with its
events (lines deleted, one-off payments and recovery orders released as before), a new run
of the same month may be prepared, and lists, exports and statistics leave it out."""

from __future__ import annotations

import importlib
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import ProtectedError
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from funds.rosters import selectors, services
from funds.rosters.models import RecoveryOrder, RosterEvent, RosterRun, RunState
from funds.rosters.tests.conftest import d
from relief.logchain import GENESIS
from relief.logverify import verify_model
from relief.tests.test_dbroles import roles  # noqa: F401  (fixture)
from tests.tampering import tampering

pytestmark = pytest.mark.django_db


def _events(run) -> list[RosterEvent]:
    return list(RosterEvent.objects.filter(run=run).order_by("pk"))


def _grant(world, recipient):
    return services.one_off_payment_create(
        household=recipient.household,
        assistance_type=world.type,
        amount="800",
        granted_on=d(2026, 9, 5),
        reason="火灾临时救助",
        payee_name=recipient.head_name,
        payee_id_number=recipient.head_id_number,
        payee_bank="rcc",
        payee_account="6217000000000000017",
        actor=world.clerk,
    )


def test_each_event_is_chained_to_the_previous_one_of_its_run(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    first = world.run_and_lock(d(2026, 9))
    second = world.run(d(2026, 10))
    started, computed, checked, locked = _events(first)
    assert started.prev_hash == GENESIS and len(started.hash) == 64
    assert [computed.prev_hash, checked.prev_hash, locked.prev_hash] == [
        started.hash,
        computed.hash,
        checked.hash,
    ]
    assert _events(second)[0].prev_hash == GENESIS  # a chain per run
    report = verify_model(RosterEvent)
    assert (report.chains, report.rows, report.unsealed, report.breaks) == (2, 6, 0, [])
    with pytest.raises(TypeError):
        RosterEvent.objects.bulk_create([RosterEvent(run=first, action="x", label="x")])


def test_an_edited_lock_event_is_named_by_verify_log(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = world.run_and_lock(d(2026, 9))
    *_, checked, locked = _events(run)
    with tampering("funds_rosterevent"):
        RosterEvent.objects.filter(pk=checked.pk).update(actor_name="另一位审核人")
    (bad,) = verify_model(RosterEvent).breaks
    assert (bad.pk, bad.chain, bad.table) == (checked.pk, run.pk, "funds_rosterevent")
    assert bad.reason == "内容与哈希不符：该行被改写"
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("verify_log", stdout=out, stderr=err)
    assert f"BROKEN funds.RosterEvent row {checked.pk} (chain {run.pk})" in err.getvalue()
    assert f"first bad row: funds.RosterEvent #{checked.pk}" in str(exc.value)


def test_a_removed_event_breaks_the_next_one(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = world.run_and_lock(d(2026, 9))
    _started, computed, checked, _locked = _events(run)
    with tampering("funds_rosterevent"):
        RosterEvent.objects.filter(pk=computed.pk).delete()
    (bad,) = verify_model(RosterEvent).breaks
    assert (bad.pk, bad.reason) == (checked.pk, "前一条哈希不符：其前有行被删除、插入或改写")


def test_the_migration_seals_with_the_models_frozen_fields():
    migration = importlib.import_module(
        "funds.migrations.0017_rosterevent_hash_chain_discarded_runs_kept"
    )
    assert migration.CHAIN_FIELDS == RosterEvent.chain_fields
    assert RosterEvent.chain_on == "run"


def test_discard_keeps_the_run_and_its_log_and_a_new_run_of_the_month_can_be_prepared(world):
    recipient = world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    grant = _grant(world, recipient)
    order = services.recovery_order_create(
        recipient=recipient,
        amount="120.50",
        months="2026-06",
        reason="隐瞒收入多领",
        actor=world.clerk,
    )
    run = world.run(d(2026, 9))
    assert run.line_count == 3
    discarded = services.roster_discard(run=run, actor=world.clerk)
    run.refresh_from_db()
    assert run.state == RunState.DISCARDED and discarded.pk == run.pk
    assert (run.line_count, run.bank_amount, run.lines.count()) == (0, 0, 0)
    assert [e.action for e in _events(run)] == ["started", "computed", "discarded"]
    last = _events(run)[-1]
    assert last.actor == world.clerk and last.label.startswith("作废：删除3笔明细")
    grant.refresh_from_db()
    assert grant.roster_line is None  # waits for the next run again
    assert RecoveryOrder.objects.get(pk=order.pk).roster_line is None
    # A new regular run of the same township, month and type; it takes the grant and order.
    again = world.run(d(2026, 9))
    assert again.pk != run.pk and again.number != run.number
    assert again.line_count == 3
    world.lock(again)
    assert verify_model(RosterEvent).breaks == []
    # The log keeps the run: it cannot be deleted while its events exist.
    with pytest.raises(ProtectedError):
        RosterRun.objects.filter(pk=run.pk).delete()


def test_a_discarded_run_takes_no_further_action(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = services.roster_discard(run=world.run(d(2026, 9)), actor=world.clerk)
    with pytest.raises(services.RosterRefused, match="已作废"):
        services.roster_discard(run=run, actor=world.clerk)
    with pytest.raises(services.RosterRefused, match="只有待复核"):
        services.roster_check(run=run, actor=world.clerk)
    with pytest.raises(services.RosterRefused, match="须经经办人复核"):
        services.roster_lock(run=run, actor=world.approver)
    with pytest.raises(services.RosterRefused, match="不能重新生成"):
        services.roster_recompute(run=run, actor=world.clerk)
    with pytest.raises(services.RosterRefused, match="锁定后才能导出"):
        services.roster_export_start(run=run, fmt="csv", actor=world.clerk)
    # It does not block the next month either, nor count as the month's regular roster.
    with pytest.raises(services.RosterRefused, match="锁定之后生成"):
        world.start(d(2026, 9), kind="supplementary")
    assert world.run(d(2026, 10)).state == RunState.PREPARED


def test_lists_exports_and_statistics_leave_a_discarded_run_out(client, demo, world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    dropped = services.roster_discard(run=world.run(d(2026, 9)), actor=world.clerk)
    kept = world.run_and_lock(d(2026, 9))
    supervisor = demo.user("supervisor")
    client.force_login(supervisor)
    html = client.get(reverse("rosters:list"), {"year": 2026}).content.decode()
    assert kept.number in html and dropped.number not in html
    only = client.get(reverse("rosters:list"), {"year": 2026, "state": "discarded"})
    assert dropped.number in only.content.decode() and kept.number not in only.content.decode()
    sheet = client.get(reverse("rosters:county_export"), {"year": 2026})
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert [r[5] for r in rows[1:]] == [kept.number]
    api = APIClient()
    api.force_authenticate(supervisor)
    listed = api.get("/api/rosters/", {"year": 2026}).json()
    assert [r["id"] for r in listed["results"]] == [kept.pk]
    assert [
        r["id"] for r in api.get("/api/rosters/", {"state": "discarded"}).json()["results"]
    ] == [dropped.pk]
    overview = selectors.county_overview(user=supervisor, year=2026)
    assert [row["run"].pk for row in overview] == [kept.pk]
    # Its page stays readable, with its log and without actions.
    page = client.get(reverse("rosters:detail", args=[dropped.pk])).content.decode()
    assert "已作废" in page and 'data-testid="roster-discarded"' in page and "作废：删除" in page
    client.force_login(world.clerk)
    page = client.get(reverse("rosters:detail", args=[dropped.pk])).content.decode()
    assert 'data-testid="roster-recompute"' not in page
    assert 'data-testid="roster-discard"' not in page


def test_discard_through_the_page_and_the_api(client, demo, world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = world.run(d(2026, 9))
    client.force_login(world.clerk)
    response = client.post(reverse("rosters:action", args=[run.pk, "discard"]))
    assert response.status_code == 302 and response["Location"] == reverse("rosters:list")
    run.refresh_from_db()
    assert run.state == RunState.DISCARDED
    other = world.run(d(2026, 9))
    api = APIClient()
    api.force_authenticate(demo.user("clerk_huangchi"))
    assert api.delete(f"/api/rosters/{other.pk}/").status_code == 404
    api.force_authenticate(world.clerk)
    assert api.delete(f"/api/rosters/{other.pk}/").status_code == 204
    assert api.delete(f"/api/rosters/{other.pk}/").status_code == 400  # already discarded
    other.refresh_from_db()
    assert other.state == RunState.DISCARDED and other.events.count() == 3


@pytest.mark.postgres
def test_the_application_role_writes_the_roster_log_but_cannot_rewrite_it(
    roles,  # noqa: F811  (the fixture imported above)
    world,
):
    from relief.tests.test_dbroles import acting_as, refused

    _, app = roles
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = world.run(d(2026, 9))
    with acting_as(app):
        services.roster_discard(run=run, actor=world.clerk)
        again = world.run(d(2026, 9))
        world.lock(again)
    assert [e.action for e in _events(run)] == ["started", "computed", "discarded"]
    for sql in (
        "UPDATE funds_rosterevent SET label = 'x'",
        "DELETE FROM funds_rosterevent",
        "TRUNCATE funds_rosterevent CASCADE",
    ):
        assert "permission denied" in refused(app, sql)
    assert "must be owner" in refused(app, "ALTER TABLE funds_rosterevent DISABLE TRIGGER ALL")
    assert verify_model(RosterEvent).breaks == []

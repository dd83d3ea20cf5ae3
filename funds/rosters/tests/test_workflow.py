"""Starting, checking and locking a roster: refusals in Chinese, the two-person rule, one run
at a time per township and type, locked rosters never change."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from funds.rosters import services
from funds.rosters.models import RosterLine, RosterRun, RunState
from funds.rosters.tests.conftest import World, d
from relief.models import Job

pytestmark = pytest.mark.django_db


def test_the_clerk_prepares_and_checks_and_the_approver_locks(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = world.run(d(2026, 9))
    assert run.state == RunState.PREPARED
    run = services.roster_check(run=run, actor=world.clerk)
    assert (run.state, run.checked_by) == (RunState.CHECKED, world.clerk)
    run = services.roster_lock(run=run, actor=world.approver)
    assert (run.state, run.locked_by) == (RunState.LOCKED, world.approver)
    assert [e.action for e in run.events.all()] == ["started", "computed", "checked", "locked"]


def test_the_clerk_cannot_lock_and_the_approver_cannot_prepare(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = world.run(d(2026, 9))
    services.roster_check(run=run, actor=world.clerk)
    with pytest.raises(PermissionDenied, match="审核确认人"):
        services.roster_lock(run=run, actor=world.clerk)
    with pytest.raises(PermissionDenied, match="民政经办人"):
        world.start(d(2026, 10), actor=world.approver)


def test_the_same_person_cannot_prepare_and_lock(demo):
    # 乌溪镇's clerk also holds the approver role: he may prepare, never lock his own roster.
    world = World(demo)
    world.clerk = demo.user("clerk_wuxi")
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500", village=demo.wuxi_village)
    run = world.run(d(2026, 9), township=demo.wuxi)
    services.roster_check(run=run, actor=world.clerk)
    with pytest.raises(services.RosterRefused) as exc:
        services.roster_lock(run=run, actor=world.clerk)
    assert "制表或复核花名册的人不能再审核锁定同一份花名册" in exc.value.messages[0]
    assert RosterRun.objects.get(pk=run.pk).state == RunState.CHECKED


def test_a_roster_must_be_checked_before_it_is_locked(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = world.run(d(2026, 9))
    with pytest.raises(services.RosterRefused, match="须经经办人复核后才能审核锁定"):
        services.roster_lock(run=run, actor=world.approver)


def test_a_locked_month_is_refused_and_a_supplementary_run_is_offered(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    world.run_and_lock(d(2026, 9))
    with pytest.raises(services.RosterRefused) as exc:
        world.start(d(2026, 9))
    assert "2026年09月的农村最低生活保障月度花名册已锁定" in exc.value.messages[0]
    assert "补充花名册" in exc.value.messages[0]
    with pytest.raises(services.RosterRefused, match="不能再生成更早月份"):
        world.start(d(2026, 8))
    with pytest.raises(services.RosterRefused, match="须在2026年10月月度花名册锁定之后"):
        world.start(d(2026, 10), kind="supplementary")


def test_a_second_run_while_one_is_open_is_refused(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    first = world.start(d(2026, 9))
    with pytest.raises(services.RosterRefused, match="已有一份未锁定的"):
        world.start(d(2026, 9))
    with pytest.raises(services.RosterRefused, match="已有一份未锁定的"):
        world.start(d(2026, 10))
    assert RosterRun.objects.count() == 1
    services.roster_compute(run_id=first.pk)
    services.roster_discard(run=first, actor=world.clerk)
    assert world.start(d(2026, 9)).pk != first.pk


def test_the_run_is_computed_by_the_background_job_after_commit(
    world, django_capture_on_commit_callbacks
):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    with django_capture_on_commit_callbacks(execute=True):
        run = world.start(d(2026, 9))
    run.refresh_from_db()
    assert run.state == RunState.PREPARED
    assert run.job.status == Job.Status.DONE
    assert "银行发放合计 500.00 元" in run.job.message


def test_a_locked_roster_never_changes(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = world.run_and_lock(d(2026, 9))
    with pytest.raises(services.RosterRefused, match="已锁定的花名册不能作废"):
        services.roster_discard(run=run, actor=world.clerk)
    with pytest.raises(services.RosterRefused, match="不能重新生成"):
        services.roster_recompute(run=run, actor=world.clerk)
    assert run.lines.count() == 1


@pytest.mark.postgres
def test_postgresql_refuses_any_change_to_a_locked_roster(world):
    from django.db import DatabaseError, transaction

    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = world.run_and_lock(d(2026, 9))
    for statement in (
        lambda: RosterLine.objects.filter(run=run).update(amount=Decimal("1")),
        lambda: RosterLine.objects.filter(run=run).delete(),
        lambda: RosterRun.objects.filter(pk=run.pk).update(bank_amount=Decimal("1")),
        lambda: RosterRun.objects.filter(pk=run.pk).update(state=RunState.PREPARED),
    ):
        with pytest.raises(DatabaseError, match="locked"), transaction.atomic():
            statement()
    # The bank's result may still be written.
    RosterLine.objects.filter(run=run).update(result="paid")


@pytest.mark.postgres
def test_postgresql_checks_the_keys_of_lines_once_per_statement(world):
    """The run, carried-from and result-file keys are not foreign keys checked row by row
    but statement-level triggers: the same refusals."""
    from django.db import DatabaseError, transaction

    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = world.run(d(2026, 9))  # computed, not locked
    line = run.lines.get()
    missing = RosterRun.objects.order_by("-pk").values_list("pk", flat=True)[0] + 100
    for statement in (
        lambda: RosterLine.objects.filter(pk=line.pk).update(run_id=missing),
        lambda: RosterLine.objects.filter(pk=line.pk).update(carried_from_id=line.pk + 100),
        lambda: RosterLine.objects.filter(pk=line.pk).update(result_import_id=12345),
    ):
        with pytest.raises(DatabaseError, match="refers to no"), transaction.atomic():
            statement()
    with pytest.raises(DatabaseError, match="still has roster lines"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM funds_rosterrun WHERE id = %s", [run.pk])
    # A line that refers to existing rows is accepted; discarding the run deletes its lines
    # (the run itself is kept, 已作废, with its append-only log).
    RosterLine.objects.filter(pk=line.pk).update(carried_from_id=None, result_import_id=None)
    services.roster_discard(run=run, actor=world.clerk)
    assert RosterRun.objects.get(pk=run.pk).state == RunState.DISCARDED
    assert not RosterLine.objects.filter(run_id=run.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_started_at_the_same_moment_give_one_run(demo):
    world = World(demo)
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    barrier = threading.Barrier(2)
    outcomes = []

    def start():
        try:
            barrier.wait()
            outcomes.append(world.start(d(2026, 9)).pk)
        except services.RosterRefused as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert RosterRun.objects.count() == 1
    assert sorted(type(o).__name__ for o in outcomes) == ["int", "str"]
    refusal = next(o for o in outcomes if isinstance(o, str))
    assert "未锁定" in refusal or "请勿重复提交" in refusal


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_committed_while_the_start_checks_is_called_open_not_locked(demo):
    """The race above made deterministic: another request's run of the same month commits
    right after this request's first read of the runs. The refusal must name it for what
    it is (未锁定, being prepared), not the month's locked run: the open run and the month's
    regular run are read in one statement, from one snapshot."""
    world = World(demo)
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    other: list[int] = []

    def start_elsewhere():
        try:
            other.append(world.start(d(2026, 9)).pk)
        finally:
            connection.close()

    def after_first_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not other and sql.lstrip().startswith("SELECT") and '"funds_rosterrun"' in sql:
            thread = threading.Thread(target=start_elsewhere)
            thread.start()
            thread.join()
        return result

    with connection.execute_wrapper(after_first_read):
        with pytest.raises(services.RosterRefused) as refused:
            world.start(d(2026, 9))
    assert len(other) == 1 and RosterRun.objects.count() == 1
    message = refused.value.messages[0]
    assert "未锁定" in message or "请勿重复提交" in message, message
    assert "已锁定" not in message


def test_the_demo_roster_is_run_and_locked_once(world):
    from funds.rosters.demo import seed_rosters

    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = seed_rosters()
    assert run.state == RunState.LOCKED
    assert (run.prepared_by, run.checked_by, run.locked_by) == (
        world.clerk,
        world.clerk,
        world.approver,
    )
    assert seed_rosters().pk == run.pk


def test_the_county_day_starts_the_months_roster_once(world, django_capture_on_commit_callbacks):
    from relief.policy import policy_set

    world.recipient(confirmed_on=d(2026, 10, 3), amount="500")
    assert services.roster_runs_scheduled(today=d(2026, 11, 5)) == []  # no day set: off
    policy_set(
        region=world.demo.county,
        key="roster_run_day",
        raw_value="5",
        effective_from=d(2026, 1),
        actor=None,
    )
    assert services.roster_runs_scheduled(today=d(2026, 11, 4)) == []
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = services.roster_runs_scheduled(today=d(2026, 11, 5))
    run.refresh_from_db()
    assert (run.month, run.prepared_by, run.state) == (d(2026, 11), None, RunState.PREPARED)
    assert services.roster_runs_scheduled(today=d(2026, 11, 5)) == []  # open already

"""The one-UPDATE scan (cases.clocks.services.scan_deadlines) leaves the clocks, the
notifications and the counts exactly as the scan it replaced did (one clearing UPDATE per
flag, then per threshold a count, the notifications and batched UPDATEs raising the flag),
on clocks in every combination of running / paused / stopped, overall and step due dates
on both sides of the day, step limits in days and in hours, flags and markers set, stale
or missing; case by case and as digests."""

from __future__ import annotations

import datetime
import random

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from cases.clocks import services as clocks
from cases.clocks.services import scan_deadlines
from cases.clocks.tests.test_clocks import _open_case
from cases.models import Case, CaseClock, StepKind
from cases.stats.services import refresh_running_flags
from relief.models import Notification, User

D = datetime.date
TZ = datetime.timezone(datetime.timedelta(hours=8))


# --- the scan as it was (reference) -----------------------------------------------------


def _legacy_thresholds(today: datetime.date, now: datetime.datetime) -> dict:
    day = connection.ops.adapt_datefield_value(today)
    moment = connection.ops.adapt_datetimefield_value(now)
    running_q = Q(stopped_on__isnull=True, paused_at__isnull=True)
    running_sql = "c.stopped_on IS NULL AND c.paused_at IS NULL"
    return {
        "overdue": (
            "overdue",
            "notified_overdue_for",
            "overall_due",
            running_q & Q(overall_due__lt=today),
            f"{running_sql} AND c.overall_due < %s",
            [day],
        ),
        "due_soon": (
            "due_soon",
            "notified_due_soon_for",
            "overall_due",
            running_q & Q(overall_due__gte=today, due_soon_from__lte=today),
            f"{running_sql} AND c.overall_due >= %s AND c.due_soon_from <= %s",
            [day, day],
        ),
        "step": (
            "step_overdue",
            "notified_step_for",
            "step_due",
            Q(step_due__lt=today, step_due_at__isnull=True),
            "c.step_due < %s AND c.step_due_at IS NULL",
            [day],
        ),
        "step_hours": (
            "step_overdue",
            "notified_step_for",
            "step_due",
            Q(step_due_at__lt=now),
            "c.step_due_at < %s",
            [moment],
        ),
        "step_soon": (
            "step_due_soon",
            "notified_step_soon_for",
            "step_due",
            Q(step_due_at__gte=now, step_soon_at__lte=now),
            "c.step_due_at >= %s AND c.step_soon_at <= %s",
            [moment, moment],
        ),
    }


def _legacy_cross(kind: str, today: datetime.date, now: datetime.datetime) -> tuple[int, int]:
    flag, marker, due_col, cond_q, cond_sql, cond_params = _legacy_thresholds(today, now)[kind]
    unnotified = Q(**{f"{marker}__isnull": True}) | ~Q(**{marker: F(due_col)})
    counts = {
        row["case__township_id"]: row["n"]
        for row in CaseClock.objects.filter(cond_q & unnotified)
        .values("case__township_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    backlog = {t: n for t, n in counts.items() if n > clocks.DIGEST_ABOVE}
    prefix, suffix = clocks._case_url_sql()
    verb_sql, verb_params = clocks._verb_sql(kind)
    roles = [str(r) for r in clocks.RESPONSIBLE_ROLES]
    not_backlog = (
        f"AND k.township_id NOT IN ({', '.join(['%s'] * len(backlog))})" if backlog else ""
    )
    sql = f"""
        INSERT INTO {Notification._meta.db_table}
               (recipient_id, verb, url, dedupe_key, created_at, read_at)
        SELECT u.id, {verb_sql}, %s || CAST(k.id AS TEXT) || %s,
               %s || CAST(c.case_id AS TEXT) || %s || CAST(c.{due_col} AS TEXT), %s, NULL
          FROM {CaseClock._meta.db_table} c
          JOIN {Case._meta.db_table} k ON k.id = c.case_id
          JOIN {User._meta.db_table} u ON u.region_id = k.township_id
         WHERE {cond_sql}
           AND (c.{marker} IS NULL OR c.{marker} <> c.{due_col})
           AND u.is_active = %s
           AND (u.role IN (%s, %s) OR u.extra_role IN (%s, %s))
           {not_backlog}
        ON CONFLICT DO NOTHING
    """
    params = [
        *verb_params,
        prefix,
        suffix,
        "clock:",
        f":{kind}:",
        connection.ops.adapt_datetimefield_value(now),
        *cond_params,
        True,
        *roles,
        *roles,
        *backlog,
    ]
    inserted = 0
    if len(backlog) < len(counts):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = max(cursor.rowcount, 0)
    if backlog:
        inserted += clocks._send_digests(kind, backlog, today, now)
    pending = CaseClock.objects.filter(cond_q & (Q(**{flag: False}) | unnotified))
    marked = 0
    while True:
        batch = pending.order_by("pk").values("pk")[:2]
        done = CaseClock.objects.filter(pk__in=batch).update(
            **{flag: True, marker: F(due_col), "updated_at": now}
        )
        marked += done
        if done < 2:
            return marked, inserted


def legacy_scan(today: datetime.date, now: datetime.datetime) -> dict:
    result = clocks.ScanResult(today=today.isoformat())
    with transaction.atomic():
        running = CaseClock.objects.filter(stopped_on__isnull=True, paused_at__isnull=True)
        result.flags_cleared = running.filter(overdue=True, overall_due__gte=today).update(
            overdue=False, updated_at=now
        )
        result.flags_cleared += (
            running.filter(due_soon=True)
            .filter(Q(due_soon_from__gt=today) | Q(overall_due__lt=today))
            .update(due_soon=False, updated_at=now)
        )
        result.flags_cleared += (
            CaseClock.objects.filter(step_overdue=True, step_due_at__isnull=True)
            .filter(Q(step_due__isnull=True) | Q(step_due__gte=today))
            .update(step_overdue=False, updated_at=now)
        )
        hours_step = CaseClock.objects.filter(step_due_at__isnull=False)
        result.flags_cleared += hours_step.filter(step_overdue=True, step_due_at__gte=now).update(
            step_overdue=False, updated_at=now
        )
        result.flags_cleared += (
            CaseClock.objects.filter(step_due_soon=True)
            .filter(Q(step_due_at__isnull=True) | Q(step_due_at__lt=now) | Q(step_soon_at__gt=now))
            .update(step_due_soon=False, updated_at=now)
        )
        for kind, field in (
            ("overdue", "overdue_marked"),
            ("due_soon", "due_soon_marked"),
            ("step", "step_overdue_marked"),
            ("step_hours", "step_overdue_marked"),
            ("step_soon", "step_due_soon_marked"),
        ):
            marked, notes = _legacy_cross(kind, today, now)
            setattr(result, field, getattr(result, field) + marked)
            result.notifications += notes
        refresh_running_flags()
    return result.as_dict()


# --- the fixture and the comparison -----------------------------------------------------


def _scramble(cases: list[Case], today: datetime.date, now: datetime.datetime, seed: int) -> None:
    """Every clock in a random state that the services can produce (a step in hours has its
    Beijing date and its reminder moment), flags and markers right, stale or missing."""
    rng = random.Random(seed)

    def near(day: datetime.date, spread: int) -> datetime.date:
        return day + datetime.timedelta(days=rng.randint(-spread, spread))

    def marker(due: datetime.date | None) -> datetime.date | None:
        return rng.choice([None, due, near(today, 6)])

    for case in cases:
        overall_due = near(today, 8)
        values: dict = {
            "overall_due": overall_due,
            "due_soon_from": overall_due - datetime.timedelta(days=rng.randint(0, 6)),
            "stopped_on": rng.choice([None, None, None, near(today, 5)]),
            "paused_at": rng.choice([None, None, None, near(today, 5)]),
            "overdue": rng.random() < 0.4,
            "due_soon": rng.random() < 0.4,
            "step_overdue": rng.random() < 0.4,
            "step_due_soon": rng.random() < 0.3,
            "updated_at": now - datetime.timedelta(days=3),
        }
        kind = rng.choice(["none", "days", "days", "hours", "hours"])
        if kind == "none":
            values.update(
                step_kind=StepKind.NONE, step_due=None, step_due_at=None, step_soon_at=None
            )
        elif kind == "days":
            values.update(
                step_kind=StepKind.CHECK_START,
                step_due=near(today, 4),
                step_due_at=None,
                step_soon_at=None,
            )
        else:
            due_at = now + datetime.timedelta(hours=rng.randint(-30, 30))
            values.update(
                step_kind=StepKind.EMERGENCY_HELP,
                step_due_at=due_at,
                step_soon_at=due_at - datetime.timedelta(hours=rng.choice([0, 6, 12])),
                step_due=timezone.localdate(due_at),
            )
        values.update(
            notified_overdue_for=marker(overall_due),
            notified_due_soon_for=marker(overall_due),
            notified_step_for=marker(values["step_due"]),
            notified_step_soon_for=marker(values["step_due"]),
        )
        CaseClock.objects.filter(case=case).update(**values)


def _state() -> tuple[list, list]:
    clock_rows = list(CaseClock.objects.order_by("pk").values())
    notes = sorted(
        Notification.objects.filter(dedupe_key__startswith="clock:").values_list(
            "recipient_id", "verb", "url", "dedupe_key", "created_at", "read_at"
        )
    )
    return clock_rows, notes


class _Undo(Exception):
    pass


def _run(scan, days: list[tuple[datetime.date, datetime.datetime]]) -> tuple[list, list, list]:
    """The scans of ``days`` in order, then the state; everything rolled back after."""
    results: list = []
    state: tuple = ([], [])
    try:
        with transaction.atomic():
            for today, now in days:
                with time_machine.travel(now, tick=False):
                    results.append(scan(today, now))
            state = _state()
            raise _Undo
    except _Undo:
        pass
    return results, *state


def _new(today: datetime.date, now: datetime.datetime) -> dict:
    return scan_deadlines(today=today, now=now).as_dict()


@pytest.fixture
def many_clocks(demo):
    cases = [
        _open_case(demo, D(2026, 3, 2) + datetime.timedelta(days=i % 9), township=township)
        for i, township in enumerate([demo.gushu] * 14 + [demo.wuxi] * 10)
    ]
    # A clock the scramble leaves alone: nothing due, nothing flagged (never written).
    _open_case(demo, D(2026, 4, 1))
    return cases


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("digest_above", [20, 1])
def test_the_one_update_scan_gives_what_the_old_scan_gave(
    many_clocks, monkeypatch, seed, digest_above
):
    monkeypatch.setattr(clocks, "DIGEST_ABOVE", digest_above)
    today = D(2026, 4, 20)
    now = datetime.datetime(2026, 4, 20, 2, 30, tzinfo=TZ)
    _scramble(many_clocks, today, now, seed)
    days = [
        (today, now),
        # The same day again (nothing changes), then the next day, later in the day.
        (today, now + datetime.timedelta(minutes=5)),
        (today + datetime.timedelta(days=1), now + datetime.timedelta(days=1, hours=9)),
    ]
    old_results, old_clocks, old_notes = _run(legacy_scan, days)
    new_results, new_clocks, new_notes = _run(_new, days)
    assert new_results == old_results
    assert new_notes == old_notes
    assert new_clocks == old_clocks
    # The fixture reaches every branch: flags raised, cleared, notified, one by one or in
    # digests, and the same-day repeat changes nothing.
    first, repeat, _next = new_results
    assert first["overdue_marked"] and first["due_soon_marked"] and first["flags_cleared"]
    assert first["step_overdue_marked"] and first["notifications"]
    assert repeat["notifications"] == 0 and repeat["flags_cleared"] == 0
    assert repeat["overdue_marked"] == repeat["step_overdue_marked"] == 0
    digests = [n for n in new_notes if n[3].startswith("clock:digest:")]
    assert bool(digests) == (digest_above == 1)

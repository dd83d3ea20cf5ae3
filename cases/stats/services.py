"""Keeping the summary tables (cases/stats/models.py) equal to a recount.

Every save of a case or of its clock (inside the transition's transaction when a transition
saves them) moves the case from the keys its ``TallyMark`` records to the keys it has now:
one read, then one ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` per summary
whose key changed (PostgreSQL and SQLite alike). Bulk inserts bypass the signals, so the
bulk seeds call ``rebuild_summaries()`` at the end; ``check_summaries`` compares the tables
with a recount from the base tables."""

from __future__ import annotations

import datetime
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, IntegerField, Q, Value
from django.db.models.functions import Coalesce, TruncMonth

from cases.models import Case, CaseClock
from cases.stats.models import (
    DecidedStateTally,
    DecisionTally,
    OpenTally,
    StateTally,
    TallyMark,
    ThroughputTally,
)
from cases.stats.sql import (
    COUNT_NEW_CASES_SQL,
    REBUILD_OPEN_SQL,
    REFRESH_FLAGS_SQL,
    rebuild_sql,
)

#: Summary model → its key columns (the unique constraint), in order.
KEYS: dict[type[models.Model], tuple[str, ...]] = {
    StateTally: ("township_id", "village_id", "assistance_type_id", "state"),
    OpenTally: (
        "township_id",
        "assistance_type_id",
        "state",
        "started_on",
        "overdue",
        "due_soon",
        "paused",
    ),
    DecisionTally: ("township_id", "assistance_type_id", "decided_on", "elapsed_wd", "on_time"),
    ThroughputTally: ("township_id", "assistance_type_id", "kind", "month"),
    DecidedStateTally: ("township_id", "assistance_type_id", "decided_on", "state"),
}
MARK_FIELDS = (
    "township_id",
    "village_id",
    "assistance_type_id",
    "state",
    "started_on",
    "decided_on",
    "elapsed_wd",
    "on_time",
    "overdue",
    "due_soon",
    "paused",
    "accepted_on",
    "closed_on",
    "late",
    "case_decided_on",
    "created_at",
)
#: Case fields a summary depends on: a save touching none of them is not looked at.
CASE_FIELDS = {"state", "township", "village", "assistance_type", "decided_on", "created_at"}
CLOCK_FIELDS = {
    "started_on",
    "stopped_on",
    "elapsed_wd",
    "on_time",
    "overdue",
    "due_soon",
    "paused_at",
}


def _mark_of(row: dict) -> dict | None:
    """The mark of a case from its row and its clock's (``clock__…`` keys)."""
    if row.get("township_id") is None:
        return None
    has_clock = row["clock__case_id"] is not None
    running = has_clock and row["clock__stopped_on"] is None
    verdict = has_clock and row["clock__on_time"] is not None
    decided = row["decided_on"] is not None and verdict
    return {
        "township_id": row["township_id"],
        "village_id": row["village_id"],
        "assistance_type_id": row["assistance_type_id"],
        "state": row["state"],
        "started_on": row["clock__started_on"] if running else None,
        "decided_on": row["decided_on"] if decided else None,
        "elapsed_wd": (row["clock__elapsed_wd"] or 0) if decided else None,
        "on_time": row["clock__on_time"] if decided else None,
        "overdue": row["clock__overdue"] if running else None,
        "due_soon": row["clock__due_soon"] if running else None,
        "paused": (row["clock__paused_at"] is not None) if running else None,
        "accepted_on": row["clock__started_on"] if has_clock else None,
        "closed_on": row["clock__stopped_on"] if verdict else None,
        "late": (row["clock__on_time"] is False) if verdict else None,
        "case_decided_on": row["decided_on"],
        "created_at": row["created_at"],
    }


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _keys_of(mark: dict | None) -> dict[type[models.Model], list[tuple]]:
    """Summary → the keys a case with ``mark`` is counted under (one each, none when it is
    not counted there)."""
    keys: dict[type[models.Model], list[tuple]] = {model: [] for model in KEYS}
    if mark is None:
        return keys
    keys[StateTally].append(tuple(mark[c] for c in KEYS[StateTally]))
    if mark["started_on"] is not None:
        keys[OpenTally].append(tuple(mark[c] for c in KEYS[OpenTally]))
    if mark["decided_on"] is not None:
        keys[DecisionTally].append(tuple(mark[c] for c in KEYS[DecisionTally]))
    place = (mark["township_id"], mark["assistance_type_id"])
    if mark["case_decided_on"] is not None:
        keys[DecidedStateTally].append((*place, mark["case_decided_on"], mark["state"]))
    if mark["accepted_on"] is not None:
        keys[ThroughputTally].append((*place, "accepted", _month(mark["accepted_on"])))
    if mark["closed_on"] is not None:
        keys[ThroughputTally].append((*place, "decided", _month(mark["closed_on"])))
        if mark["late"]:
            keys[ThroughputTally].append((*place, "late", _month(mark["closed_on"])))
    return keys


def _add(model: type[models.Model], deltas: Counter, cols: tuple[str, ...] | None = None) -> None:
    """Add ``deltas`` (key → ±n) to ``model``'s counts in one upsert (``cols``: the key
    columns of a summary kept by an app above, registered with ``register_summary``)."""
    rows = [(key, n) for key, n in deltas.items() if n]
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    cols = KEYS[model] if cols is None else cols
    placeholders = ", ".join("(" + ", ".join(["%s"] * (len(cols) + 1)) + ")" for _ in rows)
    params: list = []
    for key, n in rows:
        params += [*key, n]
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in cols)}, {qn('n')}) "
        f"VALUES {placeholders} "
        f"ON CONFLICT ({', '.join(qn(c) for c in cols)}) "
        f"DO UPDATE SET {qn('n')} = {table}.{qn('n')} + excluded.{qn('n')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _move(old: dict | None, new: dict | None) -> None:
    old_keys, new_keys = _keys_of(old), _keys_of(new)
    for model in KEYS:
        if old_keys[model] == new_keys[model]:
            continue
        deltas: Counter = Counter(new_keys[model])
        deltas.subtract(Counter(old_keys[model]))
        _add(model, deltas)


_ROW_FIELDS = (
    "township_id",
    "village_id",
    "assistance_type_id",
    "state",
    "decided_on",
    "created_at",
    "clock__case_id",
    "clock__started_on",
    "clock__stopped_on",
    "clock__elapsed_wd",
    "clock__on_time",
    "clock__overdue",
    "clock__due_soon",
    "clock__paused_at",
    *(f"tally_mark__{f}" for f in MARK_FIELDS),
    "tally_mark__case_id",
)


@transaction.atomic
def retally_case(case_id: int, *, deleted: bool = False) -> None:
    """Move case ``case_id`` in the summaries from its recorded keys to its keys now (one
    read; a write per summary whose key changed)."""
    row = Case.objects.filter(pk=case_id).values(*_ROW_FIELDS).first()
    if row is None:
        return
    old = (
        {f: row[f"tally_mark__{f}"] for f in MARK_FIELDS}
        if row["tally_mark__case_id"] is not None
        else None
    )
    new = None if deleted else _mark_of(row)
    if old == new:
        return
    _move(old, new)
    if new is None:
        TallyMark.objects.filter(case_id=case_id).delete()
    elif old is None:
        TallyMark.objects.create(case_id=case_id, **new)
    else:
        TallyMark.objects.filter(case_id=case_id).update(**new)


#: The case ids noted inside ``retally_once`` (None outside it), per thread.
_deferred = threading.local()


@contextmanager
def retally_once() -> Iterator[None]:
    """Inside this block the saves of cases and clocks note their case instead of
    re-tallying it at each save; on leaving the block without an error each noted case is
    re-tallied once (in the caller's transaction: open the block inside it). A transition
    that saves the case and then its clock so reads and moves the case's counts once, not
    twice. Nested blocks leave it to the outermost; an error drops the notes (the
    transaction they belong to rolls back)."""
    if getattr(_deferred, "ids", None) is not None:
        yield
        return
    _deferred.ids = {}
    try:
        yield
        ids = list(_deferred.ids)
    finally:
        _deferred.ids = None
    for case_id in ids:
        retally_case(case_id)


def _retally_or_note(case_id: int) -> None:
    noted = getattr(_deferred, "ids", None)
    if noted is None:
        retally_case(case_id)
    else:
        noted[case_id] = True


def _touches(update_fields: Iterable[str] | None, fields: set[str]) -> bool:
    return update_fields is None or bool(set(update_fields) & fields)


def tally_on_case_saved(
    sender: type,
    *,
    instance: Case,
    update_fields: Iterable[str] | None = None,
    raw: bool = False,
    **kwargs: object,
) -> None:
    """post_save of Case: the summaries follow the case's state, region, type, decision."""
    if raw or not _touches(update_fields, CASE_FIELDS):
        return
    _retally_or_note(instance.pk)


def tally_on_clock_saved(
    sender: type,
    *,
    instance: CaseClock,
    update_fields: Iterable[str] | None = None,
    raw: bool = False,
    **kwargs: object,
) -> None:
    """post_save of CaseClock: the open and decided summaries follow the clock."""
    if raw or not _touches(update_fields, CLOCK_FIELDS):
        return
    _retally_or_note(instance.case_id)


def tally_on_case_deleted(sender: type, *, instance: Case, **kwargs: object) -> None:
    """pre_delete of Case: its counts leave the summaries before its mark goes."""
    retally_case(instance.pk, deleted=True)


def tally_on_clock_deleted(sender: type, *, instance: CaseClock, **kwargs: object) -> None:
    """post_delete of CaseClock: the case is counted without its clock."""
    retally_case(instance.case_id)


# --- summaries of the apps above -------------------------------------------------------


@dataclass(frozen=True)
class RegisteredSummary:
    """A summary table an app above cases keeps (e.g. review's filings): ``compare()``
    returns its readable differences from a recount, ``rebuild()`` refills it from its base
    table. ``check_summaries`` and ``rebuild_summaries`` cover it with the cases' own."""

    name: str
    compare: Callable[[], list[str]]
    rebuild: Callable[[], None]


_REGISTERED: dict[str, RegisteredSummary] = {}


def register_summary(
    name: str, *, compare: Callable[[], list[str]], rebuild: Callable[[], None]
) -> None:
    """Called from an app's ``AppConfig.ready()`` (apps above cases may not be imported
    here)."""
    _REGISTERED[name] = RegisteredSummary(name=name, compare=compare, rebuild=rebuild)


def add_counts(model: type[models.Model], cols: tuple[str, ...], deltas: Counter) -> None:
    """Add ``deltas`` (key over ``cols`` → ±n) to a registered summary in one upsert."""
    _add(model, deltas, cols)


# --- recount, compare, rebuild ----------------------------------------------------------


def recount() -> dict[type[models.Model], Counter]:
    """Every summary recounted from the cases and their clocks (GROUP BY over the base
    tables; what the summaries must equal)."""
    cases = Case.objects.order_by()
    state = cases.values("township_id", "village_id", "assistance_type_id", "state")
    open_ = cases.filter(clock__isnull=False, clock__stopped_on__isnull=True).values(
        "township_id",
        "assistance_type_id",
        "state",
        started_on=F("clock__started_on"),
        overdue=F("clock__overdue"),
        due_soon=F("clock__due_soon"),
        paused=ExpressionWrapper(Q(clock__paused_at__isnull=False), BooleanField()),
    )
    decided = cases.filter(decided_on__isnull=False, clock__on_time__isnull=False).values(
        "township_id",
        "assistance_type_id",
        "decided_on",
        elapsed_wd=Coalesce("clock__elapsed_wd", Value(0), output_field=IntegerField()),
        on_time=F("clock__on_time"),
    )
    out: dict[type[models.Model], Counter] = {}
    for model, qs in ((StateTally, state), (OpenTally, open_), (DecisionTally, decided)):
        counts: Counter = Counter()
        for row in qs.annotate(n=Count("pk")):
            counts[tuple(row[c] for c in KEYS[model])] = row["n"]
        out[model] = counts
    throughput: Counter = Counter()
    clocks = CaseClock.objects.order_by()
    for kind, field, cond in (
        ("accepted", "started_on", Q()),
        ("decided", "stopped_on", Q(on_time__isnull=False)),
        ("late", "stopped_on", Q(on_time=False)),
    ):
        rows = (
            clocks.filter(cond)
            .values("case__township_id", "case__assistance_type_id", month=TruncMonth(field))
            .annotate(n=Count("pk"))
        )
        for r in rows:
            key = (r["case__township_id"], r["case__assistance_type_id"], kind, r["month"])
            throughput[key] = r["n"]
    out[ThroughputTally] = throughput
    decided_states: Counter = Counter()
    for r in (
        cases.filter(decided_on__isnull=False)
        .values("township_id", "assistance_type_id", "decided_on", "state")
        .annotate(n=Count("pk"))
    ):
        key = (r["township_id"], r["assistance_type_id"], r["decided_on"], r["state"])
        decided_states[key] = r["n"]
    out[DecidedStateTally] = decided_states
    return out


def stored() -> dict[type[models.Model], Counter]:
    """The summaries as stored (zero rows left out)."""
    out: dict[type[models.Model], Counter] = {}
    for model, cols in KEYS.items():
        counts: Counter = Counter()
        for *key, n in model._default_manager.exclude(n=0).values_list(*cols, "n"):
            counts[tuple(key)] = n
        out[model] = counts
    return out


def compare() -> list[str]:
    """Readable differences between the summaries and a recount (empty: they are equal)."""
    lines: list[str] = []
    expected, actual = recount(), stored()
    for model, cols in KEYS.items():
        want, have = expected[model], actual[model]
        for key in sorted(set(want) | set(have), key=repr):
            if want.get(key, 0) != have.get(key, 0):
                named = ", ".join(f"{c}={v}" for c, v in zip(cols, key, strict=True))
                lines.append(
                    f"{model.__name__}({named}): stored {have.get(key, 0)}, "
                    f"recount {want.get(key, 0)}"
                )
    marks, cases = TallyMark.objects.count(), Case.objects.count()
    if marks != cases:
        lines.append(f"TallyMark: {marks} marks for {cases} cases")
    # the case list's 超期 / 临期 pages read their order from the marks' created_at
    moved = TallyMark.objects.exclude(created_at=F("case__created_at")).count()
    if moved:
        lines.append(f"TallyMark: {moved} marks whose created_at is not their case's")
    for summary in _REGISTERED.values():
        lines += summary.compare()
    return lines


def rebuild_throughput(mark_model: type[models.Model], tally_model: type[models.Model]) -> None:
    """The monthly throughput from the marks (grouped with TruncMonth, which every backend
    spells differently; shared with the data migration, which passes its historical
    models)."""
    marks = mark_model._default_manager.order_by()
    rows = []
    for kind, field, cond in (
        ("accepted", "accepted_on", Q(accepted_on__isnull=False)),
        ("decided", "closed_on", Q(closed_on__isnull=False)),
        ("late", "closed_on", Q(closed_on__isnull=False, late=True)),
    ):
        grouped = (
            marks.filter(cond)
            .values("township_id", "assistance_type_id", month=TruncMonth(field))
            .annotate(n=Count("pk"))
        )
        rows += [
            tally_model(
                township_id=r["township_id"],
                assistance_type_id=r["assistance_type_id"],
                kind=kind,
                month=r["month"],
                n=r["n"],
            )
            for r in grouped
        ]
    tally_model._default_manager.bulk_create(rows, batch_size=2000)


@transaction.atomic
def rebuild_summaries() -> None:
    """Recompute every summary from the base tables (bulk seeds, ``rebuild_summaries``)."""
    with connection.cursor() as cursor:
        rebuild_sql(cursor.execute)
    rebuild_throughput(TallyMark, ThroughputTally)
    for summary in _REGISTERED.values():
        summary.rebuild()


def count_new_cases(case_ids: Iterable[int]) -> None:
    """Count cases inserted in bulk (``bulk_create`` sends no signal) into the summaries.
    Cases already counted are left as they are. On PostgreSQL one set-based statement
    (``COUNT_NEW_CASES_SQL``: the marks from the rebuild's mark definition, the ids as one
    array parameter, each summary upserted from the marks just inserted); elsewhere one
    read of the cases and their clocks, one upsert per summary, one bulk insert of the
    marks."""
    ids = list(case_ids)
    if not ids:
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(COUNT_NEW_CASES_SQL, [list(dict.fromkeys(ids))])
        return
    counted = set(TallyMark.objects.filter(case_id__in=ids).values_list("case_id", flat=True))
    fields = [f for f in _ROW_FIELDS if not f.startswith("tally_mark__")]
    marks = []
    deltas: dict[type[models.Model], Counter] = {model: Counter() for model in KEYS}
    for row in Case.objects.filter(pk__in=ids).values("pk", *fields):
        mark = _mark_of(row)
        if row["pk"] in counted or mark is None:
            continue
        marks.append(TallyMark(case_id=row["pk"], **mark))
        for model, keys in _keys_of(mark).items():
            for key in keys:
                deltas[model][key] += 1
    with transaction.atomic():
        for model, counts in deltas.items():
            _add(model, counts)
        TallyMark.objects.bulk_create(marks, batch_size=2000)


def refresh_running_flags() -> int:
    """After the daily scan's set-based flag updates (which send no signal): the marks of
    the running clocks whose overdue / due-soon flag moved take the clock's flags, and the
    open-clock summary is recounted from the marks when any did. Reads the running clocks
    only (their number is the open cases, not the table); returns the marks moved."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(REFRESH_FLAGS_SQL)
        moved = max(cursor.rowcount, 0)
        if moved:
            cursor.execute(f"DELETE FROM {OpenTally._meta.db_table}")
            cursor.execute(REBUILD_OPEN_SQL)
    return moved

"""The roster computation: what is due to each recipient, month by month, and what is left
to pay after what locked rosters already paid.

For every recipient of the run's township × type and every month of its *window* (below):

    in force(m) = the recipient's state for m — the change with the greatest
                  (effective_month, id) where effective_month <= m; 0 when 暂停 / 停保
    already(m)  = the sum of the lines of locked rosters computed from the change log for
                  that recipient and month
    amount(m)   = in force(m) − already(m)

A month with a non-zero amount becomes one line: the run's own month with nothing paid
before → 当月发放 (regular); any other positive amount → 补发 (back pay: months before the
first roster that included the recipient, or a raise with an earlier effective month); a
negative amount → 追缴 (recovery), offset in the bank file or collected separately by the
county's setting. Each line keeps its why in columns: the change in force (``change_id``),
``in_force`` and ``already`` (``RosterLine.why_detail`` renders them).

The window: from the first month when no roster of the township × type is locked yet;
otherwise from the month after the latest locked roster, or earlier — the earliest
effective month of any change recorded after the latest locked computation (its
``change_watermark``). Every month before the window was settled by a locked roster that
saw every change affecting it, so a steady month costs one row per recipient.

Two implementations give the same lines: one ``INSERT … SELECT`` on PostgreSQL (no rows
pass through Python: 1.5 million recipients in one statement), and a Python loop over the
ORM for SQLite. The tests run on both.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Max, Min, Sum

from funds.recipients.models import (
    UNPAID_STATUSES,
    BankAccount,
    Recipient,
    RecipientChange,
)
from funds.rosters.models import (
    Channel,
    LineKind,
    LineSource,
    RecoveryMode,
    RosterLine,
    RosterRun,
    RunState,
)

CENT = Decimal("0.01")
BATCH = 5000


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_label(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def money(value) -> str:
    return str(Decimal(value).quantize(CENT))


@dataclass(frozen=True)
class Window:
    """Where the change-log lines of a run start (see the module docstring)."""

    locked_run_ids: tuple[int, ...]
    next_month: datetime.date | None  # the month after the latest locked roster
    watermark: int  # the latest locked computation's change watermark


def window_for(run: RosterRun) -> Window:
    locked = RosterRun.objects.filter(
        township_id=run.township_id,
        assistance_type_id=run.assistance_type_id,
        state=RunState.LOCKED,
    )
    ids = tuple(locked.values_list("pk", flat=True))
    if not ids:
        return Window((), None, 0)
    agg = locked.aggregate(month=Max("month"), watermark=Max("change_watermark"))
    return Window(ids, add_months(agg["month"], 1), agg["watermark"] or 0)


def already_runs(run: RosterRun, window: Window) -> tuple[datetime.date, list[int]]:
    """The earliest month any window can start (the month after the latest locked roster,
    or the earliest effective month of a change recorded since), and the locked runs that
    can hold lines for months from then: a roster of month X only has lines for months
    up to X, so only runs of that month or later."""
    earliest = RecipientChange.objects.filter(
        id__gt=window.watermark,
        recipient__township_id=run.township_id,
        recipient__assistance_type_id=run.assistance_type_id,
    ).aggregate(e=Min("effective_month"))["e"]
    since = min(window.next_month, earliest) if earliest else window.next_month
    runs = list(
        RosterRun.objects.filter(pk__in=window.locked_run_ids, month__gte=since).values_list(
            "pk", flat=True
        )
    )
    return since, runs


def scope(run: RosterRun):
    return Recipient.objects.filter(
        township_id=run.township_id,
        assistance_type_id=run.assistance_type_id,
        first_month__lte=run.month,
    )


def line_kind(*, month: datetime.date, run_month: datetime.date, already, amount) -> str:
    if amount < 0:
        return LineKind.RECOVERY
    if month == run_month and already == 0:
        return LineKind.REGULAR
    return LineKind.BACK_PAY


def line_channel(*, kind: str, recovery_mode: str, has_account: bool) -> str:
    if kind == LineKind.RECOVERY and recovery_mode == RecoveryMode.SEPARATE:
        return Channel.SEPARATE
    return Channel.BANK if has_account else Channel.HELD


def insert_change_lines(run: RosterRun, window: Window) -> int:
    """Insert the run's change-log lines; returns how many (line numbers 1…n)."""
    if connection.vendor == "postgresql":
        return _insert_change_lines_sql(run, window)
    return _insert_change_lines_python(run, window)


# --- PostgreSQL: one INSERT … SELECT ------------------------------------------------------
def _insert_change_lines_sql(run: RosterRun, window: Window) -> int:
    params: dict = {
        "run": run.pk,
        "number": run.number,
        "township": run.township_id,
        "type": run.assistance_type_id,
        "month": run.month,
        "mode": run.recovery_mode,
        "unpaid": [str(s) for s in UNPAID_STATUSES],
    }
    already_join, already = "", "0"
    if window.locked_run_ids:
        params.update(next=window.next_month, watermark=window.watermark)
        # Changes recorded since the latest locked computation, of this run's township and
        # type only (the ids above the watermark by the primary key, each joined to its
        # recipient): a province-wide log's other townships are never read.
        recent = """SELECT c.recipient_id, c.effective_month
                       FROM funds_recipientchange c
                       JOIN funds_recipient cr ON cr.id = c.recipient_id
                      WHERE c.id > %(watermark)s AND cr.township_id = %(township)s
                        AND cr.assistance_type_id = %(type)s"""
        new_changes = f"""
            LEFT JOIN (SELECT recipient_id, min(effective_month) AS e
                       FROM ({recent}) rc
                       GROUP BY recipient_id) nc ON nc.recipient_id = r.id"""
        start = "GREATEST(r.first_month, LEAST(%(next)s::date, COALESCE(nc.e, %(next)s::date)))"
        since, runs = already_runs(run, window)
        if runs:
            # Pre-aggregated and hash-joined: a correlated lookup per recipient-month would
            # be planned as a scan per row while the line table's statistics are stale.
            params.update(since=since, already_runs=runs)
            # Only months before the next one can have been paid (a roster of month X has
            # lines up to X), and only recipients with a change recorded since the latest
            # locked computation reach back that far: a few lines, found by index.
            already_join = f"""
            LEFT JOIN (SELECT l.recipient_id, l.month, sum(l.amount) AS total
                       FROM funds_rosterline l
                       WHERE l.run_id = ANY(%(already_runs)s) AND l.source = 'changes'
                         AND l.month >= %(since)s AND l.month < %(next)s
                         AND l.recipient_id IN (SELECT rc.recipient_id FROM ({recent}) rc
                                                WHERE rc.effective_month < %(next)s)
                       GROUP BY l.recipient_id, l.month) pa
                   ON pa.recipient_id = mo.id AND pa.month = mo.m"""
            already = "COALESCE(pa.total, 0)"
    else:
        new_changes, start = "", "r.first_month"
        since = scope(run).aggregate(m=Min("first_month"))["m"] or run.month
    # The months any window can cover, as a short array: joined on month >= start, the
    # planner estimates the rows well (a generate_series per recipient is guessed at 1,000
    # rows each, and a plan made for 1.5 billion rows spills to disk).
    months, month = [], since
    while month <= run.month:
        months.append(month)
        month = add_months(month, 1)
    params["months"] = months
    sql = f"""
    WITH scope AS (
        SELECT r.id, r.village_id, v.code AS village_code, r.head_name, r.head_id_number,
               a.id AS account_id, a.holder_name, a.bank, a.account_number,
               hm.id_number AS holder_id, {start} AS start_month
        FROM funds_recipient r
        JOIN relief_region v ON v.id = r.village_id
        LEFT JOIN funds_bankaccount a ON a.id = r.bank_account_id AND a.is_active
        LEFT JOIN cases_member hm ON hm.id = a.holder_member_id
        {new_changes}
        WHERE r.township_id = %(township)s AND r.assistance_type_id = %(type)s
          AND r.first_month <= %(month)s
    ),
    months AS (
        SELECT s.*, mm.m
        FROM scope s JOIN unnest(%(months)s::date[]) AS mm(m) ON mm.m >= s.start_month
    ),
    due AS (
        SELECT mo.*, c.id AS change_id,
               (CASE WHEN c.id IS NULL OR c.status = ANY(%(unpaid)s) THEN 0
                     ELSE c.monthly_amount END)::numeric(12, 2) AS in_force,
               ({already})::numeric(12, 2) AS already
        FROM months mo{already_join}
        LEFT JOIN LATERAL (
            SELECT c.id, c.status, c.monthly_amount
            FROM funds_recipientchange c
            WHERE c.recipient_id = mo.id AND c.effective_month <= mo.m
            ORDER BY c.effective_month DESC, c.id DESC
            LIMIT 1
        ) c ON true
    ),
    diff AS (
        SELECT d.*, (d.in_force - d.already)::numeric(12, 2) AS amount,
               CASE WHEN d.in_force < d.already THEN 'recovery'
                    WHEN d.m = %(month)s AND d.already = 0 THEN 'regular'
                    ELSE 'back_pay' END AS kind
        FROM due d
        WHERE d.in_force <> d.already
    ),
    numbered AS (
        SELECT diff.*, row_number() OVER (ORDER BY village_code, id, m) AS seq FROM diff
    )
    INSERT INTO funds_rosterline (
        run_id, line_no, line_id, recipient_id, village_id, kind, source, month, name,
        id_number, bank, account_number, amount, channel, change_id, in_force, already, detail,
        result, result_reason)
    SELECT %(run)s, seq, %(number)s || '-' || lpad(seq::text, 7, '0'), id, village_id, kind,
           'changes', m, COALESCE(holder_name, head_name), COALESCE(holder_id, head_id_number),
           COALESCE(bank, ''), COALESCE(account_number, ''), amount,
           CASE WHEN kind = 'recovery' AND %(mode)s = 'separate' THEN 'separate'
                WHEN account_id IS NULL THEN 'held' ELSE 'bank' END,
           change_id, in_force, already, '{{}}'::jsonb, 'pending', ''
    FROM numbered
    """
    with connection.cursor() as cursor:
        # JIT compilation costs seconds on a statement like this and saves nothing.
        # Local to the run's transaction.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.rowcount


# --- SQLite (and any other database): the same rule in Python ---------------------------
def _insert_change_lines_python(run: RosterRun, window: Window) -> int:
    lines = sorted(_plan_change_lines(run, window), key=lambda x: x[0])
    batch: list[RosterLine] = []
    for seq, (_key, line) in enumerate(lines, start=1):
        line.line_no = seq
        line.line_id = f"{run.number}-{seq:07d}"
        batch.append(line)
        if len(batch) >= BATCH:
            RosterLine.objects.bulk_create(batch)
            batch = []
    RosterLine.objects.bulk_create(batch)
    return len(lines)


def _plan_change_lines(run: RosterRun, window: Window) -> Iterator[tuple[tuple, RosterLine]]:
    recipients = list(
        scope(run)
        .select_related("village")
        .values(
            "id",
            "village_id",
            "village__code",
            "first_month",
            "head_name",
            "head_id_number",
            "bank_account_id",
        )
    )
    ids = [r["id"] for r in recipients]
    accounts = {
        a.pk: a
        for a in BankAccount.objects.filter(
            pk__in=[r["bank_account_id"] for r in recipients if r["bank_account_id"]],
            is_active=True,
        ).select_related("holder_member")
    }
    changes: dict[int, list[dict]] = defaultdict(list)
    for change in (
        RecipientChange.objects.filter(recipient_id__in=ids)
        .order_by("recipient_id", "effective_month", "id")
        .values(
            "id",
            "recipient_id",
            "status",
            "effective_month",
            "monthly_amount",
        )
    ):
        changes[change["recipient_id"]].append(change)
    already: dict[tuple[int, datetime.date], Decimal] = {}
    new_from: dict[int, datetime.date] = {}
    if window.locked_run_ids:
        for row in (
            RosterLine.objects.filter(
                run_id__in=window.locked_run_ids,
                source=LineSource.CHANGES,
                recipient_id__in=ids,
            )
            .values("recipient_id", "month")
            .annotate(total=Sum("amount"))
        ):
            already[(row["recipient_id"], row["month"])] = row["total"]
        for row in (
            RecipientChange.objects.filter(recipient_id__in=ids, id__gt=window.watermark)
            .values("recipient_id")
            .annotate(e=Min("effective_month"))
        ):
            new_from[row["recipient_id"]] = row["e"]
    for r in recipients:
        start = r["first_month"]
        if window.next_month is not None:
            start = max(start, min(window.next_month, new_from.get(r["id"], window.next_month)))
        account = accounts.get(r["bank_account_id"])
        history = changes[r["id"]]
        month = start
        while month <= run.month:
            change = None
            for c in history:  # sorted by (effective_month, id): the last one <= month wins
                if c["effective_month"] <= month:
                    change = c
                else:
                    break
            in_force = (
                Decimal("0")
                if change is None or change["status"] in UNPAID_STATUSES
                else change["monthly_amount"]
            )
            paid = already.get((r["id"], month), Decimal("0"))
            amount = (in_force - paid).quantize(CENT)
            if amount != 0:
                kind = line_kind(month=month, run_month=run.month, already=paid, amount=amount)
                line = RosterLine(
                    run=run,
                    recipient_id=r["id"],
                    village_id=r["village_id"],
                    kind=kind,
                    source=LineSource.CHANGES,
                    month=month,
                    name=account.holder_name if account else r["head_name"],
                    id_number=(
                        account.holder_member.id_number
                        if account and account.holder_member_id
                        else r["head_id_number"]
                    ),
                    bank=account.bank if account else "",
                    account_number=account.account_number if account else "",
                    amount=amount,
                    channel=line_channel(
                        kind=kind, recovery_mode=run.recovery_mode, has_account=bool(account)
                    ),
                    change_id=change["id"] if change else None,
                    in_force=Decimal(in_force).quantize(CENT),
                    already=Decimal(paid).quantize(CENT),
                )
                yield (r["village__code"], r["id"], month), line
            month = add_months(month, 1)


# --- PostgreSQL: carried lines (欠发补付) in one statement --------------------------------
CARRY_SQL = """
INSERT INTO funds_rosterline (
    run_id, line_no, line_id, recipient_id, village_id, kind, source, month, name,
    id_number, bank, account_number, amount, channel, detail, carried_from_id, result,
    result_reason)
SELECT %(run)s, %(start)s + seq, %(number)s || '-' || lpad((%(start)s + seq)::text, 7, '0'),
       recipient_id, village_id, 'arrears', 'carry', month, name, id_number, bank,
       account_number, amount, CASE WHEN account_number = '' THEN 'held' ELSE 'bank' END,
       jsonb_build_object(
           'month', to_char(month, 'YYYY-MM'),
           'amount', amount::text,
           'from_line', from_line,
           'from_run', from_run,
           'from_kind', from_kind,
           'reason', reason),
       source_id, 'pending', ''
FROM (
    SELECT s.id AS source_id, s.recipient_id, s.village_id, s.month, s.amount,
           s.line_id AS from_line, sr.number AS from_run, s.kind AS from_kind,
           CASE WHEN g.id IS NOT NULL THEN g.payee_name
                WHEN a.id IS NOT NULL THEN a.holder_name ELSE s.name END AS name,
           CASE WHEN g.id IS NOT NULL THEN g.payee_id_number
                WHEN a.id IS NOT NULL THEN COALESCE(hm.id_number, s.id_number)
                ELSE s.id_number END AS id_number,
           CASE WHEN g.id IS NOT NULL THEN CASE WHEN g.payee_account = '' THEN ''
                                                ELSE g.payee_bank END
                ELSE COALESCE(a.bank, '') END AS bank,
           CASE WHEN g.id IS NOT NULL THEN g.payee_account
                ELSE COALESCE(a.account_number, '') END AS account_number,
           CASE WHEN s.channel = 'bank' THEN COALESCE(NULLIF(s.result_reason, ''), '银行发放失败')
                ELSE '当时未登记有效发放账户，暂缓发放' END AS reason,
           row_number() OVER (ORDER BY sr.month, s.line_no) AS seq
    FROM funds_rosterline s
    JOIN funds_rosterrun sr ON sr.id = s.run_id
    LEFT JOIN funds_oneoffpayment g ON g.roster_line_id = s.id
    LEFT JOIN funds_recipient r ON r.id = s.recipient_id
    LEFT JOIN funds_bankaccount a ON a.id = r.bank_account_id AND a.is_active
    LEFT JOIN cases_member hm ON hm.id = a.holder_member_id
    WHERE s.run_id = ANY(%(locked)s)
      AND ((s.channel = 'bank' AND s.result = 'failed') OR s.channel = 'held')
      AND NOT EXISTS (SELECT 1 FROM funds_rosterline t WHERE t.carried_from_id = s.id)
) carried
"""


def insert_carried_lines_sql(run: RosterRun, window: Window, *, start: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            CARRY_SQL,
            {
                "run": run.pk,
                "number": run.number,
                "start": start,
                "locked": list(window.locked_run_ids),
            },
        )
        return start + cursor.rowcount

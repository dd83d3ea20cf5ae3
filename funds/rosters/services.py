"""Writes of the rosters: start, compute, check, lock, discard a run; export it for the bank;
import the bank's result; hand one-off payments and recovery orders to the next run.

Two-person rule (seeds 000, 002: 制表、复核、审核): the township clerk prepares and checks a
roster, the township approver locks it; the person who prepared or checked it cannot lock
it. A locked roster never changes; a correction is a supplementary run.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import Case, Household
from funds.recipients.models import Bank, BankAccount, Recipient, RecipientChange
from funds.rosters.compute import (
    BATCH,
    CENT,
    Window,
    add_months,
    insert_carried_lines_sql,
    insert_change_lines,
    line_channel,
    money,
    month_label,
    window_for,
)
from funds.rosters.models import (
    OPEN_STATES,
    Channel,
    LineKind,
    LineResult,
    LineSource,
    OneOffPayment,
    PaymentResultImport,
    RecoveryMode,
    RecoveryOrder,
    RosterEvent,
    RosterExport,
    RosterLine,
    RosterRun,
    RunKind,
    RunState,
)
from relief.exports import sha256_of, sha256_of_file, write_csv, write_xlsx
from relief.jobs import job_start
from relief.models import AssistanceType, Job, Region, Role, User
from relief.policy import policy_for
from relief.uploadlimits import (
    ImportTooLarge,
    check_import_size,
    check_row_count,
    check_xlsx_container,
    max_rows_to_read,
)

#: The bank / 惠农一本通 import layout (README "Payment rosters"): the order is the contract.
EXPORT_COLUMNS = (
    "乡镇代码",
    "村(社区)",
    "姓名",
    "身份证号",
    "账号",
    "开户银行",
    "金额",
    "救助类型",
    "月份",
    "明细编号",
)
RESULT_COLUMNS = ("明细编号", "结果", "失败原因")
RESULT_PAID, RESULT_FAILED = "成功", "失败"
COMPUTE_JOB_KIND = "roster_compute"
EXPORT_JOB_KIND = "roster_export"


class RosterRefused(ValidationError):
    """The roster action is not allowed now; ``messages`` say why, in Chinese."""


# --- who may act --------------------------------------------------------------------------
def _in_township(user: User, township: Region) -> bool:
    return user.region_id == township.pk


def may_prepare(user: User | None, township: Region) -> bool:
    return bool(user and user.has_role(Role.TOWNSHIP_CLERK) and _in_township(user, township))


def may_lock(user: User | None, township: Region) -> bool:
    return bool(user and user.has_role(Role.TOWNSHIP_APPROVER) and _in_township(user, township))


def may_export(user: User | None, township: Region) -> bool:
    return may_prepare(user, township) or may_lock(user, township)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _event(
    run: RosterRun, action: str, label: str, actor: User | None, *, system: str = "系统(定时任务)"
) -> RosterEvent:
    return RosterEvent.objects.create(
        run=run,
        action=action,
        label=label,
        actor=actor,
        actor_name=str(actor) if actor else system,
        actor_role=actor.get_role_display_all() if actor else "",
    )


def _month(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


# --- start and compute --------------------------------------------------------------------
def _refuse_start(
    *, township: Region, month: datetime.date, assistance_type: AssistanceType, kind: str
) -> None:
    runs = RosterRun.objects.filter(township=township, assistance_type=assistance_type).exclude(
        state=RunState.DISCARDED  # a discarded run is as if it had never been prepared
    )
    # The open run and the month's regular run in one statement, so both are read from one
    # snapshot: read apart, a run another request commits between the two reads would be
    # missed as open and then taken for the month's locked run.
    found = list(runs.filter(Q(state__in=OPEN_STATES) | Q(month=month, kind=RunKind.REGULAR)))
    open_run = next((r for r in found if r.state in OPEN_STATES), None)
    if open_run is not None:
        raise RosterRefused(
            f"{township.name}已有一份未锁定的{assistance_type.name}花名册"
            f"（{open_run.month:%Y年%m月}，{open_run.get_state_display()}），"
            "请先完成复核、审核或作废后再生成"
        )
    regular = next((r for r in found if r.month == month and r.kind == RunKind.REGULAR), None)
    if kind == RunKind.REGULAR and regular is not None:
        raise RosterRefused(
            f"{month:%Y年%m月}的{assistance_type.name}月度花名册已锁定，"
            "不能重复生成；如需更正，请生成补充花名册"
        )
    if kind == RunKind.SUPPLEMENTARY and regular is None:
        raise RosterRefused(f"补充花名册须在{month:%Y年%m月}月度花名册锁定之后生成")
    latest = runs.filter(state=RunState.LOCKED).aggregate(m=Max("month"))["m"]
    if latest is not None and month < latest:
        raise RosterRefused(
            f"已锁定{latest:%Y年%m月}的花名册，不能再生成更早月份（{month:%Y年%m月}）的花名册；"
            "更早月份的补发会自动计入下一期"
        )
    limit = add_months(_month(timezone.localdate()), 1)
    if month > limit:
        raise RosterRefused(f"最多只能生成{limit:%Y年%m月}的花名册")


@transaction.atomic
def roster_run_start(
    *,
    township: Region,
    month: datetime.date,
    assistance_type: AssistanceType,
    kind: str = RunKind.REGULAR,
    actor: User | None,
) -> RosterRun:
    """Create the run (生成中) and queue its computation after commit. ``actor`` None: the
    county's automatic day (Celery beat). A second run for the same township and type
    while one is open, or a month already locked, is refused — by the partial unique
    constraints, so two clicks at once cannot both succeed."""
    if actor is not None:
        _require(may_prepare(actor, township), "只有本乡镇(街道)的民政经办人可以生成花名册")
    if township.level != Region.Level.TOWNSHIP:
        raise RosterRefused({"township": "请选择乡镇(街道)"})
    if kind not in RunKind.values:
        raise RosterRefused({"kind": "花名册类别无效"})
    month = _month(month)
    _refuse_start(township=township, month=month, assistance_type=assistance_type, kind=kind)
    try:
        with transaction.atomic():
            run = RosterRun.objects.create(
                township=township,
                month=month,
                assistance_type=assistance_type,
                kind=kind,
                prepared_by=actor,
            )
    except IntegrityError:
        # The other request won the race between the check above and this insert.
        _refuse_start(township=township, month=month, assistance_type=assistance_type, kind=kind)
        raise RosterRefused("同一乡镇、月份和救助类型的花名册正在生成，请勿重复提交")
    run.number = f"HM{month:%Y%m}{run.pk:06d}"
    run.save(update_fields=["number"])
    _event(run, "started", f"发起生成{run.get_kind_display()}", actor)
    _queue_compute(run, actor)
    return run


def _queue_compute(run: RosterRun, actor: User | None) -> None:
    from funds.rosters.tasks import compute_roster  # tasks import this module

    run.job = job_start(
        kind=COMPUTE_JOB_KIND, owner=actor, task=compute_roster, params={"run_id": run.pk}
    )
    run.save(update_fields=["job"])


@transaction.atomic
def roster_compute(*, run_id: int) -> RosterRun:
    """Compute the run's lines (compute.py for the change log; carried-over failures, recovery
    orders and one-off payments here) and its totals; the run becomes 待复核."""
    run = RosterRun.objects.select_for_update().select_related("township").get(pk=run_id)
    if run.state != RunState.PREPARING:
        return run  # a task delivered twice: the first delivery did the work
    _delete_lines(run)
    run.recovery_mode = policy_for(run.township, run.month).roster_recovery_mode
    run.change_watermark = RecipientChange.objects.aggregate(m=Max("id"))["m"] or 0
    window = window_for(run)
    count = insert_change_lines(run, window)
    count = _add_carried_lines(run, window, start=count)
    count = _add_recovery_orders(run, start=count)
    _add_one_offs(run, start=count)
    _store_totals(run)
    run.state = RunState.PREPARED
    run.computed_at = timezone.now()
    run.checked_by, run.checked_at, run.error = None, None, ""
    run.save()
    _event(
        run,
        "computed",
        f"生成完成：{run.line_count}笔明细，银行发放{run.bank_amount}元，待补账户{run.missing_account_count}户",
        None,
        system="系统(后台计算)",
    )
    return run


def _delete_lines(run: RosterRun) -> None:
    """Drop an unlocked run's lines in one statement (no per-row collection in Python): its
    one-off payments and recovery orders wait for the next computation again. Nothing else
    points at them: later runs only carry lines over from locked runs."""
    OneOffPayment.objects.filter(roster_line__run=run).update(roster_line=None)
    RecoveryOrder.objects.filter(roster_line__run=run).update(roster_line=None)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {RosterLine._meta.db_table} WHERE run_id = %s", [run.pk])


def roster_compute_failed(*, run_id: int, message: str) -> None:
    RosterRun.objects.filter(pk=run_id, state=RunState.PREPARING).update(
        state=RunState.FAILED, error=message[:300]
    )


def _account_of(recipient: Recipient | None) -> BankAccount | None:
    if recipient is None or recipient.bank_account is None:
        return None
    return recipient.bank_account if recipient.bank_account.is_active else None


def _payee(account: BankAccount | None, *, name: str, id_number: str) -> dict:
    if account is None:
        return {"name": name, "id_number": id_number, "bank": "", "account_number": ""}
    return {
        "name": account.holder_name,
        "id_number": (
            account.holder_member.id_number if account.holder_member is not None else id_number
        ),
        "bank": account.bank,
        "account_number": account.account_number,
    }


def _numbered(run: RosterRun, lines: list[RosterLine], start: int) -> int:
    for seq, line in enumerate(lines, start=start + 1):
        line.line_no = seq
        line.line_id = f"{run.number}-{seq:07d}"
    RosterLine.objects.bulk_create(lines, batch_size=BATCH)
    return start + len(lines)


def _add_carried_lines(run: RosterRun, window: Window, *, start: int) -> int:
    """欠发补付: lines of locked rosters the bank failed to pay, or that were held for want of
    an account, carried once into this run with their reason."""
    if not window.locked_run_ids:
        return start
    if connection.vendor == "postgresql":
        return insert_carried_lines_sql(run, window, start=start)
    sources = (
        RosterLine.objects.filter(run_id__in=window.locked_run_ids, carried_to__isnull=True)
        .filter(
            Q(channel=Channel.BANK, result=LineResult.FAILED) | Q(channel=Channel.HELD),
        )
        .select_related(
            "run",
            "recipient__bank_account__holder_member",
            "one_off_payment",
        )
        .order_by("run__month", "line_no")
    )
    lines = []
    for source in sources:
        grant = getattr(source, "one_off_payment", None)
        if grant is not None:
            payee = {
                "name": grant.payee_name,
                "id_number": grant.payee_id_number,
                "bank": grant.payee_bank if grant.payee_account else "",
                "account_number": grant.payee_account,
            }
        else:
            payee = _payee(
                _account_of(source.recipient), name=source.name, id_number=source.id_number
            )
        reason = (
            source.result_reason or "银行发放失败"
            if source.channel == Channel.BANK
            else "当时未登记有效发放账户，暂缓发放"
        )
        lines.append(
            RosterLine(
                run=run,
                recipient=source.recipient,
                village_id=source.village_id,
                kind=LineKind.ARREARS,
                source=LineSource.CARRY,
                month=source.month,
                amount=source.amount,
                channel=Channel.BANK if payee["account_number"] else Channel.HELD,
                carried_from=source,
                detail={
                    "month": month_label(source.month),
                    "amount": money(source.amount),
                    "from_line": source.line_id,
                    "from_run": source.run.number,
                    "from_kind": source.kind,
                    "reason": reason,
                },
                **payee,
            )
        )
    return _numbered(run, lines, start)


def _add_recovery_orders(run: RosterRun, *, start: int) -> int:
    orders = list(
        RecoveryOrder.objects.filter(
            roster_line__isnull=True,
            recipient__township_id=run.township_id,
            recipient__assistance_type_id=run.assistance_type_id,
        )
        .select_related(
            "recipient__bank_account__holder_member", "recipient__village", "decided_by"
        )
        .order_by("recipient__village__code", "recipient_id", "pk")
    )
    lines = []
    for order in orders:
        recipient = order.recipient
        account = _account_of(recipient)
        lines.append(
            RosterLine(
                run=run,
                recipient=recipient,
                village_id=recipient.village_id,
                kind=LineKind.RECOVERY,
                source=LineSource.ORDER,
                month=run.month,
                amount=-order.amount,
                channel=line_channel(
                    kind=LineKind.RECOVERY, recovery_mode=order.mode, has_account=bool(account)
                ),
                detail={
                    "month": month_label(run.month),
                    "amount": money(-order.amount),
                    "order": order.pk,
                    "months": order.months,
                    "reason": order.reason,
                    "decided_by": str(order.decided_by or ""),
                    "decided_on": f"{timezone.localtime(order.decided_at):%Y-%m-%d}",
                },
                **_payee(account, name=recipient.head_name, id_number=recipient.head_id_number),
            )
        )
    count = _numbered(run, lines, start)
    for order, line in zip(orders, lines, strict=True):
        order.roster_line = line
    RecoveryOrder.objects.bulk_update(orders, ["roster_line"], batch_size=BATCH)
    return count


def _add_one_offs(run: RosterRun, *, start: int) -> int:
    grants = list(
        OneOffPayment.objects.filter(
            roster_line__isnull=True,
            paid_by_village_fund=False,
            township_id=run.township_id,
            assistance_type_id=run.assistance_type_id,
            granted_on__lt=add_months(run.month, 1),
        )
        .select_related("village", "case")
        .order_by("village__code", "granted_on", "pk")
    )
    lines = [
        RosterLine(
            run=run,
            recipient=None,
            village_id=grant.village_id,
            kind=LineKind.ONE_OFF,
            source=LineSource.GRANT,
            month=run.month,
            amount=grant.amount,
            name=grant.payee_name,
            id_number=grant.payee_id_number,
            bank=grant.payee_bank if grant.payee_account else "",
            account_number=grant.payee_account,
            channel=Channel.BANK if grant.payee_account else Channel.HELD,
            detail={
                "month": month_label(run.month),
                "amount": money(grant.amount),
                "grant": grant.pk,
                "case": grant.case.number if grant.case is not None else "",
                "granted_on": grant.granted_on.isoformat(),
                "reason": grant.reason,
            },
        )
        for grant in grants
    ]
    count = _numbered(run, lines, start)
    for grant, line in zip(grants, lines, strict=True):
        grant.roster_line = line
    OneOffPayment.objects.bulk_update(grants, ["roster_line"], batch_size=BATCH)
    return count


def _cents(value: Decimal | int | str | None) -> Decimal:
    """A sum as Decimal to the cent (SQLite's SUM drops the scale: 500 for 500.00)."""
    return Decimal(value or 0).quantize(CENT)


def _store_totals(run: RosterRun) -> None:
    """The run's totals in two aggregate queries over its lines."""
    lines = RosterLine.objects.filter(run=run)
    held = Q(channel=Channel.HELD)
    agg = lines.aggregate(
        n=Count("id"),
        bank_n=Count("id", filter=Q(channel=Channel.BANK)),
        bank=Sum("amount", filter=Q(channel=Channel.BANK)),
        held_n=Count("id", filter=held),
        held=Sum("amount", filter=held),
        separate=Sum("amount", filter=Q(channel=Channel.SEPARATE)),
        recipients=Count("recipient", distinct=True),
        grants=Count("id", filter=Q(recipient=None)),
        held_recipients=Count("recipient", filter=held, distinct=True),
        held_grants=Count("id", filter=held & Q(recipient=None)),
    )
    run.line_count = agg["n"]
    run.bank_line_count, run.bank_amount = agg["bank_n"], _cents(agg["bank"])
    run.held_line_count, run.held_amount = agg["held_n"], _cents(agg["held"])
    run.separate_recovery_amount = _cents(agg["separate"])
    run.recipient_count = agg["recipients"] + agg["grants"]
    run.missing_account_count = agg["held_recipients"] + agg["held_grants"]
    run.totals_by_kind = {
        row["kind"]: {"count": row["n"], "amount": money(row["total"])}
        for row in lines.values("kind").annotate(n=Count("id"), total=Sum("amount")).order_by()
    }
    zero = Decimal("0.00")
    run.paid_count, run.paid_amount, run.failed_count, run.failed_amount = 0, zero, 0, zero


# --- check, lock, recompute, discard -----------------------------------------------------
def _locked_for_update(run: RosterRun) -> RosterRun:
    return RosterRun.objects.select_for_update().select_related("township").get(pk=run.pk)


@transaction.atomic
def roster_check(*, run: RosterRun, actor: User) -> RosterRun:
    """复核: the clerk has checked the lines against the register."""
    run = _locked_for_update(run)
    _require(may_prepare(actor, run.township), "只有本乡镇(街道)的民政经办人可以复核花名册")
    if run.state != RunState.PREPARED:
        raise RosterRefused(f"花名册当前为“{run.get_state_display()}”，只有待复核的花名册可以复核")
    run.state, run.checked_by, run.checked_at = RunState.CHECKED, actor, timezone.now()
    run.save(update_fields=["state", "checked_by", "checked_at"])
    _event(run, "checked", "复核通过", actor)
    return run


@transaction.atomic
def roster_lock(*, run: RosterRun, actor: User) -> RosterRun:
    """审核锁定 by the township approver, never by the person who prepared or checked it."""
    run = _locked_for_update(run)
    _require(may_lock(actor, run.township), "只有本乡镇(街道)的审核确认人可以审核锁定花名册")
    if run.state != RunState.CHECKED:
        raise RosterRefused(
            f"花名册当前为“{run.get_state_display()}”，须经经办人复核后才能审核锁定"
        )
    if actor.pk in (run.prepared_by_id, run.checked_by_id):
        raise RosterRefused(
            "两人复核原则：制表或复核花名册的人不能再审核锁定同一份花名册，请由另一位审核人办理"
        )
    run.state, run.locked_by, run.locked_at = RunState.LOCKED, actor, timezone.now()
    run.save(update_fields=["state", "locked_by", "locked_at"])
    _event(run, "locked", "审核通过，花名册已锁定", actor)
    return run


@transaction.atomic
def roster_recompute(*, run: RosterRun, actor: User) -> RosterRun:
    """Compute an unlocked run again (after register corrections); the check is void."""
    run = _locked_for_update(run)
    _require(may_prepare(actor, run.township), "只有本乡镇(街道)的民政经办人可以重新生成花名册")
    if run.state not in (RunState.PREPARED, RunState.CHECKED, RunState.FAILED):
        raise RosterRefused(f"花名册当前为“{run.get_state_display()}”，不能重新生成")
    run.state, run.checked_by, run.checked_at = RunState.PREPARING, None, None
    run.save(update_fields=["state", "checked_by", "checked_at"])
    _event(run, "recompute", "重新生成", actor)
    _queue_compute(run, actor)
    return run


@transaction.atomic
def roster_discard(*, run: RosterRun, actor: User) -> RosterRun:
    """作废 an unlocked run: its lines go, its one-off payments and recovery orders wait for
    the next run again. The run itself is kept, 已作废, with its append-only, hash-chained
    log (a "discarded" event closes it): a new run of the same township, month and type may
    then be prepared, and lists, exports and statistics ignore the discarded one."""
    run = _locked_for_update(run)
    _require(may_prepare(actor, run.township), "只有本乡镇(街道)的民政经办人可以作废花名册")
    if run.state == RunState.LOCKED:
        raise RosterRefused("已锁定的花名册不能作废；如需更正，请生成补充花名册")
    if run.state == RunState.PREPARING:
        raise RosterRefused("花名册正在生成，请等待生成结束后再作废")
    if run.state == RunState.DISCARDED:
        raise RosterRefused("该花名册已作废")
    label = f"作废：删除{run.line_count}笔明细（银行发放{run.bank_amount}元）"
    _delete_lines(run)
    _store_totals(run)  # all zero now, like its lines: a discarded run counts nowhere
    run.state, run.error = RunState.DISCARDED, ""
    run.save()
    _event(run, "discarded", label, actor)
    return run


# --- one-off payments and recovery orders handed to the roster ---------------------------
def _positive_amount(value: Decimal | int | str | None, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: "金额须为数字"})
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: "金额须大于0"})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: "金额最多保留两位小数"})
    return amount


@transaction.atomic
def one_off_payment_create(
    *,
    household: Household,
    assistance_type: AssistanceType,
    amount: Decimal | str,
    granted_on: datetime.date,
    reason: str,
    payee_name: str,
    payee_id_number: str,
    payee_bank: str = "",
    payee_account: str = "",
    paid_by_village_fund: bool = False,
    case: Case | None = None,
    actor: User | None,
) -> OneOffPayment:
    """A one-off grant (临时救助) to be paid with the township's next roster of its type, or
    recorded as already paid from the village fund (never sent to the bank)."""
    errors: dict[str, str | list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = "请填写事由"
    if not (payee_name or "").strip():
        errors["payee_name"] = "请填写收款人"
    if payee_account and not payee_account.isdigit():
        errors["payee_account"] = "账号只能包含数字"
    if payee_account and payee_bank not in Bank.values:
        errors["payee_bank"] = "请选择开户银行"
    try:
        amount = _positive_amount(amount)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return OneOffPayment.objects.create(
        case=case,
        household=household,
        township=household.township,
        village=household.village,
        assistance_type=assistance_type,
        payee_name=payee_name.strip(),
        payee_id_number=payee_id_number,
        payee_bank=payee_bank,
        payee_account=payee_account,
        amount=amount,
        granted_on=granted_on,
        reason=reason.strip(),
        paid_by_village_fund=paid_by_village_fund,
        created_by=actor,
    )


@transaction.atomic
def recovery_order_create(
    *, recipient: Recipient, amount: Decimal | str, months: str, reason: str, actor: User | None
) -> RecoveryOrder:
    """追缴 decided elsewhere (a review, a spot check) for amounts not expressed as backdated
    changes; the next roster of the recipient's township takes it as a negative line, offset
    or collected separately by the county's setting (``roster_recovery_mode``) on the day."""
    errors: dict[str, str | list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = "请填写追缴原因"
    try:
        amount = _positive_amount(amount)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    mode = policy_for(recipient.township, timezone.localdate()).roster_recovery_mode
    return RecoveryOrder.objects.create(
        recipient=recipient,
        amount=amount,
        months=months,
        reason=reason.strip(),
        mode=mode,
        decided_by=actor,
    )


# --- export for the bank -----------------------------------------------------------------
def export_rows(run: RosterRun) -> Iterator[tuple]:
    """The bank file's rows (bank channel only, in line order), then the totals row."""
    township_code = run.township.code
    type_name = run.assistance_type.name
    banks = dict(Bank.choices)
    total, count = Decimal("0"), 0
    rows = (
        run.lines.filter(channel=Channel.BANK)
        .order_by("line_no")
        .values_list(
            "village__name",
            "name",
            "id_number",
            "account_number",
            "bank",
            "amount",
            "month",
            "line_id",
        )
        .iterator(chunk_size=BATCH)
    )
    for village, name, id_number, account, bank, amount, month, line_id in rows:
        total += amount
        count += 1
        yield (
            township_code,
            village,
            name,
            id_number,
            account,
            banks.get(bank, bank),
            amount,
            type_name,
            month_label(month),
            line_id,
        )
    yield ("合计", f"{count}笔", "", "", "", "", total, "", "", "")


def write_export(run: RosterRun, fmt: str, path: str) -> None:
    if fmt == RosterExport.Format.CSV:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            write_csv(handle, header=EXPORT_COLUMNS, rows=export_rows(run))
    else:
        write_xlsx(path, sheets=[(f"{run.month:%Y年%m月}花名册", EXPORT_COLUMNS, export_rows(run))])


def roster_export(*, run: RosterRun, fmt: str, actor: User) -> RosterExport:
    """Write the locked roster to disk in the bank layout, streamed (write-only workbook),
    and record its SHA-256 with who exported it."""
    run = RosterRun.objects.select_related("township", "assistance_type").get(pk=run.pk)
    _require(may_export(actor, run.township), "只有本乡镇(街道)的经办人或审核人可以导出花名册")
    if run.state != RunState.LOCKED:
        raise RosterRefused("花名册审核锁定后才能导出给银行")
    if fmt not in RosterExport.Format.values:
        raise RosterRefused({"format": "导出格式须为 XLSX 或 CSV"})
    filename = (
        f"{run.township.name}{run.month:%Y%m}{run.assistance_type.name}花名册-{run.number}.{fmt}"
    )
    handle, path = tempfile.mkstemp(suffix=f".{fmt}")
    os.close(handle)
    try:
        write_export(run, fmt, path)
        digest = sha256_of_file(path)
        with transaction.atomic():
            export = RosterExport(
                run=run,
                filename=filename,
                format=fmt,
                sha256=digest,
                size=os.path.getsize(path),
                row_count=run.bank_line_count,
                total_amount=run.bank_amount,
                exported_by=actor,
            )
            with open(path, "rb") as data:
                export.file.save(f"{run.number}.{fmt}", File(data), save=False)
            export.save()
            _event(run, "exported", f"导出{fmt.upper()}（SHA-256 {digest[:16]}…）", actor)
    finally:
        os.unlink(path)
    return export


def roster_export_start(*, run: RosterRun, fmt: str, actor: User) -> Job:
    """Queue the export as a background job (a province-sized roster takes a while)."""
    from funds.rosters.tasks import export_roster  # tasks import this module

    _require(may_export(actor, run.township), "只有本乡镇(街道)的经办人或审核人可以导出花名册")
    if run.state != RunState.LOCKED:
        raise RosterRefused("花名册审核锁定后才能导出给银行")
    if fmt not in RosterExport.Format.values:
        raise RosterRefused({"format": "导出格式须为 XLSX 或 CSV"})
    with transaction.atomic():
        return job_start(
            kind=EXPORT_JOB_KIND,
            owner=actor,
            task=export_roster,
            params={"run_id": run.pk, "format": fmt},
        )


# --- the bank's result file --------------------------------------------------------------
def _read_rows(name: str, data: bytes) -> list[tuple[int, dict]]:
    """(row number as the clerk sees it, {column: text}) for a CSV or XLSX result file,
    within the import limits (size, an XLSX's uncompressed size, rows: relief.uploadlimits)."""
    try:
        check_import_size(data)
        if name.lower().endswith(".xlsx"):
            check_xlsx_container(data)
    except ImportTooLarge as exc:
        raise RosterRefused({"file": str(exc)}) from exc
    if name.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception:
            raise RosterRefused({"file": "无法读取该 Excel 文件，请确认是 .xlsx 格式"})
        raw = [
            ["" if v is None else str(v).strip() for v in row]
            for row in islice(sheet.iter_rows(values_only=True), max_rows_to_read())
        ]
    elif name.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise RosterRefused({"file": "无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV"})
        raw = [
            [c.strip() for c in row]
            for row in islice(csv.reader(io.StringIO(text)), max_rows_to_read())
        ]
    else:
        raise RosterRefused({"file": "回盘文件须为 .csv 或 .xlsx"})
    if not raw:
        raise RosterRefused({"file": "文件为空"})
    try:
        check_row_count(len(raw) - 1)
    except ImportTooLarge as exc:
        raise RosterRefused({"file": str(exc)}) from exc
    header = raw[0]
    missing = [c for c in RESULT_COLUMNS if c not in header]
    if missing:
        raise RosterRefused(
            {"file": f"缺少列：{'、'.join(missing)}（须含 {'、'.join(RESULT_COLUMNS)}）"}
        )
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        if not any(values):
            continue
        row = {c: (values[i] if i < len(values) else "") for i, c in enumerate(header)}
        if row.get("明细编号", "") in ("", "合计") and row.get("结果", "") == "":
            continue  # the totals row of our own export, copied back by the bank
        rows.append((number, row))
    if not rows:
        raise RosterRefused({"file": "文件中没有明细行"})
    return rows


def roster_import_results(
    *, run: RosterRun, filename: str, data: bytes, actor: User
) -> tuple[PaymentResultImport, bool]:
    """Import the bank's result all-or-nothing: any bad row refuses the whole file and every
    bad row is named. Paid → 已发放; failed → 发放失败 with the reason, carried into the next
    roster as 欠发补付. The same file twice changes nothing. Returns (import, created)."""
    run = RosterRun.objects.select_related("township").get(pk=run.pk)
    _require(may_export(actor, run.township), "只有本乡镇(街道)的经办人或审核人可以导入发放结果")
    if run.state != RunState.LOCKED:
        raise RosterRefused("花名册审核锁定并交银行发放后才能导入发放结果")
    digest = sha256_of(data)
    existing = PaymentResultImport.objects.filter(run=run, sha256=digest).first()
    if existing is not None:
        return existing, False
    rows = _read_rows(filename, data)
    errors: list[str] = []
    seen: dict[str, int] = {}
    wanted = {row.get("明细编号", "") for _n, row in rows}
    lines: dict[str, RosterLine] = {}
    ids = [i for i in wanted if i]
    for start in range(0, len(ids), BATCH):
        for fetched in RosterLine.objects.filter(line_id__in=ids[start : start + BATCH]).only(
            "pk", "run_id", "line_id", "channel", "result", "result_reason", "amount"
        ):
            lines[fetched.line_id] = fetched
    paid: list[int] = []
    failed: dict[str, list[int]] = defaultdict(list)
    for number, row in rows:
        line_id, result = row.get("明细编号", ""), row.get("结果", "")
        reason = row.get("失败原因", "")
        where = f"第{number}行"
        if not line_id:
            errors.append(f"{where}：明细编号为空")
            continue
        if line_id in seen:
            errors.append(f"{where}：明细编号 {line_id} 与第{seen[line_id]}行重复")
            continue
        seen[line_id] = number
        line = lines.get(line_id)
        if line is None:
            errors.append(f"{where}：明细编号 {line_id} 不存在")
            continue
        if line.run_id != run.pk:
            errors.append(
                f"{where}：明细编号 {line_id} 属于另一份花名册，不属于本花名册（{run.number}）"
            )
            continue
        if line.channel != Channel.BANK:
            errors.append(f"{where}：明细编号 {line_id} 不是银行代发的明细")
            continue
        if result not in (RESULT_PAID, RESULT_FAILED):
            errors.append(
                f"{where}：结果须为“{RESULT_PAID}”或“{RESULT_FAILED}”，文件中为“{result}”"
            )
            continue
        if result == RESULT_FAILED and not reason:
            errors.append(f"{where}：发放失败须填写失败原因")
            continue
        if "金额" in row and row["金额"] != "":
            try:
                amount = Decimal(row["金额"].replace(",", ""))
            except InvalidOperation:
                errors.append(f"{where}：金额“{row['金额']}”不是数字")
                continue
            if amount != line.amount:
                errors.append(f"{where}：金额 {row['金额']} 与花名册金额 {line.amount} 不一致")
                continue
        wanted_result = LineResult.PAID if result == RESULT_PAID else LineResult.FAILED
        if line.result != LineResult.PENDING:
            if line.result != wanted_result:
                errors.append(
                    f"{where}：明细编号 {line_id} 已登记为“{line.get_result_display()}”，"
                    f"不能改为“{result}”"
                )
            continue  # the same result again: nothing to change
        if wanted_result == LineResult.PAID:
            paid.append(line.pk)
        else:
            failed[reason[:200]].append(line.pk)
    if errors:
        raise RosterRefused(errors)
    with transaction.atomic():
        run = RosterRun.objects.select_for_update().get(pk=run.pk)
        record = PaymentResultImport(
            run=run,
            filename=filename[:200],
            sha256=digest,
            row_count=len(rows),
            imported_by=actor,
        )
        record.file.save(
            f"{run.number}-{digest[:12]}{os.path.splitext(filename)[1]}",
            ContentFile(data),
            save=False,
        )
        record.save()
        pending = RosterLine.objects.filter(run=run, result=LineResult.PENDING)
        for start in range(0, len(paid), BATCH):
            pending.filter(pk__in=paid[start : start + BATCH]).update(
                result=LineResult.PAID, result_import=record
            )
        for reason, pks in failed.items():
            for start in range(0, len(pks), BATCH):
                pending.filter(pk__in=pks[start : start + BATCH]).update(
                    result=LineResult.FAILED, result_reason=reason, result_import=record
                )
        mine = RosterLine.objects.filter(run=run, result_import=record)
        for result, count_field, amount_field in (
            (LineResult.PAID, "paid_count", "paid_amount"),
            (LineResult.FAILED, "failed_count", "failed_amount"),
        ):
            agg = mine.filter(result=result).aggregate(n=Count("id"), total=Sum("amount"))
            setattr(record, count_field, agg["n"])
            setattr(record, amount_field, _cents(agg["total"]))
        record.save()
        _store_results(run)
        _event(
            run,
            "results",
            f"导入发放结果：成功{record.paid_count}笔，失败{record.failed_count}笔",
            actor,
        )
    return record, True


def _store_results(run: RosterRun) -> None:
    bank = RosterLine.objects.filter(run=run, channel=Channel.BANK)
    for result, count_field, amount_field in (
        (LineResult.PAID, "paid_count", "paid_amount"),
        (LineResult.FAILED, "failed_count", "failed_amount"),
    ):
        agg = bank.filter(result=result).aggregate(n=Count("id"), total=Sum("amount"))
        setattr(run, count_field, agg["n"])
        setattr(run, amount_field, _cents(agg["total"]))
    run.save(update_fields=["paid_count", "paid_amount", "failed_count", "failed_amount"])


# --- the county's automatic day ----------------------------------------------------------
def roster_runs_scheduled(*, today: datetime.date) -> list[RosterRun]:
    """On each township's ``roster_run_day`` (0 = off), start this month's regular run of
    every type that has recipients or one-off payments waiting there, unless one exists or
    is open."""
    month = _month(today)
    started = []
    pairs = set(
        Recipient.objects.filter(first_month__lte=month)
        .values_list("township_id", "assistance_type_id")
        .distinct()
    ) | set(
        OneOffPayment.objects.filter(roster_line__isnull=True, paid_by_village_fund=False)
        .values_list("township_id", "assistance_type_id")
        .distinct()
    )
    townships = {t.pk: t for t in Region.objects.filter(pk__in={p[0] for p in pairs})}
    types = {t.pk: t for t in AssistanceType.objects.filter(pk__in={p[1] for p in pairs})}
    for township_id, type_id in sorted(pairs):
        township = townships[township_id]
        if policy_for(township, today).roster_run_day != today.day:
            continue
        try:
            started.append(
                roster_run_start(
                    township=township, month=month, assistance_type=types[type_id], actor=None
                )
            )
        except RosterRefused:
            continue  # already run, locked or open: the clerk's own run stands
    return started


__all__ = [
    "EXPORT_COLUMNS",
    "RecoveryMode",
    "RosterRefused",
    "one_off_payment_create",
    "recovery_order_create",
    "roster_check",
    "roster_compute",
    "roster_discard",
    "roster_export",
    "roster_export_start",
    "roster_import_results",
    "roster_lock",
    "roster_recompute",
    "roster_run_start",
    "roster_runs_scheduled",
]

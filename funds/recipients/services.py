"""Writes to the recipient register. Every change is a new signed ``RecipientChange`` row in
the same transaction as the change; nothing is edited in place.

``recipient_change`` is the one service later work (reviews, 渐退, suspension, 临时救助)
calls to change a recipient; registration happens when a case enters 发放中.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from cases.models import AmountComputation, Case, CaseEvent, Household, Member
from cases.rules import case_area
from funds.recipients.accounts import account_number_errors, normalize_account_number
from funds.recipients.hooks import locked_roster_months
from funds.recipients.models import (
    UNPAID_STATUSES,
    AccountKind,
    Bank,
    BankAccount,
    ChangeKind,
    Recipient,
    RecipientChange,
    RecipientStatus,
    StandardAdjustmentRun,
)
from funds.recipients.selectors import last_paid_amount_before, state_for_month
from relief.models import AssistanceType, DataReveal, Role, User
from relief.personal_data import reveal_record
from relief.scoping import scope_by_region

#: Roles that change the register and export rosters: the township's clerk and approver,
#: and the county supervisor (each within their region).
REGISTER_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)
#: Roles that may see a full account number (those who export rosters for the bank).
REVEAL_ROLES = REGISTER_ROLES
ACCOUNT_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER)

MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")
#: Transitions that confirm a case (the business date of the first month's rule).
CONFIRMING_TRANSITIONS = ("confirm", "county_approve")


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _sign(actor: User | None, roles: Iterable[str]) -> dict:
    """The signature columns: who, and in which of ``roles`` they act (system: empty)."""
    if actor is None:
        return {"actor": None, "actor_role": "system", "actor_name": "系统"}
    roles = tuple(roles)
    role = next((r for r in (actor.role, actor.extra_role) if r and r in roles), actor.role)
    return {"actor": actor, "actor_role": role, "actor_name": str(actor)}


def _require_register_role(actor: User, recipient: Recipient) -> None:
    if actor is None:
        return
    if not actor.has_role(*REGISTER_ROLES) and not actor.is_administrator:
        raise PermissionDenied("只有乡镇经办人、审核确认人或县级监管人员可以变更在册对象")
    if not scope_by_region(Recipient.objects.filter(pk=recipient.pk), actor).exists():
        raise Http404("在册对象不在您的管辖区域内")


def _money(value: object, field: str, errors: dict) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        errors[field] = "金额须为精确的十进制数（不接受浮点数）"
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = "请输入数字金额"
        return None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        errors[field] = "金额最多两位小数"
        return None
    if amount < 0:
        errors[field] = "金额不能为负数"
        return None
    if amount > MAX_AMOUNT:
        errors[field] = "金额过大"
        return None
    return amount.quantize(CENT)


def confirmation_date(case: Case) -> datetime.date | None:
    """The business date of the confirming CaseEvent (``data["on"]``), else ``decided_on``."""
    event = (
        CaseEvent.objects.filter(case=case, transition__in=CONFIRMING_TRANSITIONS)
        .order_by("-created_at", "-pk")
        .first()
    )
    if event is not None:
        raw = (event.data or {}).get("on")
        if raw:
            return datetime.date.fromisoformat(str(raw)[:10])
        return timezone.localdate(event.created_at)
    return case.decided_on


def _sync_current(recipient: Recipient) -> None:
    """The Recipient's current columns follow the latest decided change (greatest
    effective month, then id), including one that takes effect in a coming month."""
    latest = recipient.changes.order_by("-effective_month", "-pk").first()
    if latest is None:
        return
    recipient.status = latest.status
    recipient.monthly_amount = latest.monthly_amount
    recipient.covered_count = len(latest.covered_member_ids or [])
    Recipient.objects.filter(pk=recipient.pk).update(
        status=recipient.status,
        monthly_amount=recipient.monthly_amount,
        covered_count=recipient.covered_count,
        updated_at=timezone.now(),
    )


# --- registration ----------------------------------------------------------------------


@transaction.atomic
def recipient_register_from_case(*, case: Case, event: CaseEvent | None = None) -> Recipient | None:
    """A case entering 发放中 makes its household a recipient (A Art.21, Art.25): the
    covered members, the confirmed monthly amount (the case's amount, which its latest
    AmountComputation set), paid from the month after the confirmation date. Idempotent:
    a second call returns the existing recipient. 临时救助 is paid once, not monthly, and is
    not registered here (returns None). Refuses (ValidationError) when no amount is set."""
    if case.assistance_type.category == AssistanceType.Category.TEMPORARY:
        return None
    existing = Recipient.objects.filter(case=case).first()
    if existing is not None:
        return existing
    confirmed_on = confirmation_date(case)
    if confirmed_on is None:
        raise ValidationError(f"案件{case.number}没有审核确认记录，不能纳入发放")
    computation = (
        AmountComputation.objects.filter(case=case).order_by("-computed_at", "-pk").first()
    )
    amount = case.monthly_amount
    if amount is None and computation is not None and computation.eligible:
        amount = computation.monthly_amount
    if amount is None:
        raise ValidationError(f"案件{case.number}尚未核定月救助金额，不能纳入发放，请先核算金额")
    members = list(Member.objects.filter(household_id=case.household_id).order_by("pk"))
    covered = [m.pk for m in members if m.covered]
    if not covered:
        raise ValidationError(f"案件{case.number}的家庭没有纳入保障的成员，不能纳入发放")
    head = next((m for m in members if m.pk == case.applicant_id), None) or members[0]
    first = next_month(confirmed_on)
    if computation is not None and computation.monthly_amount == amount:
        label = (
            f"{computation.standard_label}"
            f"（{timezone.localdate(computation.computed_at):%Y-%m-%d}核算）"
        )
    else:
        label = f"案件{case.number}核定金额"
    recipient = Recipient.objects.create(
        case=case,
        household_id=case.household_id,
        assistance_type_id=case.assistance_type_id,
        township_id=case.township_id,
        village_id=case.village_id,
        area=case_area(case),
        status=RecipientStatus.ACTIVE,
        monthly_amount=amount,
        covered_count=len(covered),
        first_month=first,
        head_name=head.name,
        head_id_number=head.id_number,
        standard_label=label[:300],
        computation=computation,
        bank_account=BankAccount.objects.filter(household_id=case.household_id, is_active=True)
        .order_by("-created_at", "-pk")
        .first(),
    )
    signature = (
        {
            "actor": event.actor,
            "actor_role": event.actor_role,
            "actor_name": event.actor_name,
        }
        if event is not None and event.actor_id
        else _sign(None, ())
    )
    RecipientChange.objects.create(
        recipient=recipient,
        kind=ChangeKind.REGISTERED,
        effective_month=first,
        status=RecipientStatus.ACTIVE,
        monthly_amount=amount,
        covered_member_ids=covered,
        reason=(
            f"{confirmed_on:%Y年%m月%d日}审核确认，月保障金{amount}元，"
            f"自{first:%Y年%m月}起发放（A第21条：确认之日的次月起发放）。"
        ),
        source_label=f"案件 {case.number} 审核确认",
        **signature,
    )
    return recipient


# --- the change service ----------------------------------------------------------------


@transaction.atomic
def recipient_change(
    *,
    recipient: Recipient,
    actor: User,
    effective_month: datetime.date,
    reason: str,
    kind: str,
    source_label: str,
    status: str | None = None,
    monthly_amount: Decimal | None = None,
    covered_member_ids: list[int] | None = None,
    adjustment_run: StandardAdjustmentRun | None = None,
    move_out_of_locked: bool = True,
) -> RecipientChange:
    """A dated, signed change of a recipient, in force from ``effective_month`` (any day of
    it; stored as the 1st). Unspecified fields carry over from the state in force that
    month. 暂停 and 停保 carry an amount of 0; resuming without an amount takes the last
    amount paid before. ``actor`` None means the system (e.g. a scheduled 渐退 end).

    A month whose roster is locked is settled (issue 14): with ``move_out_of_locked`` (the
    default: reviews, revocations, 渐退) a change effective in or before the latest locked
    roster month of the recipient's township and type takes effect from the next open
    month instead, and says so — ``change.moved_from`` is the month asked for and
    ``change.moved_notice`` the message ("2026年10月花名册已锁定，变更自2026年12月起生效"),
    also appended to the change's reason. ``move_out_of_locked=False`` keeps the month: a
    correction meant to reach back (e.g. a 追缴 decision); the next roster then pays the
    difference for the locked months as 补发 or 追缴 lines, as 调标 does (its changes are
    written by ``standard_adjustment_apply`` and stay retroactive).

    Raises ValidationError (field → Chinese message) for a month before the first month,
    a missing reason, a negative or non-decimal amount, members not of the household, or a
    change that changes nothing; PermissionDenied / Http404 for a user who may not."""
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    _require_register_role(actor, locked)
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if kind not in ChangeKind.values or kind == ChangeKind.REGISTERED:
        errors["kind"] = "变更类型无效"
    if not isinstance(effective_month, datetime.date):
        errors["effective_month"] = "请填写生效月份"
    else:
        effective_month = first_of_month(effective_month)
        if effective_month < locked.first_month:
            errors["effective_month"] = (
                f"生效月份不能早于起始发放月（{locked.first_month:%Y年%m月}）"
            )
    if not reason:
        errors["reason"] = "请填写变更原因"
    if status is not None and status not in RecipientStatus.values:
        errors["status"] = "状态无效"
    amount = _money(monthly_amount, "monthly_amount", errors)
    if covered_member_ids is not None:
        household_ids = set(
            Member.objects.filter(household_id=locked.household_id).values_list("pk", flat=True)
        )
        try:
            covered_member_ids = sorted({int(i) for i in covered_member_ids})
        except (TypeError, ValueError):
            errors["covered_member_ids"] = "保障成员无效"
        else:
            if not set(covered_member_ids) <= household_ids:
                errors["covered_member_ids"] = "保障成员须为本家庭成员"
    if errors:
        raise ValidationError(errors)

    moved_from, notice = None, ""
    if move_out_of_locked:
        open_month, locked_month = first_open_month(recipient=locked, month=effective_month)
        if open_month != effective_month:
            moved_from, effective_month = effective_month, open_month
            notice = f"{locked_month:%Y年%m月}花名册已锁定，变更自{open_month:%Y年%m月}起生效"
            reason = f"{reason}（{notice}）"

    prior = state_for_month(recipient=locked, month=effective_month)
    if prior is None:  # cannot happen after the first-month check; kept for a clear message
        raise ValidationError({"effective_month": "该月份尚无在册记录"})
    new_status = status or prior.status
    covered = covered_member_ids if covered_member_ids is not None else prior.covered_member_ids
    if new_status in UNPAID_STATUSES:
        if amount not in (None, Decimal("0.00")):
            raise ValidationError({"monthly_amount": "暂停或停保期间月发放额为0"})
        amount = Decimal("0.00")
    elif amount is None:
        amount = (
            prior.monthly_amount
            if prior.status not in UNPAID_STATUSES
            else last_paid_amount_before(recipient=locked, month=effective_month)
        )
    if new_status not in UNPAID_STATUSES and not covered:
        raise ValidationError({"covered_member_ids": "在保对象至少应有一名保障成员"})
    unchanged = (
        new_status == prior.status
        and amount == prior.monthly_amount
        and sorted(covered) == sorted(prior.covered_member_ids or [])
    )
    if unchanged and kind != ChangeKind.ACCOUNT:
        raise ValidationError({"__all__": "变更后的状态、金额和保障成员与该月现状相同"})
    change = RecipientChange.objects.create(
        recipient=locked,
        kind=kind,
        effective_month=effective_month,
        status=new_status,
        monthly_amount=amount,
        covered_member_ids=list(covered),
        reason=reason,
        source_label=(source_label or ChangeKind(kind).label)[:200],
        previous_status=prior.status,
        previous_amount=prior.monthly_amount,
        adjustment_run=adjustment_run,
        **_sign(actor, REGISTER_ROLES),
    )
    _sync_current(locked)
    recipient.status, recipient.monthly_amount = locked.status, locked.monthly_amount
    recipient.covered_count = locked.covered_count
    change.moved_from, change.moved_notice = moved_from, notice
    return change


def first_open_month(
    *, recipient: Recipient, month: datetime.date
) -> tuple[datetime.date, datetime.date | None]:
    """(the first month from ``month`` that no locked roster settled, the locked roster
    month that moved it or None). Every month up to the latest locked roster of the
    recipient's township and type is settled: a roster of month X pays X and every earlier
    month, so a change effective in or before it would reach into a locked roster. The
    rosters answer through ``hooks.locked_roster_months`` (one query)."""
    month = first_of_month(month)
    locked: set[datetime.date] = set()
    for _receiver, months in locked_roster_months.send(
        sender=Recipient, recipient=recipient, month=month
    ):
        locked.update(cast("Iterable[datetime.date]", months or ()))
    if not locked:
        return month, None
    latest = max(locked)
    return next_month(latest), (month if month in locked else latest)


# --- bank accounts ---------------------------------------------------------------------


@transaction.atomic
def bank_account_set(
    *,
    household: Household,
    actor: User,
    holder_name: str,
    bank: str,
    account_number: str,
    kind: str = AccountKind.CARD,
    holder_member: Member | None = None,
    agent_reason: str = "",
) -> BankAccount:
    """Register the household's account (the previous one is kept, inactive). The holder
    is a member, or an agent with a reason. Validation (``accounts.py``): digits only,
    16–19 digits, and the Luhn check digit for bank cards (UnionPay 62… and every other
    ISO/IEC 7812 card); passbook numbers (存折, e.g. 农村信用社 / 惠农一本通) have no public
    check digit and are checked for digits and length only. The household's recipients
    are paid into it from the current month (a signed ``account`` change each)."""
    if not actor.has_role(*ACCOUNT_ROLES):
        raise PermissionDenied("只有乡镇经办人或审核确认人可以登记发放账户")
    if not scope_by_region(Household.objects.filter(pk=household.pk), actor).exists():
        raise Http404("家庭不在您的管辖区域内")
    errors: dict[str, str] = {}
    holder_name = (holder_name or "").strip()
    agent_reason = (agent_reason or "").strip()
    number = normalize_account_number(account_number)
    if not holder_name:
        errors["holder_name"] = "请填写账户户名"
    if holder_member is not None:
        if holder_member.household_id != household.pk:
            errors["holder_member"] = "户名对应成员须为本家庭成员"
        elif holder_name and holder_name != holder_member.name:
            errors["holder_name"] = f"户名与所选成员姓名（{holder_member.name}）不一致"
    elif not agent_reason:
        errors["agent_reason"] = "账户户名不是家庭成员时，请填写代领原因"
    if bank not in Bank.values:
        errors["bank"] = "请选择开户银行"
    if kind not in AccountKind.values:
        errors["kind"] = "请选择账户类型"
    else:
        problems = account_number_errors(number, kind=kind)
        if problems:
            errors["account_number"] = problems[0]
    if errors:
        raise ValidationError(errors)
    BankAccount.objects.filter(household=household, is_active=True).update(is_active=False)
    account = BankAccount.objects.create(
        household=household,
        holder_name=holder_name,
        holder_member=holder_member,
        agent_reason="" if holder_member is not None else agent_reason,
        bank=bank,
        kind=kind,
        account_number=number,
        created_by=actor,
    )
    this_month = first_of_month(timezone.localdate())
    for recipient in Recipient.objects.select_for_update().filter(household=household):
        Recipient.objects.filter(pk=recipient.pk).update(
            bank_account=account, updated_at=timezone.now()
        )
        month = max(this_month, recipient.first_month)
        prior = state_for_month(recipient=recipient, month=month)
        if prior is None:
            continue
        RecipientChange.objects.create(
            recipient=recipient,
            kind=ChangeKind.ACCOUNT,
            effective_month=month,
            status=prior.status,
            monthly_amount=prior.monthly_amount,
            covered_member_ids=prior.covered_member_ids,
            reason=(
                f"发放账户变更为{account.get_bank_display()} {account.masked()}"
                f"（户名{holder_name}）"
            ),
            source_label="发放账户登记",
            previous_status=prior.status,
            previous_amount=prior.monthly_amount,
            **_sign(actor, ACCOUNT_ROLES),
        )
    return account


def may_reveal(*, user: User, account: BankAccount) -> bool:
    """Township clerk / approver of the account's township, county supervisor of its
    county (region scoping decides the "of")."""
    if not user.is_authenticated or not user.has_role(*REVEAL_ROLES):
        return False
    return scope_by_region(Household.objects.filter(pk=account.household_id), user).exists()


@transaction.atomic
def bank_account_reveal(
    *,
    account: BankAccount,
    actor: User,
    client_address: str | None,
    purpose: str,
    path: str = "",
    view_name: str = "",
) -> str:
    """The full account number, for the roles that export rosters; every reveal is one row
    of the core's reveal log (relief.personal_data: who, whose, when, where, from which
    address, why). Another region's account is a 404, a role that may not see it a 403."""
    if not scope_by_region(Household.objects.filter(pk=account.household_id), actor).exists():
        raise Http404("账户不在您的管辖区域内")
    if not may_reveal(user=actor, account=account):
        raise PermissionDenied("只有乡镇经办人、审核确认人和县级监管人员可以查看完整账号")
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": "请填写查看完整账号的用途"})
    reveal_record(
        user=actor,
        kind=DataReveal.Kind.BANK_ACCOUNT,
        subject=account,
        subject_name=account.holder_name,
        township=account.household.township,
        path=path,
        view_name=view_name,
        client_address=client_address,
        purpose=purpose,
    )
    return account.account_number

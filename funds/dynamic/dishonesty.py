"""失信记录 and 追缴 (seed 002: 守信承诺和失信记录制度; A Art.25 recovery of amounts paid
without right): the checks of an amount to recover and its months, recording a finding of
false information (by a review's decision, or by a page action after a spot check or a
complaint of the county's supervision), the recovery order handed to the roster through
``funds.rosters.services.recovery_order_create``, and the case page's panel that shows a
live record to the clerk when a member of that household applies again in the county."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from cases.models import Case, Member
from cases.workflow.hooks import CasePanel
from funds.dynamic.models import DishonestyPerson, DishonestyRecord, FindingSource, ReviewCase
from funds.dynamic.months import add_months
from funds.recipients.models import Recipient, RecipientStatus
from funds.recipients.selectors import state_for_month
from funds.recipients.services import first_of_month, next_month
from funds.rosters.models import RecoveryOrder
from funds.rosters.services import recovery_order_create
from relief.models import Region, Role, User
from relief.policy import policy_for
from relief.scoping import scope_by_region

#: Who records a 失信 finding of a spot check or a complaint against a recipient: the
#: township's approver (who decides) and the county's supervisor (whose checks they are).
RECORD_ROLES = (Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)
#: Who is shown a live record on a later case's page.
SHOWN_TO_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)
#: The longest span of months one recovery may name (a typing slip guard, ten years).
MAX_RECOVERY_MONTHS = 120
PAID_STATUSES = (RecipientStatus.ACTIVE, RecipientStatus.PHASING_OUT)


def months_label(start: datetime.date, end: datetime.date) -> str:
    if start == end:
        return f"{start:%Y年%m月}"
    return f"{start:%Y年%m月}至{end:%Y年%m月}"


def register_amount(*, recipient: Recipient, start: datetime.date, end: datetime.date) -> Decimal:
    """What the register had the household paid over ``start`` … ``end`` (the amount in
    force each month, 0 in a suspended or stopped month): the most a recovery may claim."""
    total, month = Decimal("0"), start
    while month <= end:
        state = state_for_month(recipient=recipient, month=month)
        if state is not None and state.status in PAID_STATUSES:
            total += state.monthly_amount
        month = next_month(month)
    return total


def recovery_check(
    *,
    recipient: Recipient,
    amount: Decimal | str | None,
    start: datetime.date | None,
    end: datetime.date | None,
    today: datetime.date | None = None,
) -> tuple[Decimal | None, dict[str, str]]:
    """The amount to recover (None: no recovery) and the Chinese errors by field: months
    required with an amount, in order, within the register's months up to this month, and
    an amount above 0, in cents, not more than the register paid over those months."""
    errors: dict[str, str] = {}
    if amount in (None, "") and start is None and end is None:
        return None, errors
    today = today or timezone.localdate()
    try:
        value = Decimal(str(amount)) if amount not in (None, "") else None
    except (InvalidOperation, TypeError, ValueError):
        value = None
        errors["recovery_amount"] = "追缴金额须为数字"
    if value is None and "recovery_amount" not in errors:
        errors["recovery_amount"] = "请填写追缴金额"
    elif value is not None and (not value.is_finite() or value <= 0):
        errors["recovery_amount"] = "追缴金额须大于0"
    elif value is not None and value != value.quantize(Decimal("0.01")):
        errors["recovery_amount"] = "追缴金额最多保留两位小数"
    if start is None:
        errors["recovery_from"] = "请填写追缴所涉起始月份"
    if end is None:
        errors["recovery_to"] = "请填写追缴所涉截止月份"
    if start is not None and end is not None:
        start, end = first_of_month(start), first_of_month(end)
        if end < start:
            errors["recovery_to"] = "截止月份不能早于起始月份"
        elif start < recipient.first_month:
            errors["recovery_from"] = (
                f"起始月份不能早于起始发放月（{recipient.first_month:%Y年%m月}）"
            )
        elif end > first_of_month(today):
            errors["recovery_to"] = "截止月份不能晚于本月"
        elif (end.year - start.year) * 12 + end.month - start.month >= MAX_RECOVERY_MONTHS:
            errors["recovery_to"] = f"追缴所涉月份不能超过{MAX_RECOVERY_MONTHS}个月"
        elif value is not None and not errors:
            paid = register_amount(recipient=recipient, start=start, end=end)
            if value > paid:
                errors["recovery_amount"] = (
                    f"追缴金额不能超过{months_label(start, end)}按在册记录发放的合计{paid}元"
                )
    return value, errors


def recovery_hand_over(
    *,
    recipient: Recipient,
    amount: Decimal,
    start: datetime.date,
    end: datetime.date,
    reason: str,
    actor: User | None,
) -> RecoveryOrder:
    """The recovery order the next roster of the recipient's township takes as a 追缴 line."""
    return recovery_order_create(
        recipient=recipient,
        amount=amount,
        months=months_label(first_of_month(start), first_of_month(end)),
        reason=reason,
        actor=actor,
    )


def _county_of(region: Region) -> Region:
    return region.parent if region.level == Region.Level.TOWNSHIP and region.parent else region


def _record(
    *,
    recipient: Recipient,
    source: str,
    reference: str,
    what: str,
    found_on: datetime.date,
    actor: User | None,
    review: ReviewCase | None = None,
    recovery_amount: Decimal | None = None,
    recovery_order: RecoveryOrder | None = None,
) -> DishonestyRecord:
    township = Region.objects.select_related("parent").get(pk=recipient.township_id)
    months = int(policy_for(township, found_on).dishonesty_expiry_months)
    record = DishonestyRecord.objects.create(
        recipient=recipient,
        household_id=recipient.household_id,
        county=_county_of(township),
        source=source,
        review=review,
        reference=reference[:200],
        what=what,
        found_on=found_on,
        recorded_by=actor,
        recorded_by_name=str(actor) if actor is not None else "系统",
        recovery_amount=recovery_amount,
        recovery_order=recovery_order,
        expires_on=add_months(found_on, months),
    )
    DishonestyPerson.objects.bulk_create(
        DishonestyPerson(record=record, name=name, id_number=number)
        for name, number in Member.objects.filter(household_id=recipient.household_id)
        .order_by("pk")
        .values_list("name", "id_number")
    )
    return record


def dishonesty_from_review(*, review: ReviewCase, actor: User | None, on: datetime.date) -> None:
    """On the review's confirmation: its 追缴 goes to the roster as a recovery order and its
    finding of false information becomes a 失信记录 (by the decision's signer, that day)."""
    recipient = review.recipient
    order = None
    if review.recovery_amount is not None and review.recovery_from and review.recovery_to:
        order = recovery_hand_over(
            recipient=recipient,
            amount=review.recovery_amount,
            start=review.recovery_from,
            end=review.recovery_to,
            reason=f"复核案件 {review.case.number}："
            + (review.dishonesty_note or review.reasons or "不应享受期间的救助金"),
            actor=actor,
        )
        review.recovery_order = order
        review.save(update_fields=["recovery_order"])
    if review.dishonesty_note:
        _record(
            recipient=recipient,
            source=FindingSource.REVIEW,
            reference=f"复核案件 {review.case.number}",
            what=review.dishonesty_note,
            found_on=on,
            actor=actor,
            review=review,
            recovery_amount=review.recovery_amount,
            recovery_order=order,
        )


@transaction.atomic
def dishonesty_record(
    *,
    recipient: Recipient,
    actor: User,
    source: str,
    reference: str,
    what: str,
    found_on: datetime.date | None,
    recovery_amount: Decimal | str | None = None,
    recovery_from: datetime.date | None = None,
    recovery_to: datetime.date | None = None,
    today: datetime.date | None = None,
) -> DishonestyRecord:
    """A spot check's or a complaint's finding of false information recorded against the
    recipient (the finding named in ``reference``), with the recovery handed to the roster.
    Bad input: Chinese messages by field, nothing saved."""
    if not actor.has_role(*RECORD_ROLES):
        raise PermissionDenied("只有乡镇审核确认人或县级监管人员可以记录失信情况")
    if not scope_by_region(Recipient.objects.filter(pk=recipient.pk), actor).exists():
        raise Http404("在册对象不在您的管辖区域内")
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    what, reference = (what or "").strip(), (reference or "").strip()
    if source not in (FindingSource.SPOT_CHECK, FindingSource.COMPLAINT):
        errors["source"] = "请选择发现途径（入户抽查或举报投诉）"
    if not reference:
        errors["reference"] = "请填写所依据的抽查或举报核查结论（如抽查名称、举报登记号）"
    if not what:
        errors["what"] = "请写明查实的虚假信息"
    if found_on is None:
        errors["found_on"] = "请填写认定日期"
    elif found_on > today:
        errors["found_on"] = "认定日期不能晚于今天"
    amount, recovery_errors = recovery_check(
        recipient=recipient,
        amount=recovery_amount,
        start=recovery_from,
        end=recovery_to,
        today=today,
    )
    errors.update(recovery_errors)
    if errors:
        raise ValidationError(errors)
    assert found_on is not None
    label = FindingSource(source).label
    order = None
    if amount is not None and recovery_from is not None and recovery_to is not None:
        order = recovery_hand_over(
            recipient=recipient,
            amount=amount,
            start=recovery_from,
            end=recovery_to,
            reason=f"{label}（{reference}）查实提供虚假信息：{what}",
            actor=actor,
        )
    return _record(
        recipient=recipient,
        source=source,
        reference=reference,
        what=what,
        found_on=found_on,
        actor=actor,
        recovery_amount=amount,
        recovery_order=order,
    )


def records_for_recipient(*, recipient: Recipient) -> list[DishonestyRecord]:
    return list(
        DishonestyRecord.objects.filter(household_id=recipient.household_id)
        .select_related("recovery_order")
        .order_by("-found_on", "-pk")
    )


def live_records_for_case(
    *, case: Case, today: datetime.date | None = None
) -> list[DishonestyRecord]:
    """失信记录 not yet expired, in the case's county, naming a member of the case's
    household (by ID number): what a later application shows the clerk (two queries)."""
    today = today or timezone.localdate()
    county = Region.objects.filter(pk=case.township_id).values("parent_id")
    numbers = Member.objects.filter(household_id=case.household_id).values("id_number")
    return list(
        DishonestyRecord.objects.filter(
            county_id__in=county,
            expires_on__gte=today,
            people__id_number__in=numbers,
        )
        .distinct()
        .prefetch_related("people")
        .order_by("-found_on", "-pk")
    )


DISHONESTY_PANEL_TEMPLATE = "funds/dynamic/_dishonesty_panel.html"


def on_case_page(sender: object, *, case: Case, user: User, **kwargs: Any) -> CasePanel | None:
    """Receiver of ``cases.workflow.hooks.case_page_panels``: a live 失信记录 of a member
    of the household, shown to the township's staff and the county (never to the village
    assistant), with the members it names."""
    if not user.has_role(*SHOWN_TO_ROLES):
        return None
    records = live_records_for_case(case=case)
    if not records:
        return None
    numbers = set(
        Member.objects.filter(household_id=case.household_id).values_list("id_number", flat=True)
    )
    rows = [
        {
            "record": r,
            "names": "、".join(p.name for p in r.people.all() if p.id_number in numbers),
        }
        for r in records
    ]
    return CasePanel(template=DISHONESTY_PANEL_TEMPLATE, context={"rows": rows}, order=10)

"""调标: when a county raises a standard, every affected recipient's amount is recomputed
with the standard in force from the effective month, shown for review as a run (households,
old and new monthly totals, one line per recipient), and applied once as a batch of signed
``standard`` changes.

The recomputation is the case's own amount computation (the same facts, calculators and
rounding as at confirmation) run for the effective month, so the new standard row must be
entered first (funds standards, effective from that month or earlier).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from cases.intake.services.amounts import case_amount_result
from funds.recipients.models import (
    ChangeKind,
    Recipient,
    RecipientChange,
    RecipientStatus,
    StandardAdjustmentLine,
    StandardAdjustmentRun,
)
from funds.recipients.selectors import states_for_month
from funds.recipients.services import first_of_month
from funds.standards.models import Area
from funds.standards.selectors import living_standard_in_force, tekun_standards_in_force
from relief.logchain import bulk_create_sealed
from relief.models import AssistanceType, Region, Role

#: Only recipients being paid normally are re-computed; 暂停 / 停保 carry 0, and 渐退 follows
#: its own schedule.
ADJUSTED_STATUSES = (RecipientStatus.ACTIVE,)


def _require_county_supervisor(actor, county: Region) -> None:
    if not actor.has_role(Role.COUNTY_SUPERVISOR) or actor.region_id != county.pk:
        raise PermissionDenied("调标由本县民政局监管人员办理")


def _standard_label(*, county: Region, assistance_type: AssistanceType, area: str, on) -> str:
    if assistance_type.workflow == AssistanceType.Workflow.DIBAO:
        standard = living_standard_in_force(county=county, area=area, on=on)
        if standard is None:
            raise ValidationError(
                {
                    "effective_month": (
                        f"{county.name}没有{on:%Y年%m月}适用的{Area(area).label}低保标准"
                    )
                }
            )
        return (
            f"{standard.label}（{standard.effective_from:%Y年%m月%d日}起，"
            f"{standard.amount}元/人·月）"
        )
    standards = tekun_standards_in_force(county=county, area=area, on=on)
    if standards is None:
        raise ValidationError(
            {
                "effective_month": (
                    f"{county.name}没有{on:%Y年%m月}适用的{Area(area).label}特困供养标准"
                )
            }
        )
    return (
        f"{standards.label}（{standards.effective_from:%Y年%m月%d日}起，"
        f"基本生活标准{standards.basic}元/月）"
    )


def _scope(run_or_args) -> dict:
    return {
        "township__parent_id": run_or_args["county"].pk,
        "assistance_type_id": run_or_args["assistance_type"].pk,
        "area": run_or_args["area"],
    }


@transaction.atomic
def standard_adjustment_preview(
    *,
    county: Region,
    assistance_type: AssistanceType,
    area: str,
    effective_month: datetime.date,
    actor,
) -> StandardAdjustmentRun:
    """Recompute every 在保 recipient of the county, type and area with the standard in force
    in ``effective_month`` (a recipient who starts later: from its first month). Nothing
    changes on the register; the run lists old and new amounts for review."""
    _require_county_supervisor(actor, county)
    errors = {}
    if assistance_type.workflow not in (
        AssistanceType.Workflow.DIBAO,
        AssistanceType.Workflow.TEKUN,
    ):
        errors["assistance_type"] = "只有低保和特困供养按标准核算，可以调标"
    if area not in Area.values:
        errors["area"] = "请选择城市或农村"
    if not isinstance(effective_month, datetime.date):
        errors["effective_month"] = "请填写新标准执行月份"
    if errors:
        raise ValidationError(errors)
    month = first_of_month(effective_month)
    label = _standard_label(county=county, assistance_type=assistance_type, area=area, on=month)
    args = {"county": county, "assistance_type": assistance_type, "area": area}
    recipients = (
        Recipient.objects.filter(**_scope(args))
        .select_related("case", "case__assistance_type", "case__township", "case__household")
        .order_by("pk")
    )
    in_force = {
        r.pk: r
        for r in states_for_month(recipients, month=month).exclude(state_id=None)
        if r.state_status in ADJUSTED_STATUSES
    }
    # Recipients who start after the effective month are adjusted from their first month.
    later = [r for r in recipients.filter(first_month__gt=month) if r.pk not in in_force]
    run = StandardAdjustmentRun.objects.create(
        county=county,
        assistance_type=assistance_type,
        area=area,
        effective_month=month,
        standard_label=label[:300],
        created_by=actor,
    )
    lines = []
    for recipient in [*in_force.values(), *later]:
        line_month = max(month, recipient.first_month)
        state = (
            RecipientChange.objects.filter(recipient=recipient, effective_month__lte=line_month)
            .order_by("-effective_month", "-pk")
            .first()
        )
        if state is None or state.status not in ADJUSTED_STATUSES:
            continue
        result = case_amount_result(case=recipient.case, on=line_month)
        new_amount = result.amount if result.eligible and result.amount is not None else None
        lines.append(
            StandardAdjustmentLine(
                run=run,
                recipient=recipient,
                based_on=state,
                effective_month=line_month,
                status=state.status,
                covered_member_ids=state.covered_member_ids,
                old_amount=state.monthly_amount,
                new_amount=new_amount if new_amount is not None else state.monthly_amount,
                eligible=new_amount is not None,
                steps=list(result.steps),
            )
        )
    StandardAdjustmentLine.objects.bulk_create(lines, batch_size=2000)
    run.households = len(lines)
    run.changed_households = sum(
        1 for li in lines if li.eligible and li.new_amount != li.old_amount
    )
    run.old_total = sum((li.old_amount for li in lines), Decimal("0.00"))
    run.new_total = sum((li.new_amount for li in lines), Decimal("0.00"))
    run.save(update_fields=["households", "changed_households", "old_total", "new_total"])
    return run


def _stale_reasons(run: StandardAdjustmentRun) -> list[str]:
    """What changed on the register since the preview (set-based: two queries)."""
    reasons = []
    latest = RecipientChange.objects.filter(
        recipient=OuterRef("recipient_id"), effective_month__lte=OuterRef("effective_month")
    ).order_by("-effective_month", "-pk")
    moved = (
        run.lines.annotate(current=Subquery(latest.values("pk")[:1]))
        .exclude(current=F("based_on_id"))
        .count()
    )
    if moved:
        reasons.append(f"预览后有 {moved} 户的在册情况发生变更")
    newcomers = (
        Recipient.objects.filter(**_scope(_run_args(run)), created_at__gt=run.created_at)
        .exclude(pk__in=run.lines.values("recipient_id"))
        .count()
    )
    if newcomers:
        reasons.append(f"预览后新纳入 {newcomers} 户")
    return reasons


def _run_args(run: StandardAdjustmentRun) -> dict:
    return {"county": run.county, "assistance_type": run.assistance_type, "area": run.area}


def standard_adjustment_apply(*, run: StandardAdjustmentRun, actor) -> int:
    """Apply a previewed run: one signed ``standard`` change per recipient whose amount
    changes, in force from the run's month (or the recipient's first month), written in one
    batch with the register's current columns updated in one statement. Refused when the
    run was applied already, or when the register changed since the preview (the run is
    then marked stale and a new preview is needed). Returns the number of changes."""
    _require_county_supervisor(actor, run.county)
    with transaction.atomic():
        locked = StandardAdjustmentRun.objects.select_for_update().get(pk=run.pk)
        if locked.status == StandardAdjustmentRun.Status.APPLIED:
            raise ValidationError(
                f"调标批次 {locked.pk} "
                f"已于{timezone.localtime(locked.applied_at):%Y-%m-%d %H:%M}执行，不能重复执行"
            )
        if locked.status == StandardAdjustmentRun.Status.STALE:
            raise ValidationError(f"调标批次 {locked.pk} 已失效，请重新预览")
        stale = _stale_reasons(locked)
        if not stale:
            count = _write_changes(locked, actor)
            run.status, run.applied_by, run.applied_at = (
                locked.status,
                locked.applied_by,
                locked.applied_at,
            )
            return count
    StandardAdjustmentRun.objects.filter(pk=run.pk).update(
        status=StandardAdjustmentRun.Status.STALE
    )
    run.status = StandardAdjustmentRun.Status.STALE
    raise ValidationError("；".join(stale) + "，本批次已失效，请重新预览")


def _write_changes(run: StandardAdjustmentRun, actor) -> int:
    reason = f"{run.standard_label}执行，按新标准重新核算月发放额"
    source = f"调标批次 {run.pk}"
    now = timezone.now()
    lines = run.lines.filter(eligible=True).exclude(new_amount=F("old_amount"))
    changes = [
        RecipientChange(
            recipient_id=line.recipient_id,
            kind=ChangeKind.STANDARD,
            effective_month=line.effective_month,
            status=line.status,
            monthly_amount=line.new_amount,
            covered_member_ids=line.covered_member_ids,
            reason=reason,
            source_label=source,
            previous_status=line.status,
            previous_amount=line.old_amount,
            adjustment_run=run,
            actor=actor,
            actor_role=Role.COUNTY_SUPERVISOR,
            actor_name=str(actor),
            created_at=now,
        )
        for line in lines.iterator(chunk_size=2000)
    ]
    # Sealed before the insert (hash-chained per recipient): an INSERT, never an UPDATE.
    bulk_create_sealed(changes, batch_size=2000)
    latest = RecipientChange.objects.filter(recipient=OuterRef("pk")).order_by(
        "-effective_month", "-pk"
    )
    Recipient.objects.filter(pk__in=run.lines.values("recipient_id")).update(
        monthly_amount=Subquery(latest.values("monthly_amount")[:1]),
        status=Subquery(latest.values("status")[:1]),
        updated_at=now,
    )
    run.status = StandardAdjustmentRun.Status.APPLIED
    run.applied_by = actor
    run.applied_at = now
    run.save(update_fields=["status", "applied_by", "applied_at"])
    return len(changes)

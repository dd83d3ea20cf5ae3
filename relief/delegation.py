"""The one answer to "does township T hold the power to confirm type X on date D?".

Every later part (routing a case to county approval, supervision's suspension) asks
``holds_power``; nothing else reads Delegation rows to decide.

Rule: among the entrustments of T for X whose period (effective_from … effective_until)
covers D, the most recent one (latest effective_from) decides, and it grants the power
only if its status on D is active. A newer entrustment supersedes an older one, so
suspending the current entrustment cannot be bypassed by an older, still open one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch

from relief.models import Delegation, DelegationEvent, Region
from relief.scoping import townships_for_user


def _covering(delegations: Iterable[Delegation], on: datetime.date) -> Delegation | None:
    """The entrustment that decides on ``on``: latest effective_from covering the date."""
    best = None
    for d in delegations:
        if d.effective_from <= on and (d.effective_until is None or d.effective_until >= on):
            if best is None or (d.effective_from, d.pk) > (best.effective_from, best.pk):
                best = d
    return best


def status_on(delegation: Delegation, on: datetime.date) -> str:
    """Status on date ``on``: the last event effective on or before it (ACTIVE if none).
    Events are ordered by effective_date, created_at, pk (model Meta)."""
    status = Delegation.Status.ACTIVE
    for event in delegation.events.all():
        if event.effective_date <= on:
            status = event.status
    return status


def _with_events(qs):
    return qs.prefetch_related(
        Prefetch(
            "events",
            queryset=DelegationEvent.objects.order_by("effective_date", "created_at", "pk"),
        )
    )


def delegation_in_force(township, assistance_type, on: datetime.date) -> Delegation | None:
    """The delegation that gives ``township`` the power for ``assistance_type`` on ``on``,
    or None. Two queries."""
    candidates = _with_events(
        Delegation.objects.filter(
            township=township, assistance_type=assistance_type, effective_from__lte=on
        ).exclude(effective_until__lt=on)
    )
    deciding = _covering(candidates, on)
    return deciding if power_from_map(deciding, on) else None


def holds_power(township, assistance_type, on: datetime.date) -> bool:
    return delegation_in_force(township, assistance_type, on) is not None


def holds_power_map(
    townships, assistance_types, on: datetime.date
) -> dict[tuple[int, int], Delegation | None]:
    """``holds_power`` for many (township, type) pairs at once, for the delegation matrix
    and statistics: {(township_id, type_id): deciding delegation or None}. The deciding
    delegation is returned even when not active, so callers can show why; power is held
    iff ``status_on(d, on) == ACTIVE``. Same rule as ``holds_power``, two queries."""
    township_ids = [t.pk for t in townships]
    type_ids = [t.pk for t in assistance_types]
    rows = _with_events(
        Delegation.objects.filter(
            township_id__in=township_ids, assistance_type_id__in=type_ids, effective_from__lte=on
        ).exclude(effective_until__lt=on)
    )
    grouped: dict[tuple[int, int], list[Delegation]] = {}
    for d in rows:
        grouped.setdefault((d.township_id, d.assistance_type_id), []).append(d)
    return {(t, a): _covering(grouped.get((t, a), []), on) for t in township_ids for a in type_ids}


def power_from_map(deciding: Delegation | None, on: datetime.date) -> bool:
    return deciding is not None and status_on(deciding, on) == Delegation.Status.ACTIVE


_ALLOWED = {
    Delegation.Status.ACTIVE: {Delegation.Status.SUSPENDED, Delegation.Status.REVOKED},
    Delegation.Status.SUSPENDED: {Delegation.Status.ACTIVE, Delegation.Status.REVOKED},
    Delegation.Status.REVOKED: set(),
}


@transaction.atomic
def delegation_create(
    *,
    township,
    assistance_type,
    document_no: str,
    document_date: datetime.date,
    effective_from: datetime.date,
    effective_until: datetime.date | None = None,
    phase: str = Delegation.Phase.FULL,
    actor=None,
) -> Delegation:
    """Grant a township the power of 审核确认 for one type (《行政审批事项委托书》, seed 003)."""

    errors: dict[str, str] = {}
    if township is None or township.level != Region.Level.TOWNSHIP:
        errors["township"] = "只能委托给乡镇(街道)"
    elif actor is not None:
        if not townships_for_user(actor).filter(pk=township.pk).exists():
            errors["township"] = "只能委托本人管辖范围内的乡镇(街道)"
    if not (document_no or "").strip():
        errors["document_no"] = "请填写委托书文号"
    if effective_until is not None and effective_until < effective_from:
        errors["effective_until"] = "截止日期不能早于生效日期"
    if document_date and effective_from and document_date > effective_from:
        errors["document_date"] = "委托书日期不能晚于生效日期"
    if phase not in Delegation.Phase.values:
        errors["phase"] = "请选择委托阶段"
    if errors:
        raise ValidationError(errors)
    return Delegation.objects.create(
        township=township,
        assistance_type=assistance_type,
        document_no=document_no.strip(),
        document_date=document_date,
        effective_from=effective_from,
        effective_until=effective_until,
        phase=phase,
    )


@transaction.atomic
def delegation_change_status(
    *, delegation: Delegation, status: str, effective_date: datetime.date, reason: str, actor
) -> DelegationEvent:
    """Suspend, resume or revoke (seed 004 "防止一放就乱"). A reason is required; a revoked
    delegation is final (grant a new one instead). ``Delegation.status`` is the status
    after the latest event, which may lie in the future; the status on a date is
    ``status_on``."""
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写变更原因"})
    if status not in Delegation.Status.values:
        raise ValidationError({"status": "请选择变更后的状态"})
    if effective_date is None:
        raise ValidationError({"effective_date": "请填写生效日期"})
    current = delegation.status
    if status not in _ALLOWED[current]:
        raise ValidationError(
            {
                "status": (
                    f"当前状态为“{Delegation.Status(current).label}”，"
                    f"不能变更为“{Delegation.Status(status).label}”"
                )
            }
        )
    if effective_date < delegation.effective_from:
        raise ValidationError({"effective_date": "生效日期不能早于委托生效日期"})
    if delegation.effective_until and effective_date > delegation.effective_until:
        raise ValidationError({"effective_date": "生效日期不能晚于委托截止日期"})
    last = delegation.events.order_by("-effective_date", "-created_at", "-pk").first()
    if last and effective_date < last.effective_date:
        raise ValidationError(
            {"effective_date": f"生效日期不能早于上一次变更（{last.effective_date:%Y-%m-%d}）"}
        )
    event = DelegationEvent.objects.create(
        delegation=delegation,
        status=status,
        effective_date=effective_date,
        reason=reason,
        actor=actor,
    )
    delegation.status = status
    delegation.status_reason = reason
    delegation._change_reason = (
        f"自{effective_date:%Y-%m-%d}起{Delegation.Status(status).label}：{reason}"
    )
    delegation.save(update_fields=["status", "status_reason"])
    return event

"""The one answer to "does township T hold the power to confirm type X on date D?".

Every later part (routing a case to county approval, supervision's suspension) asks
``holds_power``; nothing else reads Delegation rows to decide.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from relief.models import Delegation, DelegationEvent


def delegation_in_force(township, assistance_type, on: datetime.date) -> Delegation | None:
    """The delegation whose entrustment covers ``on`` and whose status on ``on`` is active."""
    candidates = (
        Delegation.objects.filter(township=township, assistance_type=assistance_type, effective_from__lte=on)
        .exclude(effective_until__lt=on)
        .prefetch_related("events")
        .order_by("-effective_from", "-pk")
    )
    for delegation in candidates:
        if status_on(delegation, on) == Delegation.Status.ACTIVE:
            return delegation
    return None


def holds_power(township, assistance_type, on: datetime.date) -> bool:
    return delegation_in_force(township, assistance_type, on) is not None


def status_on(delegation: Delegation, on: datetime.date) -> str:
    """Status on date ``on``: the last event effective on or before it (ACTIVE if none)."""
    status = Delegation.Status.ACTIVE
    for event in delegation.events.all():  # ordered by effective_date, created_at
        if event.effective_date <= on:
            status = event.status
    return status


_ALLOWED = {
    Delegation.Status.ACTIVE: {Delegation.Status.SUSPENDED, Delegation.Status.REVOKED},
    Delegation.Status.SUSPENDED: {Delegation.Status.ACTIVE, Delegation.Status.REVOKED},
    Delegation.Status.REVOKED: set(),
}


@transaction.atomic
def delegation_change_status(
    *, delegation: Delegation, status: str, effective_date: datetime.date, reason: str, actor
) -> DelegationEvent:
    """Suspend, resume or revoke (seed 004 "防止一放就乱"). A reason is required; a revoked
    delegation is final (grant a new one instead)."""
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写变更原因"})
    current = delegation.status
    if status not in _ALLOWED[current]:
        raise ValidationError(
            {"status": f"当前状态为“{Delegation.Status(current).label}”，不能变更为“{Delegation.Status(status).label}”"}
        )
    if effective_date < delegation.effective_from:
        raise ValidationError({"effective_date": "生效日期不能早于委托生效日期"})
    last = delegation.events.order_by("-effective_date").first()
    if last and effective_date < last.effective_date:
        raise ValidationError({"effective_date": f"生效日期不能早于上一次变更（{last.effective_date:%Y-%m-%d}）"})
    event = DelegationEvent.objects.create(
        delegation=delegation, status=status, effective_date=effective_date, reason=reason, actor=actor
    )
    delegation.status = status
    delegation.status_reason = reason
    delegation.save(update_fields=["status", "status_reason"])
    return event

"""Receivers of the case workflow's transition hook (connected in ``FundsConfig.ready()``):
a case entering 发放中 registers its household; a county revocation of a case in payment
stops the recipient from the next month. Both run inside the transition's transaction, so
a refusal (e.g. no amount) rolls the transition back with its message."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cases.models import CaseState
from funds.recipients.models import ChangeKind, Recipient, RecipientStatus
from funds.recipients.selectors import state_for_month
from funds.recipients.services import next_month, recipient_change, recipient_register_from_case


def on_case_transitioned(sender, *, case, event, **kwargs) -> None:
    if case.purpose == case.Purpose.REVIEW:
        return  # a review changes the existing recipient (funds.dynamic), never registers
    if event.target_state == CaseState.PAYING and event.source_state != CaseState.PAYING:
        recipient_register_from_case(case=case, event=event)
    elif event.target_state == CaseState.REVOKED:
        _stop_on_revocation(case, event)


def _stop_on_revocation(case, event) -> None:
    """Seeds 000, 003: a revoked decision is not paid from the month after the revocation
    (recovering what was paid before is decided separately)."""
    recipient = Recipient.objects.filter(case=case).first()
    if recipient is None:
        return
    raw = (event.data or {}).get("on")
    day = (
        datetime.date.fromisoformat(str(raw)[:10]) if raw else timezone.localdate(event.created_at)
    )
    month = max(next_month(day), recipient.first_month)
    state = state_for_month(recipient=recipient, month=month)
    if state is not None and state.status == RecipientStatus.STOPPED:
        return
    recipient_change(
        recipient=recipient,
        actor=event.actor,
        effective_month=month,
        reason="县级依法纠正撤销" + (f"：{event.opinion}" if event.opinion else ""),
        kind=ChangeKind.STATUS,
        source_label=f"案件 {case.number} 县级纠正撤销",
        status=RecipientStatus.STOPPED,
    )

"""Receivers of the case workflow's hooks (connected in ``FundsConfig.ready()``): a case
entering 发放中 registers its household; a county revocation of a case in payment stops the
recipient from the next month; a county correction of the amount (依法纠正) becomes the
recipient's signed amount change. Each runs inside the sender's transaction, so a refusal
(e.g. no amount) rolls the transition or correction back with its message."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseState
from funds.recipients.models import ChangeKind, Recipient, RecipientStatus
from funds.recipients.selectors import state_for_month
from funds.recipients.services import (
    first_of_month,
    next_month,
    recipient_change,
    recipient_register_from_case,
)

#: recipient_change's fields → the correction form's fields (review:correction).
CORRECTION_FIELDS = {"effective_month": "effective_from", "monthly_amount": "new_amount"}


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


def on_case_amount_changed(
    sender, *, case, event, actor, new_amount, effective_from, reason, **kwargs
) -> None:
    """A county correction of a confirmed case's amount (依法纠正, review) from a date: the
    recipient's amount changes from the month of that date (not before its first month),
    signed by the supervisor, with the correction's reasons and legal basis.

    The correction names the date it takes effect, so it reaches back (``recipient_change``
    with ``move_out_of_locked=False``, as for a 追缴 decision): when that month's roster is
    locked, the next roster pays the difference for the settled months as 补发 lines or
    recovers it as 追缴 lines (DOMAIN §7: the amount in force is what is due; a locked
    roster never changes). A case not yet in payment has no recipient: registration takes
    the corrected case amount. Nothing is written when the register already holds the
    amount from that month; a month in which the recipient is 暂停 / 停保 refuses the
    correction (no amount is paid then; correct it after resuming)."""
    recipient = Recipient.objects.filter(case=case).first()
    if recipient is None:
        return
    month = max(first_of_month(effective_from), recipient.first_month)
    state = state_for_month(recipient=recipient, month=month)
    if state is not None and state.monthly_amount == new_amount:
        return
    if state is not None and state.status in (RecipientStatus.SUSPENDED, RecipientStatus.STOPPED):
        raise ValidationError(
            {
                "effective_from": (
                    f"该对象{month:%Y年%m月}为“{state.get_status_display()}”，当月不发放，"
                    "不能纠正金额"
                )
            }
        )
    try:
        recipient_change(
            recipient=recipient,
            actor=actor,
            effective_month=month,
            reason=reason,
            kind=ChangeKind.AMOUNT,
            source_label=f"案件 {case.number} 县级依法纠正金额",
            monthly_amount=new_amount,
            move_out_of_locked=False,
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        errors: dict[str, list[str]] = {}
        for field, messages in exc.message_dict.items():
            errors.setdefault(CORRECTION_FIELDS.get(field, "__all__"), []).extend(messages)
        raise ValidationError(errors) from exc

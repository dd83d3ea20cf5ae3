"""Helpers shared by the intake services: validation errors, money and date parsing, the
role check for acts without a case, the case's policy, notices after commit."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.intake.models.household import MAX_MONTHLY_AMOUNT
from cases.models import (
    Case,
)
from relief.models import Role, User
from relief.notifications import notify, users_with_role
from relief.policy import Policy, policy_for


def _errors(errors: dict[str, Any]) -> None:
    if errors:
        raise ValidationError({k: v if isinstance(v, list) else [v] for k, v in errors.items()})


def _today() -> datetime.date:
    return timezone.localdate()


def parse_money(
    raw: Any, *, maximum: Decimal = MAX_MONTHLY_AMOUNT, required: bool = True
) -> Decimal:
    """A non-negative amount in yuan with at most 2 decimals; ValidationError in Chinese."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise ValidationError("请填写金额")
        return Decimal("0")
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError("金额须为数字")
    if not value.is_finite():
        raise ValidationError("金额须为数字")
    if value < 0:
        raise ValidationError("金额不能为负数")
    if value > maximum:
        raise ValidationError(f"金额超出合理范围（不超过{maximum:,.0f}元）")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError("金额最多保留两位小数")
    return value.quantize(Decimal("0.01"))


def _parse_date(raw: Any) -> datetime.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationError("日期格式应为 YYYY-MM-DD")


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("1", "true", "on", "yes", "是", "y")


def _require_role(actor: User, *roles: str, message: str | None = None) -> None:
    """For acts that concern no case yet (registering an application, the near-relative
    register); an act on a case asks cases.access.case_require_actor."""
    if not actor.has_role(*roles):
        labels = "、".join(Role(r).label for r in roles)
        raise ValidationError(message or f"此操作须由{labels}办理")


def _policy_for_case(case: Case) -> Policy:
    if case.frozen_policy:
        return case.policy

    return policy_for(case.township, _today())


def _save_case(case: Case, *fields: str) -> None:
    case.save(update_fields=[*fields, "updated_at"])


def _notify_after_commit(
    *, role: str, region_id: int, verb: str, url_name: str, url_args: list, key: str
) -> None:
    """In-app notice to everyone of ``role`` in a region, once per ``key``, after commit."""
    notify(
        users_with_role(role, region_id),
        verb=verb,
        url=reverse(url_name, args=url_args),
        dedupe_key=key,
    )

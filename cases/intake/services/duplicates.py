"""One open case per person and assistance category (DOMAIN): the refusal at the ID number
and the county supervisor's signed override, shared by registration and member edits."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from cases.intake import idnumbers
from cases.models import Case
from cases.rules import DUPLICATE_OVERRIDE, duplicate_message
from cases.workflow.services import case_log_event
from relief.models import Role, User
from relief.parsing import bounded_text

#: Why a duplicate override from anyone but a county supervisor is refused.
OVERRIDE_REFUSED = "只有县民政局监管人员可以同意重复申请；请删去同意理由"


def override_reason(actor: User, raw: str, errors: dict[str, Any]) -> str:
    """The stripped override reason; from anyone but a county supervisor it is refused."""
    reason = bounded_text({"reason": raw}, "reason", 500, errors, key="duplicate_override_reason")
    if reason and not actor.has_role(Role.COUNTY_SUPERVISOR):
        raise ValidationError({"duplicate_override_reason": [OVERRIDE_REFUSED]})
    return reason


def duplicate_errors(
    held: dict[str, list[Case]],
    ids: dict[str, int],
    override: str,
    errors: dict[str, Any],
    *,
    prefix: str,
) -> None:
    """Refuse each ID number held in another open case of the same category at its field
    (``prefix`` formatted with the member's row), unless a county supervisor overrides;
    an override with nothing to override is refused too."""
    if override:
        if not held:
            errors["duplicate_override_reason"] = (
                "没有同类在办案件需要同意；请删去同意理由，由乡镇经办人或村协理员办理"
            )
        return
    for number, row in ids.items():
        if number in held:
            errors.setdefault(f"{prefix.format(row)}id_number", duplicate_message(held[number]))


def log_override(case: Case, actor: User, reason: str, held: dict[str, list[Case]]) -> None:
    """The county supervisor's override, signed in the case log in the act's transaction."""
    case_log_event(
        case=case,
        name=DUPLICATE_OVERRIDE,
        label="县级同意重复申请",
        actor=actor,
        roles=(Role.COUNTY_SUPERVISOR,),
        opinion=reason,
        data={
            "cases": sorted({o.number for others in held.values() for o in others}),
            "id_numbers": sorted(idnumbers.mask(n) for n in held),
        },
    )

"""Form plumbing for the intake pages. Validation lives in cases/intake/services (shared with
the API); these helpers turn POST data into the dicts the services take, and a
service's ValidationError back into per-field messages for the templates."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from cases.intake.services.household import DISABILITY_TYPES, MEMBER_FIELDS
from cases.models import Asset, HukouType, IncomeItem, Member, NearRelative, Spending, Survey

MEMBER_ROWS = 6  # blank member rows on the application page (phone: scroll; empty rows ignored)
MEMBER_INPUTS = [f for f in MEMBER_FIELDS if f not in ("sex", "birth_date")] + ["sex", "birth_date"]

CHOICES = {
    "relation": [("", "请选择"), *Member.Relation.choices],
    "hukou_type": HukouType.choices,
    "sex": [("", "按身份证号自动识别"), *Member.Sex.choices],
    "work_capacity": Member.WorkCapacity.choices,
    "disability_type": [("", "无"), *[(d, d) for d in DISABILITY_TYPES]],
    "disability_grade": [("", "—"), ("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级")],
    "income_category": IncomeItem.Category.choices,
    "income_kind": IncomeItem.Kind.choices,
    "spending_category": Spending.Category.choices,
    "asset_kind": Asset.Kind.choices,
    "housing": [("", "请选择"), *Survey.Housing.choices],
    "position": NearRelative.Position.choices,
}


def errors_of(exc: ValidationError) -> dict[str, str]:
    """field → messages; messages without a field go under "all" (templates cannot read
    "__all__")."""
    if hasattr(exc, "error_dict"):
        return {("all" if k == "__all__" else k): "；".join(v) for k, v in exc.message_dict.items()}
    return {"all": "；".join(exc.messages)}


def member_rows_from_post(post) -> list[dict]:
    """The application page's member rows (``members-<i>-<field>``), skipping empty rows.
    Returns [{"index": original row, "data": {...}}]."""
    rows = []
    for i in range(int(post.get("members-TOTAL", MEMBER_ROWS) or MEMBER_ROWS)):
        data = {f: post.get(f"members-{i}-{f}", "").strip() for f in MEMBER_INPUTS}
        data["is_student"] = bool(post.get(f"members-{i}-is_student"))
        data["covered"] = bool(post.get(f"members-{i}-covered"))
        if not (data["name"] or data["id_number"]):
            continue
        rows.append({"index": i, "data": data})
    return rows


def member_data_from_post(post, prefix: str = "") -> dict:
    data = {f: post.get(prefix + f, "").strip() for f in MEMBER_INPUTS}
    data["is_student"] = bool(post.get(prefix + "is_student"))
    data["covered"] = bool(post.get(prefix + "covered"))
    return data


def renumber_member_errors(errors: dict[str, str], rows: list[dict]) -> dict[str, str]:
    """Services number member errors by position in the list they got; the page by row."""
    out = {}
    for key, message in errors.items():
        if key.startswith("members-") and key.count("-") >= 2:
            _, pos, field = key.split("-", 2)
            if pos.isdigit() and int(pos) < len(rows):
                key = f"members-{rows[int(pos)]['index']}-{field}"
        out[key] = message
    return out

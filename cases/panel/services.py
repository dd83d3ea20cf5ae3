"""Recording a meeting of the township's review panel (评审小组 / 集体研究, seed 001)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.access import case_require_actor
from cases.models import Case
from cases.panel.models import PanelMeeting, PanelReview
from cases.states import PRE_DECISION_STATES
from cases.workflow.services import case_log_event
from relief.models import Region, Role, User

PANEL_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER)
MAX_MEMBERS = 30


def _names(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = raw.replace("，", ",").replace("、", ",").replace("\n", ",").split(",")
    if not isinstance(raw, (list, tuple)):
        return []
    names: list[str] = []
    for item in raw:
        name = str(item).strip() if isinstance(item, (str, int)) else ""
        if name and name not in names:
            names.append(name)
    return names


def _date(raw: Any) -> datetime.date | None:
    if isinstance(raw, datetime.date):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


@transaction.atomic
def panel_meeting_record(
    *,
    actor: User,
    held_on: Any,
    members: Any,
    minutes: str,
    reviews: list[dict],
    client_address: str | None = None,
) -> PanelMeeting:
    """Record a meeting of the actor's township panel. ``reviews``: one dict per case
    reviewed, ``{"case": Case or pk, "conclusion": "agree"|"disagree", "opinions": {member:
    opinion}}`` with an opinion from every member present. Each case gets a signed log row.
    ValidationError (in Chinese, by field) saves nothing."""
    if not actor.has_role(*PANEL_ROLES) or actor.region is None:
        raise ValidationError("评审小组会议须由乡镇经办人或审核确认人登记")
    township = actor.region
    if township.level != Region.Level.TOWNSHIP:
        raise ValidationError("评审小组会议须由乡镇经办人或审核确认人登记")
    errors: dict[str, Any] = {}
    day = _date(held_on)
    if day is None:
        errors["held_on"] = "请填写会议日期（YYYY-MM-DD）"
    elif day > timezone.localdate():
        errors["held_on"] = "会议日期不能晚于今天"
    names = _names(members)
    if not names:
        errors["members"] = "请填写出席成员"
    elif len(names) > MAX_MEMBERS or any(len(n) > 40 for n in names):
        errors["members"] = f"出席成员最多{MAX_MEMBERS}人，每个姓名不超过40个字符"
    minutes = (minutes if isinstance(minutes, str) else "").strip()
    if not minutes:
        errors["minutes"] = "请填写会议纪要"
    elif "\x00" in minutes or len(minutes) > 10000:
        errors["minutes"] = "会议纪要不能超过10000个字符"
    if not isinstance(reviews, (list, tuple)) or not reviews:
        errors["reviews"] = "请至少选择一件审议的案件"
        reviews = []
    rows = []
    seen: set[int] = set()
    for i, review in enumerate(reviews):
        if not isinstance(review, dict):
            errors[f"reviews.{i}"] = "审议案件格式有误"
            continue
        case = review.get("case")
        if not isinstance(case, Case):
            pk = str(case or "").strip()
            case = Case.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
        if case is None or case.township_id != township.pk:
            errors[f"reviews.{i}"] = "请选择本乡镇的案件"
            continue
        if case.pk in seen:
            errors[f"reviews.{i}"] = f"案件 {case.number} 重复"
            continue
        seen.add(case.pk)
        try:
            case_require_actor(case=case, actor=actor, roles=PANEL_ROLES)
        except ValidationError as exc:
            errors[f"reviews.{i}"] = f"案件 {case.number}：{'；'.join(exc.messages)}"
            continue
        if case.state not in PRE_DECISION_STATES:
            errors[f"reviews.{i}"] = f"案件 {case.number} 已作出决定或已终止，不能再审议"
            continue
        conclusion = review.get("conclusion")
        if conclusion not in PanelReview.Conclusion.values:
            errors[f"reviews.{i}"] = f"案件 {case.number}：请选择评审结论"
            continue
        raw_opinions = review.get("opinions")
        given: dict = raw_opinions if isinstance(raw_opinions, dict) else {}
        opinions = []
        for name in names:
            text = given.get(name)
            text = text.strip() if isinstance(text, str) else ""
            if not text:
                errors[f"reviews.{i}"] = f"案件 {case.number}：请填写{name}的意见"
                break
            if len(text) > 500:
                errors[f"reviews.{i}"] = f"案件 {case.number}：{name}的意见不能超过500个字符"
                break
            opinions.append({"member": name, "opinion": text})
        else:
            rows.append((case, conclusion, opinions))
    if errors or day is None:
        raise ValidationError({k: v if isinstance(v, list) else [v] for k, v in errors.items()})
    meeting = PanelMeeting.objects.create(
        township=township, held_on=day, members=names, minutes=minutes, recorded_by=actor
    )
    for case, conclusion, opinions in rows:
        PanelReview.objects.create(
            meeting=meeting, case=case, conclusion=conclusion, opinions=opinions
        )
        case_log_event(
            case=case,
            name="panel_review",
            label="评审小组集体研究",
            actor=actor,
            roles=PANEL_ROLES,
            opinion=PanelReview.Conclusion(conclusion).label,
            client_address=client_address,
            data={"meeting": meeting.pk, "held_on": day.isoformat(), "members": names},
        )
    return meeting

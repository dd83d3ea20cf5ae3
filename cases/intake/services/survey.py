"""The home-visit survey (入户调查), with its photos stored in the household's file."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from archive.services import document_upload
from archive.sniff import JPEG, PNG
from cases.access import case_require_actor
from cases.intake.services.amounts import _auto_compute
from cases.intake.services.common import (
    _errors,
    _parse_date,
    _policy_for_case,
    _save_case,
    _today,
)
from cases.models import (
    Case,
    Survey,
)
from cases.states import SURVEY_STATES
from relief.models import Role, User


def _clean_investigators(raw: str | Iterable[str] | None) -> list[str]:
    if isinstance(raw, str):
        raw = raw.replace("，", ",").replace("、", ",").split(",")
    names, seen = [], set()
    for name in raw or []:
        name = str(name).strip()
        if name and name not in seen:
            seen.add(name)
            names.append(name[:40])
    return names


def survey_save(
    *, case: Case, actor: User, data: dict, finish: bool, photos: Iterable = ()
) -> Survey:
    """入户调查 (A Art.16): saved as a draft any time; finishing needs the date, at least
    ``min_investigators`` (policy) distinct named investigators, living conditions and
    findings. Photos are stored in the same transaction: one bad photo saves nothing."""

    case_require_actor(case=case, actor=actor, roles=())
    if actor.has_role(Role.TOWNSHIP_CLERK) and actor.region_id == case.township_id:
        pass
    elif actor.has_role(Role.VILLAGE_ASSISTANT) and actor.region_id == case.village_id:
        pass
    else:
        raise ValidationError("只有本村协理员或乡镇经办人可以填写入户调查")
    if case.state not in SURVEY_STATES:
        raise ValidationError(f"案件处于“{case.get_state_display()}”状态，不能填写入户调查")
    errors: dict[str, str] = {}
    investigators = _clean_investigators(data.get("investigators"))
    try:
        visit_date = _parse_date(data.get("visit_date"))
    except ValidationError as exc:
        errors["visit_date"] = exc.messages[0]
        visit_date = None
    if visit_date and visit_date > _today():
        errors["visit_date"] = "调查日期不能晚于今天"
    if visit_date and case.accepted_on and visit_date < case.accepted_on:
        errors["visit_date"] = "调查日期不能早于受理日期"
    housing = data.get("housing") or ""
    if housing and housing not in Survey.Housing.values:
        errors["housing"] = "请选择住房情况"
    living = str(data.get("living_conditions") or "").strip()
    findings = str(data.get("findings") or "").strip()
    if finish:
        minimum = _policy_for_case(case).min_investigators
        if len(investigators) < minimum:
            errors["investigators"] = (
                f"入户调查须至少{minimum}名调查人员（当前{len(investigators)}名）"
            )
        if not visit_date and "visit_date" not in errors:
            errors["visit_date"] = "请填写调查日期"
        if not living:
            errors["living_conditions"] = "请填写生活状况"
        if not findings:
            errors["findings"] = "请填写调查结论"
    _errors(errors)
    with transaction.atomic():
        survey, _ = Survey.objects.select_for_update().get_or_create(
            case=case, defaults={"recorded_by": actor}
        )
        survey.visit_date = visit_date
        survey.investigators = investigators
        survey.housing = housing
        survey.living_conditions = living
        survey.findings = findings
        survey.recorded_by = actor
        survey.status = Survey.Status.COMPLETE if finish else Survey.Status.DRAFT
        survey.completed_at = timezone.now() if finish else None
        survey.save()
        for photo in photos:
            document_upload(
                case=case,
                kind="survey_photo",
                uploaded_file=photo,
                actor=actor,
                title="入户调查照片",
                allowed=(JPEG, PNG),
            )
        case.survey_status = "complete" if finish else "draft"
        _save_case(case, "survey_status")
        if finish:
            _auto_compute(case, actor)
    return survey

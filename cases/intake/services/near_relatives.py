"""The near-relative register (近亲属备案) and the flag it sets on cases."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases.access import AccessRefused, near_relative_entry_reason
from cases.intake import idnumbers
from cases.intake.services.common import _errors, _require_role, _save_case
from cases.models import (
    Case,
    NearRelative,
)
from cases.rules import near_relative_matches
from cases.states import EDITABLE_STATES
from cases.workflow.services import case_log_event
from relief.models import Region, Role, User
from relief.parsing import as_pk, bounded_text
from relief.scoping import townships_for_user


def case_refresh_near_relative_flag(case: Case) -> bool:
    """A Art.11: a case with a member registered as a worker's near relative is flagged."""

    flag = near_relative_matches(case).exists()
    if flag != case.near_relative_flag:
        case.near_relative_flag = flag
        _save_case(case, "near_relative_flag")
    return flag


def _cases_with_ids(county_id: int | None, id_numbers: Iterable[str]) -> QuerySet[Case]:
    """The open cases of the county with one of these people: the ones an entry flags."""
    return Case.objects.filter(
        township__parent_id=county_id,
        household__members__id_number__in=list(id_numbers),
        state__in=EDITABLE_STATES,
    ).distinct()


def _refresh_flags_for_ids(county_id: int | None, id_numbers: Iterable[str]) -> int:
    changed = 0
    for case in _cases_with_ids(county_id, id_numbers):
        before = case.near_relative_flag
        if case_refresh_near_relative_flag(case) != before:
            changed += 1
    return changed


@transaction.atomic
def near_relative_register(*, actor: User, data: dict) -> NearRelative:
    """Register a worker's near relative; open cases in the county with that person are
    flagged at once (and the worker, if linked to an account, is recused from them)."""

    _require_role(
        actor,
        Role.TOWNSHIP_CLERK,
        Role.TOWNSHIP_APPROVER,
        Role.COUNTY_SUPERVISOR,
        Role.ADMINISTRATOR,
    )
    errors: dict[str, str] = {}
    townships = townships_for_user(actor)
    township = data.get("township")
    if township is None and actor.region and actor.region.level == Region.Level.TOWNSHIP:
        township = actor.region
    if not isinstance(township, Region | None):
        pk = as_pk(township)
        township = townships.filter(pk=pk).first() if pk else None
    if township is None or not townships.filter(pk=township.pk).exists():
        errors["township"] = "请选择本辖区的乡镇(街道)"
    village = data.get("village")
    if village is not None and not isinstance(village, Region):
        pk = as_pk(village)
        village = Region.objects.filter(pk=pk, level=Region.Level.VILLAGE).first() if pk else None
        if village is None:
            errors["village"] = "请选择村(社区)"
    if village and township and village.parent_id != township.pk:
        errors["village"] = "村(社区)不属于所选乡镇"
    worker_name = bounded_text(data, "worker_name", 40, errors)
    if not worker_name and "worker_name" not in errors:
        errors["worker_name"] = "请填写工作人员姓名"
    position = data.get("worker_position") or ""
    if position not in NearRelative.Position.values:
        errors["worker_position"] = "请选择工作人员身份"
    worker_user = data.get("worker_user") or None
    if worker_user is not None:
        if not isinstance(worker_user, User):
            pk = as_pk(worker_user)
            worker_user = User.objects.filter(pk=pk).first() if pk else None
        if (
            worker_user is None
            or worker_user.region is None
            or worker_user.region.county.pk != (township.parent_id if township else None)
        ):
            errors["worker_user"] = "请选择本县的系统账号"
    relative_name = bounded_text(data, "relative_name", 40, errors)
    if not relative_name and "relative_name" not in errors:
        errors["relative_name"] = "请填写亲属姓名"
    relation = bounded_text(data, "relation", 20, errors)
    if not relation and "relation" not in errors:
        errors["relation"] = "请填写亲属关系"
    try:
        number = idnumbers.parse_id_number(str(data.get("relative_id_number") or "")).number
    except ValidationError as exc:
        errors["relative_id_number"] = exc.messages[0]
        number = ""
    if (
        number
        and township
        and NearRelative.objects.filter(
            active=True,
            relative_id_number=number,
            worker_name=worker_name,
            township__parent_id=township.parent_id,
        ).exists()
    ):
        errors["relative_id_number"] = "该亲属已由同一工作人员备案"
    _errors(errors)
    if township is None:  # already refused above; this tells the type checker too
        raise ValidationError({"township": "请选择本辖区的乡镇(街道)"})
    entry = NearRelative.objects.create(
        worker_name=worker_name,
        worker_position=position,
        worker_user=worker_user,
        township=township,
        village=village or None,
        relative_name=relative_name,
        relative_id_number=number,
        relation=relation,
        registered_by=actor,
    )
    _refresh_flags_for_ids(township.parent_id, [number])
    return entry


@transaction.atomic
def near_relative_deactivate(
    *, actor: User, entry: NearRelative, reason: str, client_address: str | None = None
) -> NearRelative:
    """Lift an entry: by another worker of its township or of the county (never the worker
    it recuses nor the relative), with a reason. Every open case it flagged gets a signed
    log row, and its flag (so the county's mandatory visit) is recomputed."""
    _require_role(
        actor,
        Role.TOWNSHIP_CLERK,
        Role.TOWNSHIP_APPROVER,
        Role.COUNTY_SUPERVISOR,
        Role.ADMINISTRATOR,
    )
    refused = near_relative_entry_reason(entry=entry, actor=actor)
    if refused:
        raise AccessRefused(refused)
    if not townships_for_user(actor).filter(pk=entry.township_id).exists():
        raise AccessRefused("只能由该备案所在乡镇(街道)或县(区)的工作人员撤销")
    entry = NearRelative.objects.select_for_update().get(pk=entry.pk)
    if not entry.active:
        raise ValidationError("该备案已撤销")
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": "请填写撤销理由"})
    if len(reason) > 200:
        raise ValidationError({"reason": "撤销理由不能超过200个字符"})
    touched = list(_cases_with_ids(entry.township.parent_id, [entry.relative_id_number]))
    entry.active = False
    entry.deactivated_by = actor
    entry.deactivated_at = timezone.now()
    entry.deactivation_reason = reason
    entry.save(update_fields=["active", "deactivated_by", "deactivated_at", "deactivation_reason"])
    for case in touched:
        before = case.near_relative_flag
        flag = case_refresh_near_relative_flag(case)
        case_log_event(
            case=case,
            name="deactivate_near_relative",
            label="撤销近亲属备案",
            actor=actor,
            roles=(actor.role,),
            opinion=reason,
            client_address=client_address,
            data={
                "near_relative": entry.pk,
                "worker_name": entry.worker_name,
                "flag_before": before,
                "flag_after": flag,
                "county_visit_required": flag or case.complaint_flag,
            },
        )
    return entry

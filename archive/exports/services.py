"""Archive exports: a county supervisor (the county's townships) or a township clerk (their
own township) asks for the case files of township(s) × type(s) × decision-date range ×
states. The selection is frozen when asked; a background job writes the ZIP; a download is
re-checked against the user's rights at that moment; every step is logged."""

from __future__ import annotations

import datetime
from typing import BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from archive.exports.build import export_file_path
from archive.models import ArchiveAccessLog, ArchiveExport
from archive.selectors import archive_cases_for_user
from archive.tasks import build_export
from cases.models import Case
from cases.states import FILE_COMPLETE_STATES
from relief.jobs import job_fail, job_start
from relief.models import AssistanceType, Region, Role, User
from relief.scoping import townships_for_user

EXPORT_KIND = "archive_export"
EXPORT_ROLES = (Role.COUNTY_SUPERVISOR, Role.TOWNSHIP_CLERK)
#: States a file can be exported in (cases.states).
EXPORT_STATES = FILE_COMPLETE_STATES


def may_export(user: User) -> bool:
    return user.is_authenticated and user.has_role(*EXPORT_ROLES)


def _require_exporter(user: User) -> None:
    if not may_export(user):
        raise PermissionDenied("只有县民政局监管人员或乡镇民政经办人可以导出档案")


def export_criteria_clean(*, user: User, data: dict) -> dict:
    """Validate a request (from the form or the API); errors in Chinese at their field."""
    errors: dict[str, str] = {}
    allowed = {t.pk: t for t in townships_for_user(user)}
    township_ids = [int(t) for t in data.get("townships") or []]
    type_codes = [str(t) for t in data.get("types") or []]
    states = [str(s) for s in data.get("states") or []]
    if not township_ids:
        errors["townships"] = "请至少选择一个乡镇(街道)"
    elif any(t not in allowed for t in township_ids):
        names = Region.objects.filter(pk__in=[t for t in township_ids if t not in allowed])
        errors["townships"] = "不能导出其他乡镇(街道)的案件：" + "、".join(
            sorted(r.name for r in names) or ["未知乡镇"]
        )
    known_types = set(AssistanceType.objects.values_list("code", flat=True))
    if not type_codes:
        errors["types"] = "请至少选择一种救助类型"
    elif any(t not in known_types for t in type_codes):
        errors["types"] = "救助类型不存在"
    if not states:
        errors["states"] = "请至少选择一种案件状态"
    elif any(s not in EXPORT_STATES for s in states):
        errors["states"] = "只能导出已作出决定或已办结的案件"
    date_from, date_to = data.get("date_from"), data.get("date_to")
    if not date_from:
        errors["date_from"] = "请填写决定日期起"
    if not date_to:
        errors["date_to"] = "请填写决定日期止"
    if date_from and date_to and date_from > date_to:
        errors["date_to"] = "决定日期止不能早于决定日期起"
    if errors or not (date_from and date_to):
        raise ValidationError(errors)
    return {
        "townships": sorted(township_ids),
        "types": sorted(type_codes),
        "states": sorted(states),
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
    }


def export_cases(*, user: User, criteria: dict) -> QuerySet[Case]:
    """The cases a request covers, in the order they go into the ZIP."""
    return (
        archive_cases_for_user(user=user)
        .filter(
            township_id__in=criteria["townships"],
            assistance_type__code__in=criteria["types"],
            state__in=criteria["states"],
            decided_on__gte=datetime.date.fromisoformat(criteria["date_from"]),
            decided_on__lte=datetime.date.fromisoformat(criteria["date_to"]),
        )
        .order_by("township__code", "village__code", "number", "pk")
    )


@transaction.atomic
def export_request(*, user: User, data: dict, client_address: str | None = None) -> ArchiveExport:
    """Freeze the selection and queue the job (after commit). A selection without cases is
    refused: no empty ZIP is ever made."""
    _require_exporter(user)
    criteria = export_criteria_clean(user=user, data=data)
    case_ids = list(export_cases(user=user, criteria=criteria).values_list("pk", flat=True))
    if not case_ids:
        raise ValidationError(
            "所选条件下没有案件（0 件），未生成导出文件；请调整乡镇、类型、日期或状态"
        )
    job = job_start(kind=EXPORT_KIND, owner=user, task=build_export, params=criteria)
    export = ArchiveExport.objects.create(
        job=job,
        requested_by=user,
        requested_at=timezone.now().replace(microsecond=0),
        criteria=criteria,
        case_ids=case_ids,
        total=len(case_ids),
        message="排队中",
    )
    ArchiveAccessLog.objects.create(
        action=ArchiveAccessLog.Action.REQUEST,
        actor=user,
        export=export,
        case_ids=case_ids,
        note=f"{len(case_ids)} 件",
        client_address=client_address,
    )
    return export


@transaction.atomic
def export_cancel(*, export: ArchiveExport, actor: User, client_address: str | None = None) -> None:
    export = ArchiveExport.objects.select_for_update().get(pk=export.pk)
    if export.finished:
        raise ValidationError("该导出已结束，不能取消")
    export.cancel_requested = True
    fields = ["cancel_requested"]
    if export.status == ArchiveExport.Status.PENDING:
        # Not started: nothing to stop; the task finds it cancelled and does nothing.
        export.status = ArchiveExport.Status.CANCELLED
        export.finished_at = timezone.now()
        export.message = "已取消"
        fields += ["status", "finished_at", "message"]
        job_fail(export.job_id, message="已取消")
    export.save(update_fields=fields)
    ArchiveAccessLog.objects.create(
        action=ArchiveAccessLog.Action.CANCEL,
        actor=actor,
        export=export,
        case_ids=export.case_ids,
        client_address=client_address,
    )


def export_open_for_download(
    *, export: ArchiveExport, user: User, client_address: str | None = None
) -> BinaryIO:
    """The finished ZIP, opened for reading, if ``user`` may still see every case in it;
    otherwise the refusal is logged and PermissionDenied raised with the reason."""

    def refuse(reason: str) -> None:
        ArchiveAccessLog.objects.create(
            action=ArchiveAccessLog.Action.REFUSED,
            actor=user,
            export=export,
            case_ids=export.case_ids,
            note=reason,
            client_address=client_address,
        )
        raise PermissionDenied(reason)

    if export.status != ArchiveExport.Status.DONE or not export.file_path:
        raise ValidationError("导出文件尚未生成完成")
    if not may_export(user):
        refuse("您的角色已变更，不能下载档案导出文件")
    visible = archive_cases_for_user(user=user).filter(pk__in=export.case_ids).count()
    if visible != len(export.case_ids):
        refuse("您的权限已变更，导出文件中有您无权查看的案件，不能下载")
    try:
        handle = open(export_file_path(export), "rb")
    except FileNotFoundError:
        raise ValidationError("导出文件已过期删除，请重新导出")
    ArchiveAccessLog.objects.create(
        action=ArchiveAccessLog.Action.DOWNLOAD,
        actor=user,
        export=export,
        case_ids=export.case_ids,
        note=f"SHA-256 {export.file_sha256}",
        client_address=client_address,
    )
    return handle

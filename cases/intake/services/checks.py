"""The county's economic check (经济状况核对): request, and the result returned per member."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from archive.services import document_upload
from archive.sniff import PDF
from cases.access import case_require_actor
from cases.intake import idnumbers
from cases.intake.models.household import MAX_ASSET_VALUE, MAX_MONTHLY_AMOUNT
from cases.intake.models.records import CheckImportBatch
from cases.intake.services.amounts import _auto_compute
from cases.intake.services.common import (
    _bool,
    _errors,
    _notify_after_commit,
    _save_case,
    parse_money,
)
from cases.models import (
    Case,
    CaseState,
    CheckMemberResult,
    EconomicCheck,
    Member,
)
from cases.states import CHECK_REQUEST_STATES
from cases.workflow.services import case_transition
from relief.models import Role, User


@transaction.atomic
def check_request(*, case: Case, actor: User) -> EconomicCheck:
    """The clerk asks the county check agency (A Art.17: it starts within 3 working days)."""
    case_require_actor(case=case, actor=actor, roles=(Role.TOWNSHIP_CLERK,))
    if case.state not in CHECK_REQUEST_STATES:
        raise ValidationError(
            f"案件处于“{case.get_state_display()}”状态，不能申请经济状况核对（须先受理）"
        )
    if case.economic_checks.filter(status=EconomicCheck.Status.REQUESTED).exists():
        raise ValidationError("已申请核对，正在等待县核对机构返回")
    county_id = case.township.parent_id
    if county_id is None:
        raise ValidationError("案件所属乡镇(街道)未设上级县(区)，无法申请核对")
    check = EconomicCheck.objects.create(case=case, requested_by=actor)
    case.check_status = "requested"
    _save_case(case, "check_status")
    _notify_after_commit(
        role=Role.COUNTY_VERIFIER,
        region_id=county_id,
        verb=f"{case.township.name}申请家庭经济状况核对：案件 {case.number}",
        url_name="cases:check_return",
        url_args=[check.pk],
        key=f"check-request:{check.pk}",
    )
    return check


RESULT_FIELDS = (
    "monthly_income",
    "deposits",
    "vehicles",
    "properties",
    "business_registered",
    "note",
)


def clean_member_results(case: Case, rows: list[dict], *, prefix: str = "results") -> list[dict]:
    """Per-member summary figures of a check report; errors keyed ``results-<i>-<field>``."""
    errors: dict[str, str] = {}
    members = {m.id_number: m for m in Member.objects.filter(household_id=case.household_id)}
    out, seen = [], set()
    for i, row in enumerate(rows):
        key = f"{prefix}-{i}-"
        number = idnumbers.normalise(str(row.get("id_number") or ""))
        member = members.get(number)
        if member is None:
            errors[key + "id_number"] = "该身份证号不是本户成员"
            continue
        if number in seen:
            errors[key + "id_number"] = "同一成员重复填写"
            continue
        seen.add(number)
        clean: dict[str, Any] = {"member": member, "name": member.name, "id_number": number}
        for f in ("monthly_income", "deposits"):
            try:
                clean[f] = parse_money(
                    row.get(f),
                    maximum=MAX_ASSET_VALUE if f == "deposits" else MAX_MONTHLY_AMOUNT,
                    required=False,
                )
            except ValidationError as exc:
                errors[key + f] = exc.messages[0]
        for f in ("vehicles", "properties"):
            raw = row.get(f)
            try:
                clean[f] = int(str(raw).strip()) if raw not in (None, "") else 0
                if not 0 <= clean[f] <= 1000:
                    raise ValueError
            except (TypeError, ValueError):
                errors[key + f] = "应为0至1000的整数"
        clean["business_registered"] = _bool(row.get("business_registered", False))
        clean["note"] = str(row.get("note") or "").strip()[:200]
        out.append(clean)
    _errors(errors)
    return out


def check_return(
    *,
    check: EconomicCheck,
    actor: User,
    conclusion: str,
    conclusion_note: str = "",
    member_results: list[dict],
    report_file: UploadedFile | None = None,
    import_batch: CheckImportBatch | None = None,
) -> EconomicCheck:
    """The county verifier records the report (summary per member, conclusion, the report
    PDF) and returns it; a case waiting in CHECKING moves on (``finish_check``)."""

    case = check.case
    case_require_actor(case=case, actor=actor, roles=(Role.COUNTY_VERIFIER,))
    errors: dict[str, Any] = {}
    if check.status != EconomicCheck.Status.REQUESTED:
        raise ValidationError("该核对已返回，不能重复返回")
    if conclusion not in EconomicCheck.Conclusion.values:
        errors["conclusion"] = "请选择核对结论"
    if report_file is None and import_batch is None:
        errors["report"] = "请上传核对报告（PDF）"
    try:
        results = clean_member_results(case, member_results)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        results = []
    if not results and not any(k.startswith("results-") for k in errors):
        errors["results"] = "请至少填写一名成员的核对结果"
    _errors(errors)
    with transaction.atomic():
        check = EconomicCheck.objects.select_for_update().get(pk=check.pk)
        if check.status != EconomicCheck.Status.REQUESTED:
            raise ValidationError("该核对已返回，不能重复返回")
        if report_file is not None:
            check.report = document_upload(
                case=case,
                kind="check_report",
                uploaded_file=report_file,
                actor=actor,
                title="家庭经济状况核对报告",
                allowed=(PDF,),
            )
        for r in results:
            CheckMemberResult.objects.create(economic_check=check, **r)
        check.status = EconomicCheck.Status.RETURNED
        check.conclusion = conclusion
        check.conclusion_note = str(conclusion_note or "").strip()
        check.returned_by = actor
        check.returned_at = timezone.now()
        check.import_batch = import_batch
        check.save()
        case.check_status = "returned"
        _save_case(case, "check_status")
        if case.state == CaseState.CHECKING:
            case_transition(
                case=case, name="finish_check", actor=actor, data={"economic_check": check.pk}
            )
        _auto_compute(case, actor)
    return check

"""Intake pages: thin views over cases/intake/services; every case comes through
case_get_for_user (404 outside the user's region)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from archive.services import document_upload as upload
from cases.access import near_relative_entry_reason
from cases.intake import forms as f
from cases.intake.check_import import (
    COLUMNS,
    REQUIRED,
    ImportRejected,
    check_results_import,
    read_upload,
)
from cases.intake.selectors import (
    case_intake_context,
    check_get_for_user,
    check_queue_for_user,
    near_relative_get_for_user,
    near_relatives_for_user,
)
from cases.intake.services import amounts as amounts_services
from cases.intake.services import application as application_services
from cases.intake.services import checks as checks_services
from cases.intake.services import household as household_services
from cases.intake.services import near_relatives as near_relatives_services
from cases.intake.services import survey as survey_services
from cases.models import (
    Asset,
    Case,
    EconomicCheck,
    IncomeItem,
    Member,
    NearRelative,
    Spending,
    TekunAssessment,
)
from cases.workflow.selectors import case_get_for_user
from cases.workflow.services import CaseChanged, TransitionRefused
from relief.models import AssistanceType, Role, User
from relief.scoping import regions_for_user, townships_for_user, villages_for_user

ITEM_MODELS = {"income": IncomeItem, "spending": Spending, "asset": Asset}


def _client(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _intake_url(case: Case, anchor: str = "") -> str:
    return reverse("cases:intake", args=[case.pk]) + (f"#{anchor}" if anchor else "")


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, template, context, status=status)


@login_required
def application_new(request):
    """A clerk registers an application; a village assistant registers a discovered
    household (主动发现) as a draft for the township clerk."""
    user = request.user
    if not user.has_role(Role.TOWNSHIP_CLERK, Role.VILLAGE_ASSISTANT):
        raise PermissionDenied
    villages = list(villages_for_user(user).order_by("code"))
    types = list(AssistanceType.objects.filter(active=True))
    errors: dict[str, str] = {}
    data = {
        "source": "discovered" if user.has_role(Role.VILLAGE_ASSISTANT) else "application",
        "hukou_type": "rural",
    }
    rows = []
    if request.method == "POST":
        post = request.POST
        data = {
            k: post.get(k, "").strip()
            for k in (
                "village",
                "assistance_type",
                "source",
                "address",
                "hukou_type",
                "phone",
                "bank_name",
                "bank_account",
                "proxy_name",
                "proxy_id_number",
                "proxy_relation",
            )
        }
        rows = f.member_rows_from_post(post)
        village = next((v for v in villages if str(v.pk) == data["village"]), None)
        atype = next((t for t in types if str(t.pk) == data["assistance_type"]), None)
        try:
            case = application_services.application_create(
                actor=user,
                village=village,
                assistance_type=atype,
                household=data,
                members=[r["data"] for r in rows],
                source=data["source"],
                proxy=data,
            )
        except ValidationError as exc:
            errors = f.renumber_member_errors(f.errors_of(exc), rows)
        else:
            messages.success(request, f"已登记申请，案件编号 {case.number}")
            return redirect(_intake_url(case))
    by_index = {r["index"]: r["data"] for r in rows}
    member_rows = [
        {
            "index": i,
            "prefix": f"members-{i}-",
            "data": by_index.get(i, {"relation": "", "hukou_type": "rural", "covered": True}),
            "errors": {
                k.split("-", 2)[2]: v for k, v in errors.items() if k.startswith(f"members-{i}-")
            },
        }
        for i in range(f.MEMBER_ROWS)
    ]
    return _render(
        request,
        "cases/intake/application_form.html",
        {
            "page_title": "登记救助申请",
            "villages": villages,
            "type_choices": [("", "请选择"), *[(str(t.pk), t.name) for t in types]],
            "data": data,
            "errors": errors,
            "member_rows": member_rows,
            "member_total": f.MEMBER_ROWS,
            "choices": f.CHOICES,
            "sources": Case.Source.choices,
        },
        status=400 if errors else 200,
    )


@login_required
def case_intake(request, pk: int):
    """The case's intake file (一户一档): household, documents, survey, check, amount."""
    case = case_get_for_user(user=request.user, pk=pk)
    context = {
        "case": case,
        "page_title": f"案件 {case.number} · 受理材料",
        "choices": f.CHOICES,
        "intake": case_intake_context(case, request.user),
    }
    return _render(request, "cases/intake/case_intake.html", context)


@login_required
def household_edit(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    hh = case.household
    data = {
        k: getattr(hh, k) for k in ("address", "hukou_type", "phone", "bank_name", "bank_account")
    }
    errors = {}
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in data}
        try:
            household_services.household_update(case=case, actor=request.user, data=data)
        except ValidationError as exc:
            errors = f.errors_of(exc)
        else:
            messages.success(request, "家庭基本信息已保存")
            return redirect(_intake_url(case, "household"))
    return _render(
        request,
        "cases/intake/household_form.html",
        {
            "case": case,
            "data": data,
            "errors": errors,
            "choices": f.CHOICES,
            "page_title": "家庭基本信息",
        },
        status=400 if errors else 200,
    )


@login_required
def member_edit(request, pk: int, member_pk: int | None = None):
    case = case_get_for_user(user=request.user, pk=pk)
    member = (
        get_object_or_404(Member, pk=member_pk, household_id=case.household_id)
        if member_pk
        else None
    )
    data = (
        {k: getattr(member, k) for k in f.MEMBER_INPUTS}
        if member
        else {"hukou_type": case.household.hukou_type, "covered": True}
    )
    errors = {}
    if request.method == "POST":
        data = f.member_data_from_post(request.POST)
        try:
            household_services.member_save(case=case, actor=request.user, data=data, member=member)
        except ValidationError as exc:
            errors = f.errors_of(exc)
        else:
            messages.success(request, "家庭成员已保存")
            return redirect(_intake_url(case, "household"))
    return _render(
        request,
        "cases/intake/member_form.html",
        {
            "case": case,
            "member": member,
            "data": data,
            "errors": errors,
            "choices": f.CHOICES,
            "page_title": "编辑家庭成员" if member else "添加家庭成员",
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def member_delete(request, pk: int, member_pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    member = get_object_or_404(Member, pk=member_pk, household_id=case.household_id)
    try:
        household_services.member_delete(case=case, actor=request.user, member=member)
        messages.success(request, f"已删除成员 {member.name}")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(_intake_url(case, "household"))


@login_required
def item_edit(request, pk: int, kind: str, item_pk: int | None = None):
    if kind not in ITEM_MODELS:
        raise Http404
    case = case_get_for_user(user=request.user, pk=pk)
    item = (
        get_object_or_404(ITEM_MODELS[kind], pk=item_pk, household_id=case.household_id)
        if item_pk
        else None
    )
    fields = ["member", "category", "kind", "description", "monthly_amount", "quantity", "value"]
    data = {k: getattr(item, k + "_id" if k == "member" else k, "") for k in fields} if item else {}
    errors = {}
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in fields}
        try:
            household_services.household_item_save(
                case=case, actor=request.user, kind=kind, data=data, item=item
            )
        except ValidationError as exc:
            errors = f.errors_of(exc)
        else:
            messages.success(request, f"{household_services.ITEM_LABELS[kind]}已保存")
            return redirect(_intake_url(case, "household"))
    return _render(
        request,
        "cases/intake/item_form.html",
        {
            "case": case,
            "kind": kind,
            "kind_label": household_services.ITEM_LABELS[kind],
            "item": item,
            "data": data,
            "errors": errors,
            "choices": f.CHOICES,
            "members": case.household.members.order_by("pk"),
            "page_title": household_services.ITEM_LABELS[kind],
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def item_delete(request, pk: int, kind: str, item_pk: int):
    if kind not in ITEM_MODELS:
        raise Http404
    case = case_get_for_user(user=request.user, pk=pk)
    item = get_object_or_404(ITEM_MODELS[kind], pk=item_pk, household_id=case.household_id)
    try:
        household_services.household_item_delete(
            case=case, actor=request.user, kind=kind, item=item
        )
        messages.success(request, "已删除")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(_intake_url(case, "household"))


@login_required
@require_POST
def checklist(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    try:
        application_services.checklist_update(
            case=case,
            actor=request.user,
            provided=request.POST.getlist("provided"),
            notes={k[5:]: v for k, v in request.POST.items() if k.startswith("note-")},
        )
        messages.success(
            request,
            "材料清单已保存" + ("，材料齐全" if case.documents_complete else "，仍有材料未提供"),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(_intake_url(case, "documents"))


@login_required
def document_notice(request, pk: int):
    """GET: the printable 一次性告知书; POST: issue it (request_documents)."""
    case = case_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            application_services.case_issue_document_notice(
                case=case, actor=request.user, client_address=_client(request)
            )
        except (ValidationError, TransitionRefused) as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect(_intake_url(case, "documents"))
        except CaseChanged as exc:
            messages.error(request, str(exc))
            return redirect(_intake_url(case, "documents"))
        return redirect("cases:document_notice", pk=case.pk)
    notice = case.document_notices.first()
    if notice is None:
        raise Http404
    return _render(
        request,
        "cases/intake/document_notice.html",
        {"case": case, "notice": notice, "page_title": "一次性告知书"},
    )


@login_required
@require_POST
def accept(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    try:
        application_services.case_accept(
            case=case, actor=request.user, client_address=_client(request)
        )
        messages.success(request, f"已受理（{case.accepted_on:%Y-%m-%d}）")
    except (ValidationError, TransitionRefused) as exc:
        messages.error(request, "不能受理：" + "；".join(exc.messages))
    except CaseChanged as exc:
        messages.error(request, str(exc))
    return redirect(_intake_url(case))


@login_required
@require_POST
def return_to_village(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    try:
        application_services.case_return_to_village(
            case=case,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            client_address=_client(request),
        )
        messages.success(request, "已退回村级补充")
    except (ValidationError, TransitionRefused) as exc:
        messages.error(request, "；".join(exc.messages))
    except CaseChanged as exc:
        messages.error(request, str(exc))
    return redirect(_intake_url(case))


@login_required
def survey(request, pk: int):
    """Phone-friendly home-visit survey: save as draft or finish (≥ 2 investigators)."""
    case = case_get_for_user(user=request.user, pk=pk)
    existing = getattr(case, "survey", None) if hasattr(case, "survey") else None
    data = {
        "visit_date": existing.visit_date.isoformat() if existing and existing.visit_date else "",
        "investigators": list(existing.investigators) if existing else [],
        "housing": existing.housing if existing else "",
        "living_conditions": existing.living_conditions if existing else "",
        "findings": existing.findings if existing else "",
    }
    errors = {}
    if request.method == "POST":
        data = {
            "visit_date": request.POST.get("visit_date", ""),
            "investigators": [n for n in request.POST.getlist("investigators") if n.strip()],
            "housing": request.POST.get("housing", ""),
            "living_conditions": request.POST.get("living_conditions", ""),
            "findings": request.POST.get("findings", ""),
        }
        finish = request.POST.get("action") == "finish"
        try:
            survey_services.survey_save(
                case=case,
                actor=request.user,
                data=data,
                finish=finish,
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            errors = f.errors_of(exc)
            if "file" in errors:
                errors["photos"] = errors.pop("file")
        else:
            messages.success(
                request, "入户调查已完成" if finish else "入户调查草稿已保存，可稍后继续填写"
            )
            return redirect("cases:survey", pk=case.pk)
    names = data["investigators"] + [""] * max(0, 3 - len(data["investigators"]))
    photos = case.documents.filter(kind="survey_photo")
    return _render(
        request,
        "cases/intake/survey_form.html",
        {
            "case": case,
            "survey": existing,
            "data": data,
            "names": names,
            "errors": errors,
            "choices": f.CHOICES,
            "photos": photos,
            "page_title": "入户调查",
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def check_request(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    try:
        checks_services.check_request(case=case, actor=request.user)
        messages.success(request, "已申请家庭经济状况核对")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(_intake_url(case, "check"))


@login_required
def check_queue(request):
    if not request.user.has_role(Role.COUNTY_VERIFIER):
        raise PermissionDenied
    checks = list(check_queue_for_user(user=request.user)[:200])
    return _render(
        request, "cases/intake/check_queue.html", {"checks": checks, "page_title": "核对队列"}
    )


@login_required
def check_return(request, check_pk: int):
    check = check_get_for_user(user=request.user, pk=check_pk)
    if not request.user.has_role(Role.COUNTY_VERIFIER):
        raise PermissionDenied
    case = check.case
    members = list(case.household.members.order_by("pk"))
    errors = {}
    results = [{"id_number": m.id_number, "name": m.name} for m in members]
    data = {"conclusion": "", "conclusion_note": ""}
    if request.method == "POST":
        data = {
            "conclusion": request.POST.get("conclusion", ""),
            "conclusion_note": request.POST.get("conclusion_note", ""),
        }
        results = []
        for i, m in enumerate(members):
            row = {
                k: request.POST.get(f"results-{i}-{k}", "") for k in checks_services.RESULT_FIELDS
            }
            row["business_registered"] = bool(request.POST.get(f"results-{i}-business_registered"))
            row.update({"id_number": m.id_number, "name": m.name})
            results.append(row)
        try:
            checks_services.check_return(
                check=check,
                actor=request.user,
                conclusion=data["conclusion"],
                conclusion_note=data["conclusion_note"],
                member_results=results,
                report_file=request.FILES.get("report"),
            )
        except (ValidationError, TransitionRefused) as exc:
            errors = f.errors_of(exc)
            if "file" in errors:
                errors["report"] = errors.pop("file")
        else:
            messages.success(request, f"案件 {case.number} 的核对报告已返回")
            return redirect("cases:check_queue")
    rows = [
        {
            "data": r,
            "errors": {
                k.split("-", 2)[2]: v for k, v in errors.items() if k.startswith(f"results-{i}-")
            },
        }
        for i, r in enumerate(results)
    ]
    return _render(
        request,
        "cases/intake/check_return.html",
        {
            "check": check,
            "case": case,
            "rows": rows,
            "data": data,
            "errors": errors,
            "conclusions": [("", "请选择"), *EconomicCheck.Conclusion.choices],
            "page_title": "录入核对报告",
        },
        status=400 if errors else 200,
    )


@login_required
def check_import(request):
    if not request.user.has_role(Role.COUNTY_VERIFIER):
        raise PermissionDenied
    result, rejected = None, None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            rejected = [(None, "请选择要导入的文件")]
        else:
            try:
                result = check_results_import(
                    actor=request.user, content=read_upload(upload), file_name=upload.name
                )
            except ImportRejected as exc:
                rejected = exc.errors
    return _render(
        request,
        "cases/intake/check_import.html",
        {
            "result": result,
            "rejected": rejected,
            "columns": list(COLUMNS),
            "required": REQUIRED,
            "page_title": "导入核对结果",
        },
        status=400 if rejected else 200,
    )


@login_required
def near_relatives(request):
    user = request.user
    if not user.has_role(
        Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR, Role.ADMINISTRATOR
    ):
        raise PermissionDenied
    errors, data = {}, {}
    if request.method == "POST":
        data = {
            k: request.POST.get(k, "").strip()
            for k in (
                "township",
                "village",
                "worker_name",
                "worker_position",
                "worker_user",
                "relative_name",
                "relative_id_number",
                "relation",
            )
        }
        try:
            near_relatives_services.near_relative_register(
                actor=user,
                data={
                    k: (v or None) if k in ("township", "village", "worker_user") else v
                    for k, v in data.items()
                },
            )
        except ValidationError as exc:
            errors = f.errors_of(exc)
        else:
            messages.success(request, "已登记近亲属备案，相关案件已自动标记")
            return redirect("cases:near_relatives")

    townships = list(townships_for_user(user).order_by("code"))
    entries = list(near_relatives_for_user(user=user).filter(active=True)[:500])
    for entry in entries:
        entry.refusal = near_relative_entry_reason(entry=entry, actor=user)
    workers = User.objects.filter(region__in=regions_for_user(user), is_active=True).order_by(
        "region__code", "username"
    )
    return _render(
        request,
        "cases/intake/near_relatives.html",
        {
            "entries": entries,
            "errors": errors,
            "data": data,
            "townships": townships,
            "workers": workers,
            "positions": NearRelative.Position.choices,
            "page_title": "近亲属备案",
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def near_relative_deactivate(request, pk: int):
    entry = near_relative_get_for_user(user=request.user, pk=pk)
    try:
        near_relatives_services.near_relative_deactivate(
            actor=request.user,
            entry=entry,
            reason=request.POST.get("reason", ""),
            client_address=_client(request),
        )
        messages.success(request, "已撤销该备案，相关案件已重新标记并记入案件日志")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("cases:near_relatives")


@login_required
@require_POST
def compute_amount(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    try:
        comp = amounts_services.case_compute_amount(case=case, actor=request.user)
        messages.success(
            request,
            "已核算："
            + ("月救助金额 " + str(comp.monthly_amount) + " 元" if comp.eligible else "不符合条件"),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(_intake_url(case, "computation"))


@login_required
def tekun_assessment(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    current = TekunAssessment.objects.filter(case=case).first()
    errors = {}
    if request.method == "POST":
        data = {k: bool(request.POST.get(k)) for k, _ in TekunAssessment.ITEMS}
        data.update({k: request.POST.get(k, "") for k in ("support_mode", "supporter_note")})
        data["has_able_supporter"] = bool(request.POST.get("has_able_supporter"))
        try:
            amounts_services.tekun_assessment_save(case=case, actor=request.user, data=data)
        except ValidationError as exc:
            errors = f.errors_of(exc)
        else:
            messages.success(request, "特困认定评估已保存")
            return redirect(_intake_url(case, "computation"))
    items = [
        (k, label, getattr(current, k) if current else True) for k, label in TekunAssessment.ITEMS
    ]
    return _render(
        request,
        "cases/intake/tekun_form.html",
        {
            "case": case,
            "current": current,
            "items": items,
            "errors": errors,
            "modes": TekunAssessment.SupportMode.choices,
            "page_title": "特困认定评估",
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def document_upload(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    files = request.FILES.getlist("file")
    if not files:
        messages.error(request, "请选择要上传的文件")
        return redirect(_intake_url(case, "documents"))
    try:
        with transaction.atomic():
            for file in files:
                upload(
                    case=case,
                    kind=request.POST.get("kind", ""),
                    uploaded_file=file,
                    actor=request.user,
                    title=request.POST.get("title", ""),
                )
        messages.success(request, f"已上传 {len(files)} 个文件")
    except ValidationError as exc:
        messages.error(request, "上传失败：" + "；".join(exc.messages))
    return redirect(_intake_url(case, "documents"))

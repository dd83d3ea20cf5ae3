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
from cases.intake.reveal import member_edit_reveal
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
    IncomeItem,
    Member,
    Spending,
    TekunAssessment,
)
from cases.rules import checklist_for_case
from cases.workflow.selectors import case_get_for_user
from cases.workflow.services import CaseChanged, TransitionRefused
from relief.forms import apply_errors, errors_at_fields
from relief.http import client_address_of
from relief.models import AssistanceType, Role, User
from relief.personal_data import reveal_where
from relief.scoping import regions_for_user, townships_for_user, villages_for_user

ITEM_MODELS = {"income": IncomeItem, "spending": Spending, "asset": Asset}


def _intake_url(case: Case, anchor: str = "") -> str:
    return reverse("cases:intake", args=[case.pk]) + (f"#{anchor}" if anchor else "")


def _back(request, case: Case, anchor: str = "") -> str:
    """Where a section's action returns: the case page when it was posted from there (the
    section's forms carry from=case), else the intake page."""
    if request.POST.get("from") == "case":
        return reverse("cases:detail", args=[case.pk]) + (f"#{anchor}" if anchor else "")
    return _intake_url(case, anchor)


def _render(request, template: str, context: dict, status: int = 200):
    return render(request, template, context, status=status)


def _may_override(user) -> bool:
    """Only a county supervisor is offered the duplicate override (the service checks too)."""
    return user.has_role(Role.COUNTY_SUPERVISOR)


@login_required
def application_new(request):
    """A clerk registers an application; a village assistant registers a discovered
    household (主动发现) as a draft for the township clerk. Nothing is preselected that the
    clerk must choose: the village (from the user's township), the relation of each row."""
    user = request.user
    if not user.has_role(Role.TOWNSHIP_CLERK, Role.VILLAGE_ASSISTANT, Role.COUNTY_SUPERVISOR):
        raise PermissionDenied
    villages = villages_for_user(user).select_related("parent").order_by("code")
    types = AssistanceType.objects.filter(active=True)
    data = request.POST if request.method == "POST" else None
    form = f.ApplicationForm(
        data,
        villages=villages,
        types=types,
        may_override=_may_override(user),
        initial={
            "source": "discovered" if user.has_role(Role.VILLAGE_ASSISTANT) else "application",
            "hukou_type": "rural",
        },
    )
    formset = f.MemberRowsFormSet(data, prefix="members", initial=None)
    if data is not None and form.is_valid() & formset.is_valid():
        rows = f.member_rows(formset)
        with errors_at_fields(form, rows={f"members-{i}-": r for i, r in enumerate(rows)}):
            with transaction.atomic():
                case = application_services.application_create(
                    actor=user,
                    village=form.cleaned_data["village"],
                    assistance_type=form.cleaned_data["assistance_type"],
                    household=form.cleaned_data,
                    members=[r.service_data() for r in rows],
                    source=form.cleaned_data["source"],
                    proxy=form.cleaned_data,
                    duplicate_override_reason=form.cleaned_data.get(
                        "duplicate_override_reason", ""
                    ),
                )
            messages.success(request, f"已登记申请，案件编号 {case.number}")
            return redirect(_intake_url(case))
    return _render(
        request,
        "cases/intake/application_form.html",
        {"page_title": "登记救助申请", "form": form, "formset": formset},
        status=400 if data is not None else 200,
    )


def _intake_page(request, case: Case, *, status: int = 200, **bound_forms):
    """The intake file; a refused post of the documents section shows it again with that
    post's bound form (errors at its fields, the summary at the section's top)."""
    intake = case_intake_context(case, request.user)
    context = {
        "case": case,
        "page_title": f"案件 {case.number} · 受理材料",
        "intake": intake,
        "documents_forms": f.document_forms(intake["checklist"], **bound_forms),
        "documents_refused": bool(bound_forms),
    }
    return _render(request, "cases/intake/case_intake.html", context, status=status)


@login_required
def case_intake(request, pk: int):
    """The case's intake file (一户一档): household, documents, survey, check, amount."""
    return _intake_page(request, case_get_for_user(user=request.user, pk=pk))


@login_required
def household_edit(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    hh = case.household
    form = f.HouseholdForm(
        request.POST if request.method == "POST" else None,
        initial={k: getattr(hh, k) for k in f.HouseholdForm.base_fields},
    )
    if form.is_bound and form.is_valid():
        with errors_at_fields(form), transaction.atomic():
            household_services.household_update(
                case=case, actor=request.user, data=form.cleaned_data
            )
            messages.success(request, "家庭基本信息已保存")
            return redirect(_intake_url(case, "household"))
    return _render(
        request,
        "cases/intake/household_form.html",
        {"case": case, "form": form, "page_title": "家庭基本信息"},
        status=400 if form.is_bound else 200,
    )


@login_required
def member_edit(request, pk: int, member_pk: int | None = None):
    case = case_get_for_user(user=request.user, pk=pk)
    member = (
        get_object_or_404(Member, pk=member_pk, household_id=case.household_id)
        if member_pk
        else None
    )
    if member is not None and request.method != "POST":
        # The form shows the stored ID number, health and disability to its editor only,
        # and that display is logged as a reveal of each (cases.intake.reveal).
        try:
            household_services.require_household_editor(case=case, actor=request.user)
        except ValidationError as exc:
            raise PermissionDenied("；".join(exc.messages)) from exc
        member_edit_reveal(user=request.user, member=member, where=reveal_where(request))
    form = f.MemberForm(
        request.POST if request.method == "POST" else None,
        initial=f.MemberForm.initial_for(member)
        if member
        else {"hukou_type": case.household.hukou_type},
        may_override=_may_override(request.user),
    )
    if form.is_bound and form.is_valid():
        with errors_at_fields(form), transaction.atomic():
            household_services.member_save(
                case=case,
                actor=request.user,
                data=form.service_data(),
                member=member,
                duplicate_override_reason=form.override_reason(),
            )
            messages.success(request, "家庭成员已保存")
            return redirect(_intake_url(case, "household"))
    return _render(
        request,
        "cases/intake/member_form.html",
        {
            "case": case,
            "member": member,
            "form": form,
            "page_title": "编辑家庭成员" if member else "添加家庭成员",
        },
        status=400 if form.is_bound else 200,
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
    form = f.ItemForm(
        request.POST if request.method == "POST" else None,
        kind=kind,
        members=case.household.members.order_by("pk"),
        initial=f.ItemForm.initial_for(item) if item else None,
    )
    if form.is_bound and form.is_valid():
        data = {**form.cleaned_data, "member": getattr(form.cleaned_data["member"], "pk", None)}
        with errors_at_fields(form), transaction.atomic():
            household_services.household_item_save(
                case=case, actor=request.user, kind=kind, data=data, item=item
            )
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
            "form": form,
            "page_title": household_services.ITEM_LABELS[kind],
        },
        status=400 if form.is_bound else 200,
    )


def _item_data(form) -> dict:
    data = {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
    data["member"] = getattr(data.get("member"), "pk", None)
    return data


@login_required
def items_edit(request, pk: int, kind: str):
    """Every income item (or spending, or asset) of the household on one page, with blank rows
    for new ones; one save writes all rows or, if any row is refused, none."""
    if kind not in ITEM_MODELS:
        raise Http404
    case = case_get_for_user(user=request.user, pk=pk)
    items = list(ITEM_MODELS[kind].objects.filter(household_id=case.household_id).order_by("pk"))
    bound = request.method == "POST"
    rows = f.ItemRows(
        request.POST if bound else None,
        prefix="items",
        items=items,
        form_kwargs={"kind": kind, "members": case.household.members.order_by("pk")},
    )
    if bound and rows.is_valid():
        refused = False
        with transaction.atomic():
            for form, item in rows.rows():
                try:
                    if item is not None and form.cleaned_data.get("DELETE"):
                        household_services.household_item_delete(
                            case=case, actor=request.user, kind=kind, item=item
                        )
                    elif form.has_changed():
                        household_services.household_item_save(
                            case=case,
                            actor=request.user,
                            kind=kind,
                            data=_item_data(form),
                            item=item,
                        )
                except ValidationError as error:
                    apply_errors(form, error)
                    refused = True
            if refused:
                transaction.set_rollback(True)
        if not refused:
            messages.success(request, f"{household_services.ITEM_LABELS[kind]}已保存")
            return redirect(_intake_url(case, "household"))
    return _render(
        request,
        "cases/intake/items_form.html",
        {
            "case": case,
            "kind": kind,
            "kind_label": household_services.ITEM_LABELS[kind],
            "rows": rows,
            "page_title": household_services.ITEM_LABELS[kind],
        },
        status=400 if bound else 200,
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


def _checklist_saved(case: Case, done: str) -> str:
    return done + ("，材料齐全" if case.documents_complete else "，仍有材料未提供")


@login_required
@require_POST
def checklist(request, pk: int):
    """One item's 原件已核验 (button ``verify``) or its withdrawal (``withdraw``), or the
    whole list (``provided`` and the notes); a refusal lands at the item's input."""
    case = case_get_for_user(user=request.user, pk=pk)
    form = f.ChecklistForm(request.POST, rows=checklist_for_case(case))
    if form.is_valid():
        data, actor, client = form.cleaned_data, request.user, client_address_of(request)
        if code := data["verify"]:
            with errors_at_fields(form, rename={"note": f"note-{code}", "item": "__all__"}):
                application_services.checklist_verify_original(
                    case=case,
                    actor=actor,
                    code=code,
                    note=data[f"note-{code}"],
                    client_address=client,
                )
                messages.success(request, _checklist_saved(case, "已记录原件核验"))
                return redirect(_back(request, case, "documents"))
        elif code := data["withdraw"]:
            with errors_at_fields(form, rename={"reason": f"reason-{code}", "item": "__all__"}):
                application_services.checklist_withdraw_verification(
                    case=case,
                    actor=actor,
                    code=code,
                    reason=data[f"reason-{code}"],
                    client_address=client,
                )
                messages.success(request, _checklist_saved(case, "已撤销原件核验"))
                return redirect(_back(request, case, "documents"))
        else:
            with errors_at_fields(form):
                application_services.checklist_update(
                    case=case,
                    actor=actor,
                    provided=data["provided"],
                    notes=form.notes(),
                    client_address=client,
                )
                messages.success(request, _checklist_saved(case, "材料清单已保存"))
                return redirect(_back(request, case, "documents"))
    return _intake_page(request, case, status=400, checklist_form=form)


@login_required
def document_notice(request, pk: int):
    """GET: the printable 一次性告知书; POST: issue it (request_documents)."""
    case = case_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            application_services.case_issue_document_notice(
                case=case, actor=request.user, client_address=client_address_of(request)
            )
        except (ValidationError, TransitionRefused) as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect(_back(request, case, "documents"))
        except CaseChanged as exc:
            messages.error(request, str(exc))
            return redirect(_back(request, case, "documents"))
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
            case=case, actor=request.user, client_address=client_address_of(request)
        )
        messages.success(request, f"已受理（{case.accepted_on:%Y-%m-%d}）")
    except (ValidationError, TransitionRefused) as exc:
        messages.error(request, "不能受理：" + "；".join(exc.messages))
    except CaseChanged as exc:
        messages.error(request, str(exc))
    return redirect(_back(request, case))


@login_required
@require_POST
def return_to_village(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    form = f.return_form(request.POST)
    if form.is_valid():
        try:
            with errors_at_fields(form):
                application_services.case_return_to_village(
                    case=case,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    client_address=client_address_of(request),
                )
                messages.success(request, "已退回村级补充")
                return redirect(_back(request, case))
        except CaseChanged as exc:  # somebody moved the case first: show it as it is now
            messages.error(request, str(exc))
            return redirect(_back(request, case))
    return _intake_page(request, case, status=400, back=form)


@login_required
def survey(request, pk: int):
    """Phone-friendly home-visit survey: save as draft or finish (≥ 2 investigators)."""
    case = case_get_for_user(user=request.user, pk=pk)
    existing = getattr(case, "survey", None) if hasattr(case, "survey") else None
    bound = request.method == "POST"
    form = f.SurveyForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        initial=f.SurveyForm.initial_for(existing),
    )
    if bound and form.is_valid():
        finish = request.POST.get("action") == "finish"
        data = dict(form.cleaned_data)
        photos = data.pop("photos")
        with errors_at_fields(form, rename={"file": "photos"}), transaction.atomic():
            survey_services.survey_save(
                case=case, actor=request.user, data=data, finish=finish, photos=photos
            )
            messages.success(
                request, "入户调查已完成" if finish else "入户调查草稿已保存，可稍后继续填写"
            )
            return redirect("cases:survey", pk=case.pk)
    return _render(
        request,
        "cases/intake/survey_form.html",
        {
            "case": case,
            "survey": existing,
            "form": form,
            "photos": case.documents.filter(kind="survey_photo"),
            "page_title": "入户调查",
        },
        status=400 if bound else 200,
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
    return redirect(_back(request, case, "check"))


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
    bound = request.method == "POST"
    form = f.CheckReturnForm(request.POST if bound else None, request.FILES if bound else None)
    rows = f.CheckResultsRows(request.POST if bound else None, prefix="results", members=members)
    if bound and form.is_valid() & rows.is_valid():
        with errors_at_fields(
            form,
            rows={f"results-{i}-": row for i, row in enumerate(rows.forms)},
            rename={"file": "report"},
        ):
            with transaction.atomic():
                checks_services.check_return(
                    check=check,
                    actor=request.user,
                    conclusion=form.cleaned_data["conclusion"],
                    conclusion_note=form.cleaned_data["conclusion_note"],
                    member_results=[row.service_row() for row in rows.forms],
                    report_file=form.cleaned_data["report"],
                )
            messages.success(request, f"案件 {case.number} 的核对报告已返回")
            return redirect("cases:check_queue")
    return _render(
        request,
        "cases/intake/check_return.html",
        {
            "check": check,
            "case": case,
            "form": form,
            "rows": rows,
            "page_title": "录入核对报告",
        },
        status=400 if bound else 200,
    )


@login_required
def check_import(request):
    if not request.user.has_role(Role.COUNTY_VERIFIER):
        raise PermissionDenied
    result, rejected = None, None
    bound = request.method == "POST"
    form = f.ImportForm(request.POST if bound else None, request.FILES if bound else None)
    if bound and form.is_valid():
        upload = form.cleaned_data["file"]
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
            "form": form,
            "result": result,
            "rejected": rejected,
            "columns": list(COLUMNS),
            "required": REQUIRED,
            "page_title": "导入核对结果",
        },
        status=400 if rejected or form.errors else 200,
    )


@login_required
def near_relatives(request):
    user = request.user
    if not user.has_role(
        Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR, Role.ADMINISTRATOR
    ):
        raise PermissionDenied
    form = _near_relative_form(user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        with errors_at_fields(form), transaction.atomic():
            near_relatives_services.near_relative_register(actor=user, data=form.cleaned_data)
            messages.success(request, "已登记近亲属备案，相关案件已自动标记")
            return redirect("cases:near_relatives")
    return _near_relatives_page(request, form=form, status=400 if form.is_bound else 200)


def _near_relatives_page(request, *, form=None, status: int = 200, refused=None):
    """The register with its registration form and a 撤销 form per row; ``refused``:
    (entry pk, bound form) of a refused 撤销, shown at its row."""
    user = request.user
    if form is None:
        form = _near_relative_form(user)
    entries = list(near_relatives_for_user(user=user).filter(active=True)[:500])
    deactivate_forms = []
    for entry in entries:
        entry.refusal = near_relative_entry_reason(entry=entry, actor=user)
        if refused is not None and refused[0] == entry.pk:
            entry.deactivate_form = refused[1]
            deactivate_forms.append(refused[1])
        else:
            entry.deactivate_form = f.deactivate_form(entry)
    if refused is not None and not deactivate_forms:
        deactivate_forms.append(refused[1])  # its row is not listed: the summary still says
    return _render(
        request,
        "cases/intake/near_relatives.html",
        {
            "entries": entries,
            "form": form,
            "deactivate_forms": deactivate_forms,
            "page_title": "近亲属备案",
        },
        status=status,
    )


def _near_relative_form(user, data=None) -> f.NearRelativeForm:
    workers = User.objects.filter(region__in=regions_for_user(user), is_active=True).order_by(
        "region__code", "username"
    )
    return f.NearRelativeForm(
        data, townships=townships_for_user(user).order_by("code"), workers=workers
    )


@login_required
@require_POST
def near_relative_deactivate(request, pk: int):
    entry = near_relative_get_for_user(user=request.user, pk=pk)
    form = f.deactivate_form(entry, request.POST)
    if form.is_valid():
        with errors_at_fields(form), transaction.atomic():
            near_relatives_services.near_relative_deactivate(
                actor=request.user,
                entry=entry,
                reason=form.cleaned_data["reason"],
                client_address=client_address_of(request),
            )
            messages.success(request, "已撤销该备案，相关案件已重新标记并记入案件日志")
            return redirect("cases:near_relatives")
    return _near_relatives_page(request, status=400, refused=(entry.pk, form))


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
    return redirect(_back(request, case, "computation"))


@login_required
def tekun_assessment(request, pk: int):
    case = case_get_for_user(user=request.user, pk=pk)
    current = TekunAssessment.objects.filter(case=case).first()
    form = f.TekunForm(
        request.POST if request.method == "POST" else None,
        initial=f.TekunForm.initial_for(current),
    )
    if form.is_bound and form.is_valid():
        with errors_at_fields(form), transaction.atomic():
            amounts_services.tekun_assessment_save(
                case=case, actor=request.user, data=form.cleaned_data
            )
            messages.success(request, "特困认定评估已保存")
            return redirect(_back(request, case, "computation"))
    return _render(
        request,
        "cases/intake/tekun_form.html",
        {"case": case, "current": current, "form": form, "page_title": "特困认定评估"},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def document_upload(request, pk: int):
    """Files of one kind; all are stored or, if one is refused, none (the reason at the
    file input, naming the file)."""
    case = case_get_for_user(user=request.user, pk=pk)
    form = f.DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        files = form.cleaned_data["file"]
        with errors_at_fields(form), transaction.atomic():
            for file in files:
                try:
                    upload(
                        case=case,
                        kind=form.cleaned_data["kind"],
                        uploaded_file=file,
                        actor=request.user,
                        title=form.cleaned_data["title"],
                    )
                except ValidationError as exc:
                    if len(files) > 1 and hasattr(exc, "error_dict") and "file" in exc.error_dict:
                        raise ValidationError(
                            {"file": [f"{file.name}：{m}" for m in exc.message_dict["file"]]}
                        ) from exc
                    raise
            messages.success(request, f"已上传 {len(files)} 个文件")
            return redirect(_back(request, case, "documents"))
    return _intake_page(request, case, status=400, upload=form)

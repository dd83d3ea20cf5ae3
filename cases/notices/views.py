"""Staff pages of the public notice (公示) for the township clerk and the village assistant:
the batches of their region, gathering a new one from the village's cases ready for notice,
publishing, removing a case or withdrawing before the start, the posting photo, the
printable notice, objections recorded at the township and their feedback. Thin views: reads
through cases/notices/selectors.py (region scoping: another township's batch is a 404),
writes through cases/notices/services.py, whose errors land at the form's fields."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.notices.forms import (
    BatchForm,
    FeedbackForm,
    ObjectionForm,
    PhotoForm,
    PublishForm,
    VillageForm,
    WithdrawForm,
)
from cases.notices.models import BatchState, NoticeBatch, NoticeKind, Objection
from cases.notices.pdf import notice_pdf_response
from cases.notices.rules import PhotoCheck, photo_missing, photo_warning_due_on
from cases.notices.selectors import (
    notice_batch_get_for_user,
    notice_batches_for_user,
    notice_ready_cases_for_user,
    objection_get_for_user,
    objections_for_user,
)
from cases.notices.services import (
    BATCH_ROLES,
    HOTLINE,
    OBJECTION_READ_ROLES,
    OBJECTION_ROLES,
    READ_ROLES,
    batch_create,
    batch_publish,
    batch_remove_case,
    batch_upload_photo,
    batch_withdraw,
    objection_feedback,
    objection_record,
)
from cases.workflow.services import client_address_of
from relief.forms import errors_at_fields
from relief.models import Role, User
from relief.policy import policy_for
from relief.scoping import villages_for_user

PAGE_SIZE = 30


def _require(user, roles) -> None:
    if not (user.is_superuser or user.has_role(*roles)):
        raise PermissionDenied("您的角色无权办理公示")


def _nav(user) -> dict:
    return {
        "can_gather": user.has_role(*BATCH_ROLES),
        "show_objections": user.has_role(*OBJECTION_READ_ROLES),
    }


# --- batches ---------------------------------------------------------------------------------
@login_required
def notice_batches(request):
    user = request.user
    _require(user, READ_ROLES)
    qs = notice_batches_for_user(user=user).annotate(
        households=Count("entries", distinct=True),
        objection_count=Count("objections", distinct=True),
    )
    state = request.GET.get("state", "")
    if state in BatchState.values:
        qs = qs.filter(state=state)
    case_id = request.GET.get("case", "")
    if case_id.isdigit():
        qs = qs.filter(entries__case_id=int(case_id))
    page = Paginator(qs.order_by("-starts_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    check = PhotoCheck()
    rows = [{"batch": b, "photo_missing": check.missing(b), "ends_on": b.ends_on} for b in page]
    return render(
        request,
        "cases/notices/batches.html",
        {
            **_nav(user),
            "page_title": "公示批次",
            "rows": rows,
            "page_obj": page,
            "state": state,
            "states": BatchState.choices,
            "case_filter": case_id if case_id.isdigit() else "",
            "photo_warnings": sum(1 for r in rows if r["photo_missing"]),
            "is_clerk": user.has_role(Role.TOWNSHIP_CLERK),
        },
    )


def _initial_contact(user, village) -> dict:
    """The board and phone of the village's (else the township's) last batch, else a
    township clerk's phone: what the clerk or the assistant would type again."""
    last = NoticeBatch.objects.filter(village=village).order_by("-created_at").first()
    last_township = (
        last or NoticeBatch.objects.filter(township=village.parent_id).order_by("-pk").first()
    )
    phone = last_township.phone if last_township else ""
    if not phone:
        clerk = (
            User.objects.filter(region=village.parent_id, role=Role.TOWNSHIP_CLERK, is_active=True)
            .exclude(phone="")
            .first()
        )
        phone = clerk.phone if clerk else (user.phone or "")
    return {
        "starts_on": timezone.localdate(),
        "place": last.place if last else f"{village.name}村务公开栏",
        "phone": phone,
    }


@login_required
def notice_batch_new(request):
    """Gather a batch: choose the village (an assistant has only theirs), then its cases
    ready for notice, the first day, the board and the township's phone."""
    user = request.user
    _require(user, BATCH_ROLES)
    villages = villages_for_user(user).filter(active=True).order_by("code")
    source = request.POST if request.method == "POST" else request.GET
    if "village" not in source and len(villages) == 1:
        source = {"village": str(villages[0].pk)}
    village_form = VillageForm(source or None, villages=villages)
    village = village_form.cleaned_data["village"] if village_form.is_valid() else None
    form = None
    policy = None
    if village is not None:
        ready = notice_ready_cases_for_user(user=user, village=village)
        policy = policy_for(village, timezone.localdate())
        if request.method == "POST":
            form = BatchForm(request.POST, ready=ready)
            if form.is_valid():
                with errors_at_fields(form):
                    batch = batch_create(
                        actor=user,
                        village=village,
                        kind=form.cleaned_data["kind"],
                        cases=form.chosen_cases(),
                        starts_on=form.cleaned_data["starts_on"],
                        place=form.cleaned_data["place"],
                        phone=form.cleaned_data["phone"],
                    )
                    messages.success(
                        request, f"已生成公示批次{batch.number}（待发布），请核对名单后发布"
                    )
                    return redirect("cases:notice_batch", pk=batch.pk)
        else:
            form = BatchForm(initial=_initial_contact(user, village), ready=ready)
    failed = request.method == "POST" and (form is None or bool(form.errors))
    return render(
        request,
        "cases/notices/batch_new.html",
        {
            **_nav(user),
            "page_title": "新建公示批次",
            "village_form": village_form,
            "many_villages": len(villages) > 1,
            "village": village,
            "form": form,
            "policy": policy,
            "hotline": HOTLINE,
            "kinds": NoticeKind.choices,
        },
        status=400 if failed else 200,
    )


def _batch_page(request, batch: NoticeBatch, *, status: int = 200, **forms):
    user = request.user
    entries = list(
        batch.entries.select_related(
            "case__applicant", "case__assistance_type", "case__household"
        ).order_by("position", "pk")
    )
    today = timezone.localdate()
    may_write = user.has_role(*BATCH_ROLES)
    is_clerk = user.has_role(*OBJECTION_ROLES)
    draft = batch.state == BatchState.DRAFT
    published = batch.state == BatchState.PUBLISHED
    context = {
        **_nav(user),
        "page_title": f"公示批次 {batch.number}",
        "batch": batch,
        "entries": entries,
        "today": today,
        "hotline": HOTLINE,
        "may_write": may_write,
        "is_clerk": is_clerk,
        "can_publish": may_write and draft,
        "can_withdraw": may_write and (draft or (published and today < batch.starts_on)),
        "can_photo": may_write and published,
        "can_object": is_clerk and batch.state in (BatchState.PUBLISHED, BatchState.CLOSED),
        "photo_missing": photo_missing(batch, today=today),
        "photo_due_on": photo_warning_due_on(batch),
        "objections": (
            list(batch.objections.select_related("case", "recorded_by"))
            if user.has_role(*OBJECTION_READ_ROLES)
            else None
        ),
        "objection_count": batch.objections.count(),
        "policy_days": policy_for(batch.village, batch.starts_on).notice_days,
    }
    context["publish_form"] = forms.get("publish_form") or PublishForm(
        initial={"starts_on": max(batch.starts_on, today), "place": batch.place}
    )
    context["withdraw_form"] = forms.get("withdraw_form") or WithdrawForm()
    context["photo_form"] = forms.get("photo_form") or PhotoForm()
    context["objection_form"] = forms.get("objection_form") or ObjectionForm(entries=entries)
    context["failed_form"] = next((f for f in forms.values() if f is not None and f.errors), None)
    return render(request, "cases/notices/batch.html", context, status=status)


def _batch(request, pk: int) -> NoticeBatch:
    _require(request.user, READ_ROLES)
    return notice_batch_get_for_user(user=request.user, pk=pk)


@login_required
def notice_batch(request, pk: int):
    return _batch_page(request, _batch(request, pk))


@login_required
@require_POST
def notice_batch_publish(request, pk: int):
    batch = _batch(request, pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        with errors_at_fields(form):
            batch = batch_publish(
                batch=batch,
                actor=request.user,
                client_address=client_address_of(request),
                starts_on=form.cleaned_data["starts_on"],
                place=form.cleaned_data["place"],
            )
            messages.success(
                request,
                f"公示已发布：{batch.starts_on:%Y年%m月%d日}至{batch.ends_on:%Y年%m月%d日}，"
                "请打印张贴后上传张贴照片",
            )
            return redirect("cases:notice_batch", pk=batch.pk)
    return _batch_page(request, batch, status=400, publish_form=form)


@login_required
@require_POST
def notice_batch_remove(request, pk: int, case_pk: int):
    """Before publication only (the service refuses it after)."""
    batch = _batch(request, pk)
    entry = get_object_or_404(batch.entries.select_related("case"), case_id=case_pk)
    try:
        batch_remove_case(batch=batch, case=entry.case, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已将案件{entry.case.number}移出本批公示")
    return redirect("cases:notice_batch", pk=batch.pk)


@login_required
@require_POST
def notice_batch_withdraw(request, pk: int):
    batch = _batch(request, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        with errors_at_fields(form):
            batch_withdraw(batch=batch, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, f"公示批次{batch.number}已撤回，其中案件可重新列入公示")
            return redirect("cases:notice_batch", pk=batch.pk)
    return _batch_page(request, batch, status=400, withdraw_form=form)


@login_required
@require_POST
def notice_batch_photo(request, pk: int):
    batch = _batch(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        with errors_at_fields(form):
            stored = batch_upload_photo(
                batch=batch, actor=request.user, uploaded_file=form.cleaned_data["file"]
            )
            messages.success(request, f"张贴照片已上传，已存入{stored}户的档案")
            return redirect("cases:notice_batch", pk=batch.pk)
    return _batch_page(request, batch, status=400, photo_form=form)


@login_required
@require_POST
def notice_batch_objection(request, pk: int):
    """An objection raised at the township, recorded by the clerk (A Art.19, C Art.15)."""
    batch = _batch(request, pk)
    _require(request.user, OBJECTION_ROLES)
    entries = list(batch.entries.select_related("case").order_by("position", "pk"))
    form = ObjectionForm(request.POST, entries=entries)
    if form.is_valid():
        data = form.cleaned_data
        with errors_at_fields(form):
            outcome = objection_record(
                case=form.entries[data["case"]].case,
                batch=batch,
                text=data["text"],
                actor=request.user,
                raised_by=data["raised_by"],
                contact=data["contact"],
                anonymous=data["anonymous"],
                client_address=client_address_of(request),
            )
            level = messages.warning if outcome.objection.is_complaint else messages.success
            level(request, outcome.message)
            return redirect("cases:notice_objection", pk=outcome.objection.pk)
    return _batch_page(request, batch, status=400, objection_form=form)


@login_required
def notice_batch_pdf(request, pk: int):
    return notice_pdf_response(_batch(request, pk), request=request)


# --- objections ------------------------------------------------------------------------------
@login_required
def notice_objections(request):
    _require(request.user, OBJECTION_READ_ROLES)
    qs = objections_for_user(user=request.user)
    status = request.GET.get("status", "")
    if status in Objection.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/notices/objections.html",
        {
            **_nav(request.user),
            "page_title": "公示异议",
            "page_obj": page,
            "status": status,
            "statuses": Objection.Status.choices,
            "open_count": objections_for_user(user=request.user)
            .filter(Q(status=Objection.Status.OPEN))
            .count(),
        },
    )


@login_required
def notice_objection(request, pk: int):
    _require(request.user, OBJECTION_READ_ROLES)
    objection = objection_get_for_user(user=request.user, pk=pk)
    form = FeedbackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        _require(request.user, OBJECTION_ROLES)
        if form.is_valid():
            with errors_at_fields(form):
                objection_feedback(
                    objection=objection,
                    actor=request.user,
                    feedback=form.cleaned_data["feedback"],
                )
                messages.success(
                    request,
                    "已记录处理结果"
                    + (
                        "，请按联系方式向异议人反馈"
                        if objection.contact
                        else "（无联系方式，已办结）"
                    ),
                )
                return redirect("cases:notice_objection", pk=objection.pk)
        status = 400
    return render(
        request,
        "cases/notices/objection.html",
        {
            **_nav(request.user),
            "page_title": f"公示异议 · {objection.case.number}",
            "objection": objection,
            "form": form,
            "can_feedback": request.user.has_role(*OBJECTION_ROLES)
            and objection.status == Objection.Status.OPEN,
        },
        status=status,
    )

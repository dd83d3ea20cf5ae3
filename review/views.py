"""County supervision pages and the township's side of them. Thin: permissions, a
selector for every object (404 outside the user's region), a service for every write."""

from __future__ import annotations

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.models import Case, CaseEvent
from cases.states import CONFIRMED_STATES
from cases.workflow.selectors import case_get_for_user, case_list_for_user
from cases.workflow.services import CaseChanged, TransitionRefused
from relief.exports import xlsx_bytes
from relief.forms import apply_errors, errors_at_fields
from relief.http import client_address_of
from relief.policy import policy_for
from review import selectors, services
from review.forms import (
    AmountForm,
    AssignForm,
    CampaignForm,
    ComplaintAssignForm,
    ComplaintForm,
    ConcludeForm,
    DelegationStatusForm,
    FeedbackForm,
    FilingFilterForm,
    MessageForm,
    NoteForm,
    QueryForm,
    RectificationForm,
    ResponseForm,
    ReviewForm,
    RevokeForm,
    VisitForm,
)
from review.models import Complaint, Query, RectificationOrder


def supervisor_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not services.is_supervisor(request.user):
            raise PermissionDenied("此页面仅供县民政局监管人员使用")
        return view(request, *args, **kwargs)

    return wrapper


def county_staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not services.is_county_staff(request.user):
            raise PermissionDenied("此页面仅供县民政局工作人员使用")
        return view(request, *args, **kwargs)

    return wrapper


def supervision_user_required(view):
    """County staff or a township clerk/approver (each sees only their own rows)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (services.is_county_staff(user) or services.is_township_user(user)):
            raise PermissionDenied("此页面仅供县民政局及乡镇民政工作人员使用")
        return view(request, *args, **kwargs)

    return wrapper


# --- filing inbox ---------------------------------------------------------------------------
@supervisor_required
def inbox(request):
    townships = selectors.township_regions(user=request.user)
    form = FilingFilterForm(request.GET or None, townships=townships)
    filters = form.cleaned_data if form.is_valid() else {}
    # Newest first by keyset (下一页 is ?after=<cursor>), the count from the filing tally
    # whenever the filters are ones it carries (no COUNT over the filings), else capped.
    page = selectors.filing_inbox_page(user=request.user, filters=filters, params=request.GET)
    return render(
        request,
        "review/inbox.html",
        {
            "page_title": "备案收件箱",
            "form": form,
            "page_obj": page,
            "new_count": selectors.filing_new_count(user=request.user),
        },
    )


@supervisor_required
def filing_detail(request, pk):
    filing = selectors.filing_get_for_user(user=request.user, pk=pk)
    form = QueryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_at_fields(form):
            query = services.query_open(filing=filing, actor=request.user, **form.cleaned_data)
            messages.success(request, "质询已发送乡镇")
            return redirect("review:query_detail", query.pk)
    return render(
        request,
        "review/filing_detail.html",
        {
            "page_title": f"备案 {filing.case.number}",
            "filing": filing,
            "form": form,
            "queries": filing.queries.all(),
            "events": filing.case.events.select_related("actor"),
        },
    )


@supervisor_required
@require_POST
def filing_acknowledge(request, pk):
    filing = selectors.filing_get_for_user(user=request.user, pk=pk)
    services.filing_acknowledge(filing=filing, actor=request.user)
    messages.success(request, f"已阅知 {filing.case.number}")
    return redirect(request.POST.get("next") or reverse("review:inbox"))


# --- queries (both sides) -------------------------------------------------------------------
@supervision_user_required
def query_list(request):
    qs = selectors.query_list_for_user(user=request.user)
    status = request.GET.get("status")
    if status in Query.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "review/query_list.html",
        {"page_title": "备案质询", "page_obj": page, "status": status},
    )


@supervision_user_required
def query_detail(request, pk):
    query = selectors.query_get_for_user(user=request.user, pk=pk)
    form = MessageForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "close":
            services.query_close(query=query, actor=request.user)
            messages.success(request, "质询已办结")
            return redirect("review:query_detail", query.pk)
        if form.is_valid():
            with errors_at_fields(form):
                services.query_reply(
                    query=query, actor=request.user, body=form.cleaned_data["body"]
                )
                messages.success(request, "已发送")
                return redirect("review:query_detail", query.pk)
    return render(
        request,
        "review/query_detail.html",
        {
            "page_title": query.subject,
            "query": query,
            "form": form,
            "thread": query.messages.select_related("author"),
            "is_supervisor": services.is_supervisor(request.user),
        },
    )


# --- spot checks ----------------------------------------------------------------------------
@county_staff_required
def campaign_list(request):
    form = CampaignForm(request.POST or None)
    if request.method == "POST":
        if not services.is_supervisor(request.user):
            raise PermissionDenied
        if form.is_valid():
            with errors_at_fields(form):
                campaign = services.spot_check_campaign_create(
                    actor=request.user, **form.cleaned_data
                )
                messages.success(
                    request, f"已抽取 {campaign.items.count()} 户，随机种子 {campaign.seed}"
                )
                return redirect("review:campaign_detail", campaign.pk)
    today = timezone.localdate()
    if not form.is_bound:
        first = today.replace(day=1)
        form = CampaignForm(
            initial={
                "name": f"{today:%Y年%m月}新增对象入户抽查",
                "period_start": (first - datetime.timedelta(days=1)).replace(day=1),
                "period_end": first - datetime.timedelta(days=1),
            }
        )
    campaigns = selectors.campaign_list_for_user(user=request.user)
    return render(
        request,
        "review/campaign_list.html",
        {
            "page_title": "入户抽查",
            "form": form,
            "campaigns": campaigns,
            "is_supervisor": services.is_supervisor(request.user),
        },
    )


@county_staff_required
def campaign_detail(request, pk):
    campaign = selectors.campaign_get_for_user(user=request.user, pk=pk)
    staff = selectors.county_staff_for_user(user=request.user)
    assign_form = AssignForm(request.POST or None, staff=staff)
    if request.method == "POST":
        if not services.is_supervisor(request.user):
            raise PermissionDenied
        items = list(campaign.items.filter(pk__in=request.POST.getlist("items")))
        if not items:
            messages.error(request, "请勾选要指派的案件")
        elif assign_form.is_valid():
            with errors_at_fields(assign_form):
                n = services.spot_check_assign(
                    items=items, assignee=assign_form.cleaned_data["assignee"], actor=request.user
                )
                messages.success(request, f"已指派 {n} 户")
                return redirect("review:campaign_detail", campaign.pk)
    items = campaign.items.select_related("case", "case__assistance_type", "township", "assignee")
    mine = request.GET.get("mine") == "1"
    if mine:
        items = items.filter(assignee=request.user)
    drawn = {}
    for row in campaign.items.values("township_id", "category"):
        drawn[(row["township_id"], row["category"])] = (
            drawn.get((row["township_id"], row["category"]), 0) + 1
        )
    strata = [
        {
            **s,
            "key": key,
            "n_mandatory": len(s["mandatory"]),
            "drawn": drawn.get((s["township_id"], s["category"]), 0),
        }
        for key, s in sorted(campaign.frame.items())
    ]
    verified = services.spot_check_verify(campaign) if request.GET.get("verify") == "1" else None
    return render(
        request,
        "review/campaign_detail.html",
        {
            "page_title": campaign.name,
            "campaign": campaign,
            "items": items,
            "strata": strata,
            "assign_form": assign_form,
            "verified": verified,
            "mine": mine,
            "is_supervisor": services.is_supervisor(request.user),
        },
    )


@supervision_user_required
def item_detail(request, pk):
    """County staff: the phone-sized visit form. Township: the recorded result."""
    item = selectors.spot_check_item_get_for_user(user=request.user, pk=pk)
    county = services.is_county_staff(request.user)
    can_record = services.is_supervisor(request.user) or (
        county and item.assignee_id == request.user.pk
    )
    initial = {
        "visit_date": item.visit_date or timezone.localdate(),
        "people_met": item.people_met,
        "findings": item.findings,
        "outcome": item.outcome,
        "problem_kind": item.problem_kind,
    }
    form = VisitForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        if form.is_valid():
            with errors_at_fields(form):
                services.spot_check_record_visit(
                    item=item,
                    actor=request.user,
                    photos=request.FILES.getlist("photos"),
                    **form.cleaned_data,
                )
                messages.success(request, "核查结果已保存")
                return redirect("review:item_detail", item.pk)
    return render(
        request,
        "review/item_detail.html",
        {
            "page_title": f"入户核查 {item.case.number}",
            "item": item,
            "form": form,
            "can_record": can_record,
            "photos": item.photos.select_related("document"),
            "rectifications": item.rectifications.all(),
            "is_supervisor": services.is_supervisor(request.user),
            "members": item.case.household.members.all(),
        },
    )


@supervision_user_required
def item_photo(request, pk, photo_pk):
    item = selectors.spot_check_item_get_for_user(user=request.user, pk=pk)
    photo = get_object_or_404(item.photos.select_related("document"), pk=photo_pk)
    return FileResponse(photo.document.file.open("rb"), content_type=photo.document.content_type)


# --- rectification --------------------------------------------------------------------------
@supervision_user_required
def rectification_list(request):
    qs = selectors.rectification_list_for_user(user=request.user)
    status = request.GET.get("status")
    if status == "open":
        qs = qs.filter(status__in=RectificationOrder.OPEN_STATUSES)
    elif status == "overdue":
        qs = qs.filter(status__in=RectificationOrder.OPEN_STATUSES, overdue=True)
    elif status in RectificationOrder.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "review/rectification_list.html",
        {
            "page_title": "整改通知",
            "page_obj": page,
            "status": status,
            "is_supervisor": services.is_supervisor(request.user),
        },
    )


@supervisor_required
def rectification_new(request):
    user = request.user
    item = case = complaint = None
    if request.GET.get("item"):
        item = selectors.spot_check_item_get_for_user(user=user, pk=request.GET["item"])
        case = item.case
    elif request.GET.get("case"):
        case = case_get_for_user(user=user, pk=request.GET["case"])
    if request.GET.get("complaint"):
        complaint = selectors.complaint_get_for_user(user=user, pk=request.GET["complaint"])
        case = case or complaint.case
    townships = selectors.township_regions(user=user)
    if case is not None:
        townships = townships.filter(pk=case.township_id)
    elif complaint is not None and complaint.township_id:
        townships = townships.filter(pk=complaint.township_id)
    default_wd = policy_for(
        townships.first() or user.region, timezone.localdate()
    ).rectification_due_wd
    initial = {"due_workdays": default_wd}
    if item and item.problem_kind:
        initial["problem_kind"] = item.problem_kind
        initial["description"] = f"入户抽查发现：{item.findings}\n请核实并整改。"
    elif complaint and complaint.problem_kind:
        initial["problem_kind"] = complaint.problem_kind
        initial["description"] = (
            f"举报{complaint.number}核查属实：{complaint.result_text}\n请核实并整改。"
        )
    form = RectificationForm(request.POST or None, townships=townships, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_at_fields(form):
            order = services.rectification_issue(
                actor=user,
                township=get_object_or_404(townships, pk=data["township"]),
                problem_kind=data["problem_kind"],
                description=data["description"],
                case=case,
                spot_check_item=item,
                complaint=complaint,
                due_workdays=data["due_workdays"],
            )
            messages.success(request, f"整改通知已下发，期限 {order.due_date:%Y-%m-%d}")
            return redirect("review:rectification_detail", order.pk)
    return render(
        request,
        "review/rectification_new.html",
        {
            "page_title": "下发整改通知",
            "form": form,
            "case": case,
            "item": item,
            "complaint": complaint,
        },
    )


@supervision_user_required
def rectification_detail(request, pk):
    order = selectors.rectification_get_for_user(user=request.user, pk=pk)
    is_sup = services.is_supervisor(request.user)
    can_respond = (
        services.is_township_user(request.user)
        and order.status in RectificationOrder.AWAITING_TOWNSHIP
    )
    can_review = is_sup and order.status == RectificationOrder.Status.RESPONDED
    response_form = ResponseForm(request.POST or None, request.FILES or None, prefix="r")
    review_form = ReviewForm(request.POST or None, prefix="v")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "respond":
                if not can_respond:
                    raise PermissionDenied
                if response_form.is_valid():
                    services.rectification_respond(
                        order=order,
                        actor=request.user,
                        body=response_form.cleaned_data["body"],
                        evidence=response_form.cleaned_data.get("evidence"),
                    )
                    messages.success(request, "整改情况已反馈县民政局")
                    return redirect("review:rectification_detail", order.pk)
            elif request.POST.get("action") == "review":
                if not can_review:
                    raise PermissionDenied
                if review_form.is_valid():
                    data = review_form.cleaned_data
                    services.rectification_review(
                        order=order,
                        actor=request.user,
                        accept=data["decision"] == "accept",
                        comment=data["comment"],
                        due_workdays=data["due_workdays"],
                    )
                    messages.success(request, "审查结论已保存")
                    return redirect("review:rectification_detail", order.pk)
        except ValidationError as exc:
            apply_errors(
                response_form if request.POST.get("action") == "respond" else review_form, exc
            )
    return render(
        request,
        "review/rectification_detail.html",
        {
            "page_title": f"整改通知#{order.pk}",
            "order": order,
            "responses": order.responses.select_related("author", "reviewed_by"),
            "can_respond": can_respond,
            "can_review": can_review,
            "response_form": response_form,
            "review_form": review_form,
            "is_supervisor": is_sup,
        },
    )


@supervision_user_required
def rectification_evidence(request, pk, response_pk):
    order = selectors.rectification_get_for_user(user=request.user, pk=pk)
    response = get_object_or_404(order.responses, pk=response_pk)
    if not response.evidence:
        raise Http404
    return FileResponse(response.evidence.open("rb"), content_type=response.evidence_content_type)


# --- correction -----------------------------------------------------------------------------
@supervisor_required
def correction(request, case_pk):
    case = case_get_for_user(user=request.user, pk=case_pk)
    revoke_form = RevokeForm(
        request.POST if request.POST.get("action") == "revoke" else None, prefix="x"
    )
    amount_form = AmountForm(
        request.POST if request.POST.get("action") == "amount" else None,
        prefix="a",
        initial={
            "new_amount": case.monthly_amount,
            "effective_from": timezone.localdate().replace(day=1),
        },
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke" and revoke_form.is_valid():
                event = services.correction_revoke(
                    case=case,
                    actor=request.user,
                    client_address=client_address_of(request),
                    **revoke_form.cleaned_data,
                )
                messages.success(request, "已依法撤销该案件的确认决定")
                return redirect("review:correction_notice", event.pk)
            if request.POST.get("action") == "amount" and amount_form.is_valid():
                change = services.correction_change_amount(
                    case=case,
                    actor=request.user,
                    client_address=client_address_of(request),
                    **amount_form.cleaned_data,
                )
                messages.success(request, "救助金额已依法纠正")
                return redirect("review:correction_notice", change.event_id)
        except TransitionRefused as exc:
            revoke_form.add_error(None, exc.messages)
        except CaseChanged as exc:
            messages.error(request, str(exc))
            return redirect("review:correction", case.pk)
        except ValidationError as exc:
            apply_errors(
                revoke_form if request.POST.get("action") == "revoke" else amount_form, exc
            )
    return render(
        request,
        "review/correction.html",
        {
            "page_title": f"依法纠正 {case.number}",
            "case": case,
            "revoke_form": revoke_form,
            "amount_form": amount_form,
            "correctable": case.state in CONFIRMED_STATES,
            "changes": case.amount_changes.select_related("actor"),
            "events": case.events.select_related("actor"),
        },
    )


@supervision_user_required
def correction_notice(request, event_pk):
    """The written notice of a correction for the household (and the township's copy)."""
    event = get_object_or_404(
        CaseEvent.objects.select_related("case", "actor"),
        pk=event_pk,
        transition__in=("county_revoke", "county_amount_change"),
    )
    case = case_get_for_user(user=request.user, pk=event.case_id)
    return render(
        request,
        "review/correction_notice.html",
        {
            "page_title": "依法纠正决定告知书",
            "event": event,
            "case": case,
            "applicant": case.applicant,
            "county": case.township.parent,
        },
    )


# --- complaints -----------------------------------------------------------------------------
def _find_case(user, number: str) -> Case | None:
    number = (number or "").strip()
    if not number:
        return None

    return case_list_for_user(user=user).filter(number=number).first()


@supervisor_required
def complaint_list(request):
    townships = selectors.township_regions(user=request.user)
    form = ComplaintForm(
        request.POST or None,
        townships=townships,
        initial={"received_on": timezone.localdate(), "channel": Complaint.Channel.HOTLINE},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = _find_case(request.user, data["case_number"])
        if data["case_number"] and case is None:
            form.add_error("case_number", "未找到该案件编号")
        else:
            township = townships.filter(pk=data["township"]).first() if data["township"] else None
            with errors_at_fields(form):
                complaint = services.complaint_register(
                    actor=request.user,
                    channel=data["channel"],
                    named=data["named"],
                    content=data["content"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    subject_name=data["subject_name"],
                    case=case,
                    township=township,
                    received_on=data["received_on"],
                )
                messages.success(request, f"举报已登记：{complaint.number}")
                return redirect("review:complaint_detail", complaint.pk)
    qs = selectors.complaint_list_for_user(user=request.user)
    status = request.GET.get("status")
    if status in Complaint.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "review/complaint_list.html",
        {
            "page_title": "举报投诉",
            "form": form,
            "page_obj": page,
            "status": status,
            "statuses": Complaint.Status.choices,
        },
    )


@county_staff_required
def complaint_detail(request, pk):
    """Supervisors run the report; the assigned county staff member records notes."""
    complaint = selectors.complaint_get_for_user(user=request.user, pk=pk)
    staff = selectors.county_staff_for_user(user=request.user)
    action = request.POST.get("action")
    forms = {
        "assign": ComplaintAssignForm(
            request.POST if action == "assign" else None,
            staff=staff,
            prefix="as",
            initial={"assignee": complaint.assignee_id},
        ),
        "note": NoteForm(request.POST if action == "note" else None, prefix="n"),
        "conclude": ConcludeForm(
            request.POST if action == "conclude" else None,
            prefix="c",
            initial={
                "result": complaint.result,
                "result_text": complaint.result_text,
                "problem_kind": complaint.problem_kind,
            },
        ),
        "feedback": FeedbackForm(
            request.POST if action == "feedback" else None,
            prefix="f",
            initial={
                "feedback_text": complaint.feedback_text,
                "feedback_on": complaint.feedback_on or timezone.localdate(),
            },
        ),
    }
    is_sup = services.is_supervisor(request.user)
    if not is_sup:
        forms = {"note": forms["note"]}
    if request.method == "POST":
        user = request.user
        if not is_sup and action != "note":
            raise PermissionDenied
        form = forms.get(action)
        try:
            if action == "close":
                services.complaint_close(complaint=complaint, actor=user)
                messages.success(request, "举报已办结")
                return redirect("review:complaint_detail", complaint.pk)
            if form is not None and form.is_valid():
                data = form.cleaned_data
                if action == "assign":
                    services.complaint_assign(
                        complaint=complaint, actor=user, assignee=data["assignee"]
                    )
                elif action == "note":
                    services.complaint_add_note(complaint=complaint, actor=user, body=data["body"])
                elif action == "conclude":
                    services.complaint_conclude(complaint=complaint, actor=user, **data)
                elif action == "feedback":
                    services.complaint_record_feedback(complaint=complaint, actor=user, **data)
                messages.success(request, "已保存")
                return redirect("review:complaint_detail", complaint.pk)
        except ValidationError as exc:
            if form is not None:
                apply_errors(form, exc)
            else:
                messages.error(request, "；".join(exc.messages))
    return render(
        request,
        "review/complaint_detail.html",
        {
            "page_title": f"举报 {complaint.number}",
            "complaint": complaint,
            "forms": forms,
            "is_supervisor": is_sup,
            "notes": complaint.notes.select_related("author"),
            "rectifications": complaint.rectifications.all(),
        },
    )


# --- delegation control -------------------------------------------------------------------------
@supervisor_required
def delegations(request):
    qs = selectors.delegation_list_for_user(user=request.user)
    if request.method == "POST":
        delegation = selectors.delegation_get_for_user(
            user=request.user, pk=request.POST.get("delegation")
        )
        form = DelegationStatusForm(request.POST, prefix=f"d{delegation.pk}")
        if form.is_valid():
            try:
                services.delegation_supervise(
                    delegation=delegation, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                messages.error(request, f"{delegation}：" + "；".join(exc.messages))
            else:
                label = dict(form.fields["status"].choices)[form.cleaned_data["status"]]
                messages.success(
                    request,
                    f"{delegation.township.name}{delegation.assistance_type.name}的委托已变更为“{label}”",
                )
        else:
            messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("review:delegations")
    today = timezone.localdate()
    rows = [
        (d, DelegationStatusForm(prefix=f"d{d.pk}", initial={"effective_date": today})) for d in qs
    ]
    return render(
        request,
        "review/delegations.html",
        {"page_title": "委托监管", "rows": rows, "manage_url": reverse("manage:delegations")},
    )


# --- statistics -------------------------------------------------------------------------------
def _stats_period(request) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = today.replace(month=1, day=1)
    try:
        end = datetime.date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        end = today
    return start, end


def _stats_allowed(user) -> bool:
    return services.is_supervisor(user) or user.is_administrator


@login_required
def stats(request):
    if not _stats_allowed(request.user):
        raise PermissionDenied
    start, end = _stats_period(request)
    data = selectors.supervision_stats(user=request.user, date_from=start, date_to=end)
    chart = {
        "townships": [r["township"].name for r in data["rows"]],
        "confirmed": [sum(c["confirmed"] for c in r["by_category"]) for r in data["rows"]],
        "refused": [sum(c["refused"] for c in r["by_category"]) for r in data["rows"]],
        "terminated": [sum(c["terminated"] for c in r["by_category"]) for r in data["rows"]],
        "revoked": [sum(c["revoked"] for c in r["by_category"]) for r in data["rows"]],
        "problem_rate": [
            float(r["problem_rate"]) if r["problem_rate"] is not None else 0 for r in data["rows"]
        ],
        "coverage": [
            float(r["coverage"]) if r["coverage"] is not None else 0 for r in data["rows"]
        ],
    }
    return render(
        request,
        "review/stats.html",
        {"page_title": "监管统计", **data, "chart": chart, "querystring": request.GET.urlencode()},
    )


@login_required
def stats_xlsx(request):
    if not _stats_allowed(request.user):
        raise PermissionDenied
    start, end = _stats_period(request)
    data = selectors.supervision_stats(user=request.user, date_from=start, date_to=end)
    columns = [
        "乡镇(街道)",
        "决定总数",
        "按时办结",
        "应计时案件",
        "按时率(%)",
        "新增确认",
        "抽查户数",
        "已核查",
        "抽查覆盖率(%)",
        "发现问题",
        "问题率(%)",
        "未结整改",
        "逾期整改",
        "举报投诉",
        "举报属实",
        *data["figure_labels"],
    ]
    summary = [
        columns,
        *(
            [
                r["township"].name,
                r["total"],
                r["on_time"],
                r["on_time_of"],
                r["on_time_rate"],
                r["confirmed"],
                r["sampled"],
                r["visited"],
                r["coverage"],
                r["problems"],
                r["problem_rate"],
                r["rect_open"],
                r["rect_overdue"],
                r["complaints"],
                r["complaints_substantiated"],
                *r["figures"],
            ]
            for r in data["rows"]
        ),
    ]
    by_category = (
        [
            r["township"].name,
            c["category"],
            c["confirmed"],
            c["refused"],
            c["terminated"],
            c["revoked"],
        ]
        for r in data["rows"]
        for c in r["by_category"]
    )
    problems = ([r["township"].name, *r["problems_by_kind"].values()] for r in data["rows"])
    # relief.exports escapes every text cell: a region renamed "=HYPERLINK(…)" stays text.
    content = xlsx_bytes(
        sheets=[
            ("监管统计", [f"监管统计 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}"], summary),
            (
                "决定(按类别)",
                ["乡镇(街道)", "类别", "确认", "不予确认", "终止", "撤销"],
                by_category,
            ),
            ("抽查问题(按类型)", ["乡镇(街道)", *data["problem_kinds"]], problems),
        ]
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="supervision-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    )
    return response


# --- township side ------------------------------------------------------------------------------
@login_required
def township_home(request):
    """The township's view of the county's supervision of its own cases."""
    user = request.user
    if not services.is_township_user(user):
        raise PermissionDenied("此页面仅供乡镇民政工作人员使用")
    queries = selectors.query_list_for_user(user=user).exclude(status=Query.Status.CLOSED)
    orders = selectors.rectification_list_for_user(user=user).filter(
        status__in=RectificationOrder.OPEN_STATUSES
    )
    results = selectors.spot_check_item_list_for_user(user=user).order_by("-recorded_at")[:50]
    return render(
        request,
        "review/township_home.html",
        {
            "page_title": "县级监管事项",
            "queries": queries,
            "orders": orders,
            "results": results,
            "today": timezone.localdate(),
        },
    )

"""动态管理 pages: the due-for-review list, opening a review (a change of circumstance, on
a phone too), a review's conclusion and decision (linked from the case page: a review is
a case), the written notice of a suspension or stop, the household's timeline, campaigns.
Thin: reads through selectors, writes through services; another region's object is 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from archive.pdf import pdf_response
from cases.models import CaseState
from cases.workflow.selectors import case_detail_for_user
from cases.workflow.services import CaseChanged, available_transitions, client_address_of
from funds.dynamic.dishonesty import RECORD_ROLES, dishonesty_record, records_for_recipient
from funds.dynamic.forms import (
    CampaignForm,
    DishonestyForm,
    PostingObjectionForm,
    PostingObjectionHandleForm,
    ReviewConclusionForm,
    ReviewOpenForm,
)
from funds.dynamic.models import DishonestyRecord, ReviewOutcome, ReviewTrigger, TerminationPosting
from funds.dynamic.objections import (
    DISMISSED_NOTE,
    HANDLE_REFUSED,
    RECORD_REFUSED,
    objection_handle_refusal,
    posting_objection_handle,
    posting_objection_record,
    posting_state,
)
from funds.dynamic.objections import (
    RECORD_ROLES as OBJECTION_RECORD_ROLES,
)
from funds.dynamic.selectors import (
    campaign_recipients_for_user,
    campaigns_for_user,
    due_filters_for_user,
    household_timeline,
    objections_of_posting,
    open_review_rows,
    open_reviews_for_user,
    posting_objection_get_for_user,
    review_for_case,
    schedule_rows,
    scheduled_reviews_for_user,
)
from funds.dynamic.services import (
    CONCLUDE_ROLES,
    CONCLUDE_STATES,
    DECISION_TRANSITIONS,
    REVIEW_OPEN_ROLES,
    funeral_reminder_of,
    posting_days,
    review_campaign_open,
    review_conclude,
    review_open,
    termination_notice_context,
)
from funds.recipients.selectors import recipient_get_for_user
from relief.forms import errors_at_fields
from relief.models import AssistanceType, Region, Role
from relief.policy import policy_for
from relief.scoping import villages_for_user

#: Who sees the due list: whoever opens reviews, and the approver who decides them.
DUE_LIST_ROLES = (*REVIEW_OPEN_ROLES, Role.TOWNSHIP_APPROVER)
OPEN_REFUSED = "只有村(居)协理员、乡镇经办人或县级监管人员可以启动复核"
CAMPAIGN_ROLES = (Role.TOWNSHIP_CLERK, Role.COUNTY_SUPERVISOR)
NOTICE_OUTCOMES = (ReviewOutcome.SUSPEND, ReviewOutcome.STOP, ReviewOutcome.PHASE_OUT)


def _require(user, roles, message: str) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(message)


@login_required
def due_list(request):
    """Reviews due in the user's region: open review cases (their clock's marks) and the
    schedules not opened yet, each with a button to open a review."""
    _require(request.user, DUE_LIST_ROLES, "您的角色不能查看复核名单")
    filters = due_filters_for_user(user=request.user, params=request.GET)
    today = timezone.localdate()
    reviews = Paginator(open_reviews_for_user(user=request.user, filters=filters), 50)
    schedules = Paginator(
        scheduled_reviews_for_user(user=request.user, filters=filters, today=today), 50
    )
    review_page = reviews.get_page(request.GET.get("rpage"))
    schedule_page = schedules.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("rpage", None)
    region = request.user.region
    return render(
        request,
        "funds/dynamic/due_list.html",
        {
            "page_title": "复核名单",
            "filters": filters,
            "review_page": review_page,
            "review_rows": open_review_rows(review_page.object_list, today=today),
            "schedule_page": schedule_page,
            "schedule_rows": schedule_rows(
                schedule_page.object_list, user=request.user, today=today
            ),
            "query": query.urlencode(),
            "townships": (
                Region.objects.none()
                if region is None or region.level != Region.Level.COUNTY
                else Region.objects.filter(parent=region, level=Region.Level.TOWNSHIP)
            ),
            "villages": villages_for_user(request.user).order_by("code"),
            "types": AssistanceType.objects.filter(active=True),
            "can_open": request.user.has_role(*REVIEW_OPEN_ROLES),
            "can_campaign": request.user.has_role(*CAMPAIGN_ROLES),
        },
    )


@login_required
def review_open_view(request, pk: int):
    """A change of circumstance opens a review (the village assistant reports a death on
    a phone; the clerk records what he found)."""
    recipient = recipient_get_for_user(user=request.user, pk=pk)
    _require(request.user, REVIEW_OPEN_ROLES, OPEN_REFUSED)
    form = ReviewOpenForm(
        request.POST or None,
        initial={"trigger": request.GET.get("trigger")},
        household=recipient.household,
    )
    months = int(policy_for(recipient.township, timezone.localdate()).review_death_recheck_months)
    form.fields[
        "died_on"
    ].help_text = f"成员死亡时必填，不能晚于今天；须在死亡后{months}个月内完成复核"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_at_fields(form):
            review = review_open(
                recipient=recipient,
                actor=request.user,
                trigger=data["trigger"],
                note=data["note"],
                died_on=data["died_on"] if data["trigger"] == ReviewTrigger.DEATH else None,
                member=data["member"] if data["trigger"] == ReviewTrigger.DEATH else None,
            )
            messages.success(
                request,
                f"已启动复核（{review.get_trigger_display()}），"
                f"须于{review.due_on:%Y年%m月%d日}前完成",
            )
            if review.applied_at is not None:
                messages.info(request, f"{review.reasons}，已自动载入在册对象变更记录")
                reminder = funeral_reminder_of(review)
                if reminder:
                    messages.warning(request, reminder)
            elif data["trigger"] == ReviewTrigger.DEATH and data["member"] is not None:
                messages.info(request, f"{data['member'].name}自死亡次月起不再计入保障成员")
            return redirect("cases:detail", pk=review.case_id)
    return render(
        request,
        "funds/dynamic/open_form.html",
        {"page_title": "报告情况变化 · 启动复核", "recipient": recipient, "form": form},
    )


def _review_of_case(request, pk: int):
    case = case_detail_for_user(user=request.user, pk=pk)
    review = review_for_case(case=case)
    if review is None:
        raise Http404("该案件不是复核案件")
    review.case = case
    return case, review


def _decision_options(case, user) -> list:
    """The case's decision transitions (and 报县审批) as the case page shows them: whether
    the user may take them now and, if not, the Chinese reasons."""
    names = {DECISION_TRANSITIONS.get(case.state), "refer_to_county"}
    return [o for o in available_transitions(case=case, user=user) if o.name in names]


@login_required
def review_conclusion(request, pk: int):
    """The review's conclusion and decision, for the review case ``pk`` (the case page
    links here): continue, change the amount, 渐退, suspend, stop."""
    case, review = _review_of_case(request, pk)
    may_conclude = (
        review.applied_at is None
        and case.state in CONCLUDE_STATES
        and request.user.has_role(*CONCLUDE_ROLES)
        and (case.state != CaseState.COUNTY_REVIEW or request.user.has_role(Role.COUNTY_SUPERVISOR))
    )
    initial = {
        "outcome": review.outcome or None,
        "new_amount": review.new_amount,
        "effective_month": review.effective_month,
        "phase_out_months": review.phase_out_months,
        "reasons": review.reasons,
        "dishonesty_note": review.dishonesty_note,
        "recovery_amount": review.recovery_amount,
        "recovery_from": review.recovery_from,
        "recovery_to": review.recovery_to,
    }
    form = ReviewConclusionForm(request.POST or None, initial=initial)
    max_months = int(case.policy.phase_out_max_months)
    form.fields["phase_out_months"].help_text = f"渐退期最长{max_months}个月（政策设置）"
    if request.method == "POST":
        if not may_conclude:
            raise PermissionDenied("您不能填写本次复核的结论")
        if form.is_valid():
            data = form.cleaned_data
            try:
                with errors_at_fields(form):
                    result = review_conclude(
                        review=review,
                        actor=request.user,
                        outcome=data["outcome"],
                        reasons=data["reasons"],
                        effective_month=data["effective_month"],
                        new_amount=data["new_amount"],
                        phase_out_months=data["phase_out_months"],
                        dishonesty_note=data["dishonesty_note"],
                        recovery_amount=data["recovery_amount"],
                        recovery_from=data["recovery_from"],
                        recovery_to=data["recovery_to"],
                        then=data["then"] or "",
                        opinion=data["opinion"],
                        client_address=client_address_of(request),
                    )
                    _conclusion_messages(request, result)
                    return redirect("cases:detail", pk=case.pk)
            except CaseChanged as exc:
                messages.warning(
                    request,
                    f"案件已被他人处理，当前状态为“{exc.case.get_state_display()}”，请查看后再操作",
                )
                return redirect("cases:detail", pk=case.pk)
        case, review = _review_of_case(request, pk)  # as saved: a refusal saved nothing
    return render(
        request,
        "funds/dynamic/conclusion.html",
        {
            "page_title": f"复核结论 · {case.number}",
            "case": case,
            "review": review,
            "recipient": review.recipient,
            "form": form,
            "may_conclude": may_conclude,
            "options": _decision_options(case, request.user),
            "decision_name": DECISION_TRANSITIONS.get(case.state),
            "has_notice": review.applied_at is not None
            and review.outcome in NOTICE_OUTCOMES
            and not TerminationPosting.objects.filter(
                review=review, withdrawn_at__isnull=False
            ).exists(),
            "posting": TerminationPosting.objects.filter(review=review).first(),
            "posting_held": TerminationPosting.objects.filter(
                review=review, ended_at__isnull=True, objections__status="open"
            ).exists(),
            "posting_days": posting_days(review) if review.outcome == ReviewOutcome.STOP else 0,
            "dishonesty": DishonestyRecord.objects.filter(review=review).first(),
            "recovery": review.recovery_order,
            "funeral_reminder": funeral_reminder_of(review),
        },
    )


def _conclusion_messages(request, result) -> None:
    review = result.review
    if result.event is None:
        messages.success(request, f"已保存复核结论：{review.get_outcome_display()}")
        return
    if review.applied_at is None:
        state = review.case.get_state_display()
        messages.success(request, f"已办理“{result.event.label}”，案件当前状态：{state}")
        return
    month = review.effective_month
    posting = TerminationPosting.objects.filter(review=review).first()
    if posting is not None:
        messages.success(
            request,
            f"已作出复核决定：{review.get_outcome_display()}。特困终止须在村(社区)公示"
            f"{posting.days}日（{posting.starts_on:%Y年%m月%d日}至{posting.ends_on:%Y年%m月%d日}），"
            "期满后自动停保",
        )
        return
    messages.success(
        request,
        f"已作出复核决定：{review.get_outcome_display()}"
        + (f"，自{month:%Y年%m月}起生效" if month else ""),
    )
    if result.moved_from is not None and month is not None:
        messages.info(
            request,
            f"{result.moved_from:%Y年%m月}的发放花名册已锁定，变更自{month:%Y年%m月}起生效",
        )


@login_required
def termination_notice(request, pk: int):
    """停止(暂停)救助通知书 of a decided review, as a PDF (A Art.29, C Art.26)."""
    case, review = _review_of_case(request, pk)
    if review.applied_at is None or review.outcome not in NOTICE_OUTCOMES:
        raise Http404("本次复核未作出暂停、停保或渐退决定")
    if TerminationPosting.objects.filter(review=review, withdrawn_at__isnull=False).exists():
        raise Http404("公示期间异议成立，特困终止已撤回，不出具停止救助通知书")
    template, context = termination_notice_context(review=review)
    return pdf_response(
        template, context, request=request, filename=f"{context['title']}-{case.number}.pdf"
    )


@login_required
def household_timeline_view(request, pk: int):
    recipient = recipient_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "funds/dynamic/timeline.html",
        {
            "page_title": f"家庭档案时间线 · {recipient.head_name}",
            "recipient": recipient,
            "entries": household_timeline(recipient=recipient),
        },
    )


@login_required
def campaign_list(request):
    """集中复核: filters, a preview count, then open (set-based, the same service)."""
    _require(request.user, CAMPAIGN_ROLES, "只有乡镇经办人或县级监管人员可以开展集中复核")
    form = CampaignForm(request.POST or None, user=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = campaign_recipients_for_user(
            user=request.user,
            township=data["township"],
            village=data["village"],
            assistance_type=data["assistance_type"],
        )
        if "open" in request.POST and data["due_on"] is None:
            form.add_error("due_on", "请填写复核截止日")
        elif "open" in request.POST:
            with errors_at_fields(form):
                region = request.user.region
                county = region if region.level == Region.Level.COUNTY else region.parent
                campaign = review_campaign_open(
                    county=county,
                    recipients=chosen,
                    actor=request.user,
                    name=data["name"] or "",
                    due_on=data["due_on"],
                )
                messages.success(
                    request, f"已开展集中复核“{campaign.name}”，生成复核案件 {campaign.opened} 件"
                )
                return redirect(reverse("dynamic:campaigns"))
        else:
            preview = chosen.count()
    return render(
        request,
        "funds/dynamic/campaigns.html",
        {
            "page_title": "集中复核",
            "form": form,
            "preview": preview,
            "campaigns": campaigns_for_user(user=request.user)[:50],
        },
    )


@login_required
def dishonesty_view(request, pk: int):
    """失信记录 of a recipient's household, and (for the approver or the county) recording a
    spot check's or a complaint's finding of false information, with its 追缴."""
    recipient = recipient_get_for_user(user=request.user, pk=pk)
    may_record = request.user.has_role(*RECORD_ROLES)
    form = DishonestyForm(request.POST or None)
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied("只有乡镇审核确认人或县级监管人员可以记录失信情况")
        if form.is_valid():
            data = form.cleaned_data
            with errors_at_fields(form):
                record = dishonesty_record(
                    recipient=recipient,
                    actor=request.user,
                    source=data["source"],
                    reference=data["reference"],
                    what=data["what"],
                    found_on=data["found_on"],
                    recovery_amount=data["recovery_amount"],
                    recovery_from=data["recovery_from"],
                    recovery_to=data["recovery_to"],
                )
                messages.success(
                    request,
                    f"已记录失信情况，有效期至{record.expires_on:%Y年%m月%d日}"
                    + (
                        f"；追缴{record.recovery_amount}元已交下一期花名册"
                        if record.recovery_order_id
                        else ""
                    ),
                )
                return redirect("dynamic:dishonesty", pk=recipient.pk)
    return render(
        request,
        "funds/dynamic/dishonesty.html",
        {
            "page_title": f"失信记录 · {recipient.head_name}",
            "recipient": recipient,
            "records": records_for_recipient(recipient=recipient),
            "form": form,
            "may_record": may_record,
            "today": timezone.localdate(),
        },
    )


def _posting_of(review):
    posting = TerminationPosting.objects.filter(review=review).first()
    if posting is None:
        raise Http404("本次复核没有特困终止公示")
    return posting


@login_required
def posting_objections(request, pk: int):
    """Objections to the 特困 termination posting of the review case ``pk``: the list with
    their handling, recording one during the posting (clerk or village assistant),
    handling an open one (the approver or the county)."""
    case, review = _review_of_case(request, pk)
    posting = _posting_of(review)
    state = posting_state(posting)
    may_record = request.user.has_role(*OBJECTION_RECORD_ROLES) and state == "open"
    handle_refusal = objection_handle_refusal(case, request.user)
    form = PostingObjectionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_role(*OBJECTION_RECORD_ROLES):
            raise PermissionDenied(RECORD_REFUSED)
        if form.is_valid():
            data = form.cleaned_data
            with errors_at_fields(form):
                posting_objection_record(
                    posting=posting,
                    actor=request.user,
                    text=data["text"],
                    raised_by=data["raised_by"],
                    contact=data["contact"],
                    anonymous=data["anonymous"],
                    client_address=client_address_of(request),
                )
                messages.success(request, "异议已登记，特困终止暂缓生效，待核实处理")
                return redirect("dynamic:posting_objections", pk=case.pk)
    return render(
        request,
        "funds/dynamic/posting_objections.html",
        {
            "page_title": f"特困终止公示异议 · {case.number}",
            "case": case,
            "review": review,
            "recipient": review.recipient,
            "posting": posting,
            "state": state,
            "objections": objections_of_posting(posting),
            "form": form,
            "may_record": may_record,
            "handle_refusal": handle_refusal,
            # The other level (approver or county) is told who handles them.
            "handle_note": "" if handle_refusal == HANDLE_REFUSED else handle_refusal,
            "handle_form": PostingObjectionHandleForm(),
        },
    )


@login_required
def objection_handle(request, pk: int):
    """Handle the posting objection ``pk`` (upheld: the termination is withdrawn; dismissed:
    it takes effect at the next daily scan). GET shows the posting's page."""
    objection = posting_objection_get_for_user(user=request.user, pk=pk)
    case_pk = objection.posting.review.case_id
    if request.method != "POST":
        return redirect("dynamic:posting_objections", pk=case_pk)
    # The level that decides the review today (the service asks the same).
    refusal = objection_handle_refusal(_review_of_case(request, case_pk)[0], request.user)
    if refusal:
        raise PermissionDenied(refusal)
    form = PostingObjectionHandleForm(request.POST)
    if form.is_valid():
        with errors_at_fields(form):
            done = posting_objection_handle(
                objection=objection,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                feedback=form.cleaned_data["feedback"],
                client_address=client_address_of(request),
            )
            messages.success(
                request,
                "已处理：异议成立，特困终止已撤回"
                if done.status == "upheld"
                else f"已处理：异议不成立；{DISMISSED_NOTE}",
            )
            return redirect("dynamic:posting_objections", pk=case_pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("dynamic:posting_objections", pk=case_pk)

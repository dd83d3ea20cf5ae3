"""Workflow pages: the case list, the case page with its actions and timeline, the
refusal notice. Thin: reads through cases/workflow/selectors.py, writes through
cases/workflow/services.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from archive.pdf import pdf_response
from cases.models import CaseState
from cases.rules import remember_reads
from cases.states import COUNTY_VISIT_STATES
from cases.workflow.filters import flagged_window, search_window
from cases.workflow.forms import CountyVisitForm, TransitionForm, form_refusal
from cases.workflow.hooks import case_page_panels
from cases.workflow.next_step import case_next_step
from cases.workflow.selectors import (
    case_detail_for_user,
    case_events,
    case_get_for_user,
    case_list_summary_count,
    case_page_list_for_user,
)
from cases.workflow.services import (
    CaseChanged,
    TransitionRefused,
    available_transitions,
    case_record_county_visit,
    case_transition,
    client_address_of,
)
from relief import paging
from relief.models import Role
from relief.paging import NEWEST_FIRST, list_page

PAGE_SIZES = (10, 20, 50, 100)
CHANGED_MESSAGE = "案件已被他人处理，当前状态为“{state}”，请查看后再操作"


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", 20))
    except ValueError:
        return 20
    return size if size in PAGE_SIZES else 20


def case_url_prefix() -> str:
    """``/cases/`` (under any script prefix): the case page is prefix + id + "/"."""
    return reverse("cases:detail", args=[0]).removesuffix("0/")


@login_required
def case_list(request):
    """Cases of the user's region with filters, sort and pagination: newest first by keyset
    (relief/paging.py; the count exact up to 10,000, "1万+" above), another sort by offset.
    The query count does not grow with the page size (tested)."""
    filterset = case_page_list_for_user(
        user=request.user, params=request.GET or None, request=request
    )
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    chosen = tuple(qs.query.order_by)
    search = filterset.search
    # a search counts its ids as it reads them; a state or 超期 filter is counted from the
    # summary rows
    counted = filterset.counted or case_list_summary_count(user=request.user, filterset=filterset)
    if search is not None and search.rows is not None and not chosen:
        # newest first: the page's rows among the search's ids read, not all of them
        window = search_window(search.rows, request.GET, _page_size(request))
        qs = search.base.filter(pk__in=window)
    elif search is not None and not chosen:
        # more matches than the cap: dense enough to read the region newest first
        qs = search.newest_first
    elif not chosen and (flagged := filterset.flagged_marks()) is not None:
        # 超期 / 临期: the page's ids from the summary marks' partial indexes, ids first
        window = flagged_window(*flagged, request.GET, _page_size(request))
        if window is not None:
            # counted before the window (a village's 超期 list has no summary count)
            counted = counted or paging.capped_count(qs)
            qs = qs.filter(pk__in=window)
    page = list_page(
        qs,
        params=request.GET,
        per_page=_page_size(request),
        ordering=(*chosen, "-id") if chosen else NEWEST_FIRST,
        counted=counted,
    )
    return render(
        request,
        "cases/list.html",
        {
            "page_title": "案件",
            "filter": filterset,
            "page_obj": page,
            # each row links to prefix + id + "/" (the case page's address, tested), not
            # one reverse() per row
            "case_url_prefix": case_url_prefix(),
            "page_sizes": PAGE_SIZES,
            "per_page": _page_size(request),
        },
    )


def _detail_context(request, case) -> dict:
    options = available_transitions(case=case, user=request.user)
    options.sort(key=lambda o: (not o.allowed, o.is_exit))  # the next step first, exits last
    needs_visit = case.near_relative_flag or case.complaint_flag
    return {
        "page_title": f"案件 {case.number}",
        "case": case,
        "household": case.household,
        "members": list(case.household.members.all()),
        "events": list(case_events(case=case)),
        "options": options,
        "next_step": case_next_step(case=case, user=request.user, options=options),
        "needs_county_visit": needs_visit,
        "can_record_visit": needs_visit
        and not case.county_visit_done
        and request.user.has_role(Role.COUNTY_SUPERVISOR)
        and case.state in COUNTY_VISIT_STATES,
        "policy": case.policy if case.frozen_policy else None,
        "links": _links(case, request.user),
        "panels": _panels(case, request.user),
    }


def _panels(case, user) -> list:
    """The cards the apps above add (``cases.workflow.hooks.case_page_panels``)."""
    found = [panel for _, panel in case_page_panels.send(sender=type(case), case=case, user=user)]
    return sorted((p for p in found if p is not None), key=lambda p: p.order)


#: Pages of the other parts about one case (intake, clocks). The amount is computed by a
#: POST button in the computation card, so it is not a link here.
CASE_LINKS = (
    ("cases:intake", "受理材料与家庭信息"),
    ("cases:survey", "入户调查"),
    ("cases:clock", "办理时限"),
)


#: States in which the case page links to the case's notice batches, and who sees the link.
NOTICE_LINK_STATES = (CaseState.PRE_NOTICE, CaseState.RESULT_NOTICE, CaseState.OBJECTION)
NOTICE_ROLES = (
    Role.TOWNSHIP_CLERK,
    Role.VILLAGE_ASSISTANT,
    Role.TOWNSHIP_APPROVER,
    Role.COUNTY_SUPERVISOR,
)


def _links(case, user) -> list[dict]:
    links = [{"url": reverse(name, args=[case.pk]), "label": label} for name, label in CASE_LINKS]
    if user.has_role(Role.COUNTY_SUPERVISOR) and case.state in (
        CaseState.CONFIRMED,
        CaseState.RESULT_NOTICE,
        CaseState.PAYING,
    ):
        links.append({"url": reverse("review:correction", args=[case.pk]), "label": "依法纠正"})
    # A review (复核, funds.dynamic) takes its conclusion and decision on its own page.
    if case.purpose == case.Purpose.REVIEW:
        links.insert(
            0, {"url": reverse("dynamic:conclusion", args=[case.pk]), "label": "复核结论与决定"}
        )
    # A case on notice (or under objection after one) links to its notice batches.
    if case.state in NOTICE_LINK_STATES and user.has_role(*NOTICE_ROLES):
        links.append(
            {"url": f"{reverse('cases:notice_batches')}?case={case.pk}", "label": "公示批次"}
        )
    # The recipient register (funds) links back by its reverse one-to-one ``recipient``.
    recipient = getattr(case, "recipient", None) if case.state == CaseState.PAYING else None
    if recipient is not None:
        links.append(
            {"url": reverse("recipients:detail", args=[recipient.pk]), "label": "在册对象与发放"}
        )
    return links


@login_required
def case_detail(request, pk: int):
    case = case_detail_for_user(user=request.user, pk=pk)
    remember_reads(case)  # the guards and the cards ask the same duplicate check
    return render(request, "cases/detail.html", _detail_context(request, case))


@login_required
@require_POST
def case_transition_view(request, pk: int, name: str):
    """Perform a transition from the case page; the form carries the state the user saw,
    so acting on a case someone else has just moved is reported, not applied."""
    case = case_get_for_user(user=request.user, pk=pk)
    detail = reverse("cases:detail", args=[case.pk])
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "无法办理：" + form_refusal(form))
        return redirect(detail)
    seen_state = form.cleaned_data["state"]
    meeting = form.cleaned_data["panel_meeting"]
    try:
        if seen_state and seen_state != case.state:
            raise CaseChanged(case)
        event = case_transition(
            case=case,
            name=name,
            actor=request.user,
            opinion=form.cleaned_data["opinion"],
            client_address=client_address_of(request),
            data={"panel_meeting": str(meeting)} if meeting else None,
        )
    except CaseChanged as exc:
        messages.warning(request, CHANGED_MESSAGE.format(state=exc.case.get_state_display()))
    except TransitionRefused as exc:
        messages.error(request, "无法办理：" + "；".join(exc.messages))
    else:
        messages.success(
            request, f"已办理“{event.label}”，案件当前状态：{case.get_state_display()}"
        )
    if request.headers.get("HX-Request"):
        fresh = case_detail_for_user(user=request.user, pk=pk)  # read after the write
        remember_reads(fresh)
        response = render(request, "cases/detail.html", _detail_context(request, fresh))
        response["HX-Push-Url"] = detail
        return response
    return redirect(detail)


@login_required
@require_POST
def case_county_visit_view(request, pk: int):
    """A Art.20: the county supervisor records the county's home visit."""
    case = case_get_for_user(user=request.user, pk=pk)
    form = CountyVisitForm(request.POST)
    form.is_valid()  # text only: nothing to refuse before the service's rules
    try:
        case_record_county_visit(
            case=case,
            actor=request.user,
            opinion=form.cleaned_data.get("opinion", ""),
            client_address=client_address_of(request),
        )
    except TransitionRefused as exc:
        messages.error(request, "无法记录：" + "；".join(exc.messages))
    else:
        messages.success(request, "已记录县级入户核查")
    return redirect("cases:detail", pk=case.pk)


@login_required
def case_refusal_notice(request, pk: int):
    """不予确认告知书 (A Art.21, C Art.18): the decision with its reasons and the right to
    ask the county for re-examination (复查, seed 002); printable."""
    case = case_detail_for_user(user=request.user, pk=pk)
    if case.state != CaseState.REFUSED:
        raise Http404("该案件未作出不予确认决定")
    return render(request, "cases/refusal_notice.html", _refusal_notice_context(case))


@login_required
def case_refusal_notice_pdf(request, pk: int):
    """The same notice as a PDF (WeasyPrint), for the household file and for sending."""
    case = case_detail_for_user(user=request.user, pk=pk)
    if case.state != CaseState.REFUSED:
        raise Http404("该案件未作出不予确认决定")
    return pdf_response(
        "cases/refusal_notice_pdf.html",
        _refusal_notice_context(case),
        request=request,
        filename=f"不予确认告知书-{case.number}.pdf",
    )


def _refusal_notice_context(case) -> dict:
    decision = (
        case.events.filter(target_state=CaseState.REFUSED)
        .select_related("actor")
        .order_by("-created_at")
        .first()
    )
    return {
        "page_title": "不予确认告知书",
        "case": case,
        "decision": decision,
        "county": case.township.parent,
    }

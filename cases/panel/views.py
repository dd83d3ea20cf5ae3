"""Pages of the township's review panel: the meetings, recording one, a meeting's record and
its minutes as a PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from archive.pdf import pdf_response
from cases.panel.forms import PanelMeetingForm
from cases.panel.selectors import (
    panel_candidate_cases_for_user,
    panel_meeting_get_for_user,
    panel_meetings_for_user,
)
from cases.panel.services import PANEL_ROLES, panel_meeting_record
from cases.workflow.services import client_address_of
from relief.forms import errors_at_fields
from relief.models import Role

READ_ROLES = (*PANEL_ROLES, Role.COUNTY_SUPERVISOR, Role.ADMINISTRATOR)


def _require(user, roles) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied


def _opinions(text: str) -> dict[str, str]:
    """Lines "姓名：意见" (or "姓名:意见") → {姓名: 意见}."""
    out: dict[str, str] = {}
    for line in (text or "").splitlines():
        name, sep, opinion = line.replace("：", ":").partition(":")
        if sep and name.strip():
            out[name.strip()] = opinion.strip()
    return out


@login_required
def panel_meetings(request):
    user = request.user
    _require(user, READ_ROLES)
    candidates = (
        list(panel_candidate_cases_for_user(user=user)) if user.has_role(*PANEL_ROLES) else []
    )
    form = PanelMeetingForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        _require(user, PANEL_ROLES)
    if form.is_bound and form.is_valid():
        data = request.POST
        chosen = [c for c in candidates if data.get(f"case_{c.pk}")]
        with errors_at_fields(form):
            meeting = panel_meeting_record(
                actor=user,
                held_on=form.cleaned_data["held_on"],
                members=form.cleaned_data["members"],
                minutes=form.cleaned_data["minutes"],
                reviews=[
                    {
                        "case": c,
                        "conclusion": data.get(f"conclusion_{c.pk}", ""),
                        "opinions": _opinions(data.get(f"opinions_{c.pk}", "")),
                    }
                    for c in chosen
                ],
                client_address=client_address_of(request),
            )
            messages.success(request, "已登记评审小组会议，审议结果已记入各案件日志")
            return redirect("cases:panel_meeting", pk=meeting.pk)
    return render(
        request,
        "cases/panel/meetings.html",
        {
            "meetings": list(panel_meetings_for_user(user=user)[:200]),
            "candidates": candidates,
            "can_record": user.has_role(*PANEL_ROLES),
            "form": form,
            "page_title": "评审小组集体研究",
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def panel_meeting(request, pk: int):
    _require(request.user, READ_ROLES)
    meeting = panel_meeting_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "cases/panel/meeting.html",
        {"meeting": meeting, "page_title": str(meeting)},
    )


@login_required
def panel_minutes_pdf(request, pk: int):
    _require(request.user, READ_ROLES)
    meeting = panel_meeting_get_for_user(user=request.user, pk=pk)
    return pdf_response(
        "cases/panel/minutes_pdf.html",
        {"meeting": meeting, "page_title": "评审小组会议纪要"},
        request=request,
        filename=f"评审小组会议纪要-{meeting.held_on:%Y%m%d}-{meeting.pk}.pdf",
    )

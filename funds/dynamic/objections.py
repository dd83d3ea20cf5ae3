"""Objections to a 特困 termination during its posting (C Art.25).

The township clerk or the village assistant records what a resident raised (who, or
anonymous; how to reach them; what) while the posting runs; an open objection holds the
termination (the daily scan does not end the posting). It is handled, with feedback, at
the level that decides the review: the township's approver where the township holds the
power for the type on the handling date (the decision's own guard), else the county.
Upheld, the termination is withdrawn and the recipient stays on the register; dismissed,
the termination takes effect at the next scan, from the month after the dismissal at the
earliest. After the posting's last day an objection is refused (the way left is
re-examination, A Art.29 / C Art.26). Each act is a signed row in the review case's log."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from cases.access import case_require_actor, four_eyes_reason
from cases.models import Case
from cases.notices.services import OBJECTION_MAX_CHARS
from cases.workflow.guards import township_holds_power
from cases.workflow.services import case_log_event
from funds.dynamic.models import (
    PostingObjection,
    PostingObjectionStatus,
    ReviewCase,
    TerminationPosting,
)
from funds.dynamic.services import review_schedule_refresh
from relief.models import Role, User
from relief.notifications import notify

#: Who records an objection: the township's clerk, or the assistant of the village where
#: the termination is posted (residents bring it to either).
RECORD_ROLES = (Role.TOWNSHIP_CLERK, Role.VILLAGE_ASSISTANT)
#: Who handles it: the township's approver or the county, whichever decides the review on
#: the handling date (``objection_handler_role``).
HANDLE_ROLES = (Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)
RECORD_REFUSED = "只有乡镇经办人或村(居)协理员可以登记公示异议"
HANDLE_REFUSED = "只有乡镇审核确认人或县级监管人员可以处理公示异议"
#: The other level's refusal, by the level that handles.
HANDLE_LEVEL_REFUSED = {
    Role.COUNTY_SUPERVISOR: "本乡镇当前未获得该救助类型的审核确认权，公示异议由县民政局处理",
    Role.TOWNSHIP_APPROVER: "本乡镇已获得该救助类型的审核确认权，公示异议由乡镇审核确认人处理",
}
DISMISSED_NOTE = "无其他未处理异议的，特困终止在公示期满后的每日自动处理中生效"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORDS = re.compile(r"[\w\u4e00-\u9fff]")


def posting_state(posting: TerminationPosting, today: datetime.date | None = None) -> str:
    """ "open" (during the posting), "withdrawn", "ended", or "closed" (past its last day,
    not yet ended by the scan: held by an objection or waiting for the scan)."""
    today = today or timezone.localdate()
    if posting.withdrawn_at is not None:
        return "withdrawn"
    if posting.ended_at is not None:
        return "ended"
    return "open" if posting.starts_on <= today <= posting.ends_on else "closed"


def objection_handler_role(case: Case) -> str:
    """The role that handles an objection to the termination posted by the review ``case``
    today: the township's approver where the township holds the power for the case's type
    (the guard of the review's own decision, ``township_holds_power``), else the county."""
    return Role.TOWNSHIP_APPROVER if township_holds_power(case) else Role.COUNTY_SUPERVISOR


def objection_handle_refusal(case: Case, actor: User) -> str:
    """Why ``actor`` may not handle the objections of the review ``case`` today ("" if he
    may): not a handling role, the other level, or four eyes: handling decides the
    termination, so whoever registered, accepted or investigated the review may not
    (A Art.11, ``four_eyes_reason``)."""
    if not actor.has_role(*HANDLE_ROLES):
        return HANDLE_REFUSED
    role = objection_handler_role(case)
    if not actor.has_role(role):
        return HANDLE_LEVEL_REFUSED[role]
    return four_eyes_reason(case=case, user=actor) or ""


def _review_case(posting: TerminationPosting) -> Case:
    return Case.objects.select_related("township", "assistance_type").get(pk=posting.review.case_id)


def _clean(text: str, field: str, empty: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: [empty]})
    if len(text) > OBJECTION_MAX_CHARS:
        raise ValidationError({field: [f"内容不能超过{OBJECTION_MAX_CHARS}字"]})
    if _CONTROL.search(text) or not _WORDS.search(text):
        raise ValidationError({field: ["内容须为文字，不能包含控制字符或文件内容"]})
    return text


def _people(case: Case, roles: tuple[str, ...]) -> QuerySet[User]:
    return User.objects.filter(region=case.township, role__in=roles, is_active=True)


def _handlers_and_clerks(case: Case) -> QuerySet[User]:
    """The township's clerks and whoever handles the objection today: the township's
    approvers, or the county's supervisors (main or extra role)."""
    role = objection_handler_role(case)
    region = case.township_id if role == Role.TOWNSHIP_APPROVER else case.township.parent_id
    return User.objects.filter(
        Q(region_id=case.township_id, role=Role.TOWNSHIP_CLERK)
        | (Q(role=role) | Q(extra_role=role)) & Q(region_id=region),
        is_active=True,
    ).distinct()


@transaction.atomic
def posting_objection_record(
    *,
    posting: TerminationPosting,
    actor: User,
    text: str,
    raised_by: str = "",
    contact: str = "",
    anonymous: bool = False,
    client_address: str | None = None,
    today: datetime.date | None = None,
) -> PostingObjection:
    """Record an objection during the posting; it holds the termination until handled.
    Outside the posting: refused with a Chinese message, nothing saved."""
    today = today or timezone.localdate()
    case = _review_case(posting)
    case_require_actor(case=case, actor=actor, roles=RECORD_ROLES)
    posting = TerminationPosting.objects.select_for_update().get(pk=posting.pk)
    state = posting_state(posting, today)
    if state == "withdrawn":
        raise ValidationError("本次特困终止已撤回，无需再登记异议")
    if state != "open":
        raise ValidationError(
            f"特困终止公示期已于{posting.ends_on:%Y年%m月%d日}结束，不能再登记公示异议；"
            "对终止决定不服的，可依法申请行政复议或者提起行政诉讼"
        )
    text = _clean(text, "text", "请填写异议内容")
    raised_by = "" if anonymous else (raised_by or "").strip()[:40]
    if not anonymous and not raised_by:
        raise ValidationError({"raised_by": ["请填写异议人姓名，或选择匿名"]})
    objection = PostingObjection.objects.create(
        posting=posting,
        anonymous=anonymous,
        raised_by=raised_by,
        contact=(contact or "").strip()[:60],
        text=text,
        recorded_by=actor,
        recorded_by_name=str(actor)[:60],
    )
    case_log_event(
        case=case,
        name="termination_objection",
        label="特困终止公示异议",
        actor=actor,
        roles=RECORD_ROLES,
        opinion=f"{raised_by or '匿名'}：{text[:200]}",
        client_address=client_address,
        data={"objection": objection.pk, "posting": posting.pk},
    )
    notify(
        _handlers_and_clerks(case),
        verb=f"特困终止公示（复核案件{case.number}）收到异议，终止暂缓生效，请核实处理",
        url=reverse("dynamic:posting_objections", args=[case.pk]),
        dedupe_key=f"posting-objection-{objection.pk}",
    )
    return objection


@transaction.atomic
def posting_objection_handle(
    *,
    objection: PostingObjection,
    actor: User,
    outcome: str,
    feedback: str,
    client_address: str | None = None,
) -> PostingObjection:
    """Handle an open objection with its feedback: ``upheld`` withdraws the termination
    (the recipient stays; the review schedule starts again), ``dismissed`` lets it take
    effect at the next scan once no other objection is open. Only the level that decides
    the review today may (``objection_handler_role``); the other is refused in Chinese
    (PermissionDenied), nothing saved."""
    posting = TerminationPosting.objects.select_for_update().get(pk=objection.posting_id)
    review = ReviewCase.objects.select_related("recipient").get(pk=posting.review_id)
    posting.review = review
    case = _review_case(posting)
    case_require_actor(case=case, actor=actor, roles=HANDLE_ROLES, decision=True)
    refusal = objection_handle_refusal(case, actor)
    if refusal:
        raise PermissionDenied(refusal)
    if outcome not in (PostingObjectionStatus.UPHELD, PostingObjectionStatus.DISMISSED):
        raise ValidationError({"outcome": ["请选择异议是否成立"]})
    feedback = _clean(feedback, "feedback", "请填写核实情况与反馈内容")
    objection = PostingObjection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != PostingObjectionStatus.OPEN:
        raise ValidationError("该异议已处理")
    if outcome == PostingObjectionStatus.UPHELD and posting.ended_at is not None:
        raise ValidationError("终止已生效或已撤回，不能再撤回")
    now = timezone.now()
    objection.status = outcome
    objection.feedback = feedback
    objection.handled_by = actor
    objection.handled_at = now
    objection.save(update_fields=["status", "feedback", "handled_by", "handled_at"])
    upheld = outcome == PostingObjectionStatus.UPHELD
    case_log_event(
        case=case,
        name="termination_objection_upheld" if upheld else "termination_objection_dismissed",
        label="公示异议成立，撤回特困终止" if upheld else "公示异议不成立，特困终止生效",
        actor=actor,
        roles=HANDLE_ROLES,
        opinion=feedback[:500],
        client_address=client_address,
        data={"objection": objection.pk, "posting": posting.pk},
    )
    if upheld:
        posting.withdrawn_at = posting.ended_at = now
        posting.save(update_fields=["withdrawn_at", "ended_at"])
        review_schedule_refresh(recipient=review.recipient, from_day=timezone.localdate(now))
    notify(
        _people(case, (Role.TOWNSHIP_CLERK,)),
        verb=(
            f"复核案件{case.number}的特困终止公示异议已处理："
            f"{objection.get_status_display()}" + ("，请向异议人反馈" if objection.contact else "")
        ),
        url=reverse("dynamic:posting_objections", args=[case.pk]),
        dedupe_key=f"posting-objection-handled-{objection.pk}",
    )
    return objection

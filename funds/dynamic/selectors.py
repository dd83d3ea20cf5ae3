"""Reads of 动态管理, always through region scoping (relief/scoping.py): the due-for-review
list (open review cases with their case clocks, and the schedules not yet opened), one
review of a case, the campaign's recipients, and a household's timeline.

The open reviews' due-soon and overdue marks are the case clock's flags, kept by the one
daily scan (cases.clocks); a schedule not yet opened is marked with the same rule
(``due_soon_wd`` working days before its date, overdue the day after)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cases.models import Case, CaseEvent
from cases.states import EXIT_STATES
from funds.dynamic.models import (
    DishonestyRecord,
    PostingObjection,
    ReviewCampaign,
    ReviewCase,
    ReviewSchedule,
    ReviewTrigger,
    TerminationPosting,
)
from funds.recipients.models import Recipient, RecipientChange, RecipientStatus
from funds.rosters.models import LineResult, RosterLine, RunState
from relief.models import AssistanceType, Region, User
from relief.policy import policy_for
from relief.scoping import scope_by_region, townships_for_user, villages_for_user
from relief.workdays import add_workdays, workdays_left

#: The changes of circumstance a village assistant reports or a clerk finds (the data the
#: opening form lists); the schedule and a campaign open reviews by themselves.
CIRCUMSTANCES: tuple[tuple[str, str], ...] = tuple(
    (value, label)
    for value, label in ReviewTrigger.choices
    if value not in (ReviewTrigger.SCHEDULED, ReviewTrigger.CAMPAIGN)
)


def open_review_recipient_ids() -> QuerySet[ReviewCase, Any]:
    """Recipients with a review under way (not decided, not ended otherwise), as a
    subquery: no second review is opened for them."""
    return (
        ReviewCase.objects.filter(applied_at__isnull=True)
        .exclude(case__state__in=EXIT_STATES)
        .values("recipient_id")
    )


@dataclass(frozen=True)
class DueFilters:
    """The due list's filters, already checked against the user's region."""

    township: Region | None = None
    village: Region | None = None
    assistance_type: AssistanceType | None = None
    overdue: bool = False
    q: str = ""


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def due_filters_for_user(*, user: User, params: Mapping[str, Any]) -> DueFilters:
    """The filters of the due list from query parameters. A township or village outside
    the user's region is a 404 (as its page would be), never an empty list."""
    township = village = assistance_type = None
    if (pk := _int(params.get("township"))) is not None:
        township = _township_for_user(user=user, pk=pk)
    if (pk := _int(params.get("village"))) is not None:
        village = get_object_or_404(villages_for_user(user), pk=pk)
        if township is not None and village.parent_id != township.pk:
            raise Http404("该村(社区)不属于所选乡镇(街道)")
    if (pk := _int(params.get("assistance_type"))) is not None:
        assistance_type = AssistanceType.objects.filter(pk=pk).first()
    return DueFilters(
        township=township,
        village=village,
        assistance_type=assistance_type,
        overdue=str(params.get("overdue", "")) in ("1", "true", "on"),
        q=str(params.get("q", "") or "").strip()[:40],
    )


def _township_for_user(*, user: User, pk: int) -> Region:
    """A township the user may see: a county user's townships, a township user's own, a
    village assistant's village's township (404 for any other)."""
    region = user.region
    if region is not None and region.level == Region.Level.VILLAGE:
        if region.parent_id != pk:
            raise Http404("乡镇(街道)不在您的管辖区域内")
        return get_object_or_404(Region, pk=pk)
    return get_object_or_404(townships_for_user(user), pk=pk)


def _recipient_q(filters: DueFilters, prefix: str) -> Q:
    q = Q()
    if filters.township is not None:
        q &= Q(**{f"{prefix}township": filters.township})
    if filters.village is not None:
        q &= Q(**{f"{prefix}village": filters.village})
    if filters.assistance_type is not None:
        q &= Q(**{f"{prefix}assistance_type": filters.assistance_type})
    if filters.q:
        q &= Q(**{f"{prefix}head_name__contains": filters.q}) | Q(
            **{f"{prefix}head_id_number": filters.q.upper()}
        )
    return q


def open_reviews_for_user(*, user: User, filters: DueFilters | None = None) -> QuerySet[ReviewCase]:
    """Review cases not yet decided (and not ended otherwise), the most urgent first, each
    with its case and the case clock (whose flags the daily scan keeps)."""
    filters = filters or DueFilters()
    qs = (
        scope_by_region(
            ReviewCase.objects.all(),
            user,
            township_field="recipient__township",
            village_field="recipient__village",
        )
        .filter(applied_at__isnull=True)
        .exclude(case__state__in=EXIT_STATES)
        .filter(_recipient_q(filters, "recipient__"))
        .select_related(
            "case",
            "case__clock",
            "recipient",
            "recipient__village",
            "recipient__township",
            "recipient__assistance_type",
        )
        .defer("case__policy_snapshot")
        .order_by("due_on", "pk")
    )
    if filters.overdue:
        qs = qs.filter(case__clock__overdue=True)
    return qs


def _soon_thresholds(user: User, today: datetime.date) -> dict[int, datetime.date]:
    """Per township of the user's region: the last due date already "due soon" today (the
    township's ``due_soon_wd`` working days ahead)."""
    region = user.region
    if region is not None and region.level == Region.Level.VILLAGE:
        townships = Region.objects.filter(pk__in=[region.parent_id or 0])
    else:
        townships = townships_for_user(user)
    return {t.pk: add_workdays(today, int(policy_for(t, today).due_soon_wd)) for t in townships}


def scheduled_reviews_for_user(
    *, user: User, filters: DueFilters | None = None, today: datetime.date | None = None
) -> QuerySet[ReviewSchedule]:
    """Recipients in support whose next review has no open review case yet, by due date,
    annotated ``mark`` "overdue" / "soon" / "" (same rule as the clock)."""
    filters = filters or DueFilters()
    today = today or timezone.localdate()
    qs = (
        scope_by_region(
            ReviewSchedule.objects.all(),
            user,
            township_field="recipient__township",
            village_field="recipient__village",
        )
        .exclude(recipient__status=RecipientStatus.STOPPED)
        .exclude(recipient__in=open_review_recipient_ids())
        .filter(_recipient_q(filters, "recipient__"))
        .select_related(
            "recipient",
            "recipient__village",
            "recipient__township",
            "recipient__assistance_type",
        )
        .order_by("next_due", "pk")
    )
    if filters.overdue:
        qs = qs.filter(next_due__lt=today)
    return qs


@dataclass
class DueRow:
    """One line of the due list (an open review or a schedule) with its marks."""

    recipient: Recipient
    due_on: datetime.date
    workdays_left: int
    overdue: bool
    due_soon: bool
    review: ReviewCase | None = None
    schedule: ReviewSchedule | None = None


def open_review_rows(
    reviews: Iterable[ReviewCase], *, today: datetime.date | None = None
) -> list[DueRow]:
    today = today or timezone.localdate()
    reviews = list(reviews)
    dues = {}
    for review in reviews:
        clock = getattr(review.case, "clock", None)
        dues[review.pk] = clock.overall_due if clock is not None else review.due_on
    left = workdays_left(today, dues.values())
    rows = []
    for review in reviews:
        clock = getattr(review.case, "clock", None)
        due = dues[review.pk]
        rows.append(
            DueRow(
                recipient=review.recipient,
                due_on=due,
                workdays_left=left[due],
                overdue=bool(clock and clock.overdue),
                due_soon=bool(clock and clock.due_soon),
                review=review,
            )
        )
    return rows


def schedule_rows(
    schedules: Iterable[ReviewSchedule], *, user: User, today: datetime.date | None = None
) -> list[DueRow]:
    today = today or timezone.localdate()
    soon = _soon_thresholds(user, today)
    schedules = list(schedules)
    left = workdays_left(today, (s.next_due for s in schedules))
    rows = []
    for schedule in schedules:
        recipient = schedule.recipient
        due = schedule.next_due
        threshold = soon.get(recipient.township_id, today)
        rows.append(
            DueRow(
                recipient=recipient,
                due_on=due,
                workdays_left=left[due],
                overdue=today > due,
                due_soon=today <= due <= threshold,
                schedule=schedule,
            )
        )
    return rows


def review_for_case(*, case: Case) -> ReviewCase | None:
    return (
        ReviewCase.objects.select_related(
            "recipient", "recipient__assistance_type", "recipient__village", "campaign"
        )
        .filter(case=case)
        .first()
    )


def reviews_for_user(*, user: User) -> QuerySet[ReviewCase]:
    """Every review of the user's region (open and decided), newest first."""
    return (
        scope_by_region(
            ReviewCase.objects.all(),
            user,
            township_field="recipient__township",
            village_field="recipient__village",
        )
        .select_related("case", "case__clock", "recipient", "recipient__village")
        .defer("case__policy_snapshot")
        .order_by("-pk")
    )


def review_get_for_user(*, user: User, pk: int) -> ReviewCase:
    return get_object_or_404(reviews_for_user(user=user), pk=pk)


def campaign_recipients_for_user(
    *,
    user: User,
    township: Region | None = None,
    village: Region | None = None,
    assistance_type: AssistanceType | None = None,
) -> QuerySet[Recipient]:
    """The recipients a campaign with these filters opens reviews for (the preview counts
    them; the service takes the same set): in the user's region, not stopped, without an
    open review."""
    qs = scope_by_region(Recipient.objects.all(), user).exclude(status=RecipientStatus.STOPPED)
    if township is not None:
        qs = qs.filter(township=township)
    if village is not None:
        qs = qs.filter(village=village)
    if assistance_type is not None:
        qs = qs.filter(assistance_type=assistance_type)
    return qs.exclude(pk__in=open_review_recipient_ids())


def campaigns_for_user(*, user: User) -> QuerySet[ReviewCampaign]:
    """Campaigns of the user's county (a township user sees those of its county)."""
    region = getattr(user, "region", None)
    if region is None or region.level == Region.Level.VILLAGE:
        return ReviewCampaign.objects.none()
    qs = ReviewCampaign.objects.select_related("created_by")
    if region.level == Region.Level.COUNTY:
        qs = qs.filter(county=region)
    else:  # a township sees the campaigns its own staff opened
        qs = qs.filter(county_id=region.parent_id, created_by__region=region)
    return qs.order_by("-created_at", "-pk")


# --- the household's timeline ---------------------------------------------------------


@dataclass
class TimelineEntry:
    day: datetime.date
    kind: str  # application / confirmation / review / change / paid
    title: str
    detail: str = ""
    amount: Decimal | None = None
    url_name: str = ""
    url_arg: int | None = None
    order: tuple = field(default=())


_KIND_ORDER = {"application": 0, "confirmation": 1, "review": 2, "change": 3, "paid": 4}


def household_timeline(*, recipient: Recipient) -> list[TimelineEntry]:
    """The household's record in date order: the application, its confirmation, each
    review (opened, decided), each dated change of the register, each roster month paid
    (lines of locked rosters). A fixed number of queries whatever the history's length."""
    entries: list[TimelineEntry] = []
    case = recipient.case
    events = CaseEvent.objects.filter(
        case=case, transition__in=("accept", "confirm", "county_approve", "start_payment")
    ).order_by("created_at", "pk")
    accepted = case.accepted_on or timezone.localdate(case.created_at)
    # Back-dated entry (a case recorded after its decision) must not put the application
    # after its confirmation: the earliest of the recorded dates.
    applied = min(
        d for d in (timezone.localdate(case.created_at), case.accepted_on, case.decided_on) if d
    )
    entries.append(
        TimelineEntry(
            day=applied,
            kind="application",
            title="提出申请",
            detail=(
                f"案件 {case.number}（{case.get_source_display()}），受理日期 {accepted:%Y-%m-%d}"
            ),
            url_name="cases:detail",
            url_arg=case.pk,
        )
    )
    for event in events:
        if event.transition in ("confirm", "county_approve"):
            entries.append(
                TimelineEntry(
                    day=_event_day(event),
                    kind="confirmation",
                    title=event.label,
                    detail=f"{event.actor_name}：{event.opinion}" if event.opinion else "",
                    url_name="cases:detail",
                    url_arg=case.pk,
                )
            )
    reviews = (
        ReviewCase.objects.filter(recipient=recipient)
        .select_related("case", "campaign", "posting", "recovery_order")
        .defer("case__policy_snapshot")
        .order_by("pk")
    )
    for review in reviews:
        opened = review.case.accepted_on or timezone.localdate(review.case.created_at)
        entries.append(
            TimelineEntry(
                day=opened,
                kind="review",
                title=f"启动复核（{review.get_trigger_display()}）",
                detail=(review.trigger_note or "")
                + (f" 截止 {review.due_on:%Y-%m-%d}" if review.due_on else ""),
                url_name="cases:detail",
                url_arg=review.case_id,
            )
        )
        if review.applied_at is not None:
            entries.append(
                TimelineEntry(
                    day=review.case.decided_on or timezone.localdate(review.applied_at),
                    kind="review",
                    title=f"复核决定：{review.get_outcome_display()}",
                    detail=_from_month(review.effective_month) + (review.reasons or ""),
                    amount=review.new_amount,
                    url_name="cases:detail",
                    url_arg=review.case_id,
                )
            )
            posting = getattr(review, "posting", None)
            if posting is not None:
                entries.append(
                    TimelineEntry(
                        day=posting.starts_on,
                        kind="review",
                        title="特困终止公示",
                        detail=f"{posting.starts_on:%Y-%m-%d}至{posting.ends_on:%Y-%m-%d}"
                        + (
                            "，因异议成立撤回终止"
                            if posting.withdrawn_at
                            else f"，期满，自{posting.effective_month:%Y年%m月}起停保"
                            if posting.effective_month
                            else "，期满后停保"
                        ),
                        url_name="cases:detail",
                        url_arg=review.case_id,
                    )
                )
            if review.recovery_order is not None:
                order = review.recovery_order
                entries.append(
                    TimelineEntry(
                        day=timezone.localdate(order.decided_at),
                        kind="review",
                        title="追缴决定",
                        detail=f"{order.months}；{order.get_mode_display()}",
                        amount=-order.amount,
                        url_name="cases:detail",
                        url_arg=review.case_id,
                    )
                )
        elif review.case.state in EXIT_STATES:
            entries.append(
                TimelineEntry(
                    day=review.case.decided_on or timezone.localdate(review.case.updated_at),
                    kind="review",
                    title=f"复核案件结束（{review.case.get_state_display()}）",
                    url_name="cases:detail",
                    url_arg=review.case_id,
                )
            )
    records = DishonestyRecord.objects.filter(household_id=recipient.household_id).order_by("pk")
    for record in records:
        entries.append(
            TimelineEntry(
                day=record.found_on,
                kind="review",
                title=f"失信记录（{record.get_source_display()}查实）",
                detail=f"{record.what}（{record.reference}）；认定人：{record.recorded_by_name}；"
                f"有效期至{record.expires_on:%Y-%m-%d}",
                amount=-record.recovery_amount if record.recovery_amount is not None else None,
            )
        )
    changes = RecipientChange.objects.filter(recipient=recipient).order_by("created_at", "pk")
    for change in changes:
        entries.append(
            TimelineEntry(
                day=timezone.localdate(change.created_at),
                kind="change",
                title=f"{change.get_kind_display()}：{change.get_status_display()}",
                detail=(
                    f"自{change.effective_month:%Y年%m月}起；{change.reason}"
                    + (f"（{change.source_label}）" if change.source_label else "")
                    + f"；签署：{change.actor_name}"
                ),
                amount=change.monthly_amount,
            )
        )
    lines = (
        RosterLine.objects.filter(recipient=recipient, run__state=RunState.LOCKED)
        .select_related("run")
        .order_by("month", "pk")
    )
    for line in lines:
        paid = line.result == LineResult.PAID
        entries.append(
            TimelineEntry(
                day=line.month,
                kind="paid",
                title=f"{line.month:%Y年%m月} {line.get_kind_display()}"
                + ("（已发放）" if paid else f"（{line.get_result_display()}）"),
                detail=f"花名册 {line.run.number or line.run.pk} · {line.get_channel_display()}",
                amount=line.amount,
            )
        )
    for n, entry in enumerate(entries):
        entry.order = (entry.day, _KIND_ORDER[entry.kind], n)
    return sorted(entries, key=lambda e: e.order)


def _from_month(month: datetime.date | None) -> str:
    return f"自{month:%Y年%m月}起；" if month else ""


def _event_day(event: CaseEvent) -> datetime.date:
    raw = (event.data or {}).get("on")
    if raw:
        try:
            return datetime.date.fromisoformat(str(raw)[:10])
        except ValueError:
            pass
    return timezone.localdate(event.created_at)


def posting_objections_for_user(*, user: User) -> QuerySet[PostingObjection]:
    """Objections to the 特困 termination postings of the user's region, newest first."""
    return (
        scope_by_region(
            PostingObjection.objects.all(),
            user,
            township_field="posting__recipient__township",
            village_field="posting__recipient__village",
        )
        .select_related("posting", "posting__review", "posting__recipient")
        .order_by("-received_at", "-pk")
    )


def posting_objection_get_for_user(*, user: User, pk: int) -> PostingObjection:
    return get_object_or_404(posting_objections_for_user(user=user), pk=pk)


def objections_of_posting(posting: TerminationPosting) -> QuerySet[PostingObjection]:
    return PostingObjection.objects.filter(posting=posting).select_related(
        "recorded_by", "handled_by"
    )

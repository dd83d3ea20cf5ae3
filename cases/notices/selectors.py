"""Reads of the public notice, always through region scoping (relief/scoping.py): a
township sees its villages' batches, a village assistant their village's, the county all;
another township's batch or objection is not in the queryset (404)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cases.models import Case, CaseState
from cases.notices.models import BatchState, NoticeBatch, NoticeEntry, Objection
from cases.notices.services import notice_kind_of
from relief.models import Region, User
from relief.scoping import scope_by_region, townships_for_user

#: States a case may wait for a notice in (``notice_kind_of`` decides which one).
READY_STATES = (CaseState.PRE_NOTICE, CaseState.RESULT_NOTICE, CaseState.CONFIRMED)


def notice_batches_for_user(*, user: User) -> QuerySet[NoticeBatch]:
    return scope_by_region(NoticeBatch.objects.all(), user).select_related(
        "village", "township", "created_by", "published_by"
    )


def notice_batch_get_for_user(*, user: User, pk: int) -> NoticeBatch:
    entries = NoticeEntry.objects.select_related("case").order_by("position", "pk")
    qs = notice_batches_for_user(user=user).prefetch_related(Prefetch("entries", queryset=entries))
    return get_object_or_404(qs, pk=pk)


def objections_for_user(*, user: User) -> QuerySet[Objection]:
    return scope_by_region(
        Objection.objects.all(),
        user,
        township_field="case__township",
        village_field="case__village",
    ).select_related("case", "batch", "recorded_by", "feedback_by")


def objection_get_for_user(*, user: User, pk: int) -> Objection:
    return get_object_or_404(objections_for_user(user=user), pk=pk)


# --- the staff pages (cases/notices/views.py) ------------------------------------------------
def notice_ready_cases_for_user(*, user: User, village: Region) -> list[tuple[Case, str]]:
    """The village's cases waiting for a notice (确认前公示, or 结果公示 after confirmation
    where the case's policy snapshot says so) and in no draft or published batch, each with
    the kind of notice it waits for (``cases.notices.services.notice_kind_of``)."""
    active = NoticeEntry.objects.filter(
        case=OuterRef("pk"),
        outcome="",
        batch__state__in=(BatchState.DRAFT, BatchState.PUBLISHED),
    )
    cases = (
        scope_by_region(Case.objects.all(), user)
        .filter(village=village, state__in=READY_STATES)
        .exclude(Exists(active))
        .select_related("applicant", "assistance_type", "household")
        .order_by("number", "pk")
    )
    out = []
    for case in cases:
        kind = notice_kind_of(case)
        if kind is not None:
            out.append((case, kind))
    return out


def notice_counts_by_township(
    *, user: User, townships: Iterable[Region] | None = None
) -> list[dict]:
    """Per township in the user's scope (or of ``townships``, already read by the caller):
    batches on the wall, drafts, objections still being handled and objections this year
    (the county dashboard). Two grouped queries."""
    year_start = timezone.localdate().replace(month=1, day=1)
    batches = {
        row["township"]: row
        for row in notice_batches_for_user(user=user)
        .order_by()
        .values("township")
        .annotate(
            published=Count("pk", filter=Q(state=BatchState.PUBLISHED)),
            drafts=Count("pk", filter=Q(state=BatchState.DRAFT)),
        )
    }
    objections = {
        row["case__township"]: row
        for row in objections_for_user(user=user)
        .order_by()
        .values("case__township")
        .annotate(
            open=Count("pk", filter=Q(status=Objection.Status.OPEN)),
            year=Count("pk", filter=Q(received_at__date__gte=year_start)),
            complaints=Count("pk", filter=Q(is_complaint=True, status=Objection.Status.OPEN)),
        )
    }
    rows = []
    if townships is None:
        townships = townships_for_user(user).order_by("code")
    for township in townships:
        b = batches.get(township.pk, {})
        o = objections.get(township.pk, {})
        rows.append(
            {
                "township": township,
                "published": b.get("published", 0),
                "drafts": b.get("drafts", 0),
                "objections_open": o.get("open", 0),
                "complaints_open": o.get("complaints", 0),
                "objections_year": o.get("year", 0),
            }
        )
    return rows

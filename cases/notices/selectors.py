"""Reads of the public notice, always through region scoping (relief/scoping.py): a
township sees its villages' batches, a village assistant their village's, the county all;
another township's batch or objection is not in the queryset (404)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from cases.notices.models import NoticeBatch, NoticeEntry, Objection
from relief.models import User
from relief.scoping import scope_by_region


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

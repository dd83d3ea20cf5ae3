"""Reads of the standing list and of the public village pages.

Staff reads go through region scoping (relief/scoping.py): another township's list is a
404. The public reads answer only what the paper shows — published batches' frozen,
masked rows and the latest standing list's frozen rows — in a fixed number of queries
whatever the village's size."""

from __future__ import annotations

import datetime
import hashlib

from django.db import connection
from django.db.models import JSONField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from cases.notices.models import BatchState, NoticeBatch, NoticeEntry
from funds.publicity.models import StandingList
from relief.models import Region, User
from relief.scoping import scope_by_region, villages_for_user

#: What the public pages read of an entry: the frozen, masked columns of the paper.
PUBLIC_ENTRY_FIELDS = (
    "batch",
    "case",
    "position",
    "masked_name",
    "village_group",
    "household_size",
    "amount_text",
)
PUBLIC_BATCH_STATES = (BatchState.PUBLISHED, BatchState.CLOSED)


# --- staff ---------------------------------------------------------------------------------
def standing_villages_for_user(*, user: User) -> QuerySet[Region]:
    """The villages the user may see, each with its latest version's date and size."""
    latest = StandingList.objects.filter(village=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        villages_for_user(user)
        .filter(active=True)
        .annotate(
            latest_as_of=Subquery(latest.values("as_of")[:1]),
            latest_households=Subquery(latest.values("households")[:1]),
        )
        .order_by("code")
    )


def standing_village_get_for_user(*, user: User, pk: int) -> Region:
    return get_object_or_404(villages_for_user(user), pk=pk)


def standing_lists_for_village(*, village: Region) -> QuerySet[StandingList]:
    return (
        StandingList.objects.filter(village=village)
        .select_related("created_by")
        .defer("rows")
        .order_by("-created_at", "-pk")
    )


def standing_list_get_for_user(*, user: User, pk: int) -> StandingList:
    qs = scope_by_region(StandingList.objects.select_related("village"), user)
    return get_object_or_404(qs, pk=pk)


# --- public --------------------------------------------------------------------------------
def public_village_get(*, code: str) -> Region:
    return get_object_or_404(
        Region.objects.select_related("parent"),
        code=code,
        level=Region.Level.VILLAGE,
        active=True,
    )


def _public_entries() -> Prefetch:
    """The rows as the paper prints them (cases/notices/pdf.py): the frozen columns, the
    assistance type and the near-relative mark; nothing else of the case is read."""
    rows = (
        NoticeEntry.objects.select_related("case__assistance_type")
        .only(
            "pk",
            *PUBLIC_ENTRY_FIELDS,
            "case__state",  # the state machine reads it when a case row is loaded; not shown
            "case__near_relative_flag",
            "case__assistance_type",
            "case__assistance_type__name",
        )
        .order_by("position", "pk")
    )
    return Prefetch("entries", queryset=rows)


def public_open_batches(*, village: Region, today: datetime.date) -> list[NoticeBatch]:
    """Published batches of the village whose period has not ended, with their rows."""
    start_limit = today - datetime.timedelta(days=366)
    batches = (
        NoticeBatch.objects.filter(
            village=village, state=BatchState.PUBLISHED, starts_on__gte=start_limit
        )
        .prefetch_related(_public_entries())
        .order_by("starts_on", "pk")
    )
    return [b for b in batches if b.ends_on >= today]


def public_batch_get(*, token: str) -> NoticeBatch:
    """A batch by its public token, once published (a draft or withdrawn one is a 404)."""
    qs = NoticeBatch.objects.filter(state__in=PUBLIC_BATCH_STATES).select_related(
        "village", "township"
    )
    return get_object_or_404(qs.prefetch_related(_public_entries()), token=token)


def public_standing_list(*, village: Region, offset: int, limit: int) -> StandingList | None:
    """The village's latest standing list with one page of its frozen rows as ``page_rows``
    (rows ``offset`` … ``offset + limit - 1``), in one query: on PostgreSQL the slice is
    cut in the database (jsonb_path_query_array), so a list of thousands of households
    is not read whole for a page of a hundred."""
    qs = StandingList.objects.filter(village=village).order_by("-created_at", "-pk")
    fields = ("pk", "as_of", "households", "persons", "monthly_total", "village_id")
    if connection.vendor == "postgresql":
        path = f"$[{offset} to {offset + limit - 1}]"
        return (
            qs.only(*fields)
            .annotate(
                page_rows=RawSQL(
                    "jsonb_path_query_array(rows, %s::jsonpath)", [path], output_field=JSONField()
                )
            )
            .first()
        )
    standing = qs.only(*fields, "rows").first()
    if standing is not None:
        standing.page_rows = standing.rows[offset : offset + limit]  # type: ignore[attr-defined]  # as the PG annotation
    return standing


def public_village_etag(*, village: Region, today: datetime.date) -> str:
    """What the village page shows changes only with its batches' states, its latest
    standing list and the day (a period ends): one query, hashed."""
    signature = list(
        NoticeBatch.objects.filter(village=village, state=BatchState.PUBLISHED)
        .order_by("pk")
        .values_list("pk", "starts_on", "days")
    )
    latest = (
        StandingList.objects.filter(village=village)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:1]
    )
    raw = f"{village.pk}|{today.isoformat()}|{signature}|{list(latest)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]

"""The spot-check draw (入户抽查, DOMAIN §6) done by the database: random, stratified by
township × assistance-type category, reproducible from the campaign's seed, and never a
model instance (nor a Python row) per case of the frame on PostgreSQL.

Each case of the frame gets a draw key, a pseudo-random 60-bit number computed from the
campaign's seed and the case's id alone: the first 15 hex digits of md5("<seed>:<id>").
A stratum's random sample is its k non-mandatory cases of smallest key (ties by id): keys
are independent of everything else about a case, so every k-subset of the stratum is
equally likely, and the same seed on the same data gives the same sample. The key of the
k-th case (the stratum's cutoff) is stored in the frame, so an auditor can later prove
each drawn case from the seed and its id only, and that no case of the frame with a key
under the cutoff was left out, even after some drawn cases have left the frame (revoked
after a finding).

PostgreSQL computes the keys, ranks them per stratum and inserts the items in one
statement (the frame read on the index ``case_decided_frame``). Other databases (SQLite
for development and the tests) read the frame as (id, township, category) tuples and keep
each stratum's k smallest keys in a heap: the same function, the same sample."""

from __future__ import annotations

import datetime
import hashlib
import heapq
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import BigIntegerField, Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL

from cases.models import Case
from cases.states import CONFIRMED_STATES
from review.models import SpotCheckItem

#: Hex digits of the md5 digest read as the key: 60 bits fit a signed bigint.
KEY_HEX_DIGITS = 15
#: Label stored on each stratum of a frame drawn this way (older frames list candidates).
METHOD = "md5-bottom-k"
#: The key expression on PostgreSQL; the one parameter is the seed as text.
PG_KEY_SQL = (
    f"('x' || substr(md5(%s || ':' || {{id}}::text), 1, {KEY_HEX_DIGITS}))"
    f"::bit({KEY_HEX_DIGITS * 4})::bigint"
)


def draw_key(seed: int, case_id: int) -> int:
    """The draw key of a case under ``seed`` (the same number PostgreSQL computes)."""
    digest = hashlib.md5(f"{seed}:{case_id}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:KEY_HEX_DIGITS], 16)


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def frame_queryset(
    *,
    county_id: int,
    period_start: datetime.date,
    period_end: datetime.date,
    no_review_townships: Iterable[int] = (),
) -> QuerySet[Case]:
    """The county's cases confirmed (decided_on) in the period and still standing; review
    (复核) decisions left out in the townships listed (``spot_check_include_reviews`` off)."""
    qs = Case.objects.filter(
        township__parent_id=county_id,
        decided_on__range=(period_start, period_end),
        state__in=CONFIRMED_STATES,
    )
    no_reviews = list(no_review_townships)
    if no_reviews:
        qs = qs.exclude(purpose=Case.Purpose.REVIEW, township_id__in=no_reviews)
    return qs.order_by()


MANDATORY = Q(near_relative_flag=True) | Q(complaint_flag=True)


def stratum_counts(frame: QuerySet[Case]) -> dict[tuple[int, str], int]:
    """Cases per (township id, category) of the frame: one grouped count, index-only on
    PostgreSQL."""
    rows = frame.values("township_id", "assistance_type__category").annotate(n=Count("pk"))
    return {(r["township_id"], r["assistance_type__category"]): r["n"] for r in rows}


def mandatory_rows(frame: QuerySet[Case]) -> list[tuple[int, str, int, str, bool, bool]]:
    """(id, number, township id, category, near-relative, complaint) of the frame's cases
    that are always visited (A Art.20): few, read by the flags."""
    return list(
        frame.filter(MANDATORY)
        .order_by("number")
        .values_list(
            "pk",
            "number",
            "township_id",
            "assistance_type__category",
            "near_relative_flag",
            "complaint_flag",
        )
    )


@dataclass(frozen=True)
class Drawn:
    """What the random part of the draw took from one stratum."""

    count: int
    cutoff: int | None


def _candidates(frame: QuerySet[Case]) -> QuerySet[Case]:
    return frame.filter(near_relative_flag=False, complaint_flag=False)


def _keyed_rows(frame: QuerySet[Case], seed: int) -> Iterator[tuple[int, int, str, int]]:
    """(id, township id, category, key) of every non-mandatory case of the frame, as
    tuples (the plain path: no model instance, keys computed here)."""
    rows = _candidates(frame).values_list("pk", "township_id", "assistance_type__category")
    for pk, township_id, category in rows.iterator(chunk_size=5_000):
        yield pk, township_id, category, draw_key(seed, pk)


def draw_random(
    *,
    campaign_id: int,
    frame: QuerySet[Case],
    seed: int,
    quotas: dict[tuple[int, str], tuple[int, int]],
) -> dict[tuple[int, str], Drawn]:
    """Insert, for each stratum (township id, category) → (k, its number of non-mandatory
    cases) with k positive, the k non-mandatory cases of smallest key as items drawn at
    random; answer per stratum how many were drawn and the largest key taken."""
    wanted = {s: k for s, (k, _) in quotas.items() if k > 0}
    if not wanted:
        return {}
    if on_postgresql():
        sized = {s: quotas[s] for s in wanted}
        drawn = _draw_random_sql(campaign_id=campaign_id, frame=frame, seed=seed, quotas=sized)
        short = {s: q for s, q in sized.items() if drawn[s].count < min(q)}
        if short:
            # Fewer keys under a stratum's bound than it needs (improbable, see
            # key_bound): draw those strata again over all their keys.
            stale = Q()
            for township_id, category in short:
                stale |= Q(township_id=township_id, category=category)
            SpotCheckItem.objects.filter(
                stale, campaign_id=campaign_id, reason=SpotCheckItem.Reason.RANDOM
            ).delete()
            drawn.update(
                _draw_random_sql(
                    campaign_id=campaign_id, frame=frame, seed=seed, quotas=short, bounded=False
                )
            )
        return drawn
    heaps: dict[tuple[int, str], list[tuple[int, int]]] = {s: [] for s in wanted}
    for pk, township_id, category, key in _keyed_rows(frame, seed):
        heap = heaps.get((township_id, category))
        if heap is None:
            continue
        entry = (-key, -pk)  # max-heap of the k smallest (key, id)
        if len(heap) < wanted[(township_id, category)]:
            heapq.heappush(heap, entry)
        elif entry > heap[0]:
            heapq.heapreplace(heap, entry)
    items = [
        SpotCheckItem(
            campaign_id=campaign_id,
            case_id=-pk,
            township_id=stratum[0],
            category=stratum[1],
            reason=SpotCheckItem.Reason.RANDOM,
        )
        for stratum, heap in heaps.items()
        for _, pk in heap
    ]
    SpotCheckItem.objects.bulk_create(items)
    return {
        stratum: Drawn(count=len(heap), cutoff=-heap[0][0] if heap else None)
        for stratum, heap in heaps.items()
    }


def _item_defaults() -> tuple[list[str], list[object]]:
    """Columns of SpotCheckItem the draw does not set, with their defaults (so a field
    added to the model later is filled as bulk_create would fill it)."""
    own = {"id", "campaign", "case", "township", "category", "reason"}
    columns, values = [], []
    for field in SpotCheckItem._meta.concrete_fields:
        if field.name in own:
            continue
        columns.append(connection.ops.quote_name(field.column))
        values.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, values


#: Size of the key space (keys are below it).
KEY_SPACE = 1 << (KEY_HEX_DIGITS * 4)


def key_bound(k: int, candidates: int) -> int:
    """A key below which a stratum's k smallest keys lie all but surely: keys are uniform,
    so the number under ``b`` is binomial with mean candidates × b / KEY_SPACE; the bound
    puts that mean 6 standard deviations (and 20 cases) above k. Only the keys under it
    are sorted; should fewer than k fall under it, the stratum is drawn again over all
    its keys, so the sample never depends on the bound."""
    if candidates <= 0:
        return KEY_SPACE
    expected = k + 6 * math.isqrt(k + 1) + 20
    return min(KEY_SPACE, -(-KEY_SPACE * expected // candidates))


def _draw_random_sql(
    *,
    campaign_id: int,
    frame: QuerySet[Case],
    seed: int,
    quotas: dict[tuple[int, str], tuple[int, int]],
    bounded: bool = True,
) -> dict[tuple[int, str], Drawn]:
    inner = _candidates(frame).values_list("pk", "township_id", "assistance_type__category")
    inner_sql, inner_params = inner.query.sql_with_params()
    quota_rows = ", ".join(["(%s::bigint, %s::text, %s::bigint, %s::bigint)"] * len(quotas))
    quota_params: list[object] = [
        v
        for (t, c), (k, n) in quotas.items()
        for v in (t, c, k, key_bound(k, n) if bounded else KEY_SPACE)
    ]
    extra_columns, extra_values = _item_defaults()
    item_table = connection.ops.quote_name(SpotCheckItem._meta.db_table)
    insert_columns = ", ".join(
        ["campaign_id", "case_id", "township_id", "category", "reason", *extra_columns]
    )
    extra_placeholders = "".join(", %s" for _ in extra_values)
    sql = f"""
        WITH quota(township_id, category, k, bound) AS (VALUES {quota_rows}),
        frame AS MATERIALIZED (
            SELECT c.id, c.township_id, c.category, {PG_KEY_SQL.format(id="c.id")} AS draw_key
            FROM ({inner_sql}) AS c(id, township_id, category)
        ),
        kept AS (
            SELECT f.* FROM frame f
            JOIN quota q ON q.township_id = f.township_id AND q.category = f.category
            WHERE f.draw_key < q.bound
        ),
        ranked AS (
            SELECT f.id, f.township_id, f.category, f.draw_key,
                   row_number() OVER (
                       PARTITION BY f.township_id, f.category ORDER BY f.draw_key, f.id
                   ) AS rn
            FROM kept f
        ),
        drawn AS MATERIALIZED (
            SELECT r.id, r.township_id, r.category, r.draw_key
            FROM ranked r JOIN quota q ON q.township_id = r.township_id AND q.category = r.category
            WHERE r.rn <= q.k
        ),
        inserted AS (
            INSERT INTO {item_table} ({insert_columns})
            SELECT %s, d.id, d.township_id, d.category, %s{extra_placeholders} FROM drawn d
        )
        SELECT township_id, category, count(*), max(draw_key) FROM drawn
        GROUP BY township_id, category
    """
    # Placeholders in the order they appear: quotas, the seed (key expression), the
    # frame's own, then the inserted values.
    params = [
        *quota_params,
        str(seed),
        *inner_params,
        campaign_id,
        SpotCheckItem.Reason.RANDOM,
        *extra_values,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    drawn = {(t, c): Drawn(count=n, cutoff=key) for t, c, n, key in rows}
    return {s: drawn.get(s, Drawn(count=0, cutoff=None)) for s in quotas}


def under_cutoff(
    *, frame: QuerySet[Case], seed: int, cutoffs: dict[tuple[int, str], int]
) -> set[int]:
    """Ids of the frame's non-mandatory cases whose key is at most their stratum's cutoff:
    the cases the seed selects from the frame as it stands (for the auditor's check)."""
    if not cutoffs:
        return set()
    if on_postgresql():
        keyed = _candidates(frame).annotate(
            draw_key=RawSQL(
                PG_KEY_SQL.format(id='"cases_case"."id"'),
                (str(seed),),
                output_field=BigIntegerField(),
            )
        )
        match = Q()
        for (township_id, category), cutoff in cutoffs.items():
            match |= Q(township_id=township_id, category=category, draw_key__lte=cutoff)
        return set(
            keyed.annotate(category=F("assistance_type__category"))
            .filter(match)
            .values_list("pk", flat=True)
        )
    return {
        pk
        for pk, township_id, category, key in _keyed_rows(frame, seed)
        if key <= cutoffs.get((township_id, category), -1)
    }

"""Keeping ``FilingTally`` (review/models.py) equal to a recount of the filings, after the
pattern of cases/stats/services.py: every save or delete of a filing moves it from the key
it was counted under to its key now (−1, +1) with one upsert, in the saving transaction
(the transition's own for a new filing, so a rollback takes the count back too). Bulk
inserts send no signal: ``rebuild()`` refills the table (registered with
``cases.stats.services.register_summary``, so ``rebuild_summaries`` and ``check_summaries``
cover it). A set-based ``Filing.objects…update()`` of a counted field moves the counts
in review.models.FilingQuerySet."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, DateField, Value
from django.db.models.functions import Coalesce

from cases.stats.services import add_counts
from review.models import FILING_TALLY_COLS, FILING_TALLY_FIELDS, Filing, FilingTally

#: The tally's key columns (its unique constraint), in order.
KEYS: tuple[str, ...] = FILING_TALLY_COLS
#: Filing fields the key is made of: a save touching none of them is not looked at.
FILING_FIELDS = set(FILING_TALLY_FIELDS)
_FILING_COLS = FILING_TALLY_COLS

#: Set-based refill from the filings (shared in spirit with migration review 0003, which
#: keeps its own frozen copy).
REBUILD_SQL = [
    "DELETE FROM review_filingtally",
    """INSERT INTO review_filingtally (township_id, assistance_type_id, kind, status, decided_on, n)
       SELECT township_id, assistance_type_id, kind, status,
              COALESCE(decided_on, '0001-01-01'), COUNT(*)
       FROM review_filing
       GROUP BY township_id, assistance_type_id, kind, status,
                COALESCE(decided_on, '0001-01-01')""",
]


def _key(values: Iterable) -> tuple:
    return FilingTally.key_of(tuple(values))


def key_of(filing: Filing) -> tuple:
    return _key(getattr(filing, c) for c in _FILING_COLS)


def _move(old: tuple | None, new: tuple | None) -> None:
    if old == new:
        return
    deltas: Counter = Counter()
    if new is not None:
        deltas[new] += 1
    if old is not None:
        deltas[old] -= 1
    add_counts(FilingTally, KEYS, deltas)


def _touches(update_fields: Iterable[str] | None) -> bool:
    return update_fields is None or bool(set(update_fields) & FILING_FIELDS)


def tally_before_filing_saved(
    sender: type,
    *,
    instance: Filing,
    update_fields: Iterable[str] | None = None,
    raw: bool = False,
    **kwargs: object,
) -> None:
    """pre_save of Filing: the key a filing already stored is counted under (read from the
    row, locked when in a transaction, so a concurrent change cannot make it stale)."""
    instance._tally_old_key = None  # type: ignore[attr-defined]
    if raw or instance._state.adding or instance.pk is None or not _touches(update_fields):
        return
    qs = Filing.objects.filter(pk=instance.pk)
    if connection.in_atomic_block:
        qs = qs.select_for_update()
    row = qs.values_list(*_FILING_COLS).first()
    instance._tally_old_key = _key(row) if row is not None else None  # type: ignore[attr-defined]


def tally_on_filing_saved(
    sender: type,
    *,
    instance: Filing,
    created: bool = False,
    update_fields: Iterable[str] | None = None,
    raw: bool = False,
    **kwargs: object,
) -> None:
    """post_save of Filing: +1 under its key now, −1 under the key it had."""
    if raw or not (created or _touches(update_fields)):
        return
    old = None if created else getattr(instance, "_tally_old_key", None)
    with transaction.atomic():
        _move(old, key_of(instance))


def tally_on_filing_deleted(sender: type, *, instance: Filing, **kwargs: object) -> None:
    """post_delete of Filing: its count leaves the tally."""
    _move(key_of(instance), None)


# --- recount, compare, rebuild ----------------------------------------------------------


def recount() -> Counter:
    """The tally recounted from the filings (one GROUP BY)."""
    rows = (
        Filing.objects.order_by()
        .values(
            "township_id",
            "assistance_type_id",
            "kind",
            "status",
            day=Coalesce(
                "decided_on", Value(FilingTally.NO_DECISION_DAY), output_field=DateField()
            ),
        )
        .annotate(n=Count("pk"))
    )
    counts: Counter = Counter()
    for r in rows:
        key = (r["township_id"], r["assistance_type_id"], r["kind"], r["status"], r["day"])
        counts[key] = r["n"]
    return counts


def stored() -> Counter:
    counts: Counter = Counter()
    for *key, n in FilingTally.objects.exclude(n=0).values_list(*KEYS, "n"):
        counts[tuple(key)] = n
    return counts


def compare() -> list[str]:
    """Readable differences between the tally and a recount (empty: equal)."""
    want, have = recount(), stored()
    lines = []
    for key in sorted(set(want) | set(have), key=repr):
        if want.get(key, 0) != have.get(key, 0):
            named = ", ".join(f"{c}={v}" for c, v in zip(KEYS, key, strict=True))
            lines.append(
                f"FilingTally({named}): stored {have.get(key, 0)}, recount {want.get(key, 0)}"
            )
    return lines


@transaction.atomic
def rebuild() -> None:
    with connection.cursor() as cursor:
        for sql in REBUILD_SQL:
            cursor.execute(sql)

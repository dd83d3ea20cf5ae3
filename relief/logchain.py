"""Tamper-evident logs: every row of an audit table carries ``prev_hash`` and ``hash``, the
SHA-256 of a canonical JSON serialisation of its fields and of the previous row's hash in the
same chain (one chain per case, per delegation, …). Changing, removing or inserting a row in
the middle of a chain breaks every hash after it; ``manage.py verify_log`` (and the nightly
beat task) recomputes every chain and names the first bad row.

A log model inherits ``ChainedLog`` and says which foreign key names its chain
(``chain_on``) and which fields are sealed (``chain_fields``: an explicit list, so a column
added later does not change the hash of older rows). ``save()`` of a new row locks the
chain's owner row (``SELECT … FOR UPDATE``: the case, the delegation), reads the last hash
and writes the new row in the same transaction, so two writers can never fork a chain.
Rows are appended one at a time: ``bulk_create`` would skip the seal and is refused.

Bulk writers seal in Python before the insert, never after: ``bulk_create_sealed`` locks the
chains' owners, reads each chain's last hash in one query per batch, computes the rows'
hashes in order and inserts them with their hashes, so the application role keeps only
SELECT and INSERT on a log table (relief/dbroles.py) and a row is never UPDATEd.
``seal_unsealed`` seals rows inserted without hashes (a migration's backfill of rows from
before the table was chained, a benchmark's raw ``INSERT … SELECT``): it UPDATEs the log
table, which only the table's owner can do (on PostgreSQL it switches the append-only
trigger off inside its transaction, and the application role may not), so it runs in
migrations and data loaders only.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django.db import connections, models, transaction
from django.db.models import OuterRef, Subquery

GENESIS = ""


def _canonical_value(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        # what the database gives back: tuples become lists, keys strings
        return json.loads(json.dumps(value, cls=field.encoder))
    value = field.to_python(value)
    if isinstance(field, models.DateTimeField):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if isinstance(field, models.DateField):
        return value.isoformat()
    if isinstance(field, models.DecimalField):
        return format(value.quantize(Decimal(1).scaleb(-field.decimal_places)), "f")
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def canonical_bytes(
    model: type[models.Model],
    values: dict,
    prev_hash: str,
    chain_fields: Sequence[str] | None = None,
) -> bytes:
    """The sealed serialisation of one row: model label, previous hash, sealed fields
    (``chain_fields``: the model's, or a migration's frozen list for a historical model)."""
    fields = {}
    for name in chain_fields if chain_fields is not None else model.chain_fields:
        field = model._meta.get_field(name)
        fields[field.attname] = _canonical_value(field, values[field.attname])
    payload = {"model": model._meta.label_lower, "prev": prev_hash, "fields": fields}
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def row_hash(
    model: type[models.Model],
    values: dict,
    prev_hash: str,
    chain_fields: Sequence[str] | None = None,
) -> str:
    return hashlib.sha256(canonical_bytes(model, values, prev_hash, chain_fields)).hexdigest()


class ChainedLogQuerySet(models.QuerySet):
    def bulk_create(self, *args, **kwargs):
        raise TypeError(
            f"{self.model._meta.label} rows are hash-chained: create them one at a time"
        )


class ChainedLog(models.Model):
    prev_hash = models.CharField("前一条哈希", max_length=64, blank=True, editable=False)
    hash = models.CharField("哈希", max_length=64, blank=True, editable=False)

    #: the foreign key whose value names the chain
    chain_on: ClassVar[str]
    #: the fields sealed into the hash (besides the chain key itself, which must be listed)
    chain_fields: ClassVar[tuple[str, ...]]

    objects = ChainedLogQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding or self.hash:
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using")):
            self._seal()
            return super().save(*args, **kwargs)

    def _seal(self) -> None:
        model = type(self)
        key = model._meta.get_field(model.chain_on)
        owner_id = getattr(self, key.attname)
        # The owner's row lock serialises appends to this chain (a no-op on SQLite, whose
        # IMMEDIATE transactions already serialise writers).
        key.related_model._base_manager.select_for_update().filter(pk=owner_id).exists()
        last = (
            model._base_manager.filter(**{key.attname: owner_id})
            .order_by("-pk")
            .values_list("hash", flat=True)
            .first()
        )
        self.prev_hash = last or GENESIS
        values = {f.attname: getattr(self, f.attname) for f in model._meta.concrete_fields}
        self.hash = row_hash(model, values, self.prev_hash)


def _last_hashes(model: type[models.Model], key: Any, owner_ids: list) -> dict:
    """{owner id: the hash of its chain's last row} for the owners that have rows, the owners
    locked first (SELECT … FOR UPDATE, as ``save()`` does), one query each."""
    owners = key.related_model._base_manager.filter(pk__in=owner_ids)
    list(owners.select_for_update().values_list("pk", flat=True))
    last = model._base_manager.filter(**{key.attname: OuterRef("pk")}).order_by("-pk")
    return {
        pk: h
        for pk, h in owners.annotate(last=Subquery(last.values("hash")[:1])).values_list(
            "pk", "last"
        )
        if h is not None
    }


def bulk_create_sealed(objs: Iterable[ChainedLog], *, batch_size: int = 2000) -> list:
    """Insert new rows of one chained model, each sealed before the insert (hash and
    prev_hash computed in Python, in the order given: a chain's rows follow each other in
    that order, by primary key). Inside one transaction; returns the rows."""
    rows = list(objs)
    if not rows:
        return rows
    model = type(rows[0])
    key: Any = model._meta.get_field(model.chain_on)
    with transaction.atomic():
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            last = _last_hashes(model, key, sorted({getattr(o, key.attname) for o in batch}))
            for obj in batch:
                owner = getattr(obj, key.attname)
                obj.prev_hash = last.get(owner) or GENESIS
                values = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
                obj.hash = row_hash(model, values, obj.prev_hash)
                last[owner] = obj.hash
            models.QuerySet(model).bulk_create(batch)  # type: ignore[arg-type]
    return rows


def seal_unsealed(
    model: type[models.Model],
    *,
    chain_on: str | None = None,
    chain_fields: Sequence[str] | None = None,
    using: str = "default",
    batch_size: int = 5000,
) -> int:
    """Seal the rows of ``model`` written without a hash (empty ``hash``), each chain in
    primary-key order continuing from its last sealed row. For the table's owner only
    (migrations' backfill, data loaders): it UPDATEs the log table, and on PostgreSQL
    switches the append-only triggers off and on again inside its transaction, which the
    application role may not do. ``chain_on`` / ``chain_fields`` default to the model's (a
    migration passes its frozen lists with the historical model). Returns the rows sealed."""
    chain_on = chain_on or model.chain_on  # type: ignore[attr-defined]
    chain_fields = tuple(chain_fields or model.chain_fields)  # type: ignore[attr-defined]
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    key: str = model._meta.get_field(chain_on).attname  # type: ignore[union-attr]
    names = [f.attname for f in model._meta.concrete_fields]
    manager = model._base_manager.db_manager(using)
    sealed = 0
    with transaction.atomic(using=using), connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE with checks pending
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        owners = manager.filter(hash="").order_by().values_list(key, flat=True).distinct()
        pending: list[tuple[int, str, str]] = []

        def flush() -> None:
            if not pending:
                return
            if postgres:
                ids, hashes, prevs = zip(*pending, strict=True)
                cursor.execute(
                    f"UPDATE {table} t SET hash = v.h, prev_hash = v.p "
                    "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, h, p) "
                    "WHERE t.id = v.id",
                    [list(ids), list(hashes), list(prevs)],
                )
            else:
                cursor.executemany(
                    f"UPDATE {table} SET hash = %s, prev_hash = %s WHERE id = %s",
                    [(h, p, pk) for pk, h, p in pending],
                )
            pending.clear()

        chain_id: object = object()
        prev = GENESIS
        rows = (
            manager.filter(**{f"{key}__in": Subquery(owners)})
            .order_by(key, "pk")
            .values_list(*names)
            .iterator(chunk_size=batch_size)
        )
        for row in rows:
            values = dict(zip(names, row, strict=True))
            if values[key] != chain_id:
                chain_id, prev = values[key], GENESIS
            if values["hash"]:
                prev = values["hash"]
                continue
            digest = row_hash(model, values, prev, chain_fields)
            pending.append((values["id"], digest, prev))
            prev = digest
            sealed += 1
            if len(pending) >= batch_size:
                flush()
        flush()
        if postgres:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    return sealed

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
"""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal
from typing import ClassVar

from django.db import models, transaction

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


def canonical_bytes(model: type[models.Model], values: dict, prev_hash: str) -> bytes:
    """The sealed serialisation of one row: model label, previous hash, sealed fields."""
    fields = {}
    for name in model.chain_fields:
        field = model._meta.get_field(name)
        fields[field.attname] = _canonical_value(field, values[field.attname])
    payload = {"model": model._meta.label_lower, "prev": prev_hash, "fields": fields}
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def row_hash(model: type[models.Model], values: dict, prev_hash: str) -> str:
    return hashlib.sha256(canonical_bytes(model, values, prev_hash)).hexdigest()


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

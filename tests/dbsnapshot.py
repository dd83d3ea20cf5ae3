"""Rows a seed adds, kept in memory and inserted again later in a few bulk statements: the
same rows with the same keys, instead of running the seed's services once more.

Used by the root conftest.py (``demo_rows``: the demo county, once per session) and by the
accessibility tests (``world``: the living demo county, once per module, restored after
the flush that ends each live-server test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Tables the test database fills when it is created (post_migrate), never by a seed; a
#: flush refills them with new keys, so no snapshot may hold them.
NOT_SEEDED = {"contenttypes.contenttype", "auth.permission"}


def _models() -> list:
    from django.apps import apps

    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in NOT_SEEDED
    ]


def rows_added_by(seed: Callable[[], Any]) -> tuple[Any, list]:
    """Run ``seed`` and return what it returned with the rows it added, model by model."""
    models = _models()
    before = {m: set(m._base_manager.values_list("pk", flat=True)) for m in models}
    result = seed()
    rows = []
    for m in models:
        new = [o for o in m._base_manager.order_by("pk") if o.pk not in before[m]]
        if new:
            rows.append((m, new))
    return result, rows


def refers_to_post_migrate_rows(rows) -> bool:
    """Whether any of ``rows`` points at a content type or permission (their keys change
    with every flush, so such rows cannot be inserted again after one)."""
    for model, _objs in rows:
        for field in model._meta.concrete_fields:
            target = field.related_model
            if field.is_relation and target is not None and target._meta.label_lower in NOT_SEEDED:
                return True
    return False


def restore_rows(rows) -> None:
    """Insert ``rows`` again, keys included, in one transaction (foreign keys are checked at
    its end: deferred), and move each sequence past them."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    with transaction.atomic():
        for model, objs in rows:
            model._base_manager.bulk_create(objs)
        # PostgreSQL; SQLite's AUTOINCREMENT follows an explicit key by itself.
        statements = connection.ops.sequence_reset_sql(no_style(), [m for m, _ in rows])
        if statements:
            with connection.cursor() as cursor:
                cursor.execute(";".join(statements))

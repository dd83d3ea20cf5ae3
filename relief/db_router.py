"""Read replicas: statistics and exports may read from a PostgreSQL streaming replica.

Off by default. ``DATABASE_REPLICA_URL`` adds a second database alias, ``replica``, and
installs ``ReplicaRouter`` (relief/settings.py). Even then only code running inside
``reads_from_replica()`` (the statistics pages, the dashboard, their exports) reads there:
a replica lags the primary by a moment, so pages where a user checks what they have just
saved, and every write, stay on the primary. Inside a transaction on the primary reads stay
there too, so a service never mixes two snapshots.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from relief.env import env_database, env_str

REPLICA_ALIAS = "replica"
ROUTER = "relief.db_router.ReplicaRouter"

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "relief_replica_reads", default=False
)


def replica_databases(default: dict) -> dict[str, dict]:
    """The ``replica`` alias from DATABASE_REPLICA_URL (same pool settings as the primary),
    or nothing when it is unset. Tests mirror the primary instead of creating a database."""
    if not env_str("DATABASE_REPLICA_URL"):
        return {}
    replica = env_database("DATABASE_REPLICA_URL", sqlite_path="")
    replica["TEST"] = {"MIRROR": DEFAULT_DB_ALIAS}
    return {REPLICA_ALIAS: replica}


@contextmanager
def reads_from_replica() -> Iterator[None]:
    """Reads in this block go to the replica when one is configured."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_reads(view):
    """Decorator: the whole view (or task) reads from the replica when there is one."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with reads_from_replica():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    """Writes and migrations on the primary; reads on the replica only inside
    ``reads_from_replica()`` and outside a transaction on the primary."""

    def db_for_read(self, model, **hints) -> str:
        if (
            _replica_reads.get()
            and REPLICA_ALIAS in settings.DATABASES
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA_ALIAS
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS

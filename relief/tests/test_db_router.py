"""The read-replica router is off by default: no DATABASE_REPLICA_URL, one database and no
router; and whatever happens, writes and migrations stay on the primary."""

import os
import subprocess
import sys
from pathlib import Path

from relief.db_router import (
    REPLICA_ALIAS,
    ROUTER,
    ReplicaRouter,
    reads_from_replica,
    replica_databases,
)
from relief.models import Region

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def settings_of(env: dict) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DATABASE_REPLICA_URL", "SECRET_KEY", "DEBUG")
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="relief.settings", RELIEF_VAR_DIR="/tmp/relief-var")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(sorted(s.DATABASES), s.DATABASE_ROUTERS, s.DATABASES.get('replica', {}).get('NAME'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_a_replica_url_there_is_one_database_and_no_router():
    assert settings_of({}) == "['default'] [] None"


def test_a_replica_url_adds_the_replica_alias_and_installs_the_router():
    out = settings_of(
        {
            "DATABASE_URL": "postgres://relief:relief@127.0.0.1:5432/relief",
            "DATABASE_REPLICA_URL": "postgres://relief:relief@10.0.0.2:5432/relief",
            "SECRET_KEY": "k" * 60,
        }
    )
    assert out == f"['default', 'replica'] ['{ROUTER}'] relief"


def test_the_replica_mirrors_the_primary_in_tests(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://relief:relief@10.0.0.2:5432/relief")
    replica = replica_databases({})[REPLICA_ALIAS]
    assert replica["HOST"] == "10.0.0.2"
    assert replica["TEST"] == {"MIRROR": "default"}
    monkeypatch.delenv("DATABASE_REPLICA_URL")
    assert replica_databases({}) == {}


def test_without_a_replica_alias_replica_reads_stay_on_the_primary():
    router = ReplicaRouter()
    with reads_from_replica():
        assert router.db_for_read(Region) == "default"


def test_writes_and_migrations_always_go_to_the_primary():
    router = ReplicaRouter()
    with reads_from_replica():
        assert router.db_for_write(Region) == "default"
    assert router.allow_migrate("default", "relief")
    assert not router.allow_migrate(REPLICA_ALIAS, "relief")

"""Shared pytest fixtures: demo personas per role (tests/factories.py builds the rest)."""

import os
import shutil

import pytest

# tests/worker.py: the real Celery worker fixture ``celery_worker_process``;
# tests/browser_support.py: chromium, pages and logged-in sessions for browser tests.
# Django and project modules are imported inside the hooks and fixtures below: pytest loads
# this file before pytest-django has configured Django.
pytest_plugins = ["tests.worker", "tests.browser_support"]

CHROMIUM = "/usr/bin/chromium"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def pytest_runtest_setup(item):
    """Markers for tests that need a service: skipped locally when it is missing, but under
    CI=true a missing service is a failure (CI must never skip them)."""
    from django.conf import settings

    from tests.worker import missing_worker_services

    reasons = []
    if item.get_closest_marker("postgres") and not settings.DATABASES["default"]["ENGINE"].endswith(
        "postgresql"
    ):
        reasons.append("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("celery_worker"):
        missing = missing_worker_services()
        if missing:
            reasons.append(missing)
    if item.get_closest_marker("browser") and not (
        os.path.exists(CHROMIUM) or shutil.which("chromium")
    ):
        reasons.append(f"needs Debian chromium at {CHROMIUM}: apt-get install chromium")
    if reasons:
        if _in_ci():
            pytest.fail(
                "CI=true, a required service is missing: " + "; ".join(reasons), pytrace=False
            )
        pytest.skip("; ".join(reasons))


@pytest.fixture(autouse=True, scope="session")
def fast_password_hasher():
    """PBKDF2 at Django's production strength costs ~1 s per password on this 2-core machine,
    and every ``demo`` fixture sets 12 demo passwords: tests hash with MD5 instead."""
    from django.test.utils import override_settings

    override = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    override.enable()
    yield
    override.disable()


def _xdist_worker_index() -> int:
    """0 outside pytest-xdist, N for its worker gwN (PYTEST_XDIST_WORKER)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker.removeprefix("gw")) if worker.startswith("gw") else 0


@pytest.fixture(autouse=True, scope="session")
def isolated_media_and_redis(tmp_path_factory):
    """What the processes of one run (``pytest -n 2``: pytest-xdist workers, each with its
    own test database) would otherwise share, given to each of them on its own:

    - MEDIA_ROOT: a temporary directory per process (the environment too, so the real
      Celery workers of tests/worker.py write there) instead of var/media, where files named
      after primary keys (exports/<pk>/…) of two test databases would collide;
    - Redis (CI): worker gwN's broker and results on database base+2N and its cache on
      base+2N+1 (base: REDIS_URL's number; gw0 and a serial run keep the broker on base).
      The cache is never a broker's database, as ``cache.clear()`` is a FLUSHDB and the
      objection rate limit counts per client address (127.0.0.1 for every process); and
      each broker is its own, as kombu keeps one ``unacked`` hash per database, which a
      worker started with a 3 s visibility timeout (test_worker_faults.py) sweeps,
      re-queueing the long tasks of another process's worker. REDIS_URL in the environment
      follows, for the Celery workers the tests start."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.test.utils import override_settings

    from relief.celery import app

    media = tmp_path_factory.mktemp("media")
    overrides: dict = {"MEDIA_ROOT": media}
    env = {"MEDIA_ROOT": str(media)}
    saved_conf = (app.conf.broker_url, app.conf.result_backend)
    if settings.REDIS_URL:
        url = urlsplit(settings.REDIS_URL)
        base = int(url.path.strip("/") or 0)
        broker_db = (base + 2 * _xdist_worker_index()) % 16
        broker = url._replace(path=f"/{broker_db}").geturl()
        cache = url._replace(path=f"/{(broker_db + 1) % 16}").geturl()
        overrides.update(
            REDIS_URL=broker,
            CELERY_BROKER_URL=broker,
            CELERY_RESULT_BACKEND=broker,
            CACHES={"default": {**settings.CACHES["default"], "LOCATION": cache}},
        )
        env["REDIS_URL"] = broker
        # Nothing has connected yet (tasks run eagerly until a worker fixture is used).
        app.conf.broker_url = app.conf.result_backend = broker
    saved_env = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    override = override_settings(**overrides)
    override.enable()
    yield
    override.disable()
    app.conf.broker_url, app.conf.result_backend = saved_conf
    for name, value in saved_env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True, scope="session")
def celery_eager_by_default():
    """Tasks run eagerly in tests even when REDIS_URL is set (CI), so ``.delay()`` in a
    service under test never waits for a worker that isn't there. ``celery_worker_process``
    (tests/worker.py) turns this off for the tests that use a real worker."""
    from relief.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def _seed_demo_county() -> None:
    from relief.demo import seed_regions_and_accounts
    from relief.management.commands.seed_demo import demo_steps

    seed_regions_and_accounts()
    for step in demo_steps():  # the apps' own demo data (funds' standards), as seed_demo does
        if step.__module__ == "cases.demo":
            continue  # the living demo's 80 cases: tests build the cases they look at
        step(households=0)


@pytest.fixture(scope="session")
def demo_rows(django_db_setup, django_db_blocker):
    """The demo county's rows, seeded once per session through the real services (a
    transaction rolled back at once) and kept in memory: ``demo`` inserts them again in a
    few bulk statements per test, the same rows with the same keys, instead of the ~230
    ORM queries of a seed (~0.7 s a test, ~750 tests). RELIEF_TEST_RESEED=1 seeds each
    test through the services instead."""
    from django.db import transaction

    from tests.dbsnapshot import rows_added_by

    if os.environ.get("RELIEF_TEST_RESEED"):
        return None
    with django_db_blocker.unblock(), transaction.atomic():
        _, rows = rows_added_by(_seed_demo_county)
        transaction.set_rollback(True)
    return rows


@pytest.fixture
def demo(db, demo_rows):
    """The demo county with one account per role (relief/demo.py)."""
    from relief.models import Region, User
    from tests.dbsnapshot import restore_rows

    if demo_rows is None:
        _seed_demo_county()
    else:
        restore_rows(demo_rows)

    class Demo:
        county = Region.objects.get(code="340521000000")
        gushu = Region.objects.get(code="340521100000")  # pilot, full delegation
        huangchi = Region.objects.get(code="340521101000")  # partial: 低保 only
        wuxi = Region.objects.get(code="340521102000")  # no delegation
        shiqiao = Region.objects.get(code="340521103000")  # seed-002 variant policy
        village = Region.objects.get(code="340521100201")  # 城东社区 in 姑孰镇
        wuxi_village = Region.objects.get(code="340521102201")

        @staticmethod
        def user(username):
            return User.objects.get(username=username)

    return Demo

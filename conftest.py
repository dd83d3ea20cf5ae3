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


@pytest.fixture
def demo(db):
    """The demo county with one account per role (relief/demo.py)."""
    from relief.demo import seed_regions_and_accounts
    from relief.management.commands.seed_demo import demo_steps
    from relief.models import Region, User

    seed_regions_and_accounts()
    for step in demo_steps():  # the apps' own demo data (funds' standards), as seed_demo does
        if step.__module__ == "cases.demo":
            continue  # the living demo's 80 cases: tests build the cases they look at
        step(households=0)

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

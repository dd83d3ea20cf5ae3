"""docker-compose.yml describes the production-like stack (Docker itself cannot run here)."""

from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_the_stack_has_postgres_redis_migrate_web_worker_and_beat():
    assert set(compose()["services"]) == {"postgres", "redis", "migrate", "web", "worker", "beat"}


def test_every_long_running_service_has_a_healthcheck_with_a_command():
    for name, service in compose()["services"].items():
        if service.get("restart") == "no":  # the one-shot migrate container exits when done
            continue
        check = service.get("healthcheck")
        assert check and check["test"], f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_data_lives_in_named_volumes():
    data = compose()
    assert {"pgdata", "media"} <= set(data["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in data["services"]["postgres"]["volumes"]
    for name in ("web", "worker", "beat"):
        assert "media:/data/media" in data["services"][name]["volumes"], name
        assert data["services"][name]["environment"]["MEDIA_ROOT"] == "/data/media"


def test_migrate_creates_the_roles_then_migrates_as_the_owner_before_web_starts():
    services = compose()["services"]
    command = services["migrate"]["command"]
    assert command.index("db_roles") < command.index("migrate --noinput")
    assert "DATABASE_URL=$$DATABASE_OWNER_URL python manage.py migrate" in command
    env = services["migrate"]["environment"]
    assert env["DATABASE_OWNER_URL"].startswith("postgres://relief_owner:")
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    for name in ("web", "worker", "beat"):  # only the one-shot container knows these
        assert "DATABASE_OWNER_URL" not in services[name]["environment"], name
        assert "DATABASE_ADMIN_URL" not in services[name]["environment"], name


def test_web_runs_gunicorn_after_collectstatic_with_the_static_manifest():
    web = compose()["services"]["web"]
    command = web["command"]
    assert command.index("collectstatic") < command.index("gunicorn relief.wsgi")
    assert "migrate" not in command  # the migrate service did that, as the owner role
    assert web["environment"]["STATIC_MANIFEST"] == "1"
    assert web["environment"]["DEBUG"] == "0"
    assert "/healthz" in " ".join(web["healthcheck"]["test"])


def test_worker_and_beat_run_celery_on_the_same_image_and_settings_as_web():
    services = compose()["services"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "relief", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "relief", "beat"]
    for name in ("worker", "beat"):
        assert services[name]["build"] == services["web"]["build"] == "."
        assert services[name]["environment"] == services["web"]["environment"]
        assert services[name]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_app_talks_to_the_compose_postgres_and_redis_and_needs_a_secret_key():
    env = compose()["services"]["web"]["environment"]
    assert (
        env["DATABASE_URL"].startswith("postgres://relief_app:")  # the application role
        and "@postgres:5432/relief" in env["DATABASE_URL"]
    )
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    for name in ("postgres", "redis"):
        assert compose()["services"]["web"]["depends_on"][name]["condition"] == "service_healthy"


def test_the_image_is_python_3_11_slim_bookworm_with_cjk_fonts_and_pango():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim-bookworm" in dockerfile
    for package in ("fonts-noto-cjk", "libpango-1.0-0", "libpangoft2-1.0-0"):
        assert package in dockerfile

"""Settings from the environment: malformed values stop start-up with a clear message, and
`manage.py check --deploy` is clean with production variables."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from relief.env import env_bool, env_database, env_int, env_list, env_redis

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "STATIC_MANIFEST",
    "SESSION_TIMEOUT_MINUTES",
    "CELERY_EAGER",
    "BEHIND_PROXY",
    # set by the browser tests for Playwright's event loop; never in a deployment
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def manage(*args, env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    clean.update(RELIEF_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- relief/env.py --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, message",
    [
        ("relief", "is not a database URL"),
        ("mysql://u:p@127.0.0.1:3306/relief", "scheme must be postgres://"),
        ("postgres://u:p@127.0.0.1:5432/", "names no database"),
        ("postgres://u:p@127.0.0.1:port/relief", "cannot be parsed"),
    ],
)
def test_a_malformed_database_url_is_refused_with_the_variable_and_what_was_expected(
    monkeypatch, value, message
):
    monkeypatch.setenv("DATABASE_URL", value)
    with pytest.raises(ImproperlyConfigured, match=message) as excinfo:
        env_database(sqlite_path="/tmp/x.sqlite3")
    assert "DATABASE_URL" in str(excinfo.value)


def test_a_postgres_url_gives_a_pooled_connection_and_no_url_gives_sqlite(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://relief:secret@db:5432/relief")
    config = env_database(sqlite_path="/tmp/x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["HOST"], config["PORT"]) == (
        "relief",
        "relief",
        "db",
        5432,
    )
    assert config["OPTIONS"]["pool"]["max_size"] >= 1
    assert config["CONN_MAX_AGE"] == 0
    monkeypatch.delenv("DATABASE_URL")
    assert env_database(sqlite_path="/tmp/x.sqlite3")["ENGINE"] == "django.db.backends.sqlite3"


@pytest.mark.parametrize(
    "value", ["http://127.0.0.1:6379/0", "127.0.0.1:6379", "amqp://guest@localhost//"]
)
def test_a_redis_url_that_is_not_redis_is_refused(monkeypatch, value):
    monkeypatch.setenv("REDIS_URL", value)
    with pytest.raises(ImproperlyConfigured, match=r"REDIS_URL=.* is not a Redis URL"):
        env_redis()


def test_redis_urls_are_accepted_and_unset_means_no_broker(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://redis:6379/0")
    assert env_redis() == "redis://redis:6379/0"
    monkeypatch.delenv("REDIS_URL")
    assert env_redis() == ""


@pytest.mark.parametrize("value", ["maybe", "2", "ja", "TRUEISH"])
def test_a_boolean_that_is_neither_true_nor_false_is_refused(monkeypatch, value):
    monkeypatch.setenv("DEBUG", value)
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG=.* is not a boolean: use one of 1/0"):
        env_bool("DEBUG")


@pytest.mark.parametrize(
    "value, expected",
    [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False), ("", False)],
)
def test_booleans_accept_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("DEBUG", value)
    assert env_bool("DEBUG", default=not expected) is expected


def test_a_whole_number_that_is_not_a_number_or_too_small_is_refused(monkeypatch):
    monkeypatch.setenv("SESSION_TIMEOUT_MINUTES", "thirty")
    with pytest.raises(
        ImproperlyConfigured, match=r"SESSION_TIMEOUT_MINUTES='thirty' is not a whole number"
    ):
        env_int("SESSION_TIMEOUT_MINUTES", 30, minimum=1)
    monkeypatch.setenv("SESSION_TIMEOUT_MINUTES", "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 1"):
        env_int("SESSION_TIMEOUT_MINUTES", 30, minimum=1)
    monkeypatch.setenv("SESSION_TIMEOUT_MINUTES", " 45 ")
    assert env_int("SESSION_TIMEOUT_MINUTES", 30, minimum=1) == 45


def test_lists_are_split_on_commas(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " relief.example.cn, 10.0.0.5 ,,")
    assert env_list("ALLOWED_HOSTS", []) == ["relief.example.cn", "10.0.0.5"]


# --- start-up through manage.py -----------------------------------------------------------


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("DATABASE_URL", "relief-db", "DATABASE_URL='relief-db' is not a database URL"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379' is not a Redis URL"),
        (
            "SESSION_TIMEOUT_MINUTES",
            "half-hour",
            "SESSION_TIMEOUT_MINUTES='half-hour' is not a whole number",
        ),
    ],
)
def test_manage_py_check_stops_on_a_malformed_variable_and_names_it(tmp_path, name, value, message):
    env = {name: value}
    if name == "DATABASE_URL":
        env["SECRET_KEY"] = "x" * 60
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_a_database_url_without_a_secret_key_stops_start_up(tmp_path):
    result = manage(
        "check", env={"DATABASE_URL": "postgres://relief:x@db:5432/relief"}, tmp_path=tmp_path
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


PRODUCTION = {
    "DATABASE_URL": "postgres://relief:long-db-password@db:5432/relief",
    "REDIS_URL": "redis://redis:6379/0",
    "SECRET_KEY": "k3J9#vQ2$pL8@wX5^mN7&bR4*tY6(uH1)zC0!eF3-gD5=sA8+jK2_hM9~oP4",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "relief.dangtu.gov.cn",
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "STATIC_MANIFEST": "1",
    "BEHIND_PROXY": "1",
}


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_check_deploy_warns_when_production_runs_without_https_settings(tmp_path):
    insecure = {**PRODUCTION, "SECURE_COOKIES": "0", "SECURE_SSL_REDIRECT": "0"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=insecure, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "security.W012" in result.stderr + result.stdout  # SESSION_COOKIE_SECURE


def test_the_embedded_default_is_sqlite_with_eager_celery(tmp_path):
    code = (
        "import django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'relief.settings'); django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER,"
        " s.CELERY_BROKER_URL, s.WHITENOISE_USE_FINDERS)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    clean["RELIEF_VAR_DIR"] = str(tmp_path / "var")
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "memory://", "True"]
    assert (tmp_path / "var" / "staticfiles").is_dir()  # no WhiteNoise "No directory at" warning


def test_production_static_files_collect_and_gunicorn_serves_hashed_assets(tmp_path):
    """What docker-compose's web does: collectstatic with the manifest, then gunicorn. (The
    compose file's one-shot ``migrate`` service migrates; the login page and the static files
    read no table, and migrating a fresh SQLite file here took ~50 s of the suite.)"""

    static_root = tmp_path / "static"
    env = {
        **{k: v for k, v in PRODUCTION.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "STATIC_ROOT": str(static_root),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    result = manage("collectstatic", "--noinput", "-v", "0", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (static_root / "staticfiles.json").exists()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    clean.update(env, RELIEF_VAR_DIR=str(tmp_path / "var"))
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "relief.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=BASE_DIR,
        env=clean,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:

        def get(path):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read().decode(errors="replace"), response.headers

        deadline = time.monotonic() + 30
        while True:
            try:
                status, page, headers = get("/login/")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (
                    "gunicorn did not start"
                )
                time.sleep(0.3)
        assert status == 200 and "登录" in page
        assert "Strict-Transport-Security" in headers
        css = next(
            part.split('"')[0]
            for part in page.split('href="')
            if "bootstrap.min." in part.split('"')[0]
        )
        assert (
            css.startswith("/static/vendor/bootstrap/bootstrap.min.") and css.count(".") == 3
        )  # hashed name
        status, _, headers = get(css)
        assert status == 200
        assert "max-age=315360000" in headers["Cache-Control"]  # WhiteNoise: immutable hashed file
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- SECRET_KEY -----------------------------------------------------------------------------


def test_a_short_secret_key_stops_start_up_outside_debug(tmp_path):
    result = manage("check", env={"SECRET_KEY": "x" * 49}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is 49 characters long: at least 50" in result.stderr


def test_a_short_secret_key_is_accepted_in_debug_with_a_loud_warning(tmp_path):
    result = manage("check", env={"SECRET_KEY": "short", "DEBUG": "1"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("WARNING: SECRET_KEY is 5 characters long")
    assert "relief.W001" in result.stderr + result.stdout


def test_the_embedded_key_warns_on_stderr_and_as_a_system_check(tmp_path):
    result = manage("check", env={}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "WARNING: SECRET_KEY is not set: the built-in key is used" in result.stderr
    assert "relief.W001" in result.stderr + result.stdout


def test_a_long_secret_key_starts_without_the_warning(tmp_path):
    result = manage("check", env={"SECRET_KEY": PRODUCTION["SECRET_KEY"]}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "SECRET_KEY" not in result.stderr and "relief.W001" not in result.stdout


# --- Content-Security-Policy ----------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_carries_a_policy_without_inline_script_or_style(client):
    header = client.get("/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|\son[a-z]+=|\sstyle=|javascript:",
    re.IGNORECASE,
)


def test_no_page_template_writes_inline_script_handlers_or_style_attributes():
    """PDF templates (pdf_base.html, what extends it, and documents with an @page rule) are
    rendered by WeasyPrint, not a browser, and may keep their styles."""
    offenders = []
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = path.read_text()
        if path.name == "pdf_base.html" or 'extends "pdf_base.html"' in text or "@page" in text:
            continue
        for match in INLINE.finditer(text):
            offenders.append(f"{path.relative_to(BASE_DIR)}: {match.group(0).strip()}")
        if "<style" in text:
            offenders.append(f"{path.relative_to(BASE_DIR)}: <style>")
    assert offenders == []

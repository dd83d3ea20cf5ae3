"""Strict reading of settings from the environment.

A malformed value stops start-up with a message naming the variable, the value and
what was expected (STYLE §7, after healthchecks' ``envbool``).
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.")
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str = "DATABASE_URL", *, sqlite_path: str) -> dict:
    """DATABASE_URL → Django DATABASES entry; unset → the embedded SQLite file.

    PostgreSQL uses psycopg 3's connection pool (Django ≥ 5.1 ``OPTIONS["pool"]``).
    """

    raw = os.environ.get(name, "").strip()
    if not raw:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": sqlite_path,
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    if "://" not in raw:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a database URL: expected postgres://user:password@host:5432/dbname"
        )
    try:
        config = dj_database_url.parse(raw)
    except Exception as exc:  # dj_database_url raises several kinds
        raise ImproperlyConfigured(f"{name}={raw!r} cannot be parsed: {exc}")
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured(
            f"{name}: scheme must be postgres:// (or sqlite://), got {raw.split('://')[0]!r}."
        )
    if engine == "django.db.backends.postgresql":
        if not config.get("NAME"):
            raise ImproperlyConfigured(f"{name}={raw!r} names no database.")
        config["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django must not
        config.setdefault("OPTIONS", {})
        config["OPTIONS"]["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 1, minimum=0),
            "max_size": env_int("DB_POOL_MAX", 10, minimum=1),
            "timeout": env_int("DB_POOL_TIMEOUT", 10, minimum=1),
        }
        # The pool tests each connection before it hands it out (Django passes psycopg's
        # check_connection), so after a database restart the first request gets a fresh
        # connection instead of a dead one.
        config["CONN_HEALTH_CHECKS"] = True
    return config


def env_redis(name: str = "REDIS_URL") -> str:
    raw = os.environ.get(name, "").strip()
    if raw and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a Redis URL: expected redis://host:6379/0"
        )
    return raw


#: Used only when SECRET_KEY is unset and nothing says production (``make run``, tests).
EMBEDDED_SECRET_KEY = "insecure-embedded-default-only-for-make-run-and-tests"
SECRET_KEY_MIN_LENGTH = 50


def env_secret_key(*, debug: bool, production: bool) -> tuple[str, str]:
    """SECRET_KEY → (key, warning). Outside DEBUG a key shorter than 50 characters stops
    start-up; in DEBUG it is used with a warning, and so is the embedded key when none is set
    (refused when ``production``, i.e. DATABASE_URL is set without DEBUG)."""
    key = os.environ.get("SECRET_KEY", "")
    if not key:
        if production and not debug:
            raise ImproperlyConfigured(
                "SECRET_KEY must be set when DATABASE_URL is set (production)."
            )
        return EMBEDDED_SECRET_KEY, (
            "SECRET_KEY is not set: the built-in key is used, so sessions, CSRF tokens and "
            "signed log rows can be forged by anyone who has the source. Set SECRET_KEY to "
            f"{SECRET_KEY_MIN_LENGTH}+ random characters for any real use."
        )
    if len(key) < SECRET_KEY_MIN_LENGTH:
        message = (
            f"SECRET_KEY is {len(key)} characters long: at least {SECRET_KEY_MIN_LENGTH} "
            "random characters are required"
        )
        if not debug:
            raise ImproperlyConfigured(
                message + " (a shorter key is accepted only with DEBUG=1, for development)."
            )
        return key, message + "; accepted only because DEBUG=1."
    return key, ""

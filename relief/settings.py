"""Settings for relief, all read from the environment (relief/env.py).

Nothing set → the embedded default: SQLite file under var/, Celery tasks run eagerly.
DATABASE_URL / REDIS_URL set → PostgreSQL (pooled) and a Redis broker with a real worker.
"""

import sys
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF

from relief.db_router import ROUTER as REPLICA_ROUTER
from relief.db_router import replica_databases
from relief.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_redis,
    env_secret_key,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RELIEF_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)
# Outside DEBUG a key under 50 characters stops start-up; the embedded key (SECRET_KEY unset,
# no DATABASE_URL: make run, tests) and a short DEBUG key start with a warning on stderr here
# and as system check relief.W001 (relief/checks.py).
SECRET_KEY, SECRET_KEY_WARNING = env_secret_key(
    debug=DEBUG, production=bool(env_str("DATABASE_URL"))
)
if SECRET_KEY_WARNING:
    print(f"WARNING: {SECRET_KEY_WARNING}", file=sys.stderr)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_fsm",
    "simple_history",
    "axes",
    "csp",
    "relief",
    "cases",
    "review",
    "archive",
    "funds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "relief.api_input.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "relief.unavailable.DatabaseUnavailableMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "relief.urls"
WSGI_APPLICATION = "relief.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "relief.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env_database(sqlite_path=str(VAR_DIR / "db.sqlite3"))}
# PostgreSQL roles (relief/dbroles.py): migrations run as the owner; the application role
# may only SELECT and INSERT on the log tables.
DB_OWNER_ROLE = env_str("DB_OWNER_ROLE", "relief_owner")
DB_APP_ROLE = env_str("DB_APP_ROLE", "relief_app")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
# A streaming replica for statistics and exports: off unless DATABASE_REPLICA_URL is set
# (relief/db_router.py).
DATABASES.update(replica_databases(DATABASES["default"]))
DATABASE_ROUTERS = [REPLICA_ROUTER] if len(DATABASES) > 1 else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "relief.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Session timeout: idle sessions end after SESSION_TIMEOUT_MINUTES (default 30).
SESSION_COOKIE_AGE = env_int("SESSION_TIMEOUT_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-axes: lock an account+address after AXES_FAILURE_LIMIT failures for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "relief.http.client_address_of"  # same address as the logs
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files after `collectstatic` (docker-compose sets STATIC_MANIFEST=1).
        "BACKEND": "relief.storage.ManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic (make run, tests) WhiteNoise serves straight from static/ via the finders.
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
try:  # WhiteNoise warns "No directory at …" when STATIC_ROOT does not exist yet
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
# Uploaded evidence is never served as a public static path: archive views check scope.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
UPLOAD_MAX_MB = env_int("UPLOAD_MAX_MB", 10, minimum=1)
# Spreadsheet imports (relief/uploadlimits.py): file size, XLSX size once unpacked, data rows.
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 5, minimum=1)
IMPORT_MAX_UNCOMPRESSED_MB = env_int("IMPORT_MAX_UNCOMPRESSED_MB", 50, minimum=1)
# Public notice pages (/public/…): how long browsers and proxies may keep them (seconds).
PUBLIC_PAGE_MAX_AGE = env_int("PUBLIC_PAGE_MAX_AGE", 300, minimum=0)
# Rows of a village's standing list per public page (the dated PDF holds the whole list).
PUBLIC_STANDING_PAGE_SIZE = env_int("PUBLIC_STANDING_PAGE_SIZE", 100, minimum=10)
# The address residents reach the public pages at (the QR code on the printed notice, e.g.
# https://mz.example.gov.cn); empty: the address of the staff member's own request.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "")
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20000, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Celery -----------------------------------------------------------------------------
REDIS_URL = env_redis()
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_EAGER", default=not REDIS_URL)
# One queue per deployment; the test worker fixture (tests/worker.py) uses a queue of its own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only when it has finished: if the worker dies mid-task (killed,
# out of memory, the machine restarting) the broker hands the task to the next worker once
# the visibility timeout has passed. Tasks are idempotent (they take ids and re-check), and
# the timeout must exceed the longest task (default one hour).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# How often a worker sweeps for unacknowledged tasks past the timeout: every interval ×
# throttle seconds (kombu's defaults, 10 × 10 s); the worker-kill test shortens both.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10, minimum=1),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10, minimum=1),
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "scan-deadlines-hourly": {
        "task": "cases.tasks.scan_deadlines",
        "schedule": crontab(minute=35),
    },
    "scan-deadlines-daily": {
        "task": "cases.tasks.scan_deadlines",
        "schedule": crontab(hour=1, minute=5),
    },
    "rectifications-overdue-daily": {
        "task": "review.tasks.mark_rectifications_overdue",
        "schedule": crontab(hour=1, minute=20),
    },
    "rosters-scheduled-daily": {
        "task": "funds.rosters.tasks.scheduled_rosters",
        "schedule": crontab(hour=6, minute=10),
    },
    "verify-log-nightly": {
        "task": "relief.tasks.verify_log",
        "schedule": crontab(hour=2, minute=40),
    },
    "archive-exports-expire-daily": {
        "task": "archive.tasks.delete_expired_exports",
        "schedule": crontab(hour=2, minute=10),
    },
    # Public notices: close the batches whose period is over, flag missing posting photos.
    "notices-close-due-daily": {
        "task": "cases.notices.tasks.close_due_batches",
        "schedule": crontab(hour=0, minute=30),
    },
    "standing-lists-monthly": {
        "task": "funds.publicity.tasks.regenerate_standing_lists",
        "schedule": crontab(day_of_month=1, hour=3, minute=30),
    },
}

# --- Cache: Redis when configured (shared by web and worker), local memory otherwise ----
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- E-mail (optional) ------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "relief@localhost")
EMAIL_ENABLED = bool(EMAIL_HOST)
if not EMAIL_ENABLED:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "relief.tokens.TokenAwareSessionAuthentication",
        "relief.tokens.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": [
        "relief.api_input.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "relief.api_errors.ReliefAutoSchema",
    "EXCEPTION_HANDLER": "relief.api_errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "relief API",
    "DESCRIPTION": "乡镇社会救助审核确认系统 API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "DelegationStatusEnum": "relief.models.Delegation.Status",
        "CaseStateEnum": "cases.states.CaseState",
        "CaseSourceEnum": "cases.workflow.models.Case.Source",
        "RosterRunKindEnum": "funds.rosters.models.RunKind",
        "RosterRunStateEnum": "funds.rosters.models.RunState",
        "RecipientStatusEnum": "funds.recipients.models.RecipientStatus",
        "BankAccountKindEnum": "funds.recipients.models.AccountKind",
        "NoticeKindEnum": "cases.notices.models.NoticeKind",
        "NoticeBatchStateEnum": "cases.notices.models.BatchState",
        "ReviewOutcomeEnum": "funds.dynamic.models.ReviewOutcome",
        "ReviewTriggerEnum": "funds.dynamic.models.ReviewTrigger",
        "StandingListTriggerEnum": "funds.publicity.models.StandingList.Trigger",
        "EmergencyGrantKindEnum": "cases.temporary.models.GrantKind",
        "EmergencyGrantBodyEnum": "cases.temporary.models.GrantBody",
    },
}

# API tokens are accepted for this many hours after they were issued (relief/tokens.py).
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 12, minimum=1)

# --- Security (production values checked by `manage.py check --deploy`) ------------------
# Content-Security-Policy: every script and style comes from this server's static files; no
# inline <script>, no on*= handlers, no style="" attributes (static/relief/relief.js and
# relief.css carry what templates used to inline). data: images are Bootstrap's SVG icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container healthchecks call plain http on loopback
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
# How many reverse proxies of ours stand in front of gunicorn (each appends to
# X-Forwarded-For): the client address of log rows, rate limits and the login lockout is
# read that many entries from the right (relief/http.py). 0: REMOTE_ADDR only.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0, minimum=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = env_list(
    "SILENCED_SYSTEM_CHECKS",
    # The embedded SQLite default: the list indexes' INCLUDE columns (index-only reads on
    # PostgreSQL) are ignored there, as models.W040 says; nothing to act on.
    ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else [],
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

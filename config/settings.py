"""Cutaway settings: one module, configured from the environment.

Every value has a safe local default so that a fresh clone runs with nothing set
(SQLite file, local media files, a file-system Celery broker). Production sets
DATABASE_URL, REDIS_URL, STORAGE_BACKEND=s3 and SECRET_KEY.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import overload

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


@overload
def env(name: str, default: str) -> str: ...
@overload
def env(name: str, default: None = None) -> str | None: ...
def env(name: str, default: str | None = None) -> str | None:
    """A setting from the environment; typed `str` when a default is given."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-local-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
VAR_DIR = Path(env("CUTAWAY_VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # SearchVectorField (discovery); inert on SQLite
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, no CDN
    "accounts",
    "generation",
    "feed",
    "moderation",
    "discovery",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.reject_nul_bytes",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        # A kept connection that died (database restart, dropped link) is replaced at the start
        # of the next request instead of failing it (tests/faults/test_db_drop.py).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web process and Celery worker share the file: serialise writers instead of failing
    # with "database is locked" (see shared/NOTES.md, "SQLite as the embedded default").
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# The feed's hot queries as prepared statements on PostgreSQL (config/db.py). Django leaves
# psycopg's prepared statements off (prepare_threshold None); its own cursors bind client-side
# and never prepare whatever the threshold, so this only reaches config.db's cursor.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_PREPARED_STATEMENTS:
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("handle", "email", "display_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))

# --- Redis, cache and Celery ---------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # Fails open (config/cache.py): Redis down must not turn reads into 500s via throttles.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker: a folder shared by the web process and the worker, no server.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("in", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Keep every task step well under the redelivery timeout (shared/NOTES.md).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {
    # Re-enqueue lost `queued` jobs; retry or fail jobs whose worker died (generation).
    "generation-sweep-stale-jobs": {
        "task": "generation.tasks.sweep_stale_jobs",
        "schedule": 60.0,
    },
    # Re-send cameo verifications lost to a broker outage (accounts).
    "accounts-requeue-pending-cameo-verifications": {
        "task": "accounts.tasks.requeue_pending_cameo_verifications",
        "schedule": 300.0,
    },
    # Fold new likes into the trend stats and rescore the candidates (discovery/trends.py).
    "discovery-refresh-trends": {
        "task": "discovery.tasks.refresh_trends",
        "schedule": env_int("TREND_REFRESH_SECONDS", 60),
    },
}

# --- Storage -------------------------------------------------------------------------
STORAGE_BACKEND = env("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME", "cutaway"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME", "us-east-1"),
            "access_key": env("AWS_ACCESS_KEY_ID"),
            "secret_key": env("AWS_SECRET_ACCESS_KEY"),
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env_int("STORAGE_URL_EXPIRES", 3600),
            "file_overwrite": False,
        },
    }
elif STORAGE_BACKEND == "local":
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STORAGE_URL_EXPIRES = env_int("STORAGE_URL_EXPIRES", 3600)
# Absolute prefix for locally served file URLs (mobile clients need absolute URLs).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "")
# Files follow their object (config/storage.py): feed answers "may this job's file still be
# shown?" for every object-bound /files URL; on S3 the answer is a redirect this short-lived.
STORAGE_FILE_RESOLVER = "feed.selectors.shown_job_files"
STORAGE_REDIRECT_SECONDS = env_int("STORAGE_REDIRECT_SECONDS", 60)

# --- Uploads and request limits ------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 5 * 1024 * 1024)
AVATAR_MAX_PIXELS = env_int("AVATAR_MAX_PIXELS", 40_000_000)
AVATAR_SIZE = 512
CAMEO_CLIP_MAX_BYTES = env_int("CAMEO_CLIP_MAX_BYTES", 50 * 1024 * 1024)
# The cameo motion check's budget (media/motion.py): worker seconds and decoded pixels
# (width x height x frames). A clip it cannot judge within both is rejected.
CAMEO_MOTION_MAX_SECONDS = float(env("CAMEO_MOTION_MAX_SECONDS", "10"))
CAMEO_MOTION_MAX_PIXELS = env_int("CAMEO_MOTION_MAX_PIXELS", 4_000_000_000)
# JSON in a request (body or multipart field) nesting deeper than this is a 400 (config/parsers.py).
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 64)

# --- REST framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers with a JSON nesting bound (config/parsers.py); views that list their own
    # parsers use config.parsers.JSONParser too.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "config.throttling.WriteScopedRateThrottle",  # a scope limits writes only
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", "120/min"),
        "user": env("THROTTLE_USER", "600/min"),
        "auth": env("THROTTLE_AUTH", "20/min"),
        "generation": env("THROTTLE_GENERATION", "30/min"),
        "likes": env("THROTTLE_LIKES", "240/min"),
        "comments": env("THROTTLE_COMMENTS", "60/min"),
        "reports": env("THROTTLE_REPORTS", "30/min"),
    },
    # Per-IP throttles key on REMOTE_ADDR; X-Forwarded-For is trusted only as far as this many
    # proxies (set 1 behind one reverse proxy). Unset, DRF would trust any client's header.
    "NUM_PROXIES": env_int("THROTTLE_NUM_PROXIES", 0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 30)),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
    # Refresh tokens are spent once (rotation, logout: accounts/services/tokens.py), and every
    # token carries a digest of the password it was issued under, so a password change ends
    # them all. Enabling this logs out tokens issued before it (they lack the claim).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "CHECK_REVOKE_TOKEN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cutaway API",
    "DESCRIPTION": "Open backend for AI short-video social apps.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Generic 4xx responses (with the `code` body) on every operation: config/schema.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_error_responses",
    ],
}

# --- Product settings ----------------------------------------------------------------
GENERATION_PROVIDER = env("GENERATION_PROVIDER", "local")
GENERATION_DAILY_LIMIT = env_int("GENERATION_DAILY_LIMIT", 30)
GENERATION_MAX_ATTEMPTS = env_int("GENERATION_MAX_ATTEMPTS", 3)
# Running jobs heartbeat at least every poll interval (5 s) or render progress step (0.5 s);
# a job silent this long belongs to a dead worker and the sweep requeues it.
GENERATION_STALE_AFTER_SECONDS = env_int("GENERATION_STALE_AFTER_SECONDS", 300)
# Storage down while uploading a finished clip: retry the upload (not the render) this many
# times, waiting BACKOFF, 2×, 4×… seconds between tries, then fail the job and refund it.
GENERATION_STORAGE_ATTEMPTS = env_int("GENERATION_STORAGE_ATTEMPTS", 4)
GENERATION_STORAGE_BACKOFF_SECONDS = float(env("GENERATION_STORAGE_BACKOFF_SECONDS", "2"))
# Hosted providers: how long a job may take there, how often we poll, per-request timeout.
GENERATION_PROVIDER_TIMEOUT_SECONDS = env_int("GENERATION_PROVIDER_TIMEOUT_SECONDS", 900)
GENERATION_POLL_INTERVAL_SECONDS = float(env("GENERATION_POLL_INTERVAL_SECONDS", "5"))
GENERATION_PROVIDER_HTTP_TIMEOUT = float(env("GENERATION_PROVIDER_HTTP_TIMEOUT", "30"))
GENERATION_PROVIDER_HTTP_RETRIES = env_int("GENERATION_PROVIDER_HTTP_RETRIES", 2)
OPENAI_VIDEO_MODEL = env("OPENAI_VIDEO_MODEL", "sora-2")
VEO_MODEL = env("VEO_MODEL", "veo-3.0-generate-001")
OPENAI_API_KEY = env("OPENAI_API_KEY", "")
OPENAI_BASE_URL = env("OPENAI_BASE_URL") or None
GEMINI_API_KEY = env("GEMINI_API_KEY", "")
GEMINI_BASE_URL = env("GEMINI_BASE_URL") or None
# Open-weights models (generation/providers/diffusion.py; README "Running real models").
DIFFUSERS_MODEL = env("DIFFUSERS_MODEL", "")  # a save_pretrained folder
DIFFUSERS_DEVICE = env("DIFFUSERS_DEVICE", "auto")  # auto = CUDA when present
DIFFUSERS_DTYPE = env("DIFFUSERS_DTYPE", "auto")  # auto = bfloat16 on CUDA, float32 on CPU
DIFFUSERS_STEPS = env_int("DIFFUSERS_STEPS", 30)
DIFFUSERS_RENDER_SIZE = env("DIFFUSERS_RENDER_SIZE", "480x832")
DIFFUSERS_FPS = env_int("DIFFUSERS_FPS", 0)  # 0 = the family's own rate
DIFFUSERS_CPU_OFFLOAD = env_bool("DIFFUSERS_CPU_OFFLOAD", False)
DIFFUSERS_VAE_TILING = env_bool("DIFFUSERS_VAE_TILING", False)
DIFFUSERS_PIPELINE_OPTIONS = env("DIFFUSERS_PIPELINE_OPTIONS", "{}")  # JSON call kwargs
# Reference images (generation/references.py): checked with Pillow's limits before any charge.
REFERENCE_IMAGE_MAX_BYTES = env_int("REFERENCE_IMAGE_MAX_BYTES", 10 * 1024 * 1024)
REFERENCE_IMAGE_MAX_PIXELS = env_int("REFERENCE_IMAGE_MAX_PIXELS", 25_000_000)
REFERENCE_IMAGE_MAX_SIDE = env_int("REFERENCE_IMAGE_MAX_SIDE", 2048)
# A ComfyUI server: its URL and an API-format workflow with {{prompt}}, {{seed}}… placeholders.
COMFYUI_URL = env("COMFYUI_URL", "http://127.0.0.1:8188")
COMFYUI_WORKFLOW = env("COMFYUI_WORKFLOW", "")
COMFYUI_RENDER_SIZE = env("COMFYUI_RENDER_SIZE", "480x832")
COMFYUI_FPS = env_int("COMFYUI_FPS", 16)
# Jobs of a GPU provider go to their own queue: a GPU box runs `celery -A config worker -Q gpu`.
GENERATION_QUEUE = env("GENERATION_QUEUE", "gpu" if GENERATION_PROVIDER == "diffusers" else "")
CELERY_TASK_ROUTES = (
    {"generation.tasks.run_generation_job": {"queue": GENERATION_QUEUE}} if GENERATION_QUEUE else {}
)
# Hooks through which lower apps ask higher ones (DESIGN.md, "Layout").
GENERATION_PROMPT_CHECKS: list[str] = env_list(
    "GENERATION_PROMPT_CHECKS", ["moderation.policy.check_prompt"]
)
GENERATION_OUTPUT_CHECKS: list[str] = env_list(
    "GENERATION_OUTPUT_CHECKS", ["moderation.policy.check_output"]
)
# feed answers "may this user remix that video?" and "which cameos does it carry?".
GENERATION_REMIX_RESOLVER = env("GENERATION_REMIX_RESOLVER", "feed.selectors.resolve_remix_source")

# A generation task step must finish well under the broker's visibility timeout (3600 s).
GENERATION_TASK_SOFT_TIME_LIMIT = env_int("GENERATION_TASK_SOFT_TIME_LIMIT", 1500)
GENERATION_TASK_TIME_LIMIT = env_int("GENERATION_TASK_TIME_LIMIT", 1800)
# How long a "for you" session (the ranked list behind its cursors) lives in the cache.
FEED_SESSION_SECONDS = env_int("FEED_SESSION_SECONDS", 1800)
# A viewer's view of a video counts once per this many seconds (feed.services.record_view).
FEED_VIEW_WINDOW_SECONDS = env_int("FEED_VIEW_WINDOW_SECONDS", 24 * 3600)
MODERATION_SUSPENSION_DAYS = env_int("MODERATION_SUSPENSION_DAYS", 30)
MODERATION_OUTPUT_MAX_BYTES = env_int("MODERATION_OUTPUT_MAX_BYTES", 200 * 1024 * 1024)
# Use the packaged embedding model (extra `semantic`) when installed; off forces the fallback.
MODERATION_SEMANTIC_MODEL = env_bool("MODERATION_SEMANTIC_MODEL", True)

# --- Security (production) -----------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# --- Discovery (hashtags, search, trends) ---------------------------------------------
# Apps above feed that add interests to the for-you ranking (feed/interests.py).
FEED_INTEREST_SOURCES = env_list("FEED_INTEREST_SOURCES", ["discovery.interests.FollowedHashtags"])
SEARCH_MAX_QUERY_CHARS = env_int("SEARCH_MAX_QUERY_CHARS", 200)
# Video search on PostgreSQL ranks at most this many text matches (discovery/search.py).
SEARCH_MAX_MATCHES = env_int("SEARCH_MAX_MATCHES", 1000)
# Trends (discovery/trends.py): time constants of the "recent" and "usual" rates, candidates
# rescored per kind and refresh, the decayed likes a candidate needs in the recent window,
# likes folded per refresh, and how long an approved trend stays up.
TREND_FAST_SECONDS = env_int("TREND_FAST_SECONDS", 3600)
TREND_SLOW_SECONDS = env_int("TREND_SLOW_SECONDS", 86400)
TREND_CANDIDATES = env_int("TREND_CANDIDATES", 50)
TREND_MIN_RECENT_LIKES = env_int("TREND_MIN_RECENT_LIKES", 5)
TREND_BATCH = env_int("TREND_BATCH", 5000)
TREND_TTL_SECONDS = env_int("TREND_TTL_SECONDS", 86400)

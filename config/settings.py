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


def env_json(name: str, default):
    """A JSON value from the environment (PLANS, CREDIT_PACKS…); bad JSON names the setting."""
    import json

    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return json.loads(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: not valid JSON ({error}).") from None


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
    "push",
    "events",
    "billing",
    "discovery",
    "demo",
]

MIDDLEWARE = [
    # Outermost: every response, error pages and redirects included, carries X-Request-ID,
    # and Django's own 400/404 pages are JSON whatever DEBUG says.
    "config.request_ids.request_id",
    "config.middleware.json_errors",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.reject_nul_bytes",
    "config.middleware.reject_oversized_bodies",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if not DEBUG:
    # Serves `collectstatic`'s hashed, compressed files (STATIC_ROOT) from the app itself;
    # with DEBUG on, runserver serves the sources.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("config.middleware.reject_nul_bytes"),
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that polls the socket instead of sending SELECT 1.
    DATABASES["default"]["ENGINE"] = "config.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web process and Celery worker share the file: serialise writers instead of failing
    # with "database is locked": IMMEDIATE transactions, a lock timeout, WAL (Django >= 5.1).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# The feed's hot queries as prepared statements on PostgreSQL (config/db.py). Django leaves
# psycopg's prepared statements off (prepare_threshold None); its own cursors bind client-side
# and never prepare whatever the threshold, so this only reaches config.db's cursor.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "config.postgresql" and DB_PREPARED_STATEMENTS:
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
    # Keep every task step well under the redelivery timeout (Redis redelivers unacked tasks).
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
    # Remove unpublished variant candidates past GENERATION_VARIANT_RETENTION_HOURS (generation).
    "generation-remove-unpublished-variants": {
        "task": "generation.tasks.remove_unpublished_variants",
        "schedule": 3600.0,
    },
    # Re-send cameo verifications lost to a broker outage (accounts).
    "accounts-requeue-pending-cameo-verifications": {
        "task": "accounts.tasks.requeue_pending_cameo_verifications",
        "schedule": 300.0,
    },
    # Dispatch outbox events a dead worker left behind; send due webhook retries (events).
    "events-sweep-outbox": {
        "task": "events.tasks.sweep_outbox",
        "schedule": float(env_int("EVENTS_SWEEP_SECONDS", 30)),
    },
    # Delete account exports past EXPORT_RETENTION_HOURS; re-send lost builds (accounts).
    "accounts-delete-expired-exports": {
        "task": "accounts.tasks.delete_expired_exports_task",
        "schedule": 3600.0,
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
    # Hashed, compressed copies made by `collectstatic` (the production start command runs it)
    # and served by WhiteNoise with DEBUG off. The default (file) storage above is Cutaway's
    # own and stays as it is. With DEBUG on, runserver serves the sources unhashed.
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
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
# Largest multipart body (the uploads: cameo clips, reference images, avatars) before any
# parser reads it; larger is a JSON 413 (config/middleware.py). Non-file bodies stop at
# DATA_UPLOAD_MAX_MEMORY_SIZE.
REQUEST_MAX_UPLOAD_BYTES = env_int(
    "REQUEST_MAX_UPLOAD_BYTES", CAMEO_CLIP_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
)
# JSON in a request (body or multipart field) nesting deeper than this is a 400 (config/parsers.py).
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 64)

# --- REST framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # API keys first: a `cut_` bearer is not a JWT (accounts/authentication.py).
        "accounts.authentication.ApiKeyAuthentication",
        # simplejwt's, the user read by a prepared statement (accounts/authentication.py).
        "accounts.authentication.JWTAuthentication",
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
    # Timestamps: serializers pass datetimes through, the renderer writes them all as
    # `2026-12-01T19:02:55.069Z` (config/renderers.py).
    "DATETIME_FORMAT": None,
    # JSON only; the browsable API (HTML forms, a second renderer to negotiate) in DEBUG only:
    # production never builds it on a hot path (interactive docs: /api/docs/).
    "DEFAULT_RENDERER_CLASSES": [
        "config.renderers.JSONRenderer",
        *(["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    # DRF's anon, user and scoped rates; with Redis all of a request's scopes are checked in
    # one round trip (config/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.AnonRateThrottle",
        "config.throttling.UserRateThrottle",
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
        "devices": env("THROTTLE_DEVICES", "30/min"),
        "billing": env("THROTTLE_BILLING", "20/min"),
        # POST characters: an upload verified by a worker (probe, faces, output checks).
        "characters": env("THROTTLE_CHARACTERS", "10/min"),
        # POST me/export builds a ZIP of everything the account holds: a few a day is plenty.
        "exports": env("THROTTLE_EXPORTS", "2/day"),
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
    # Export.status shares the field name `status` with jobs, cameos and videos.
    "ENUM_NAME_OVERRIDES": {
        "ExportStatusEnum": "accounts.models.Export.Status",
        # A job's shapes (GenerationJob, CreatedJob) share these: one name each.
        "GenerationJobStatusEnum": "generation.models.GenerationJob.Status",
        "GenerationJobAspectEnum": "generation.models.GenerationJob.Aspect",
        "GenerationJobKindEnum": "generation.models.GenerationJob.Kind",
        # Cameos and characters are one model: one name for its kind and its status.
        "CameoKindEnum": "accounts.models.Cameo.Kind",
        "CameoStatusEnum": "accounts.models.Cameo.Status",
    },
    # Generic 4xx responses (with the `code` body) on every operation: config/schema.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_error_responses",
        "config.schema.strict_oas30",
    ],
}

# --- Product settings ----------------------------------------------------------------
# API keys (accounts/authentication.py): live keys a user may hold, and how often at most a
# key's `last_used_at` is written (seconds), so authenticating is not a write per request.
API_KEYS_MAX_PER_USER = env_int("API_KEYS_MAX_PER_USER", 20)
API_KEY_LAST_USED_INTERVAL = env_int("API_KEY_LAST_USED_INTERVAL", 60)
# Account exports (POST me/export): how long a finished ZIP stays downloadable before the
# periodic cleanup deletes it (hours), and how long its signed download URL lives (seconds).
EXPORT_RETENTION_HOURS = env_int("EXPORT_RETENTION_HOURS", 72)
EXPORT_URL_EXPIRES = env_int("EXPORT_URL_EXPIRES", 3600)
# The apps above accounts write their own sections of an export: `writer(user, archive)`.
ACCOUNT_EXPORT_WRITERS = ["generation.exports.write_generations", "feed.exports.write_feed"]
GENERATION_PROVIDER = env("GENERATION_PROVIDER", "local")
GENERATION_DAILY_LIMIT = env_int("GENERATION_DAILY_LIMIT", 30)
GENERATION_MAX_ATTEMPTS = env_int("GENERATION_MAX_ATTEMPTS", 3)
# Candidates of a `variants` request that nobody published are removed (with their files) this
# many hours after they were created (generation.services.variants.remove_unpublished_variants).
GENERATION_VARIANT_RETENTION_HOURS = env_int("GENERATION_VARIANT_RETENTION_HOURS", 72)
# --- Plans, credits and Stripe (billing/; shapes in billing/conf.py) ------------------------
# The free plan's allowance is GENERATION_DAILY_LIMIT (it sets no daily_limit of its own).
PLANS = env_json("PLANS", {"free": {}, "pro": {"daily_limit": 100}})
DEFAULT_PLAN = "free"
# Credits per second of video, by size: a generation beyond the plan's daily allowance costs
# seconds x this. A size left out cannot be bought beyond the allowance.
CREDIT_PRICES = env_json(
    "CREDIT_PRICES", {"720x1280": 1, "1280x720": 1, "1024x1792": 2, "1792x1024": 2}
)
# What POST billing/checkout sells: price in the currency's minor units (cents).
CREDIT_PACKS = env_json(
    "CREDIT_PACKS",
    {
        "starter": {"credits": 100, "price": 400, "currency": "usd"},
        "creator": {"credits": 500, "price": 1500, "currency": "usd"},
    },
)
SIGNUP_CREDITS = env_int("SIGNUP_CREDITS", 0)
# A protected entity's rights holder gets this share of the credits a paid generation with
# it spends, unless the entity sets its own.
RIGHTS_DEFAULT_SHARE_PERCENT = env("RIGHTS_DEFAULT_SHARE_PERCENT", "20")
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = env("STRIPE_API_BASE", "https://api.stripe.com")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env_int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300)
STRIPE_HTTP_TIMEOUT = float(env("STRIPE_HTTP_TIMEOUT", "20"))
# Where Stripe's hosted checkout sends the buyer back ({CHECKOUT_SESSION_ID} is Stripe's).
BILLING_SUCCESS_URL = env(
    "BILLING_SUCCESS_URL", "http://localhost:8000/billing/done?session={CHECKOUT_SESSION_ID}"
)
BILLING_CANCEL_URL = env("BILLING_CANCEL_URL", "http://localhost:8000/billing/cancelled")
# Which opted-in protected entities a job's texts use (moderation answers; billing asks).
BILLING_RIGHTS_RESOLVER = env("BILLING_RIGHTS_RESOLVER", "moderation.policy.licensed_entities")


def _validate_billing() -> None:
    """The settings refuse to load with a price table, pack or share that cannot work."""
    from billing.conf import BillingSettingsError, validate_billing_settings

    try:
        validate_billing_settings(
            plans=PLANS,
            prices=CREDIT_PRICES,
            packs=CREDIT_PACKS,
            signup_credits=SIGNUP_CREDITS,
            default_share=RIGHTS_DEFAULT_SHARE_PERCENT,
        )
    except BillingSettingsError as error:
        raise ImproperlyConfigured(str(error)) from None


_validate_billing()

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
    "GENERATION_OUTPUT_CHECKS",
    ["moderation.policy.check_output", "moderation.classifier.check_frames"],
)
# A character's picture or clip passes the output checks too; accounts asks through this hook.
# The content gate accounts runs on text attached to a likeness (accounts/services/text_gate.py).
ACCOUNT_TEXT_GATE = env("ACCOUNT_TEXT_GATE", "generation.policy.check_content")
CHARACTER_MEDIA_CHECKS: list[str] = env_list(
    "CHARACTER_MEDIA_CHECKS", ["generation.references.check_character_media"]
)
# Speech-to-text on every output's sound, its transcript through the content gate (see
# generation/transcripts.py for the call signature). None ships: no model is downloaded.
GENERATION_TRANSCRIBERS: list[str] = env_list("GENERATION_TRANSCRIBERS", [])
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
# The PDQ / vPDQ blocklist (moderation/perceptual.py): one PDQ hash per this many seconds of
# every output, and the PDQ quality (0-100) under which a frame is too featureless to compare.
MODERATION_VPDQ_SECONDS_PER_HASH = float(env("MODERATION_VPDQ_SECONDS_PER_HASH", "1.0"))
MODERATION_PDQ_MIN_QUALITY = env_int("MODERATION_PDQ_MIN_QUALITY", 50)
# The frame classifier (moderation/classifier.py): NudeNet's ONNX detector on frames sampled
# per shot and at a fixed rate. Empty model path = the 320n.onnx inside the nudenet wheel.
MODERATION_CLASSIFIER_MODEL = env("MODERATION_CLASSIFIER_MODEL", "")
MODERATION_CLASSIFIER_RESOLUTION = env_int("MODERATION_CLASSIFIER_RESOLUTION", 320)
MODERATION_CLASSIFIER_THREADS = env_int("MODERATION_CLASSIFIER_THREADS", 1)
MODERATION_CLASSIFIER_FPS = float(env("MODERATION_CLASSIFIER_FPS", "1"))
MODERATION_CLASSIFIER_MAX_FRAMES = env_int("MODERATION_CLASSIFIER_MAX_FRAMES", 40)
# Per NudeNet class: the score at or above which a frame is blocked / held for review (a class
# not listed, or a missing key, never decides). Cameos shown and minors involved multiply both
# by their factor (the stricter of the two applies); with a minor every hold becomes a block.
MODERATION_CLASSIFIER_THRESHOLDS: dict = env_json(
    "MODERATION_CLASSIFIER_THRESHOLDS",
    {
        "FEMALE_GENITALIA_EXPOSED": {"block": 0.5, "hold": 0.3},
        "MALE_GENITALIA_EXPOSED": {"block": 0.5, "hold": 0.3},
        "ANUS_EXPOSED": {"block": 0.5, "hold": 0.3},
        "FEMALE_BREAST_EXPOSED": {"block": 0.6, "hold": 0.35},
        "BUTTOCKS_EXPOSED": {"block": 0.75, "hold": 0.4},
        "FEMALE_GENITALIA_COVERED": {"hold": 0.7},
        "BUTTOCKS_COVERED": {"hold": 0.85},
    },
)
MODERATION_CLASSIFIER_CAMEO_FACTOR = float(env("MODERATION_CLASSIFIER_CAMEO_FACTOR", "0.8"))
MODERATION_CLASSIFIER_MINOR_FACTOR = float(env("MODERATION_CLASSIFIER_MINOR_FACTOR", "0.6"))
# Long side (pixels) of the per-frame thumbnails moderators see on the review page.
MODERATION_CLASSIFIER_THUMBNAIL_SIDE = env_int("MODERATION_CLASSIFIER_THUMBNAIL_SIDE", 160)

# --- C2PA content credentials (generation/c2pa_signing.py) -------------------------------
# Every published clip and rendition is signed. C2PA_CERT: PEM chain (signing certificate
# first), C2PA_KEY: its PEM private key (both required: checked at start-up), C2PA_ALG: es256
# (es384, es512, ps256..., ed25519), C2PA_TSA_URL: an RFC 3161 timestamp authority (optional),
# C2PA_TRUST_ANCHORS: PEM roots a re-read must chain to ("Trusted"; optional). `make run`
# generates a local TEST chain under var/ when none is set (manage.py generate_c2pa_test_chain).
C2PA_CERT = env("C2PA_CERT", "")
C2PA_KEY = env("C2PA_KEY", "")
C2PA_ALG = env("C2PA_ALG", "es256")
C2PA_TSA_URL = env("C2PA_TSA_URL", "")
C2PA_TRUST_ANCHORS = env("C2PA_TRUST_ANCHORS", "")

# --- Push notifications (push/) ------------------------------------------------------
# WebPush (pywebpush + py-vapid): the VAPID key pair that signs every push; the private key as
# PEM or base64url raw (32 bytes), the public one base64url (65-byte uncompressed point; derived
# from the private key when unset). `make run` generates a development pair when none is set.
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", "")
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", "")
VAPID_SUBJECT = env("VAPID_SUBJECT", "mailto:push@cutaway.invalid")
# APNs (aioapns, token auth): the .p8 key file, its key id, the team id, the app's bundle id.
APNS_KEY_FILE = env("APNS_KEY_FILE", "")
APNS_KEY_ID = env("APNS_KEY_ID", "")
APNS_TEAM_ID = env("APNS_TEAM_ID", "")
APNS_TOPIC = env("APNS_TOPIC", "")
APNS_USE_SANDBOX = env_bool("APNS_USE_SANDBOX", False)
# Another APNs host (a gateway; the tests' loopback server) and a CA file to trust for it.
APNS_HOST = env("APNS_HOST", "")
APNS_PORT = env_int("APNS_PORT", 443)
APNS_CA_FILE = env("APNS_CA_FILE", "")
# FCM HTTP v1 (pyfcm): a service-account JSON file (its token_uri is where OAuth tokens come
# from) and the Firebase project id (default: the file's own).
FCM_CREDENTIALS_FILE = env("FCM_CREDENTIALS_FILE", "")
FCM_PROJECT_ID = env("FCM_PROJECT_ID", "")
FCM_API_BASE = env("FCM_API_BASE", "https://fcm.googleapis.com/v1/projects")
# Per request to a push service, seconds; notifications per delivery task; requests in flight
# per task (WebPush and FCM: threads; APNs: streams over aioapns's HTTP/2 pool).
PUSH_HTTP_TIMEOUT = float(env("PUSH_HTTP_TIMEOUT", "10"))
PUSH_BATCH_SIZE = env_int("PUSH_BATCH_SIZE", 500)
PUSH_CONCURRENCY = env_int("PUSH_CONCURRENCY", 16)
# WebPush endpoints follow WEBHOOK_ALLOW_PRIVATE (events/ below), as webhook URLs do.
# --- Events and webhooks (events/; README "Webhooks") ---------------------------------
# Webhook URLs (and the addresses they resolve to) on private, loopback, link-local,
# metadata, multicast or reserved networks are refused unless this is on (local development).
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
# Seconds to wait before each retry of a failed delivery (about a day in all: 23.7 h); each
# wait varies by ± WEBHOOK_RETRY_JITTER (a fraction). After the last, the delivery fails.
WEBHOOK_RETRY_SCHEDULE: list[int] = [
    int(s)
    for s in env_list(
        "WEBHOOK_RETRY_SCHEDULE",
        ["30", "120", "600", "1800", "3600", "7200", "14400", "28800", "28800"],
    )
]
WEBHOOK_RETRY_JITTER = float(env("WEBHOOK_RETRY_JITTER", "0.2"))
WEBHOOK_CONNECT_TIMEOUT_SECONDS = float(env("WEBHOOK_CONNECT_TIMEOUT_SECONDS", "3"))
# The whole answer (headers and body) must arrive within this many seconds.
WEBHOOK_TIMEOUT_SECONDS = float(env("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_MAX_RESPONSE_BYTES = env_int("WEBHOOK_MAX_RESPONSE_BYTES", 64 * 1024)
# An attempt's lease: a worker that died mid-send leaves the delivery due again after it.
WEBHOOK_CLAIM_SECONDS = env_int("WEBHOOK_CLAIM_SECONDS", 60)
# Retries due sooner than this go to Celery with a countdown; later ones wait for the sweep.
WEBHOOK_MAX_COUNTDOWN_SECONDS = env_int("WEBHOOK_MAX_COUNTDOWN_SECONDS", 300)
WEBHOOK_MAX_ENDPOINTS = env_int("WEBHOOK_MAX_ENDPOINTS", 10)
# The sweep leaves events younger than this to their on-commit dispatch.
EVENTS_SWEEP_GRACE_SECONDS = env_int("EVENTS_SWEEP_GRACE_SECONDS", 10)
EVENTS_SWEEP_BATCH = env_int("EVENTS_SWEEP_BATCH", 500)
EVENTS_RETENTION_DAYS = env_int("EVENTS_RETENTION_DAYS", 30)

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
    # Every line names the request it was written for (X-Request-ID; "-" outside a request).
    "filters": {"request_id": {"()": "config.request_ids.RequestIDLogFilter"}},
    "formatters": {
        "default": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "default",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# --- Discovery (hashtags, search, trends) ---------------------------------------------
# Apps above feed that add interests to the for-you ranking (feed/interests.py).
FEED_INTEREST_SOURCES = env_list("FEED_INTEREST_SOURCES", ["discovery.interests.FollowedHashtags"])
SEARCH_MAX_QUERY_CHARS = env_int("SEARCH_MAX_QUERY_CHARS", 200)
# The search index's INCLUDE (document) is PostgreSQL's; on SQLite Django builds it without
# (the fallback never walks it).
SILENCED_SYSTEM_CHECKS = ["models.W040"]
# Video search on PostgreSQL ranks at most this many matches, the most popular ones (20 pages
# of 20; discovery/search.py).
SEARCH_MAX_MATCHES = env_int("SEARCH_MAX_MATCHES", 400)
# Trends (discovery/trends.py): time constants of the "recent" and "usual" rates, candidates
# rescored per kind and refresh, the decayed likes a candidate needs in the recent window,
# likes folded per refresh, and how long an approved trend stays up.
TREND_FAST_SECONDS = env_int("TREND_FAST_SECONDS", 3600)
TREND_SLOW_SECONDS = env_int("TREND_SLOW_SECONDS", 86400)
TREND_CANDIDATES = env_int("TREND_CANDIDATES", 50)
TREND_MIN_RECENT_LIKES = env_int("TREND_MIN_RECENT_LIKES", 5)
TREND_BATCH = env_int("TREND_BATCH", 5000)
TREND_TTL_SECONDS = env_int("TREND_TTL_SECONDS", 86400)

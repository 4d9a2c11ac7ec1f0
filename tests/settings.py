"""Settings for the test suite: production settings plus what tests need to be fast and isolated.

DATABASE_URL and REDIS_URL still come from the environment, so CI runs on PostgreSQL and Redis.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("CUTAWAY_VAR_DIR", tempfile.mkdtemp(prefix="cutaway-tests-var-"))

from config.settings import *  # noqa: E402, F403
from config.settings import REST_FRAMEWORK  # noqa: E402
from generation.c2pa_test_chain import write_test_chain  # noqa: E402

CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Throttles are exercised by their own tests (which lower these rates); everywhere else they
# must not make results depend on test order.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        scope: "100000/min" for scope in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    },
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the end-to-end tests start a real Celery worker process that must
    # see the same test database. Each test run has its own var dir, so runs never collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405

# An empty STATIC_ROOT for WhiteNoise (tests/test_static.py fills its own). Templates (admin,
# Swagger UI) render without a `collectstatic` run; the production storage
# (hashed, compressed, served by WhiteNoise) has its own test: tests/test_static.py.
STATIC_ROOT = VAR_DIR / "static"  # noqa: F405
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Every render in the suite is signed: one TEST chain per run, in its var dir (a worker process
# the e2e tests start inherits CUTAWAY_VAR_DIR and reuses it).
_C2PA_CHAIN = write_test_chain(VAR_DIR / "c2pa")  # noqa: F405
C2PA_CERT = str(_C2PA_CHAIN.cert)
C2PA_KEY = str(_C2PA_CHAIN.key)
C2PA_TRUST_ANCHORS = str(_C2PA_CHAIN.root)

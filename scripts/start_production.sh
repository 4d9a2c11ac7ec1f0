#!/usr/bin/env bash
# The production web process: hashed, compressed static files, then gunicorn.
# Run `manage.py migrate` (once per release) before it; Celery workers start separately
# (README, "Serving in production").
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-.venv/bin}"

# Admin and Swagger UI assets → STATIC_ROOT (staticfiles/), served by WhiteNoise from the app.
"$BIN/python" manage.py collectstatic --noinput --verbosity 0
exec "$BIN/gunicorn" config.wsgi \
  --bind "${BIND:-0.0.0.0}:${PORT:-8000}" \
  --workers "${WEB_CONCURRENCY:-4}" \
  --access-logfile - \
  --access-logformat '%(h)s "%(r)s" %(s)s %(b)s %(L)ss request_id=%({x-request-id}o)s'

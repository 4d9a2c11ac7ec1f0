#!/usr/bin/env bash
# `make run`: migrate, load the demo world, start a Celery worker and the API server together.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
PORT="${PORT:-8000}"
# File URLs handed to clients are absolute (mobile apps cannot resolve relative ones).
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:${PORT}}"
BIN=.venv/bin

$BIN/python manage.py migrate --noinput
$BIN/python manage.py seed_demo

$BIN/celery -A config worker --beat --loglevel=WARNING --concurrency=1 --pool=prefork \
  --schedule "${CUTAWAY_VAR_DIR:-var}/celerybeat-schedule" &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM

cat <<MSG

  Cutaway is running.
    API docs       http://127.0.0.1:${PORT}/api/docs/
    OpenAPI schema http://127.0.0.1:${PORT}/api/schema/
    REST API       http://127.0.0.1:${PORT}/api/v1/
    OpenAI-compatible Videos API  http://127.0.0.1:${PORT}/v1/videos
    Admin console  http://127.0.0.1:${PORT}/admin/
  (PORT=${PORT}; set PORT=... before make run to use another.)
  Ctrl-C stops the server and the worker.

MSG
$BIN/python manage.py runserver "127.0.0.1:${PORT}"

#!/usr/bin/env bash
# `make run`: migrate, load the demo world, start a Celery worker and the API server together.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
PORT="${PORT:-8000}"
# File URLs handed to clients are absolute (mobile apps cannot resolve relative ones).
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:${PORT}}"
BIN=.venv/bin

# WebPush needs a VAPID key pair: a development one is made once and kept under var/.
if [ -z "${VAPID_PRIVATE_KEY:-}" ]; then
  VAPID_DEV_KEY="${CUTAWAY_VAR_DIR:-var}/vapid-dev-private.pem"
  mkdir -p "$(dirname "$VAPID_DEV_KEY")"
  [ -s "$VAPID_DEV_KEY" ] || $BIN/python manage.py generate_vapid_key --out "$VAPID_DEV_KEY"
  VAPID_PRIVATE_KEY="$(cat "$VAPID_DEV_KEY")"
  export VAPID_PRIVATE_KEY
fi

# Every published clip is signed (C2PA): without a deployment certificate, a local TEST chain
# (root CA + signing certificate) is made once under var/c2pa and used.
if [ -z "${C2PA_CERT:-}" ]; then
  C2PA_DEV_DIR="${CUTAWAY_VAR_DIR:-var}/c2pa"
  $BIN/python manage.py generate_c2pa_test_chain --out "$C2PA_DEV_DIR" >/dev/null
  export C2PA_CERT="$C2PA_DEV_DIR/signer.pem" C2PA_KEY="$C2PA_DEV_DIR/signer.key"
  export C2PA_TRUST_ANCHORS="${C2PA_TRUST_ANCHORS:-$C2PA_DEV_DIR/root.pem}"
  echo "C2PA: no C2PA_CERT set; clips are signed with a local TEST chain ($C2PA_DEV_DIR), not for production."
fi

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
  Content credentials (C2PA) are signed with: ${C2PA_CERT}

MSG
$BIN/python manage.py runserver "127.0.0.1:${PORT}"

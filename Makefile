# Two commands: `make run` (the whole thing, embedded defaults) and `make test` (the suite).
SHELL := /bin/bash
# Django 6 needs Python >= 3.12: take the first interpreter on this machine that is new enough.
PYTHON ?= $(shell for c in python3.12 python3.13 $(wildcard /root/.pyenv/versions/3.12*/bin/python3) $(wildcard /root/.pyenv/versions/3.1[3-9]*/bin/python3) $(wildcard /usr/local/bin/python3.1[2-9]) python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$c; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The domain modules mypy checks in `make test` (config in pyproject.toml's [tool.mypy]).
# MYPY_PENDING: modules of the same kind not clean yet (`make mypy-pending` lists their
# errors); move one to MYPY_FILES once it is clean.
MYPY_FILES := accounts/ledger.py accounts/selectors.py accounts/services/notifications.py \
	accounts/services/users.py accounts/services/lifecycle.py accounts/services/tokens.py \
	accounts/services/cameos.py accounts/services/cameo_use.py media/sniff.py config/tasks.py \
	generation/selectors.py generation/services/quota.py generation/services/pipeline.py \
	generation/services/jobs.py generation/services/publishing.py generation/services/model_jobs.py \
	generation/services/renditions.py generation/services/edits.py generation/services/variants.py \
	generation/services/derived.py generation/services/composition.py \
	generation/policy.py generation/c2pa_signing.py generation/c2pa_test_chain.py generation/provenance.py \
	generation/transcripts.py moderation/classifier.py moderation/checks.py \
	feed/selectors.py feed/services.py moderation/services.py moderation/policy.py \
	moderation/perceptual.py moderation/blocklist.py \
	push/services.py config/netguard.py push/vapid.py push/senders/webpush.py push/senders/apns.py \
	push/senders/fcm.py \
	events/egress.py events/payloads.py events/services/outbox.py events/services/webhooks.py \
	billing/conf.py billing/ledger.py billing/services.py billing/rights.py billing/selectors.py \
	billing/webhooks.py billing/stripe_gateway.py \
	accounts/services/api_keys.py accounts/authentication.py accounts/services/erasure.py \
	accounts/services/exports.py accounts/services/characters.py accounts/services/character_media.py \
	media/references.py media/frames.py \
	discovery/services.py discovery/selectors.py discovery/search.py discovery/trends.py \
	feed/interests.py feed/captions.py
MYPY_PENDING :=
# The open-weights models' libraries (torch's CUDA build, diffusers, transformers): only the
# tests and GPU workers need them; measured on a fresh venv: +5.4 GB and about 92 s of install.
GPU_STAMP := $(VENV)/.installed-gpu

.PHONY: run test lint format mypy mypy-pending browser-deps client-deps browser-js clean media-deps

# vpdq (the vPDQ video hash) compiles against FFmpeg's libraries: Debian's -dev packages.
FFMPEG_DEV := libavdevice-dev libavfilter-dev libavformat-dev libavcodec-dev libswresample-dev \
	libswscale-dev libavutil-dev pkg-config
media-deps:
	@if ! pkg-config --exists libavformat libavcodec libswscale libavfilter libavdevice 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(FFMPEG_DEV) >/dev/null; \
	  else \
	    echo "Cutaway's vpdq dependency needs FFmpeg's headers: sudo apt-get install $(FFMPEG_DEV)"; exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml | media-deps
	@test -n "$(PYTHON)" || { echo "Cutaway needs Python 3.12 or newer"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q ".[dev]"
	touch $(STAMP)

$(GPU_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q ".[dev,gpu]"
	touch $(GPU_STAMP)

run: $(STAMP)
	bash scripts/run_local.sh

# The moderation console's browser test drives Debian's chromium through chromedriver.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "make test needs chromium and chromium-driver: sudo apt-get install chromium chromium-driver"; exit 1; \
	  fi; \
	fi

# The schema's checks (Redocly lint, the typed TypeScript client): the Node packages that
# tests/client/package-lock.json pins, installed exactly as locked.
CLIENT_STAMP := tests/client/node_modules/.package-lock.json
$(CLIENT_STAMP): tests/client/package-lock.json
	cd tests/client && npm ci --no-audit --no-fund --loglevel=error

client-deps: $(CLIENT_STAMP)

# hls.js for the HLS playback browser test (tests/browser/package-lock.json pins it).
browser-js: tests/browser/node_modules/.package-lock.json

tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error

test: $(GPU_STAMP) browser-deps client-deps browser-js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy $(MYPY_FILES)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

mypy: $(STAMP)
	$(BIN)/mypy $(MYPY_FILES)

mypy-pending: $(STAMP)
	-$(BIN)/mypy $(MYPY_PENDING)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var db.sqlite3

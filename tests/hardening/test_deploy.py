"""Deployment hygiene: `check --deploy` under production settings, security headers, and no
secrets in the tracked files."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check_deploy(tmp_path, **env):
    """`manage.py check --deploy --fail-level WARNING` with production settings (a subprocess:
    config.settings reads its environment once, at import)."""
    from generation.c2pa_test_chain import write_test_chain

    chain = write_test_chain(tmp_path / "c2pa")
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        and not key.startswith(("SECURE_", "SESSION_", "CSRF_"))
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        ALLOWED_HOSTS="example.com",
        CUTAWAY_VAR_DIR=str(tmp_path),
        # Production signs every clip (C2PA): a deployment names its certificate and key.
        C2PA_CERT=str(chain.cert),
        C2PA_KEY=str(chain.key),
    )
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_does_catch_a_weak_setup(tmp_path):
    """Control: the same command fails on a short key without HSTS, so the pass means something."""
    result = _check_deploy(tmp_path, SECRET_KEY="too-short", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout
    assert "security.W004" in result.stderr + result.stdout


def test_security_headers_on_an_api_response(auth_client, user):
    response = auth_client(user).get("/api/v1/me")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # plain http: no HSTS


def test_hsts_on_https(auth_client, user, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = auth_client(user).get("/api/v1/me", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]


def test_errors_carry_the_headers_too(api_client, db):
    response = api_client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


# --- secrets -------------------------------------------------------------------------

SECRET_PATTERNS = {
    "AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "private key": re.compile("-----BEGIN ([A-Z]+ )?" + "PRIVATE KEY-----"),
    "OpenAI-style key": re.compile(r"\bsk-(proj-)?[A-Za-z0-9_-]{20,}"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
}
# A line may carry a dummy that looks like a secret if it says so in so many words.
DUMMY_MARKER = "dummy-not-a-secret"
SECRET_FILE_NAMES = re.compile(r"(^|/)(\.env(\..*)?|id_rsa|id_ed25519|.*\.pem|.*\.p12|.*\.key)$")


def _tracked_files():
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
    ).stdout
    return [name for name in out.decode().split("\0") if name]


def _findings(name: str, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if DUMMY_MARKER in line:
            continue
        for kind, pattern in SECRET_PATTERNS.items():
            if pattern.search(line):
                found.append(f"{name}:{number}: {kind}")
    return found


def test_scanner_finds_planted_secrets():
    planted = "\n".join(
        [
            "aws = 'AKIA" + "ABCDEFGHIJKLMNOP'",
            "-----BEGIN RSA " + "PRIVATE KEY-----",
            "key = 'sk-" + "a" * 40 + "'",
            "ok = 'sk-" + "a" * 40 + "'  # dummy-not-a-secret",
        ]
    )
    assert [f.split(": ")[1] for f in _findings("x", planted)] == [
        "AWS access key id",
        "private key",
        "OpenAI-style key",
    ]


def test_no_secrets_in_tracked_files():
    files = _tracked_files()
    if not files:
        pytest.fail("git ls-files listed nothing: not a checkout?")
    found = [name for name in files if SECRET_FILE_NAMES.search(name)]
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        data = path.read_bytes()
        if b"\0" in data[:4096]:
            continue  # binary
        found += _findings(name, data.decode("utf-8", errors="replace"))
    assert not found, found

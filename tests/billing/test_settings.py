"""A price table, pack or share that cannot work refuses to load, naming the setting."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(**env) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); print('loaded')"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CREDIT_PRICES": json.dumps({"720x1280": -1})}, "CREDIT_PRICES['720x1280']"),
        ({"CREDIT_PRICES": json.dumps({"720x1280": 1.5})}, "CREDIT_PRICES['720x1280']"),
        ({"RIGHTS_DEFAULT_SHARE_PERCENT": "100.01"}, "RIGHTS_DEFAULT_SHARE_PERCENT"),
        ({"RIGHTS_DEFAULT_SHARE_PERCENT": "-5"}, "RIGHTS_DEFAULT_SHARE_PERCENT"),
        ({"RIGHTS_DEFAULT_SHARE_PERCENT": "NaN"}, "RIGHTS_DEFAULT_SHARE_PERCENT"),
        ({"SIGNUP_CREDITS": "-10"}, "SIGNUP_CREDITS"),
        ({"PLANS": json.dumps({"pro": {"daily_limit": 100}})}, "PLANS"),
        ({"PLANS": json.dumps({"free": {"daily_limit": -1}})}, "PLANS['free'].daily_limit"),
        (
            {"CREDIT_PACKS": json.dumps({"big": {"credits": 10, "price": -4, "currency": "usd"}})},
            "CREDIT_PACKS['big'].price",
        ),
        (
            {"CREDIT_PACKS": json.dumps({"big": {"credits": 10, "price": 4, "currency": "$"}})},
            "CREDIT_PACKS['big'].currency",
        ),
        ({"CREDIT_PACKS": "{not json"}, "CREDIT_PACKS"),
    ],
)
def test_bad_billing_settings_refuse_to_load(env, named):
    result = _load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr
    assert "loaded" not in result.stdout


def test_good_billing_settings_load():
    result = _load_settings(
        CREDIT_PRICES=json.dumps({"720x1280": 3}), RIGHTS_DEFAULT_SHARE_PERCENT="100"
    )
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout


@pytest.mark.django_db
def test_the_system_check_catches_values_set_after_loading(settings):
    from django.core.checks import run_checks

    settings.CREDIT_PRICES = {"720x1280": -2}
    errors = [e for e in run_checks() if e.id == "cutaway.E020"]
    assert len(errors) == 1
    assert "CREDIT_PRICES['720x1280']" in errors[0].msg
    settings.CREDIT_PRICES = {"720x1280": 2}
    assert not [e for e in run_checks() if e.id == "cutaway.E020"]

"""C2PA_* settings are checked by `manage.py check --deploy` and at a generation worker's
init (not by migrate or makemigrations, which sign nothing): a missing, unreadable or
mismatched certificate or key fails there with a message naming the setting, not at the
first publish."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from generation.c2pa_test_chain import write_test_chain

pytestmark = pytest.mark.django_db  # some of Django's own checks query the database
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def chain(tmp_path):
    return write_test_chain(tmp_path / "chain")


def _fails_naming(setting):
    return pytest.raises(SystemCheckError, match=rf"cutaway\.E004\) {setting}:")


def test_the_suites_test_chain_passes_the_check():
    call_command("check", deploy=True)


def test_missing_certificate_fails_naming_c2pa_cert(settings):
    settings.C2PA_CERT = ""
    with _fails_naming("C2PA_CERT"):
        call_command("check", deploy=True)


def test_missing_key_file_fails_naming_c2pa_key(settings, tmp_path):
    settings.C2PA_KEY = str(tmp_path / "nowhere.key")
    with _fails_naming("C2PA_KEY"):
        call_command("check", deploy=True)


def test_a_key_of_another_chain_fails_naming_c2pa_key(settings, chain):
    settings.C2PA_KEY = str(chain.key)  # the suite's C2PA_CERT stays: a mismatched pair
    with pytest.raises(SystemCheckError, match="C2PA_KEY: does not match"):
        call_command("check", deploy=True)


def test_a_certificate_that_is_not_pem_fails_naming_c2pa_cert(settings, tmp_path):
    bad = tmp_path / "cert.pem"
    bad.write_text("not a certificate")
    settings.C2PA_CERT = str(bad)
    with _fails_naming("C2PA_CERT"):
        call_command("check", deploy=True)


def test_a_certificate_c2pa_refuses_fails_naming_c2pa_cert(settings, chain):
    # The root CA with its own key: the pair matches, but a CA certificate may not sign
    # manifests (c2pa-rs's certificate profile), which only a real signing attempt shows.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from generation import c2pa_test_chain

    key = ec.generate_private_key(ec.SECP256R1())
    ca = c2pa_test_chain._certificate("Self-signed CA", key, issuer=None, ca=True)
    cert, key_file = chain.cert.parent / "ca.pem", chain.cert.parent / "ca.key"
    cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.C2PA_CERT, settings.C2PA_KEY = str(cert), str(key_file)
    with pytest.raises(SystemCheckError, match="C2PA_CERT: c2pa could not sign"):
        call_command("check", deploy=True)


@pytest.mark.parametrize(
    ("name", "value"), [("C2PA_ALG", "md5"), ("C2PA_TSA_URL", "ftp://tsa.example")]
)
def test_bad_algorithm_or_timestamp_url_fails_naming_it(settings, name, value):
    setattr(settings, name, value)
    with _fails_naming(name):
        call_command("check", deploy=True)


def test_a_generation_worker_refuses_to_start_without_a_certificate(settings):
    from config.celery import check_c2pa_signing

    settings.C2PA_CERT = ""
    with pytest.raises(SystemExit, match="cutaway worker not started: C2PA_CERT: not set"):
        check_c2pa_signing()


def test_boot_fails_with_a_mismatched_key_and_the_generated_chain_boots(tmp_path):
    """The real start-up: `manage.py check` in a fresh process, as migrate/runserver run it."""
    out = tmp_path / "var-chain"
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "x" * 50,
        "CUTAWAY_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    made = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "generate_c2pa_test_chain", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert f"C2PA_CERT={out / 'signer.pem'}" in made.stdout
    assert "TEST" in made.stderr
    other = write_test_chain(tmp_path / "other")
    env.update(C2PA_CERT=str(out / "signer.pem"), C2PA_KEY=str(other.key))
    check = [sys.executable, "manage.py", "check", "--deploy"]
    bad = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    assert bad.returncode != 0
    assert "C2PA_KEY: does not match" in bad.stderr
    env["C2PA_KEY"] = str(out / "signer.key")
    good = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    assert good.returncode == 0, good.stderr


def test_trust_anchors_that_did_not_issue_the_certificate_fail_at_boot(settings, chain):
    settings.C2PA_TRUST_ANCHORS = str(chain.root)  # another chain's root
    with pytest.raises(SystemCheckError, match="C2PA_TRUST_ANCHORS: the C2PA_CERT chain"):
        call_command("check", deploy=True)


def test_trust_anchors_that_are_not_pem_fail_naming_them(settings, tmp_path):
    bad = tmp_path / "roots.pem"
    bad.write_text("nope")
    settings.C2PA_TRUST_ANCHORS = str(bad)
    with _fails_naming("C2PA_TRUST_ANCHORS"):
        call_command("check", deploy=True)


def test_maintenance_commands_do_not_need_a_certificate(tmp_path):
    """migrate, makemigrations and a benchmark's seed sign nothing: the plain check passes
    without C2PA_CERT, and only `check --deploy` (and a generation worker) insist on it."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "x" * 50,
        "CUTAWAY_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True}
    plain = subprocess.run([sys.executable, "manage.py", "check"], **run)  # noqa: S603
    assert plain.returncode == 0, plain.stderr
    deploy = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], **run)  # noqa: S603
    assert deploy.returncode != 0
    assert "cutaway.E004) C2PA_CERT: not set" in deploy.stderr

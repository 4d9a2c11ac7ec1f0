"""System checks over the project's settings, run by `manage.py check`, runserver and migrate.

Hook settings name code by dotted path (DESIGN.md, "Layout"): a lower app asks a higher one
through them. They are imported lazily, at the first job, so without this check a typo in
an environment variable would surface as a 500 on the first request instead of at boot.
"""

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

# Settings holding one dotted path, and settings holding a list of them.
HOOK_SETTINGS = ("GENERATION_REMIX_RESOLVER", "BILLING_RIGHTS_RESOLVER")
HOOK_LIST_SETTINGS = (
    "GENERATION_PROMPT_CHECKS",
    "GENERATION_OUTPUT_CHECKS",
    "GENERATION_TRANSCRIBERS",
    "ACCOUNT_EXPORT_WRITERS",
    "CHARACTER_MEDIA_CHECKS",
)


def _hook_paths():
    """(setting name, dotted path) for every hook the settings name."""
    for name in HOOK_SETTINGS:
        yield name, getattr(settings, name)
    for name in HOOK_LIST_SETTINGS:
        for path in getattr(settings, name):
            yield name, path


@register()
def check_hook_paths(app_configs=None, **kwargs):
    """Every hook path imports and is callable."""
    errors = []
    for name, path in _hook_paths():
        try:
            hook = import_string(path)
        except ImportError as error:
            errors.append(Error(f"{name}: cannot import {path!r} ({error}).", id="cutaway.E001"))
            continue
        if not callable(hook):
            errors.append(Error(f"{name}: {path!r} is not callable.", id="cutaway.E002"))
    return errors


@register()
def check_generation_provider(app_configs=None, **kwargs):
    """GENERATION_PROVIDER names a known provider (its SDK is not imported here)."""
    from generation.providers import PROVIDERS

    if settings.GENERATION_PROVIDER in PROVIDERS:
        return []
    known = ", ".join(sorted(PROVIDERS))
    message = f"GENERATION_PROVIDER: no provider named {settings.GENERATION_PROVIDER!r}."
    return [Error(message, hint=f"One of: {known}.", id="cutaway.E003")]


@register(deploy=True)
def check_c2pa_signing(app_configs=None, **kwargs):
    """C2PA_CERT / C2PA_KEY (and the other C2PA_* settings) sign: checked by `check --deploy`
    and at a generation worker's start (config/celery.py), so a missing or mismatched
    certificate never waits for the first publish. Not on every manage.py command: migrate,
    makemigrations or a benchmark's seed sign nothing and must not need the certificate."""
    from generation.c2pa_signing import SigningConfigError, check_signing_settings

    try:
        check_signing_settings()
    except SigningConfigError as exc:
        hint = "For a local TEST chain: manage.py generate_c2pa_test_chain (make run does it)."
        return [Error(str(exc), hint=hint, id="cutaway.E004")]
    return []

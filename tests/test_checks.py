"""config/checks.py: a mistyped hook path or provider name fails `manage.py check` at boot."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

pytestmark = pytest.mark.django_db  # some of Django's own checks query the database


def test_the_shipped_settings_pass_the_checks():
    call_command("check")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"GENERATION_REMIX_RESOLVER": "feed.selectors.no_such_resolver"}, "cutaway.E001"),
        ({"GENERATION_PROMPT_CHECKS": ["moderation.policy.check_promt"]}, "cutaway.E001"),
        ({"GENERATION_OUTPUT_CHECKS": ["no_such_app.policy.check"]}, "cutaway.E001"),
        ({"GENERATION_REMIX_RESOLVER": "generation.providers.PROVIDERS"}, "cutaway.E002"),
        ({"GENERATION_PROVIDER": "sora"}, "cutaway.E003"),
    ],
)
def test_a_mistyped_hook_fails_the_check(overrides, expected):
    with override_settings(**overrides), pytest.raises(SystemCheckError, match=expected):
        call_command("check")

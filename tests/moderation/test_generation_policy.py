"""moderation's prompt policy as generation runs it: a blocked prompt never becomes a render."""

import pytest

from generation.models import GenerationJob
from moderation.models import BlockedTerm, ProtectedEntity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _moderation_checks(settings):
    settings.GENERATION_PROMPT_CHECKS = ["moderation.policy.check_prompt"]


def _create(client, prompt, key):
    return client.post(
        "/api/v1/generations", {"prompt": prompt, "seconds": 4}, HTTP_IDEMPOTENCY_KEY=key
    )


def test_blocked_term_blocks_the_job_with_a_readable_reason(auth_client, user):
    BlockedTerm.objects.create(pattern="bomb", reason="weapons and explosives")
    response = _create(auth_client(user), "a b0mb goes off in a market", "k1")
    assert response.status_code in (201, 202), response.content
    job = GenerationJob.objects.get(user=user)
    assert job.status == "blocked"
    assert job.error_code == "blocked_term"
    assert job.policy["prompt"]["decision"] == "block"
    assert "weapons and explosives" in job.policy["prompt"]["reason"]


def test_protected_character_without_opt_in_blocks_the_job(auth_client, user):
    ProtectedEntity.objects.create(name="Captain Marvelous", kind="character", aliases=["Cap M"])
    _create(auth_client(user), "Cap M saves a kitten", "k2")
    job = GenerationJob.objects.get(user=user)
    assert job.status == "blocked" and job.error_code == "protected_likeness"

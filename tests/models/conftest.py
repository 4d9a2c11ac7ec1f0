import pytest

from tests.models.tiny_models import save_tiny


@pytest.fixture(scope="session")
def tiny_folders(tmp_path_factory):
    """The three tiny pipelines, saved once per session (each well under 1 MB)."""
    root = tmp_path_factory.mktemp("tiny-models")
    return {name: save_tiny(name, root / name) for name in ("ltx2", "wan", "wan_i2v")}


@pytest.fixture(autouse=True)
def _no_policy(settings):
    """No moderation checks plugged in (the policy has its own tests)."""
    from generation import policy

    settings.GENERATION_PROMPT_CHECKS = []
    settings.GENERATION_OUTPUT_CHECKS = []
    policy.reset_check_cache()
    yield
    policy.reset_check_cache()

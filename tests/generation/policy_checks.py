"""Prompt/output checks plugged into GENERATION_*_CHECKS by tests (moderation's are tested in
tests/moderation)."""

from generation.policy import BLOCK, HOLD, PolicyVerdict


def block_word_dragon(*, user, prompt, cameos):
    if "dragon" in prompt.lower():
        return PolicyVerdict(BLOCK, "blocked_term", "Dragons are not allowed here.", "test")
    return None


def hold_word_storm(*, user, prompt, cameos):
    if "storm" in prompt.lower():
        return PolicyVerdict(HOLD, "needs_review", "Storms are reviewed by a person.", "test")
    return None


def block_every_output(*, job, video_path):
    return PolicyVerdict(BLOCK, "unsafe_output", "The output failed review.", "test")


def block_dialogue_only(*, user, prompt, cameos):
    """Refuses a text that is exactly a spoken line (what a planned shot's dialogue is)."""
    if prompt.strip() == "Here be dragons":
        return PolicyVerdict(BLOCK, "blocked_term", "No dragons in dialogue.", "test")
    return None

"""Prompt and output policy (moderation.policy), called as generation calls it."""

from datetime import date

import pytest

from generation.policy import BLOCK, HOLD, run_output_checks, run_prompt_checks
from moderation import policy
from moderation.models import BlockedConcept, BlockedFrameHash, BlockedTerm, ProtectedEntity
from tests.moderation.conftest import write_mp4

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _moderation_checks(settings):
    settings.GENERATION_PROMPT_CHECKS = ["moderation.policy.check_prompt"]
    settings.GENERATION_OUTPUT_CHECKS = ["moderation.policy.check_output"]


@pytest.fixture
def lexical_only(settings):
    """Force the documented fallback even where the `semantic` extra is installed."""
    settings.MODERATION_SEMANTIC_MODEL = False
    policy._embedding_model.cache_clear()
    yield
    policy._embedding_model.cache_clear()


class FakeCameo:
    def __init__(self, owner, instructions):
        self.owner = owner
        self.instructions = instructions


def check(user, prompt, cameos=()):
    return run_prompt_checks(user=user, prompt=prompt, cameos=list(cameos))


# --- blocked terms -------------------------------------------------------------------------


def test_clean_prompt_is_allowed(user):
    BlockedTerm.objects.create(pattern="bomb", reason="weapons")
    assert check(user, "a lighthouse at dusk, waves crashing").decision == "allow"


def test_blocked_term_blocks_with_readable_reason(user):
    BlockedTerm.objects.create(pattern="bomb", reason="weapons and explosives")
    verdict = check(user, "A man builds a BOMB in his garage")
    assert verdict.decision == BLOCK
    assert verdict.code == "blocked_term"
    assert "weapons and explosives" in verdict.reason


@pytest.mark.parametrize(
    "prompt", ["how to make a b0mb", "b.o.m.b in a backpack", "a bómb scene", "B O M B!"]
)
def test_blocked_term_survives_leetspeak_accents_and_spacing(user, prompt):
    BlockedTerm.objects.create(pattern="bomb", reason="weapons")
    assert check(user, prompt).decision == BLOCK


def test_blocked_term_matches_whole_words_only(user):
    BlockedTerm.objects.create(pattern="bomb", reason="weapons")
    assert check(user, "a bombastic speech at a gala").decision == "allow"


def test_inactive_term_is_ignored(user):
    BlockedTerm.objects.create(pattern="bomb", reason="weapons", active=False)
    assert check(user, "a bomb").decision == "allow"


def test_regex_term(user):
    BlockedTerm.objects.create(
        pattern=r"\bkill(ing|ed)?\s+(him|her|them)\b", is_regex=True, reason="violence"
    )
    assert check(user, "a knight killing them all").decision == BLOCK
    assert check(user, "a kilted piper on a hill").decision == "allow"


def test_invalid_regex_is_refused_by_the_admin_form():
    from django.core.exceptions import ValidationError

    term = BlockedTerm(pattern="(unclosed", is_regex=True, reason="x")
    with pytest.raises(ValidationError):
        term.full_clean()


def test_hold_term_holds_adults_and_blocks_minors(make_user):
    BlockedTerm.objects.create(pattern="scary clown", reason="horror", decision="hold")
    adult = make_user("adult", birth_date=date(1990, 1, 1))
    teen = make_user("teen", birth_date=date.today().replace(year=date.today().year - 15))
    assert check(adult, "a scary clown in the rain").decision == HOLD
    teen_verdict = check(teen, "a scary clown in the rain")
    assert teen_verdict.decision == BLOCK
    assert "under 18" in teen_verdict.reason


# --- protected entities --------------------------------------------------------------------


def test_protected_character_blocked_by_alias(user):
    ProtectedEntity.objects.create(
        name="Captain Marvelous", kind="character", aliases=["Cap M", "the Marvelous One"]
    )
    verdict = check(user, "cap m flies over the city")
    assert verdict.decision == BLOCK
    assert verdict.code == "protected_likeness"
    assert "Captain Marvelous" in verdict.reason


def test_public_figure_blocked_by_name_case_and_accents(user):
    ProtectedEntity.objects.create(name="Zoë Quantum", kind="public_figure")
    assert check(user, "ZOE QUANTUM dancing").decision == BLOCK


def test_opted_in_entity_is_allowed_for_everyone(user):
    ProtectedEntity.objects.create(name="Fizzy Cola", kind="brand", opted_in=True)
    assert check(user, "a can of fizzy cola on a beach").decision == "allow"


def test_opt_in_for_named_users_only(user, other_user):
    entity = ProtectedEntity.objects.create(name="Fizzy Cola", kind="brand", opted_in=True)
    entity.allowed_users.add(user)
    assert check(user, "a can of fizzy cola").decision == "allow"
    verdict = check(other_user, "a can of fizzy cola")
    assert verdict.decision == BLOCK
    assert "named users" in verdict.reason


# --- semantic check (fallback path) --------------------------------------------------------


def test_fallback_is_lexical_when_model_not_available(lexical_only):
    assert policy.semantic_backend() == "lexical"


def test_paraphrase_caught_by_lexical_fallback(user, lexical_only):
    BlockedConcept.objects.create(
        description="a person being hurt badly",
        examples=["someone gets beaten up"],
        reason="graphic violence",
    )
    verdict = check(user, "Badly hurting a person in an alley")
    assert verdict.decision == BLOCK
    assert verdict.code == "blocked_concept"
    assert verdict.check == "semantic:lexical"
    assert check(user, "a golden retriever chasing a frisbee").decision == "allow"


def test_paraphrase_in_one_sentence_of_a_longer_prompt(user, lexical_only):
    BlockedConcept.objects.create(description="a person being hurt badly", reason="violence")
    prompt = "Sunrise over the harbour. Then a person getting hurt badly. The end credits roll."
    assert check(user, prompt).decision == BLOCK


def test_near_paraphrase_is_held_and_blocked_for_minors(make_user, lexical_only):
    BlockedConcept.objects.create(description="a person being hurt badly", reason="violence")
    adult = make_user("adult2", birth_date=date(1990, 1, 1))
    teen = make_user("teen2", birth_date=date.today().replace(year=date.today().year - 14))
    prompt = "a hurt person on the ground"
    score = max(policy.lexical_similarity(prompt, "a person being hurt badly"), 0)
    assert policy.LEXICAL_THRESHOLDS["hold"] <= score < policy.LEXICAL_THRESHOLDS["block"]
    assert check(adult, prompt).decision == HOLD
    assert check(teen, prompt).decision == BLOCK


def test_lexical_similarity_is_symmetric_and_bounded():
    assert policy.lexical_similarity("a b c", "a b c") == 1.0
    assert policy.lexical_similarity("cat", "") == 0.0
    assert policy.lexical_similarity("hurting people", "people hurting") == pytest.approx(
        policy.lexical_similarity("people hurting", "hurting people")
    )


# --- cameo instructions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instructions", "prompt"),
    [
        ("No violence please.", "@alice gets into a fist fight and punches a guard"),
        ("Never shown smoking", "@alice smokes a cigarette on a balcony"),
        ("Don't put me in ads.", "@alice in a commercial for sneakers"),
        ("Happy to be silly; no swearing or drinking", "@alice drinks beer at a party"),
    ],
)
def test_prompt_contradicting_cameo_instructions_is_refused(user, instructions, prompt):
    verdict = check(user, prompt, [FakeCameo(user, instructions)])
    assert verdict.decision == BLOCK
    assert verdict.code == "cameo_instructions"
    assert "@alice" in verdict.reason


def test_prompt_respecting_cameo_instructions_is_allowed(user):
    cameo = FakeCameo(user, "No violence. Never shown smoking. Don't put me in ads.")
    assert check(user, "@alice waters tomatoes in a sunny garden", [cameo]).decision == "allow"


def test_cameo_without_instructions_is_fine(user):
    assert check(user, "@alice fights a dragon", [FakeCameo(user, "")]).decision == "allow"


def test_real_cameo_instructions_are_read(user, other_user):
    from accounts.models import Cameo

    cameo = Cameo.objects.create(
        owner=other_user, status="active", instructions="no violence", source_clip="c.mp4"
    )
    assert check(user, "@bob shoots a gun", [cameo]).code == "cameo_instructions"


# --- output checks -------------------------------------------------------------------------


class FakeJob:
    seconds = 8


def test_ordinary_clip_passes_output_checks(tmp_path):
    path = write_mp4(tmp_path / "ok.mp4")
    assert run_output_checks(job=FakeJob(), video_path=path).decision == "allow"


def test_blank_clip_is_held(tmp_path):
    path = write_mp4(tmp_path / "blank.mp4", blank=True)
    verdict = run_output_checks(job=FakeJob(), video_path=path)
    assert verdict.decision == HOLD
    assert verdict.code == "blank_output"


def test_frame_matching_a_blocked_hash_is_blocked(tmp_path):
    bad = write_mp4(tmp_path / "bad.mp4", pattern_seed=7)
    frame = policy.sample_frames(bad)[3]
    BlockedFrameHash.objects.create(hash=policy.frame_hash(frame), reason="known abuse frame")
    verdict = run_output_checks(job=FakeJob(), video_path=bad)
    assert verdict.decision == BLOCK
    assert verdict.code == "blocked_frame"
    other = write_mp4(tmp_path / "other.mp4", pattern_seed=99)
    assert run_output_checks(job=FakeJob(), video_path=other).decision == "allow"


def test_too_long_clip_is_blocked(tmp_path):
    path = write_mp4(tmp_path / "long.mp4", frames=24 * 4)

    class ShortJob:
        seconds = 1

    assert run_output_checks(job=ShortJob(), video_path=path).code == "output_invalid"


def test_oversized_file_is_blocked(tmp_path, settings):
    settings.MODERATION_OUTPUT_MAX_BYTES = 1000
    path = write_mp4(tmp_path / "big.mp4")
    assert run_output_checks(job=FakeJob(), video_path=path).code == "output_too_large"


def test_garbage_file_is_blocked(tmp_path):
    path = tmp_path / "junk.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"junk" * 100)
    assert run_output_checks(job=FakeJob(), video_path=path).decision == BLOCK


def test_frame_hash_of_uploaded_image_matches_video_frame_hash():
    import numpy as np
    from PIL import Image

    gray = (np.arange(160 * 160) % 251).reshape(160, 160).astype(np.uint8)
    assert policy.frame_hash(gray) == policy.frame_hash(Image.fromarray(gray))
    assert policy.hamming(policy.frame_hash(gray), policy.frame_hash(gray)) == 0


class HashingEmbedder:
    """A tiny deterministic stand-in for the MiniLM model (bag of hashed word stems, unit
    length), to exercise the embedding code path where the `semantic` extra is not installed."""

    def encode(self, texts, normalize_embeddings=True, convert_to_numpy=True):
        import zlib

        import numpy as np

        vectors = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for stem in policy._stems(text):
                vectors[row, zlib.crc32(stem.encode()) % 64] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


def test_embedding_path_scores_paraphrases_by_cosine(user, monkeypatch):
    monkeypatch.setattr(policy, "_embedding_model", lambda: HashingEmbedder())
    BlockedConcept.objects.create(description="a person being hurt badly", reason="violence")
    assert policy.semantic_backend() == "embedding"
    verdict = check(user, "badly hurting a person")
    assert verdict.decision == BLOCK and verdict.check == "semantic:embedding"
    assert check(user, "a golden retriever chasing a frisbee").decision == "allow"

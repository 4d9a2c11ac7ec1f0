"""The PDQ / vPDQ blocklist (issue 20): a known-bad clip is still caught after the copies
people make to evade a file hash — re-encoded at another CRF, scaled from 720p to 480p,
trimmed, or pasted inside a longer video — while unrelated clips from the same renderer pass.
Every clip here is a real MP4: the local renderer's output, copied with PyAV."""

import pytest

from generation.policy import ALLOW, BLOCK, HOLD, run_output_checks
from moderation import perceptual
from moderation.models import BlockedClip, BlockedPdqHash, HashMatch
from tests.moderation import perceptual_clips as clips

pytestmark = pytest.mark.django_db

BAD_PROMPT = "A red fox runs through a snowy forest, then jumps over a frozen stream."
OTHER_PROMPTS = [
    "A city street at night with neon lights and rain, a car drives past.",
    "Sunrise over the ocean, waves crash on the beach, a surfer paddles out.",
]


class Job:
    """What the output check reads of a job (no row: nothing to record)."""

    seconds = 14


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The bad clip at 720x1280, its evasive copies and two unrelated renders."""
    folder = tmp_path_factory.mktemp("perceptual")
    bad = clips.render(folder / "bad.mp4", BAD_PROMPT, seed=1)
    others = [
        clips.render(folder / f"other{i}.mp4", prompt, seed=5 + i)
        for i, prompt in enumerate(OTHER_PROMPTS)
    ]
    return {
        "bad": bad,
        "others": others,
        "crf": clips.copy([(bad, 0)], folder / "crf40.mp4", crf=40),
        "480p": clips.copy([(bad, 0)], folder / "480p.mp4", size=(480, 854)),
        "trimmed": clips.copy([(bad, 2.0)], folder / "trimmed.mp4"),
        "inside": clips.copy([(others[0], 0), (bad, 0)], folder / "inside.mp4"),
    }


def block(path, **fields) -> BlockedClip:
    features = perceptual.video_features(path)
    return BlockedClip.objects.create(
        reason=fields.pop("reason", "known abuse clip"),
        features=[f.as_list() for f in features],
        **fields,
    )


@pytest.mark.parametrize("copy", ["crf", "480p", "trimmed", "inside"])
def test_evasive_copy_of_a_blocked_clip_is_blocked(made, copy):
    clip = block(made["bad"])
    verdict = run_output_checks(job=Job(), video_path=made[copy])
    assert verdict.decision == BLOCK
    assert (verdict.code, verdict.check) == ("blocked_clip", "vpdq")
    assert "known abuse clip" in verdict.reason
    [match] = perceptual.find_matches(perceptual.video_features(made[copy]))
    assert match.entry_id == clip.pk


def test_match_percentages_are_vpdqs_query_and_compared_shares(made):
    block(made["bad"])
    [trimmed] = perceptual.find_matches(perceptual.video_features(made["trimmed"]))
    # Every frame of the trimmed copy is in the clip; the clip's first seconds are not in it,
    # so the copy matches on the query share alone.
    assert trimmed.query_match_percent == 100.0
    assert 50.0 <= trimmed.compared_match_percent < 80.0
    [inside] = perceptual.find_matches(perceptual.video_features(made["inside"]))
    # Inside a longer video: all of the clip is there, the video's other half is not.
    assert inside.compared_match_percent == 100.0
    assert 30.0 <= inside.query_match_percent < 80.0
    [scaled] = perceptual.find_matches(perceptual.video_features(made["480p"]))
    assert scaled.distance <= 31 and scaled.query_match_percent == 100.0


def test_unrelated_clips_from_the_same_renderer_pass(made):
    block(made["bad"])
    for other in made["others"]:
        assert perceptual.find_matches(perceptual.video_features(other)) == []
        assert run_output_checks(job=Job(), video_path=other).decision == ALLOW


def test_the_bad_clips_own_frames_are_far_from_unrelated_ones(made):
    """The margin behind the default distance of 31: re-encodes stay within a few bits,
    unrelated renders are ~100 bits away."""
    bad = perceptual.hash_matrix([f.hex for f in perceptual.video_features(made["bad"])])
    for name, limit in (("crf", 12), ("480p", 12)):
        copy = perceptual.hash_matrix([f.hex for f in perceptual.video_features(made[name])])
        assert perceptual.distances(copy, bad).min(axis=1).max() <= limit
    for other in made["others"]:
        far = perceptual.hash_matrix([f.hex for f in perceptual.video_features(other)])
        assert perceptual.distances(far, bad).min() > 70


def test_a_hold_entry_holds_instead_of_blocking(made):
    block(made["bad"], decision="hold", reason="possible copyright")
    verdict = run_output_checks(job=Job(), video_path=made["crf"])
    assert verdict.decision == HOLD
    assert verdict.code == "blocked_clip"


def test_a_blocked_pdq_frame_from_an_image_catches_the_scaled_copy(made):
    from PIL import Image

    picture = Image.fromarray(clips.frame_at(made["bad"], 3.0))
    digest, quality = perceptual.image_pdq(picture)
    assert quality >= 50
    frame = BlockedPdqHash.objects.create(hash=digest, quality=quality, reason="abuse frame")
    verdict = run_output_checks(job=Job(), video_path=made["480p"])
    assert (verdict.decision, verdict.code, verdict.check) == (BLOCK, "blocked_frame", "pdq")
    [match] = perceptual.find_matches(perceptual.video_features(made["480p"]))
    assert (match.kind, match.entry_id) == ("frame", frame.pk)
    for other in made["others"]:
        assert run_output_checks(job=Job(), video_path=other).decision == ALLOW


def test_image_pdq_agrees_with_vpdq_on_the_same_frame(made):
    from PIL import Image

    first = perceptual.video_features(made["bad"])[0]
    digest, _ = perceptual.image_pdq(Image.fromarray(clips.frame_at(made["bad"], 0.0)))
    pair = perceptual.hash_matrix([digest]), perceptual.hash_matrix([first.hex])
    assert perceptual.distances(*pair).item() <= 2


def test_featureless_frames_never_match(tmp_path):
    """A flat frame (PDQ quality under 50) says nothing about content: it is not compared."""
    from tests.moderation.conftest import write_mp4

    blank = write_mp4(tmp_path / "blank.mp4", blank=True)
    features = perceptual.video_features(blank)
    assert features and all(f.quality < 50 for f in features)
    BlockedClip.objects.create(reason="blank", features=[f.as_list() for f in features])
    assert perceptual.find_matches(features) == []


def test_the_blocklist_is_read_once_per_check_however_long(made, django_assert_num_queries):
    features = perceptual.video_features(made["others"][0])
    block(made["bad"])
    with django_assert_num_queries(2):
        perceptual.find_matches(features)
    stored = BlockedClip.objects.get().features
    BlockedClip.objects.bulk_create(
        [BlockedClip(reason=f"clip {n}", features=stored) for n in range(40)]
    )
    BlockedPdqHash.objects.bulk_create(
        [BlockedPdqHash(hash=f"{n:064x}", reason="frame") for n in range(40)]
    )
    with django_assert_num_queries(2):
        assert perceptual.find_matches(features) == []
    assert len(perceptual.find_matches(perceptual.video_features(made["crf"]))) == 41


def test_a_jobs_match_is_kept_as_evidence(made, make_user):
    from tests.factories import JobFactory

    clip = block(made["bad"])
    job = JobFactory(user=make_user("ann"), seconds=14)
    assert run_output_checks(job=job, video_path=made["trimmed"]).decision == BLOCK
    match = HashMatch.objects.get(job=job)
    assert match.clip_id == clip.pk and match.frame_id is None
    assert match.query_match_percent == 100.0
    assert match.distance <= 31
    run_output_checks(job=job, video_path=made["trimmed"])  # a retried attempt
    assert HashMatch.objects.filter(job=job).count() == 1

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generation.storyboard import (
    CAMERA_MOVES,
    InvalidStoryboard,
    plan_storyboard,
    validate_storyboard,
)

SHOT_KEYS = {"index", "seconds", "camera", "subject", "action", "dialogue", "caption"}


def test_explicit_shot_list_is_honoured():
    text = (
        "Shot 1: Close-up of a barista pouring latte art.\n"
        "SHOT 2 - Aerial view of the city at sunset\n"
        "Shot 3: the barista smiles"
    )
    shots = plan_storyboard(text, 8)
    assert [s["index"] for s in shots] == [1, 2, 3]
    assert [s["camera"] for s in shots[:2]] == ["push_in", "tilt_down"]
    assert shots[0]["subject"] == "barista"
    assert shots[0]["action"] == "pouring latte art"
    assert shots[1]["subject"] == "city"


def test_shot_markers_on_one_line_are_split():
    shots = plan_storyboard("Shot 1: a cat sleeps. Shot 2: a dog barks.", 6)
    assert [s["subject"] for s in shots] == ["cat", "dog"]


def test_numbered_list_keeps_every_shot_even_when_short():
    text = "1. A cat sleeps\n2. A dog barks\n3. Zoom out to the whole street"
    shots = plan_storyboard(text, 4)
    assert len(shots) == 3
    assert shots[2]["camera"] == "zoom_out"
    assert sum(s["seconds"] for s in shots) == pytest.approx(4)


def test_pasted_script_uses_scene_headings_and_dialogue():
    script = (
        "INT. KITCHEN - DAY\n"
        "Maya chops onions at the counter.\n"
        'MAYA: "Where is everyone?"\n'
        "\n"
        "EXT. GARDEN - NIGHT\n"
        "Tom looks up at the stars.\n"
        "TOM\n"
        "Over here!\n"
    )
    shots = plan_storyboard(script, 10)
    assert len(shots) == 2
    assert shots[0]["subject"] == "Maya"
    assert shots[0]["dialogue"] == "Where is everyone?"
    assert "kitchen" in shots[0]["notes"]
    assert shots[1]["dialogue"] == "Over here!"
    assert shots[1]["camera"] == "tilt_up"


def test_dialogue_only_script_is_one_shot_per_line():
    shots = plan_storyboard('ALICE: Hi there.\nBOB: "Hello!"\nALICE: Nice day.', 6)
    assert [(s["subject"], s["dialogue"]) for s in shots] == [
        ("Alice", "Hi there."),
        ("Bob", "Hello!"),
        ("Alice", "Nice day."),
    ]


def test_sentence_is_split_into_beats_on_then():
    text = "A red fox runs through a snowy forest, then leaps over a frozen stream"
    shots = plan_storyboard(text, 8)
    assert len(shots) == 2
    assert shots[1]["subject"] == "red fox"  # carried over from the previous beat
    assert shots[1]["action"] == "leaps over a frozen stream"


def test_single_long_sentence_gets_establishing_and_closer_shot():
    shots = plan_storyboard("A lighthouse on a cliff at sunset", 10)
    assert [s["camera"] for s in shots] == ["zoom_out", "push_in"]


def test_free_text_is_capped_at_six_shots():
    text = " ".join(f"Beat number {i} happens here." for i in range(10))
    shots = plan_storyboard(text, 25)
    assert len(shots) == 6
    described = " ".join(s["subject"] + " " + s["action"] for s in shots)
    assert all(f"number {i} happens" in described for i in range(10))  # merged, never dropped


def test_camera_cues():
    cases = {
        "a close-up of an eye": "push_in",
        "a drone shot of mountains": "tilt_down",
        "a slow zoom on a flower": "zoom_in",
        "the camera pulls back to reveal a crowd": "zoom_out",
        "a static shot of a door": "static",
        "pan left across the desert": "pan_left",
    }
    for text, camera in cases.items():
        assert plan_storyboard(text, 4)[0]["camera"] == camera, text
    assert plan_storyboard("a tracking shot of a runner", 4)[0]["camera"] in {
        "pan_left",
        "pan_right",
    }


def test_cameo_instructions_become_constraints_on_every_shot():
    shots = plan_storyboard(
        "A dog runs. A cat sleeps.", 6, cameo_instructions=["Keep @maya in a red coat"]
    )
    for shot in shots:
        assert shot["constraints"] == ["Keep @maya in a red coat"]
        assert "Keep @maya in a red coat" in shot["notes"]
        assert "Keep @maya" not in shot["caption"]  # instructions are never drawn on screen


@pytest.mark.parametrize("seconds", [3, 26, 0, "10", True])
def test_out_of_range_seconds_are_refused(seconds):
    with pytest.raises(InvalidStoryboard):
        plan_storyboard("a dog", seconds)


def test_empty_text_is_refused():
    with pytest.raises(InvalidStoryboard):
        plan_storyboard("   ", 5)


prompts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=400
).filter(lambda t: t.replace("\x00", "").strip())


@settings(max_examples=150, deadline=None)
@given(text=prompts, seconds=st.integers(4, 25), seed=st.integers(0, 2**32))
def test_plan_is_deterministic_and_sums_exactly(text, seconds, seed):
    first = plan_storyboard(text, seconds, seed=seed)
    assert first == plan_storyboard(text, seconds, seed=seed)
    assert 1 <= len(first) <= 12
    assert round(sum(s["seconds"] for s in first), 6) == seconds
    assert all(s["seconds"] > 0 for s in first)
    for shot in first:
        assert set(shot) >= SHOT_KEYS
        assert shot["camera"] in CAMERA_MOVES
    # A planned storyboard is always a valid user storyboard.
    assert len(validate_storyboard(first, seconds)) == len(first)


@settings(max_examples=100, deadline=None)
@given(
    sentences=st.lists(
        st.sampled_from(["A dog runs.", "Rain falls.", "A door opens."]), min_size=1, max_size=10
    ),
    seconds=st.floats(4, 25).map(lambda s: round(s, 2)),
)
def test_free_text_shots_respect_the_minimum_length(sentences, seconds):
    shots = plan_storyboard(" ".join(sentences), seconds)
    assert len(shots) <= 6
    assert all(s["seconds"] >= 1.5 for s in shots)
    assert sum(s["seconds"] for s in shots) == pytest.approx(seconds, abs=1e-9)


def good_shot(**overrides):
    shot = {"seconds": 2, "camera": "static", "subject": "a dog", "action": "runs"}
    shot.update(overrides)
    return shot


def test_valid_user_storyboard_is_normalised():
    shots = validate_storyboard([good_shot(), good_shot(seconds=2.5, camera="pan_left")], 4.5)
    assert [s["index"] for s in shots] == [1, 2]
    assert shots[0]["dialogue"] == ""
    assert shots[0]["caption"]
    assert shots[1]["camera"] == "pan_left"


@pytest.mark.parametrize(
    ("shots", "seconds", "fragment"),
    [
        ([], 4, "1 to 12"),
        ("nope", 4, "1 to 12"),
        ([good_shot()] * 13, 26, "1 to 12"),
        ([good_shot(), "x"], 4, "shot 2: must be an object"),
        ([good_shot(), {"seconds": 2, "camera": "static", "subject": "x"}], 4, "shot 2: action"),
        ([good_shot(camera="spin")], 2, "shot 1: camera"),
        ([good_shot(seconds="2")], 2, "shot 1: seconds"),
        ([good_shot(seconds=True)], 1, "shot 1: seconds"),
        ([good_shot(seconds=0)], 0.0001, "shot 1: seconds"),
        ([good_shot(seconds=float("nan"))], 2, "shot 1: seconds"),
        ([good_shot(subject=5)], 2, "shot 1: subject"),
        ([good_shot(action="x" * 501)], 2, "shot 1: action"),
        ([good_shot(dialogue="a\x00b")], 2, "shot 1: dialogue"),
        ([good_shot(subject="", action="")], 2, "shot 1: subject or action"),
        ([good_shot(extra=1)], 2, "shot 1: unknown field 'extra'"),
        ([good_shot(constraints="x")], 2, "shot 1: constraints"),
        ([good_shot(), good_shot()], 5, "add up to 4"),
        ([good_shot()], -1, "seconds must be a positive"),
        ([good_shot()], float("nan"), "seconds must be a positive"),
        ([good_shot()], float("inf"), "seconds must be a positive"),
    ],
)
def test_invalid_user_storyboards_name_the_problem(shots, seconds, fragment):
    with pytest.raises(InvalidStoryboard) as caught:
        validate_storyboard(shots, seconds)
    assert fragment in caught.value.message


def test_sum_tolerance_is_five_hundredths():
    validate_storyboard([good_shot(seconds=2.03), good_shot(seconds=2)], 4)
    with pytest.raises(InvalidStoryboard):
        validate_storyboard([good_shot(seconds=2.1), good_shot(seconds=2)], 4)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
shot_like = st.fixed_dictionaries(
    {},
    optional={
        "seconds": json_values,
        "camera": st.sampled_from(["static", "pan_left", "spin"]) | json_values,
        "subject": json_values,
        "action": json_values,
        "dialogue": json_values,
        "caption": json_values,
        "constraints": json_values,
        "extra": json_values,
    },
)


@settings(max_examples=200, deadline=None)
@given(
    shots=st.lists(shot_like, max_size=14) | json_values,
    seconds=st.integers(-1, 30) | st.floats() | json_values,
)
def test_any_json_is_either_a_storyboard_or_invalid_storyboard(shots, seconds):
    try:
        clean = validate_storyboard(shots, seconds)
    except InvalidStoryboard as error:
        assert error.message
    else:
        assert abs(sum(s["seconds"] for s in clean) - seconds) <= 0.05


def test_importing_the_render_path_does_not_load_heavy_libraries():
    import subprocess
    import sys

    code = (
        "import sys, generation.storyboard, generation.render, generation.postprocess, "
        "media.probe, media.errors; "
        "heavy = {'av', 'numpy', 'PIL'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)

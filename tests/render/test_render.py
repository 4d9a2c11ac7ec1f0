import numpy as np
import pytest

from generation.render import SIZES, render_clip
from generation.storyboard import InvalidStoryboard, plan_storyboard
from media.probe import probe_video
from tests.render.conftest import SMALL, TWO_SHOTS, decode_audio, decode_luma


def test_clip_is_h264_aac_of_the_right_size_and_length(two_shot_clip):
    probe = probe_video(two_shot_clip)
    assert (probe.video_codec, probe.audio_codec) == ("h264", "aac")
    assert (probe.width, probe.height) == SMALL
    assert probe.duration == pytest.approx(4.0, abs=0.1)
    assert probe.frame_count == 96
    assert probe.audio_sample_rate == 48000
    assert probe.audio_channels == 2


def test_public_size_renders_a_planned_storyboard(tmp_path):
    shots = plan_storyboard("A lighthouse on a cliff at sunset. Waves crash below.", 4, seed=3)
    path = render_clip(shots, size="1280x720", seed=3, out_path=tmp_path / "wide.mp4")
    probe = probe_video(path, min_seconds=4, max_seconds=4)
    assert (probe.width, probe.height) == (1280, 720)
    assert probe.duration == pytest.approx(4.0, abs=0.1)
    assert not list(tmp_path.glob(".*partial"))


def test_same_input_gives_identical_bytes_and_seed_changes_them(two_shot_clip, render_dir):
    again = render_clip(TWO_SHOTS, seed=7, out_path=render_dir / "again.mp4", _frame_size=SMALL)
    assert again.read_bytes() == two_shot_clip.read_bytes()
    other = render_clip(TWO_SHOTS, seed=8, out_path=render_dir / "seed8.mp4", _frame_size=SMALL)
    assert other.read_bytes() != two_shot_clip.read_bytes()


def _difference(a, b) -> float:
    return float(np.mean(np.abs(a - b)))


def test_camera_move_is_visible_and_static_shot_is_still(two_shot_clip):
    frames = decode_luma(two_shot_clip)
    assert len(frames) == 96
    pan = _difference(frames[0], frames[47])
    still = _difference(frames[48], frames[95])
    assert pan > 8
    assert still < 2
    assert pan > 5 * still


def test_cut_between_shots_is_a_hard_cut_on_a_keyframe(two_shot_clip):
    import av

    frames = decode_luma(two_shot_clip)
    within = max(_difference(frames[i], frames[i + 1]) for i in range(47))
    cut = _difference(frames[47], frames[48])
    assert cut > 20
    assert cut > 3 * within
    with av.open(str(two_shot_clip)) as container:
        stream = container.streams.video[0]
        keyframes = {
            round(float(p.pts * stream.time_base) * 24)
            for p in container.demux(stream)
            if p.pts is not None and p.is_keyframe
        }
    assert {0, 48} <= keyframes


def test_every_camera_move_changes_the_picture(render_dir):
    shots = [
        {"seconds": 1, "camera": move, "subject": "a fox", "action": "in a green forest"}
        for move in ("pan_left", "zoom_in", "zoom_out", "push_in", "tilt_up", "tilt_down")
    ]
    path = render_clip(shots, seed=1, out_path=render_dir / "moves.mp4", _frame_size=SMALL)
    frames = decode_luma(path)
    for number, shot in enumerate(shots):
        first, last = frames[number * 24], frames[number * 24 + 23]
        assert _difference(first, last) > 3, shot["camera"]


def _centroid(segment, rate) -> float:
    spectrum = np.abs(np.fft.rfft(segment.mean(axis=0)))
    freqs = np.fft.rfftfreq(segment.shape[1], 1 / rate)
    return float((spectrum * freqs).sum() / spectrum.sum())


def test_each_shot_sounds_different(two_shot_clip):
    samples, rate = decode_audio(two_shot_clip)
    assert samples.shape[0] == 2
    assert samples.shape[1] == pytest.approx(4 * rate, abs=2048)
    # Skip the encoder's priming and the cut's transition hit.
    first = samples[:, int(0.3 * rate) : int(1.9 * rate)]
    second = samples[:, int(2.4 * rate) : int(3.9 * rate)]
    rms = [float(np.sqrt(np.mean(s**2))) for s in (first, second)]
    centroids = [_centroid(s, rate) for s in (first, second)]
    assert min(rms) > 0.01  # there is sound in both shots
    # Rain in the city is loud and bright; a quiet night with a voice is softer and darker.
    assert abs(rms[0] - rms[1]) / max(rms) > 0.2
    assert abs(centroids[0] - centroids[1]) > 300


def test_progress_is_reported_up_to_one(render_dir):
    seen = []
    render_clip(
        TWO_SHOTS, seed=1, out_path=render_dir / "p.mp4", _frame_size=SMALL, progress=seen.append
    )
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert len(seen) >= 3


@pytest.mark.parametrize("size", ["640x480", "720X1280", "", None])
def test_unknown_size_is_refused(size, tmp_path):
    with pytest.raises(ValueError, match="size"):
        render_clip(TWO_SHOTS, size=size, out_path=tmp_path / "x.mp4")


def test_sizes_are_openais():
    assert SIZES == ("720x1280", "1280x720", "1024x1792", "1792x1024")


@pytest.mark.parametrize("seconds", [3, 26])
def test_total_length_outside_4_to_25_seconds_is_refused(seconds, tmp_path):
    shots = [{"seconds": seconds, "camera": "static", "subject": "x", "action": "y"}]
    with pytest.raises(InvalidStoryboard):
        render_clip(shots, out_path=tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_bad_shot_is_refused_before_rendering(tmp_path):
    shots = [{"seconds": 4, "camera": "orbit", "subject": "x", "action": "y"}]
    with pytest.raises(InvalidStoryboard, match="shot 1: camera"):
        render_clip(shots, out_path=tmp_path / "x.mp4")


@pytest.mark.parametrize(
    ("shots", "fragment"),
    [
        ("not a list", "1 to 12"),
        ([["seconds", 4]], "shot 1: must be an object"),
        ([{"camera": "static", "subject": "x", "action": "y"}], "shot 1: seconds is required"),
        ([{"seconds": "4", "camera": "static", "subject": "x", "action": "y"}], "shot 1: seconds"),
    ],
)
def test_malformed_shots_are_refused_naming_the_field(shots, fragment, tmp_path):
    with pytest.raises(InvalidStoryboard, match=fragment):
        render_clip(shots, out_path=tmp_path / "x.mp4")

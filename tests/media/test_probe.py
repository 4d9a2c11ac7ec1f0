import pytest

from media.errors import InvalidMedia
from media.probe import probe_video


def probe_error(path, **options) -> str:
    with pytest.raises(InvalidMedia) as caught:
        probe_video(path, **options)
    return caught.value.code


def test_h264_aac_mp4_is_described(make_clip):
    probe = probe_video(make_clip(seconds=2, width=64, height=48))
    assert (probe.width, probe.height) == (64, 48)
    assert probe.video_codec == "h264"
    assert probe.audio_codec == "aac"
    assert probe.has_audio
    assert probe.fps == 24
    assert probe.duration == pytest.approx(2.0, abs=0.1)
    assert probe.frame_count == 48
    assert probe.as_dict()["video_codec"] == "h264"


def test_vp9_opus_webm_is_accepted(make_clip):
    path = make_clip(
        "clip.webm", video_codec="libvpx-vp9", audio_codec="libopus", container_format="webm"
    )
    probe = probe_video(path)
    assert (probe.video_codec, probe.audio_codec) == ("vp9", "opus")


def test_video_without_sound_is_refused_when_sound_is_required(make_clip):
    path = make_clip(audio=False)
    assert probe_error(path) == "no_audio"
    probe = probe_video(path, require_audio=False)
    assert not probe.has_audio
    assert probe.audio_codec is None


def test_garbage_bytes_are_not_a_video(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"this is a text file pretending to be a video\n" * 100)
    assert probe_error(path) == "not_a_video"


def test_empty_file_is_not_a_video(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    assert probe_error(path) == "not_a_video"


def test_jpeg_is_not_a_video(tmp_path):
    from PIL import Image

    path = tmp_path / "photo.mp4"
    Image.new("RGB", (32, 32), "red").save(path, format="JPEG")
    assert probe_error(path) == "not_a_video"


def test_truncated_file_is_not_a_video(make_clip, tmp_path):
    data = make_clip(seconds=2).read_bytes()
    for cut in (len(data) // 2, 64):
        path = tmp_path / f"cut{cut}.mp4"
        path.write_bytes(data[:cut])
        assert probe_error(path) == "not_a_video"


def test_truncated_file_with_index_first_is_not_a_video(make_clip, tmp_path):
    # "faststart" MP4s (phones, our renderer) still open when their end is missing.
    data = make_clip(seconds=4, faststart=True).read_bytes()
    assert probe_video(make_clip("whole.mp4", seconds=4, faststart=True)).duration > 3.9
    for fraction in (0.5, 0.8):
        path = tmp_path / f"cut{fraction}.mp4"
        path.write_bytes(data[: int(len(data) * fraction)])
        assert probe_error(path) == "not_a_video"


def test_longer_webm_passes_the_tail_check(make_clip):
    path = make_clip(
        "long.webm",
        seconds=3,
        video_codec="libvpx-vp9",
        audio_codec="libopus",
        container_format="webm",
    )
    assert probe_video(path).duration == pytest.approx(3, abs=0.1)


def test_mp4_header_with_garbage_body_is_not_a_video(make_clip, tmp_path):
    data = make_clip(seconds=1).read_bytes()
    path = tmp_path / "broken.mp4"
    path.write_bytes(data[:40] + bytes(len(data) - 40))
    assert probe_error(path) == "not_a_video"


def test_playlist_disguised_as_video_is_never_demuxed(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_text("#EXTM3U\n#EXTINF:1,\n/etc/passwd\n#EXT-X-ENDLIST\n")
    assert probe_error(path) == "not_a_video"


def test_duration_bounds(make_clip):
    path = make_clip(seconds=2)
    assert probe_error(path, max_seconds=1) == "too_long"
    assert probe_error(path, min_seconds=3) == "too_short"
    assert probe_video(path, min_seconds=2, max_seconds=2).duration == pytest.approx(2, abs=0.1)


def test_picture_size_bound(make_clip):
    path = make_clip(width=128, height=96)
    assert probe_error(path, max_width=64) == "too_large"
    assert probe_error(path, max_height=64) == "too_large"


def test_byte_size_bound(make_clip):
    path = make_clip()
    assert probe_error(path, max_bytes=100) == "too_large"


def test_codec_outside_allow_list_is_refused(make_clip):
    assert probe_error(make_clip(video_codec="mpeg4")) == "unsupported_codec"
    assert probe_error(make_clip("pcm.mkv", audio_codec="pcm_s16le")) == "unsupported_codec"


def test_error_carries_code_and_message(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(InvalidMedia) as caught:
        probe_video(path)
    assert caught.value.code == "not_a_video"
    assert caught.value.message
    assert caught.value.as_dict() == {"code": "not_a_video", "message": caught.value.message}


def test_exhausted_time_budget_is_a_timeout(make_clip):
    assert probe_error(make_clip(), timeout=1e-6) == "probe_timeout"


def test_too_many_streams_is_too_large(tmp_path):
    import av
    import numpy as np

    path = tmp_path / "many.mp4"
    with av.open(str(path), "w") as container:
        streams = []
        for _ in range(9):
            stream = container.add_stream("libx264", rate=24)
            stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
            streams.append(stream)
        frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
        for stream in streams:
            container.mux(stream.encode(frame))
            container.mux(stream.encode())
    assert probe_error(path, require_audio=False) == "too_large"

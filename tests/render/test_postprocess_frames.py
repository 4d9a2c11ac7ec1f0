"""Post-processing of frames handed over in memory (issue 21): the local renderer's frames go
straight into every rendition, watermarked, with no intermediate MP4 to decode."""

import hashlib
import json

import m3u8
import numpy as np
import pytest

from generation.postprocess import (
    postprocess_clip,
    postprocess_frames,
    read_provenance,
    watermark_label,
)
from generation.render import render_clip, render_frames
from generation.render.encoder import FrameStream
from media.errors import InvalidMedia
from media.probe import probe_video
from tests.render.conftest import SMALL, TWO_SHOTS, decode_audio, decode_luma
from tests.render.test_postprocess import PROVENANCE, _expected_error


def _raw_frames():
    """The renderer's own frames for TWO_SHOTS (never encoded), copied out of its buffer."""
    stream = render_frames(TWO_SHOTS, seed=7, _frame_size=SMALL)
    return [buffer.copy() for buffer, _ in stream.frames]


@pytest.fixture(scope="module")
def in_memory(tmp_path_factory):
    stream = render_frames(TWO_SHOTS, seed=7, _frame_size=SMALL)
    return postprocess_frames(
        stream, workdir=tmp_path_factory.mktemp("frames"), provenance=PROVENANCE
    )


def test_the_clip_has_the_same_renditions_sound_and_stills_as_the_file_path(
    in_memory, two_shot_clip, tmp_path
):
    by_file = postprocess_clip(two_shot_clip, workdir=tmp_path, provenance=PROVENANCE)
    probe = probe_video(in_memory.video_path, require_audio=True)
    assert (probe.video_codec, probe.audio_codec) == ("h264", "aac")
    assert (probe.width, probe.height) == SMALL
    assert probe.duration == pytest.approx(4.0, abs=0.1)
    assert in_memory.probe == probe.as_dict()
    assert in_memory.sha256 == hashlib.sha256(in_memory.video_path.read_bytes()).hexdigest()
    sizes = [(r.width, r.height) for r in in_memory.renditions]
    assert sizes == [(r.width, r.height) for r in by_file.renditions] == [(128, 224), (64, 112)]
    for rendition in in_memory.renditions[1:]:
        small = probe_video(rendition.video_path, require_audio=True)
        assert (small.width, small.height) == (rendition.width, rendition.height)
        assert small.duration == pytest.approx(4.0, abs=0.1)
    assert in_memory.hls_files() == by_file.hls_files()
    for path in (in_memory.thumbnail_path, in_memory.preview_path):
        assert path.read_bytes()[:2] == b"\xff\xd8"
    # The synthesised sound, encoded once: as loud as the file path's.
    ours, rate = decode_audio(in_memory.video_path)
    theirs, _ = decode_audio(by_file.video_path)
    assert rate == 48_000
    assert float(np.sqrt(np.mean(ours**2))) == pytest.approx(
        float(np.sqrt(np.mean(theirs**2))), rel=0.1
    )
    assert float(np.sqrt(np.mean(ours**2))) > 0.01


def test_hls_playlists_validate_and_segments_line_up(in_memory):
    master = m3u8.loads((in_memory.hls_dir / "master.m3u8").read_text())
    assert [p.stream_info.resolution for p in master.playlists] == [(128, 224), (64, 112)]
    durations = []
    for rendition in in_memory.renditions:
        media = m3u8.loads((in_memory.hls_dir / rendition.hls_folder / "index.m3u8").read_text())
        assert media.is_endlist and media.segment_map
        durations.append([round(s.duration, 2) for s in media.segments])
        for name in rendition.hls_files:
            assert (in_memory.hls_dir / rendition.hls_folder / name).stat().st_size > 0
    assert durations[0] == durations[1]
    assert sum(durations[0]) == pytest.approx(4.0, abs=0.1)


def test_watermark_names_the_creator_moves_and_is_one_encode_from_the_frames(
    in_memory, two_shot_clip, tmp_path
):
    """Read back against the renderer's raw frames: `@alice · Cutaway` where the watermark is
    at each instant, no other text; and the pixels are closer to the raw frames than the file
    path's, which encodes them twice."""
    label = watermark_label(PROVENANCE["user"])
    raw, marked = _raw_frames(), decode_luma(in_memory.video_path)
    assert len(marked) == len(raw) == 96
    positions = []
    for index in (10, 50, 95):
        right, position = _expected_error(
            raw[index], marked[index], label, index / 24, box_of=label
        )
        positions.append(position)
        assert right < 6, (index, right)
        for wrong in ("@alicf · Cutaway", "@mallory · Cutaway", "Cutaway"):
            error, _ = _expected_error(raw[index], marked[index], wrong, index / 24, box_of=label)
            assert error > 2 * right + 3, (index, wrong, error, right)
    assert len(set(positions)) == 3

    by_file = decode_luma(
        postprocess_clip(two_shot_clip, workdir=tmp_path, provenance=PROVENANCE).video_path
    )
    # Away from the watermark (its box differs per frame; the bottom rows are enough).
    ours = np.mean([np.abs(raw[i][: SMALL[1]][-40:] - marked[i][-40:]).mean() for i in (10, 50)])
    twice = np.mean([np.abs(raw[i][: SMALL[1]][-40:] - by_file[i][-40:]).mean() for i in (10, 50)])
    assert ours < twice


def test_provenance_is_embedded_without_a_source_hash(in_memory):
    embedded = read_provenance(in_memory.video_path)
    assert embedded == in_memory.provenance
    assert "source_sha256" not in embedded
    assert in_memory.source_sha256 == ""
    assert "prompt" not in embedded
    assert embedded["prompt_sha256"] == hashlib.sha256(PROVENANCE["prompt"].encode()).hexdigest()
    for rendition in in_memory.renditions:
        assert read_provenance(rendition.video_path) == embedded
    assert json.dumps(embedded)


def _frames(count, width, height):
    buffer = np.full((height * 3 // 2, width), 128, np.uint8)
    for index in range(count):
        yield buffer, index == 0


@pytest.mark.parametrize(
    ("width", "height", "frames", "declared"),
    [
        (130, 224, 24, 24),  # not a multiple of 4
        (128, 8192, 24, 24),  # larger than any source may be
        (128, 224, 0, 0),  # nothing to encode
        (128, 224, 24, 24 * 61),  # longer than any source may be
    ],
)
def test_out_of_bounds_streams_are_refused_and_write_nothing(
    tmp_path, width, height, frames, declared
):
    stream = FrameStream(
        frames=_frames(frames, width, height),
        samples=np.zeros((2, 48_000), np.float32),
        width=width,
        height=height,
        frame_count=declared,
    )
    with pytest.raises(InvalidMedia):
        postprocess_frames(stream, workdir=tmp_path / "out", provenance=PROVENANCE)
    assert not (tmp_path / "out").exists()


def test_a_stream_that_yields_no_frame_is_refused(tmp_path):
    stream = FrameStream(
        frames=_frames(0, 128, 224),
        samples=np.zeros((2, 48_000), np.float32),
        width=128,
        height=224,
        frame_count=24,
    )
    with pytest.raises(InvalidMedia):
        postprocess_frames(stream, workdir=tmp_path / "out", provenance=PROVENANCE)
    assert not list((tmp_path / "out").glob("clip*.mp4"))


def test_render_frames_checks_its_arguments_like_render_clip(tmp_path):
    from generation.storyboard import InvalidStoryboard

    for call in (
        render_frames,
        lambda shots, **kw: render_clip(shots, out_path=tmp_path / "x.mp4", **kw),
    ):
        with pytest.raises(ValueError, match="size"):
            call(TWO_SHOTS, size="100x100")
        with pytest.raises(ValueError, match="seed"):
            call(TWO_SHOTS, seed="7")
        with pytest.raises(InvalidStoryboard):
            call([{**TWO_SHOTS[0], "seconds": 200}])


def _aac_packets(path) -> list[bytes]:
    import av

    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.audio[0]) if p.size]


def test_every_rendition_carries_the_originals_sound_byte_for_byte(in_memory):
    """Each smaller rendition muxes the original's AAC packets (encoded once, PacketWriter)
    under a stream made from the original's: the same bytes, decoding to the same samples.
    (Two encodes of the same samples gave the same bytes too; the gain is CPU, in
    BENCHMARKS.md.)"""
    original = _aac_packets(in_memory.video_path)
    assert len(original) > 150  # 4 s at 48 kHz, 1024 samples a packet
    sound, _ = decode_audio(in_memory.video_path)
    for rendition in in_memory.renditions[1:]:
        assert _aac_packets(rendition.video_path) == original
        theirs, rate = decode_audio(rendition.video_path)
        assert rate == 48_000 and np.array_equal(theirs, sound)

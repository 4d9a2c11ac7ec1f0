import hashlib

import numpy as np
import pytest
from PIL import Image

from generation.postprocess import postprocess_clip, read_provenance
from media.errors import InvalidMedia
from media.probe import probe_video
from tests.media.clips import write_clip
from tests.render.conftest import SMALL, decode_luma

PROVENANCE = {
    "user": "alice",
    "job_id": "5be1c0de-0000-4000-8000-000000000001",
    "provider": "local",
    "model": "cutaway-local-1",
    "prompt": "A red car in the rain",
    "created_at": "2026-11-26T12:00:00Z",
}


@pytest.fixture(scope="module")
def processed(two_shot_clip, tmp_path_factory):
    return postprocess_clip(
        two_shot_clip, workdir=tmp_path_factory.mktemp("post"), provenance=PROVENANCE
    )


def test_output_is_a_playable_h264_aac_clip_like_the_source(processed, two_shot_clip):
    probe = probe_video(processed.video_path)
    assert (probe.video_codec, probe.audio_codec) == ("h264", "aac")
    assert (probe.width, probe.height) == SMALL
    assert probe.duration == pytest.approx(4.0, abs=0.1)
    assert processed.probe == probe.as_dict()


def test_sha256_is_the_final_files(processed, two_shot_clip):
    assert processed.sha256 == hashlib.sha256(processed.video_path.read_bytes()).hexdigest()
    assert processed.source_sha256 == hashlib.sha256(two_shot_clip.read_bytes()).hexdigest()


def _changed_box(source, marked):
    rows, cols = np.nonzero(np.abs(source - marked) > 40)
    assert rows.size, "no watermark pixels found"
    return rows.min(), rows.max(), cols.min(), cols.max()


def test_watermark_is_burned_in_and_moves(processed, two_shot_clip):
    source, marked = decode_luma(two_shot_clip), decode_luma(processed.video_path)
    assert len(marked) == len(source)
    # Static second shot: the only large differences are the watermark.
    early = _changed_box(source[50], marked[50])
    late = _changed_box(source[95], marked[95])
    height, width = source[0].shape
    for top, bottom, left, right in (early, late):
        assert (bottom - top) < height / 2 and (right - left) <= width
    assert early != late  # it drifted
    mean_change = float(
        np.mean(np.abs(source[95] - marked[95])[late[0] : late[1], late[2] : late[3]])
    )
    assert mean_change > 15


def test_provenance_round_trips_through_the_file(processed):
    embedded = read_provenance(processed.video_path)
    assert embedded == processed.provenance
    assert embedded["user"] == "alice"
    assert embedded["provider"] == "local"
    assert embedded["source_sha256"] == processed.source_sha256
    assert "prompt" not in embedded
    assert embedded["prompt_sha256"] == hashlib.sha256(PROVENANCE["prompt"].encode()).hexdigest()


def test_thumbnail_and_spritesheet_are_jpegs_of_the_expected_size(processed):
    with Image.open(processed.thumbnail_path) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert thumbnail.size == SMALL
    with Image.open(processed.preview_path) as sheet:
        assert sheet.format == "JPEG"
        tile_height = round(180 * SMALL[1] / SMALL[0])
        assert sheet.size == (4 * 180, 2 * tile_height)


def test_other_allowed_codecs_are_normalised_to_h264_aac(tmp_path):
    source = write_clip(
        tmp_path / "in.webm",
        seconds=1,
        width=96,
        height=64,
        video_codec="libvpx-vp9",
        audio_codec="libopus",
        container_format="webm",
    )
    result = postprocess_clip(source, workdir=tmp_path / "out", provenance={"user": "bob"})
    probe = probe_video(result.video_path)
    assert (probe.video_codec, probe.audio_codec, probe.width, probe.height) == (
        "h264",
        "aac",
        96,
        64,
    )


def test_not_a_video_is_refused(tmp_path):
    source = tmp_path / "in.mp4"
    source.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 500)
    with pytest.raises(InvalidMedia) as caught:
        postprocess_clip(source, workdir=tmp_path / "out", provenance={})
    assert caught.value.code == "not_a_video"
    assert not (tmp_path / "out" / "clip.mp4").exists()


def test_video_without_sound_is_refused(tmp_path):
    source = write_clip(tmp_path / "silent.mp4", audio=False)
    with pytest.raises(InvalidMedia) as caught:
        postprocess_clip(source, workdir=tmp_path / "out", provenance={})
    assert caught.value.code == "no_audio"


def _yuv_frames(path):
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [f.reformat(format="yuv420p").to_ndarray() for f in container.decode(stream)]


def _expected_error(source_yuv, marked_luma, label, seconds, *, box_of):
    """Mean luma error, inside the box of the `box_of` watermark, between the decoded output
    and the source frame with `label` drawn by the public watermark functions."""
    from generation.postprocess import place_watermark, watermark_overlay

    height, width = marked_luma.shape
    buffer = source_yuv.copy()
    y = buffer[:height]
    u = buffer[height : height + height // 4].reshape(height // 2, width // 2)
    v = buffer[height + height // 4 :].reshape(height // 2, width // 2)
    mark = watermark_overlay(label, width=width, height=height)
    place_watermark(mark, seconds, width=width, height=height)
    mark.apply(y, u, v)
    ref = watermark_overlay(box_of, width=width, height=height)
    place_watermark(ref, seconds, width=width, height=height)
    box = (slice(ref.top, ref.top + ref.height), slice(ref.left, ref.left + ref.width))
    return float(np.mean(np.abs(y[box].astype("float32") - marked_luma[box]))), (ref.left, ref.top)


def test_watermark_names_the_creator_and_still_moves(processed, two_shot_clip):
    """OCR-free read-back: the output matches the source with `@alice · Cutaway` drawn where
    the watermark is at that instant (within the encoder's error), and does not match it
    with any other text drawn there, even one letter off."""
    from generation.postprocess import watermark_label

    label = watermark_label(PROVENANCE["user"])
    assert label == "@alice · Cutaway"
    source, marked = _yuv_frames(two_shot_clip), decode_luma(processed.video_path)
    positions = []
    for index in (10, 50, 95):
        seconds = index / 24
        right, position = _expected_error(
            source[index], marked[index], label, seconds, box_of=label
        )
        positions.append(position)
        assert right < 6, (index, right)
        for wrong in ("@alicf · Cutaway", "@mallory · Cutaway", "Cutaway", "cutaway · 5be1c0de"):
            error, _ = _expected_error(source[index], marked[index], wrong, seconds, box_of=label)
            assert error > 2 * right + 3, (index, wrong, error, right)
    assert len(set(positions)) == 3  # a different place at each instant

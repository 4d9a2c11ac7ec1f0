"""The frame loop: per shot, precompute everything, then per frame only slice/scale and blend.

Per frame the work is: one slice copy (pan/tilt/static) or one nearest-neighbour resize per
plane (zooms), a blend of the small text bands, and the encoder. Nearest-neighbour keeps zoom
frames at ~0.5 ms instead of ~4 ms for bilinear at 720x1280; on flat shapes and gradients the
difference is a slight shimmer of edges, which we accept for a local placeholder renderer.
"""

from __future__ import annotations

from collections.abc import Iterator

from generation.render.camera import camera_path
from generation.render.encoder import (
    FPS,
    SAMPLES_PER_FRAME,
    AudioWriter,
    FrameStream,
    open_output,
    video_frame,
)
from generation.render.scene import draw_scene, load_pictures, picture_for, text_overlays
from generation.render.sound import synthesize_track
from generation.render.timing import shot_frame_counts

_ZOOM_FILTER = 0  # PIL.Image.Resampling.NEAREST


def write_clip(
    shots, *, width: int, height: int, seed: int, path, progress=None, characters=()
) -> None:
    """Encode clip_frames(...) as one H.264 + AAC MP4 at `path` (the file-based render)."""
    stream = clip_stream(
        shots, width=width, height=height, seed=seed, progress=progress, characters=characters
    )
    container, video, audio = open_output(
        path, width=width, height=height, gop=max(shot_frame_counts(shots))
    )
    try:
        sound = AudioWriter(container, audio, stream.samples)
        for index, (buffer, keyframe) in enumerate(stream.frames):
            if keyframe and index:  # the previous shot's sound, muxed at its cut
                sound.write_until(index * SAMPLES_PER_FRAME)
            container.mux(video.encode(video_frame(buffer, index, keyframe=keyframe)))
        sound.write_until(stream.frame_count * SAMPLES_PER_FRAME)
        container.mux(video.encode(None))
        sound.finish()
    finally:
        container.close()


def clip_stream(
    shots,
    *,
    width: int,
    height: int,
    seed: int,
    progress=None,
    characters=(),
    opening=None,
    captions=True,
) -> FrameStream:
    """The clip in memory: its synthesised sound and a lazy iterator of its frames (one
    reused yuv420p buffer, keyframe on each shot's first frame). `progress` gets fractions
    as frames are drawn, 1.0 once the last one has been taken."""
    counts = shot_frame_counts(shots)
    samples = synthesize_track(shots, counts, seed=seed, fps=FPS)
    return FrameStream(
        frames=_frames(
            shots,
            counts,
            width=width,
            height=height,
            seed=seed,
            progress=progress,
            pictures=load_pictures(characters),
            opening=opening,
            captions=captions,
        ),
        samples=samples,
        width=width,
        height=height,
        frame_count=sum(counts),
    )


def _opening_scene(path, *, width: int, height: int):
    """A picture as a shot's canvas (scene.draw_scene's size), its centre the target."""
    from PIL import Image

    from generation.render.scene import MARGIN, rgb_to_planes

    cw, ch = int(width * MARGIN) // 4 * 4, int(height * MARGIN) // 4 * 4
    with Image.open(path) as picture:
        canvas = picture.convert("RGB").resize((cw, ch), Image.Resampling.BICUBIC)
    return rgb_to_planes(canvas), (cw // 2, ch // 2)


def _frames(
    shots,
    counts,
    *,
    width: int,
    height: int,
    seed: int,
    progress,
    pictures,
    opening=None,
    captions=True,
) -> Iterator:
    import numpy as np
    from PIL import Image

    total_frames = sum(counts)
    # One reusable yuv420p buffer; y/u/v are views into it.
    buffer = np.empty((height * 3 // 2, width), np.uint8)
    y = buffer[:height]
    u = buffer[height : height + height // 4].reshape(height // 2, width // 2)
    v = buffer[height + height // 4 :].reshape(height // 2, width // 2)
    half = (width // 2, height // 2)
    done = 0
    for number, (shot, count) in enumerate(zip(shots, counts, strict=True)):
        if number == 0 and opening is not None:
            planes, target = _opening_scene(opening, width=width, height=height)
        else:
            planes, target = draw_scene(
                shot, width=width, height=height, seed=seed, picture=picture_for(shot, pictures)
            )
        overlays = text_overlays(shot, width=width, height=height) if captions else []
        canvas_h, canvas_w = planes.y.shape
        path_boxes = camera_path(
            shot["camera"],
            frames=count,
            frame_w=width,
            frame_h=height,
            canvas_w=canvas_w,
            canvas_h=canvas_h,
            target=target,
        )
        images = None
        for offset, box in enumerate(path_boxes):
            if box[0] == "crop":
                _, x0, y0 = box
                np.copyto(y, planes.y[y0 : y0 + height, x0 : x0 + width])
                np.copyto(u, planes.u[y0 // 2 : y0 // 2 + half[1], x0 // 2 : x0 // 2 + half[0]])
                np.copyto(v, planes.v[y0 // 2 : y0 // 2 + half[1], x0 // 2 : x0 // 2 + half[0]])
            else:
                if images is None:
                    images = [Image.fromarray(p) for p in (planes.y, planes.u, planes.v)]
                _, x0, y0, x1, y1 = box
                chroma_box = (x0 / 2, y0 / 2, x1 / 2, y1 / 2)
                np.copyto(
                    y,
                    np.asarray(images[0].resize((width, height), _ZOOM_FILTER, (x0, y0, x1, y1))),
                )
                np.copyto(u, np.asarray(images[1].resize(half, _ZOOM_FILTER, chroma_box)))
                np.copyto(v, np.asarray(images[2].resize(half, _ZOOM_FILTER, chroma_box)))
            for overlay in overlays:
                overlay.apply(y, u, v)
            index = done + offset
            yield buffer, offset == 0
            if progress is not None and offset and offset % FPS == 0:
                progress(round(index / total_frames * 0.98, 4))
        done += count
        if progress is not None:
            progress(round(done / total_frames * 0.98, 4))
    if progress is not None:
        progress(1.0)

"""A few evenly spaced frames of a local clip as RGB Pillow images (characters' verification:
the face check looks at each, the middle one becomes the character's picture).

Call it only on a clip media.probe has already accepted (codec allow-list, bounds, time
limit); PyAV and Pillow are imported on use.
"""

from __future__ import annotations

from pathlib import Path

from media.errors import NOT_A_VIDEO, InvalidMedia


def sample_rgb_frames(path: Path, *, count: int = 5, max_side: int = 1024) -> list:
    """`count` frames spread over the clip (fewer if it is shorter), longer side <= max_side."""
    import av
    from PIL import Image

    with av.open(str(path), "r") as container:
        stream = container.streams.video[0]
        total = stream.frames or 0
        if not total:
            seconds = float(container.duration or 0) / 1_000_000
            total = max(1, int(seconds * float(stream.average_rate or 24)))
        wanted = {min(total - 1, round(i * (total - 1) / max(1, count - 1))) for i in range(count)}
        frames = []
        for index, frame in enumerate(container.decode(stream)):
            if index in wanted:
                image = frame.to_image().convert("RGB")
                image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                frames.append(image)
            if index >= max(wanted):
                break
    if not frames:
        raise InvalidMedia(NOT_A_VIDEO, "The clip has no frames.")
    return frames


def clip_shows_a_face(path: Path, *, count: int = 5) -> bool:
    """Whether any of `count` frames spread over the clip shows a human face (people appear
    in videos only through cameos): the check every uploaded clip that is not a cameo passes."""
    from media.faces import shows_a_face

    return any(shows_a_face(frame) for frame in sample_rgb_frames(path, count=count))

"""Where the camera looks on each frame: a box on the shot's canvas per frame.

Pans, tilts and the static shot keep the box at the frame's own size, so a frame is a plain
slice of the canvas (no resampling, and x264 finds the exact motion vectors). Zooms and the
push-in shrink or grow the box and are resampled. Offsets are even so the half-size chroma
planes line up with the luma plane.
"""

from __future__ import annotations

# Zooms change every pixel, so x264 cannot code them as moved blocks: each zoomed frame costs
# ~3x a panned one. Updating the zoom on every second frame (12 steps a second, the repeated
# frame costs next to nothing) halves that; the motion stays clearly visible.
ZOOM_STEP = 2


def _ease(t: float) -> float:
    return t * t * (3 - 2 * t)  # smoothstep: starts and stops gently


def _even(value: float) -> int:
    return int(round(value / 2)) * 2


def camera_path(move: str, *, frames: int, frame_w: int, frame_h: int, canvas_w: int,
                canvas_h: int, target: tuple[int, int] | None = None) -> list[tuple]:  # fmt: skip
    """One entry per frame: ("crop", x, y) for same-size slices, ("scale", x0, y0, x1, y1)."""
    spare_x, spare_y = canvas_w - frame_w, canvas_h - frame_h
    centre_x, centre_y = _even(spare_x / 2), _even(spare_y / 2)
    path = []
    for index in range(frames):
        t = index / (frames - 1) if frames > 1 else 0.0
        e = _ease(t)
        if move == "pan_right":  # the camera turns right: the picture slides left
            path.append(("crop", _even(spare_x * e), centre_y))
        elif move == "pan_left":
            path.append(("crop", _even(spare_x * (1 - e)), centre_y))
        elif move == "tilt_up":  # the camera looks up: start low on the canvas, end high
            path.append(("crop", centre_x, _even(spare_y * (1 - e))))
        elif move == "tilt_down":
            path.append(("crop", centre_x, _even(spare_y * e)))
        elif move in ("zoom_in", "zoom_out", "push_in"):
            if index % ZOOM_STEP and path:
                path.append(path[-1])  # held frame: see ZOOM_STEP
                continue
            path.append(_zoom_box(move, t, e, frame_w, frame_h, canvas_w, canvas_h, target))
        else:  # static
            path.append(("crop", centre_x, centre_y))
    return path


def _zoom_box(move, t, e, frame_w, frame_h, canvas_w, canvas_h, target):
    # The box shrinks from the whole canvas to the frame's own size (zoom_out: the reverse).
    # zoom_in/out move linearly about the centre; push_in eases towards the subject.
    wide = min(canvas_w / frame_w, canvas_h / frame_h)
    if move == "zoom_out":
        t = 1 - t
    amount = e if move == "push_in" else t
    scale = wide + (1 - wide) * amount
    box_w, box_h = frame_w * scale, frame_h * scale
    cx, cy = canvas_w / 2, canvas_h / 2
    if move == "push_in" and target is not None:
        cx += (target[0] - cx) * amount
        cy += (target[1] - cy) * amount
    x0 = min(max(0.0, cx - box_w / 2), canvas_w - box_w)
    y0 = min(max(0.0, cy - box_h / 2), canvas_h - box_h)
    return ("scale", x0, y0, x0 + box_w, y0 + box_h)

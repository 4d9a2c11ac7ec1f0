"""Where a storyboard's shots cut, in frames (the renderer's clip writer and its benchmark
share it; it lives apart from `generation.render` so the clip writer need not import back)."""

from generation.render.encoder import FPS


def shot_frame_counts(shots: list[dict]) -> list[int]:
    """Frames per shot, cutting at the frame nearest each cumulative boundary (≥1 each)."""
    counts, elapsed, done = [], 0.0, 0
    for shot in shots:
        elapsed += float(shot["seconds"])
        end = max(done + 1, round(elapsed * FPS))
        counts.append(end - done)
        done = end
    return counts

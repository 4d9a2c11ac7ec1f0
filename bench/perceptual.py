"""Benchmark of the PDQ / vPDQ blocklist (moderation/perceptual.py), a benchmark, not a test.

    .venv/bin/python bench/perceptual.py [--clips 1000 10000] [--frames 25] [--runs 3]

Prints (1) vpdq's hashing of one 10-second 720x1280 render of the local renderer (what every
output check pays once), and (2) the matching of that clip's frames against a blocklist of N
clips of F frames each (random PDQ hashes: a match costs the same as a miss), as the check
runs it: parsing the stored JSON signatures plus one vectorised XOR + popcount distance
matrix (match_clip_rows). Best and median wall seconds over --runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _timed(runs: int, work) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--frames", type=int, default=25)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    import numpy as np

    from generation.render import render_clip
    from generation.storyboard import plan_storyboard
    from moderation import perceptual

    with tempfile.TemporaryDirectory() as folder:
        prompt = "A red fox runs through a snowy forest, then jumps over a frozen stream."
        clip = render_clip(
            plan_storyboard(prompt, 10, seed=1), seed=1, out_path=Path(folder) / "c.mp4"
        )
        best, median = _timed(args.runs, lambda: perceptual.video_features(clip))
        features = perceptual.video_features(clip)
    frames = len(features)
    print(f"vpdq hash, 10 s 720x1280: best {best:.3f} s, median {median:.3f} s ({frames} frames)")
    query = perceptual.hash_matrix([f.hex for f in perceptual.usable(features)])
    rng = np.random.default_rng(0)
    for count in args.clips:
        rows = [
            (
                n,
                [[rng.bytes(32).hex(), 100, float(t)] for t in range(args.frames)],
                31, 80.0, 80.0, "bench", "block",
            )
            for n in range(count)
        ]  # fmt: skip
        best, median = _timed(args.runs, lambda rows=rows: perceptual.match_clip_rows(query, rows))
        print(
            f"match {query.shape[0]} frames x {count} clips x {args.frames} frames "
            f"({count * args.frames * query.shape[0] / 1e6:.2f} M comparisons): "
            f"best {best:.3f} s, median {median:.3f} s"
        )


if __name__ == "__main__":
    main()

"""In-memory post-processing of bench/render.py's clip, alone: median wall and CPU seconds of
`postprocess_frames(render_frames(…))` over --runs runs (the first dropped as warm-up).

Run it from each tree to compare two commits (the tree's own code is imported):

    cd <tree> && /work/main/.venv/bin/python bench/postprocess_ab.py --runs 6
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path.cwd()
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args()

    from render import PROMPT, _timed

    from generation.postprocess import postprocess_frames
    from generation.render import render_frames
    from generation.storyboard import plan_storyboard

    shots = plan_storyboard(PROMPT, 10, seed=1)
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            wall, cpu = _timed(
                lambda run=run: postprocess_frames(
                    render_frames(shots, size="720x1280", seed=1),
                    workdir=Path(tmp) / f"run{run}",
                    provenance={"job_id": "bench"},
                )
            )
            walls.append(wall)
            cpus.append(cpu)
    wall, cpu = statistics.median(walls[1:]), statistics.median(cpus[1:])
    print(f"{ROOT}: median wall {wall:.3f} s, cpu {cpu:.3f} s; load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

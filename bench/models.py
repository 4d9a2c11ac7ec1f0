"""How much Cutaway adds around an open-weights model (a benchmark, not a test).

    .venv/bin/python bench/models.py [--runs 3] [--size 720x1280] [--render-size 32x64]

For a 10-second, 5-shot storyboard on each tiny random-weight family (LTX-2, Wan; built and
saved by tests/models/tiny_models.py, loaded by the provider's own code) it runs what a job
runs on the worker: planning, the per-shot model calls with last-frame conditioning, joining
and re-timing, sound (LTX-2's own, crossfaded; Wan's synthesised), post-processing (watermark,
scale to the output size, thumbnail, spritesheet, hash) and storing the three files. It times
the pipeline calls themselves apart from everything else, and prints Cutaway's share per
second of video (the issue's bound: at most 0.25 s/s on this machine). On a GPU with real
weights the model dominates; the point is that our part stays small.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

PROMPT = (
    "Shot 1: a robot dances in the rain. Shot 2: a dog runs on the beach. Shot 3: the city at "
    "night. Shot 4: close-up of the robot. Shot 5: the camera pans over the sea at dawn."
)
SECONDS = 10


class TimedPipeline:
    """Wraps a loaded pipeline: every call's wall time is added to `seconds`."""

    def __init__(self, pipeline, clock: dict):
        self._pipeline, self._clock = pipeline, clock

    def __getattr__(self, name):
        return getattr(self._pipeline, name)

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self._pipeline(*args, **kwargs)
        finally:
            self._clock["model"] += time.perf_counter() - start


def _timed_model(clock: dict):
    """Load the model, build its image variant, and wrap both so their calls are timed."""
    from generation.providers import diffusion

    model = diffusion.load_model()
    family = model.folder.family
    for name in {family.text_class, family.image_class} - {"", model.folder.class_name}:
        diffusion._variant(model, name)
    model.variants = {k: TimedPipeline(v, clock) for k, v in model.variants.items()}
    model.pipeline = TimedPipeline(model.pipeline, clock)


def one_job(size: str, workdir: Path, clock: dict) -> float:
    """A job's worker side, without the database: returns its wall seconds."""
    from config.storage import delete_file, save_file
    from generation.postprocess import postprocess_clip
    from generation.providers.base import JobSpec
    from generation.providers.diffusion import render_storyboard
    from generation.storyboard import plan_storyboard

    workdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    shots = plan_storyboard(PROMPT, SECONDS, seed=3)
    spec = JobSpec(job_id="bench", prompt=PROMPT, seconds=SECONDS, size=size, seed=3, shots=shots)
    source = workdir / "source.mp4"
    render_storyboard(spec, source)
    processed = postprocess_clip(
        source, workdir=workdir, provenance={"job_id": "bench", "prompt": PROMPT}, size=size
    )
    for kind, path in (("video", processed.video_path), ("thumb", processed.thumbnail_path)):
        with open(path, "rb") as handle:
            delete_file(save_file(f"bench/{kind}-{time.time_ns()}", handle))
    with open(processed.preview_path, "rb") as handle:
        delete_file(save_file(f"bench/preview-{time.time_ns()}", handle))
    assert len(shots) == 5, [s["seconds"] for s in shots]
    return time.perf_counter() - start


def bench_family(name: str, args, root: Path) -> list[dict]:
    from django.conf import settings

    from tests.models.tiny_models import save_tiny, use_tiny

    use_tiny(settings, name, save_tiny(name, root / name), render_size=args.render_size, fps=24)
    clock = {"model": 0.0}
    _timed_model(clock)
    one_job(args.size, root / "warm", clock)  # warm-up: first calls, allocations
    rows = []
    for run in range(args.runs):
        clock["model"] = 0.0
        cpu = time.process_time()
        wall = one_job(args.size, root / f"run-{run}", clock)
        ours = wall - clock["model"]
        rows.append(
            {
                "family": name,
                "wall": wall,
                "model": clock["model"],
                "cutaway": ours,
                "cutaway_per_second": ours / SECONDS,
                "cpu": time.process_time() - cpu,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", default="720x1280")
    parser.add_argument("--render-size", default="32x64")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from bench.render import machine

    print(machine())
    print(f"clip: {SECONDS} s, 5 shots, output {args.size}, model renders {args.render_size}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="cutaway-bench-models-") as tmp:
        for family in ("ltx2", "wan"):
            rows += bench_family(family, args, Path(tmp))
    for family in ("ltx2", "wan"):
        mine = [r for r in rows if r["family"] == family]
        for key in ("wall", "model", "cutaway", "cutaway_per_second", "cpu"):
            values = [r[key] for r in mine]
            print(
                f"{family:5} {key:19} best {min(values):.3f}  median "
                f"{statistics.median(values):.3f}  worst {max(values):.3f}"
            )
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()

"""Post-processing cost of the smaller rendition's x264 preset (a benchmark, not a test).

    .venv/bin/python bench/renditions.py [--runs 2] [--seconds 10]

Renders bench/render.py's clip once, then post-processes it (`hls=False`) with each preset in
PRESETS as `RENDITION_X264_OPTIONS`, printing the best CPU seconds (this process, all threads)
and each rendition's average bitrate.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PRESETS = {
    "ultrafast crf 30": ("ultrafast", "30"),
    "superfast crf 28": ("superfast", "28"),
    "veryfast crf 28": ("veryfast", "28"),
}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()

    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_render", Path(__file__).parent / "render.py"
    )
    bench_render = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_render)
    PROMPT, machine = bench_render.PROMPT, bench_render.machine
    from generation import postprocess
    from generation.render import render_clip
    from generation.storyboard import plan_storyboard

    print(machine())
    with tempfile.TemporaryDirectory(prefix="cutaway-bench-") as tmp:
        source = render_clip(
            plan_storyboard(PROMPT, args.seconds, seed=1), seed=1, out_path=Path(tmp) / "s.mp4"
        )
        for name, (preset, crf) in PRESETS.items():
            postprocess.RENDITION_X264_OPTIONS = {
                "preset": preset,
                "crf": crf,
                "x264-params": "scenecut=0:vbv-maxrate=900:vbv-bufsize=1800",
            }
            best = float("inf")
            for _ in range(args.runs):
                start = cpu_seconds()
                processed = postprocess.postprocess_clip(
                    source, workdir=Path(tmp) / "out", provenance={"user": "bench"}, hls=False
                )
                best = min(best, cpu_seconds() - start)
            rates = ", ".join(
                f"{r.width}x{r.height} {r.bitrate / 1000:.0f} kbit/s" for r in processed.renditions
            )
            print(f"{name:18} post-processing cpu best {best:.2f} s | {rates}")


if __name__ == "__main__":
    main()

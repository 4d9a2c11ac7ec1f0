"""Post-processing cost of the smaller rendition's x264 preset (a benchmark, not a test).

    .venv/bin/python bench/renditions.py [--runs 2] [--seconds 10]

Renders bench/render.py's clip once, then post-processes it (`hls=False`) with each preset in
PRESETS as `RENDITION_X264_OPTIONS`, printing the best CPU seconds (this process, all threads),
each rendition's average bitrate and the smaller rendition's luma PSNR against the original's
decoded frames scaled the same way (the quality the bitrate buys).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BASE_PARAMS = "scenecut=0:vbv-maxrate=900:vbv-bufsize=1800"
PRESETS = {
    "ultrafast crf 30": ("ultrafast", "30", ""),
    "superfast crf 28": ("superfast", "28", ""),
    "superfast crf 28 b-adapt 0": ("superfast", "28", ":b-adapt=0"),
    "veryfast crf 28": ("veryfast", "28", ""),
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
        for name, (preset, crf, extra) in PRESETS.items():
            postprocess.RENDITION_X264_OPTIONS = {
                "preset": preset,
                "crf": crf,
                "x264-params": BASE_PARAMS + extra,
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
            psnr = luma_psnr(processed.renditions[0].video_path, processed.renditions[-1])
            print(f"{name:27} post-processing cpu best {best:.2f} s | {rates} | PSNR {psnr:.2f} dB")


def luma_psnr(original, rendition) -> float:
    """PSNR of the rendition's luma against the original's frames scaled to its size with
    post-processing's own scaler."""
    import av
    import numpy as np
    from av.video.reformatter import VideoReformatter

    from generation.postprocess import RENDITION_SCALER

    scaler, errors = VideoReformatter(), []
    with av.open(str(original)) as a, av.open(str(rendition.video_path)) as b:
        pairs = zip(a.decode(video=0), b.decode(video=0), strict=True)
        for full, small in pairs:
            ref = scaler.reformat(
                full, width=rendition.width, height=rendition.height, format="yuv420p",
                interpolation=RENDITION_SCALER,
            )  # fmt: skip
            diff = ref.to_ndarray()[: rendition.height].astype(np.float32)
            diff -= small.to_ndarray()[: rendition.height]
            errors.append(float(np.mean(diff * diff)))
    return 10 * np.log10(255.0**2 / np.mean(errors))


if __name__ == "__main__":
    main()

"""Benchmark of the local renderer and post-processing (a benchmark, not a test).

    .venv/bin/python bench/render.py [--runs 3] [--seconds 10] [--size 720x1280]

For one 10-second 720x1280 clip with sound it prints, per run and as best / median:
wall seconds, seconds of wall time per second of video, and the ratio to a *floor* run. The
floor opens the same MP4 with the same encoder settings (generation.render.encoder), pushes
the same number of frames through the same `VideoFrame.from_ndarray` path, all of them one
constant grey picture with keyframes at the same frames as the real render's cuts, and
encodes a silent stereo track of the same length through the same AAC writer. So the ratio
is what drawing the shots, moving the camera, blending text and synthesising sound cost on
top of muxing and encoding blank material. Post-processing (probe, decode, watermark,
re-encode, thumbnail, spritesheet, hash) of the rendered clip is timed separately (the path
of providers that return a file), and so is the path the pipeline takes for the local
renderer (issue 21): render_frames straight into postprocess_frames, one pass that draws,
watermarks and encodes the original and the 480p rendition once each, then HLS; its ratio to
the render alone is printed as "in-memory render+post / render".

CPU seconds (this process, all threads) are printed next to wall seconds: on a shared
machine they are the steadier number.
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

PROMPT = (
    "A red fox runs through a snowy forest at dawn, then leaps over a frozen stream. "
    'Close-up of the fox. MAYA: "Look at that!" Aerial view of the city at night.'
)


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def floor_run(path, *, width: int, height: int, frame_counts: list[int]) -> None:
    import numpy as np

    from generation.render.encoder import (
        SAMPLES_PER_FRAME,
        AudioWriter,
        open_output,
        video_frame,
    )

    total = sum(frame_counts)
    cuts, start = set(), 0
    for count in frame_counts:
        cuts.add(start)
        start += count
    buffer = np.empty((height * 3 // 2, width), np.uint8)
    buffer[:height] = 16
    buffer[height:] = 128
    container, video, audio = open_output(path, width=width, height=height, gop=max(frame_counts))
    try:
        sound = AudioWriter(container, audio, np.zeros((2, total * SAMPLES_PER_FRAME), np.float32))
        done = 0
        for count in frame_counts:
            for index in range(done, done + count):
                container.mux(video.encode(video_frame(buffer, index, keyframe=index in cuts)))
            done += count
            sound.write_until(done * SAMPLES_PER_FRAME)
        container.mux(video.encode(None))
        sound.finish()
    finally:
        container.close()


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"nproc={os.cpu_count()}, CPU: {model}, load average at start: {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--size", default="720x1280")
    args = parser.parse_args()

    from generation.postprocess import postprocess_clip, postprocess_frames
    from generation.render import parse_size, render_clip, render_frames, shot_frame_counts
    from generation.storyboard import plan_storyboard

    width, height = parse_size(args.size)
    shots = plan_storyboard(PROMPT, args.seconds, seed=1)
    counts = shot_frame_counts(shots)
    print(machine())
    print(f"clip: {args.seconds} s, {args.size}, {sum(counts)} frames, {len(shots)} shots: "
          + ", ".join(f"{s['camera']} {s['seconds']}s" for s in shots))  # fmt: skip

    rows = []
    with tempfile.TemporaryDirectory(prefix="cutaway-bench-") as tmp:
        tmp = Path(tmp)
        # Warm-up (imports, first-use allocations), not counted.
        render_clip(shots, size=args.size, seed=1, out_path=tmp / "warm.mp4")
        for run in range(1, args.runs + 1):
            floor = _timed(
                lambda: floor_run(
                    tmp / "floor.mp4", width=width, height=height, frame_counts=counts
                )  # fmt: skip
            )
            render = _timed(
                lambda: render_clip(shots, size=args.size, seed=1, out_path=tmp / "clip.mp4")
            )
            post = _timed(
                lambda run=run: postprocess_clip(
                    tmp / "clip.mp4", workdir=tmp / f"post{run}", provenance={"job_id": "bench"}
                )
            )
            combined = _timed(
                lambda run=run: postprocess_frames(
                    render_frames(shots, size=args.size, seed=1),
                    workdir=tmp / f"frames{run}",
                    provenance={"job_id": "bench"},
                )
            )
            rows.append((floor, render, post, combined))
            print(
                f"run {run}: render wall {render[0]:.2f} s ({render[0] / args.seconds:.3f} s/s), "
                f"cpu {render[1]:.2f} s | floor wall {floor[0]:.2f} s, cpu {floor[1]:.2f} s | "
                f"ratio wall {render[0] / floor[0]:.2f}x, cpu {render[1] / floor[1]:.2f}x | "
                f"postprocess wall {post[0]:.2f} s, cpu {post[1]:.2f} s | "
                f"in-memory render+post wall {combined[0]:.2f} s, cpu {combined[1]:.2f} s"
            )

    def summary(name, values, unit="s"):
        best, median = min(values), statistics.median(values)
        print(f"{name:<40} best {best:.3f} {unit}   median {median:.3f} {unit}")

    print("--")
    summary("render wall", [r[1][0] for r in rows])
    summary("render wall per second of video", [r[1][0] / args.seconds for r in rows], "s/s")
    summary("render cpu", [r[1][1] for r in rows])
    summary("floor wall", [r[0][0] for r in rows])
    summary("floor cpu", [r[0][1] for r in rows])
    summary("ratio to floor (wall, same run)", [r[1][0] / r[0][0] for r in rows], "x")
    summary("ratio to floor (cpu, same run)", [r[1][1] / r[0][1] for r in rows], "x")
    summary("postprocess wall", [r[2][0] for r in rows])
    summary("postprocess wall per second", [r[2][0] / args.seconds for r in rows], "s/s")
    summary("postprocess cpu", [r[2][1] for r in rows])
    summary(
        "file path render+post / render (wall)", [(r[1][0] + r[2][0]) / r[1][0] for r in rows], "x"
    )
    summary("in-memory render+post wall", [r[3][0] for r in rows])
    summary("in-memory render+post cpu", [r[3][1] for r in rows])
    summary("in-memory render+post / render (wall)", [r[3][0] / r[1][0] for r in rows], "x")
    summary("in-memory render+post / render (cpu)", [r[3][1] / r[1][1] for r in rows], "x")


if __name__ == "__main__":
    main()

"""Benchmark of the frame classifier (moderation/classifier.py; a benchmark, not a test).

    .venv/bin/python bench/classifier.py [--runs 3] [--seconds 10] [--fps 1 2 4]

Writes one real clip (720x1280, 24 fps, H.264 + AAC, a 5-shot storyboard; a public-domain
portrait in the first half so NudeNet has something to find), then prints:

- the cold start of a fresh process: `import onnxruntime, nudenet` and the model load (what
  `worker_process_init` pays once per worker process);
- per sampling rate, `check_frames` on the clip as the pipeline calls it (decode, sample,
  classify, no thumbnail storage: the job has no row), wall and CPU seconds, best / median,
  and seconds per second of video; and its floor: the same sequential decode of every frame
  with nothing converted or classified, so the difference is what sampling, conversion and
  NudeNet cost.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

COLD_START = """
import time
t = time.perf_counter()
import onnxruntime, nudenet  # noqa: E401
t1 = time.perf_counter()
nudenet.NudeDetector()
t2 = time.perf_counter()
print(f"{t1 - t:.3f} {t2 - t1:.3f}")
"""


def write_clip(path: Path, seconds: int) -> Path:
    import numpy as np
    from matplotlib import cbook
    from PIL import Image

    from tests import clips

    portrait = np.asarray(
        Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB")
    )
    fps, (width, height) = 24, (720, 1280)

    def paint(index):
        image = np.full((height, width, 3), 30, dtype=np.uint8)
        if index < seconds * fps // 2:
            h, w = portrait.shape[:2]
            shift = index % 40
            image[300 + shift : 300 + shift + h, 104 : 104 + w] = portrait
        else:
            image[:, :, 2] = (index * 9) % 255
            image[(index * 13) % height :, :, 1] = 120
        return image

    return clips.write_clip(
        path, paint, count=seconds * fps, fps=fps, size=(width, height),
        video_options={"preset": "veryfast"},
    )  # fmt: skip


class BenchJob:
    """What check_frames reads from a job, without a database row (no thumbnails stored)."""

    pk = None
    user = None
    job_cameos = None

    def __init__(self, seconds: int):
        self.seconds = seconds
        self.storyboard = [{"seconds": seconds / 5}] * 5


def decode_floor(path: Path) -> None:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            pass


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--fps", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    args = parser.parse_args()

    cold = subprocess.run(
        [sys.executable, "-c", COLD_START], capture_output=True, text=True, check=True
    ).stdout.split()
    print(f"cold start: import {float(cold[0]):.2f} s, model load {float(cold[1]):.2f} s")

    import django

    django.setup()
    from django.conf import settings

    from moderation import classifier

    with tempfile.TemporaryDirectory() as tmp:
        clip = write_clip(Path(tmp) / "bench.mp4", args.seconds)
        job = BenchJob(args.seconds)
        classifier.load_detector()  # warm, as worker_process_init does
        floors = [timed(lambda: decode_floor(clip)) for _ in range(args.runs)]
        floor = statistics.median(w for w, _ in floors)
        floor_cpu = statistics.median(c for _, c in floors)
        print(
            f"{args.seconds} s clip, 720x1280 @ 24 fps; onnxruntime threads "
            f"{settings.MODERATION_CLASSIFIER_THREADS}, load {os.getloadavg()[0]:.1f}"
        )
        print(f"floor (decode every frame): median {floor:.3f} s wall, {floor_cpu:.3f} s CPU")
        print(
            "| fps | frames | wall best / median | CPU median | wall / CPU per s of video "
            "| wall / floor |"
        )
        for fps in args.fps:
            settings.MODERATION_CLASSIFIER_FPS = fps
            settings.MODERATION_CLASSIFIER_MAX_FRAMES = 1000
            frames = 0

            def run(fps=fps):
                nonlocal frames
                verdict = classifier.check_frames(job=job, video_path=clip)
                assert not verdict.evidence["frames"]["error"], verdict
                frames = len(verdict.evidence["frames"]["samples"])

            runs = [timed(run) for _ in range(args.runs)]
            walls = sorted(w for w, _ in runs)
            median = statistics.median(walls)
            cpu = statistics.median(c for _, c in runs)
            print(
                f"| {fps:g} | {frames} | {walls[0]:.3f} / {median:.3f} s | {cpu:.3f} s "
                f"| {median / args.seconds:.3f} / {cpu / args.seconds:.3f} s "
                f"| {median / floor:.1f}x |"
            )


if __name__ == "__main__":
    main()

"""Clip size and render time of the local renderer's original encode: crf 26 (before the
variants lane) against the constant quantisers tried for qp (now qp 24, encoder.py).

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python bench/encoder_qp.py

Prints, per setting, the MP4's bytes and the best of three wall-clock render times for an
8-second three-shot 720x1280 clip (seed 3). Sizes are exact for these library versions; the
times depend on the machine's load.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django  # noqa: E402

django.setup()

import generation.render.encoder as encoder  # noqa: E402
from generation.render import render_clip  # noqa: E402
from generation.storyboard import plan_storyboard  # noqa: E402

PROMPT = (
    "a red fox runs across a snowy field. then it jumps over a log. finally it sleeps by a fire"
)
SETTINGS = {
    "crf 26": {"preset": "ultrafast", "crf": "26", "x264-params": "scenecut=0"},
    "qp 24": {"preset": "ultrafast", "qp": "24", "x264-params": "scenecut=0"},
    "qp 26": {"preset": "ultrafast", "qp": "26", "x264-params": "scenecut=0"},
}


def main() -> None:
    shots = plan_storyboard(PROMPT, 8, seed=3)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "clip.mp4"
        for name, options in SETTINGS.items():
            encoder.X264_OPTIONS = options
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                render_clip(shots, seed=3, out_path=out)
                best = min(best, time.perf_counter() - start)
            print(f"{name}: {os.path.getsize(out)} bytes, best render {best:.2f} s")


if __name__ == "__main__":
    main()

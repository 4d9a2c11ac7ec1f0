"""What C2PA signing adds per clip (a benchmark, not a test).

    .venv/bin/python bench/sign_clips.py [--runs 5] [--seconds 10]

Renders one clip with the local renderer through postprocess_frames (a 720x1280 original and
its 480p rendition, as the pipeline makes them), then, per run, does what
generation.provenance.sign_clip does for each of the two MP4s: sign a copy with the job's
manifest (c2pa-python, ES256, the TEST chain tests/settings.py makes) and read it back with
c2pa's Reader to check it validates. Prints wall and CPU milliseconds per clip (both MP4s),
best and median, the bytes the manifest adds, and, for scale, the render + post-processing
time of the same clip.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

PROMPT = "A red fox runs through a snowy forest at dawn. Close-up of the fox."


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()

    import django

    django.setup()
    from generation.c2pa_signing import sign_file
    from generation.models import GenerationJob
    from generation.postprocess import embedded_provenance, postprocess_frames
    from generation.provenance import check_signed, manifest_definition
    from generation.render import render_frames
    from generation.storyboard import plan_storyboard

    job = GenerationJob(provider="local", prompt=PROMPT, seconds=args.seconds)
    record = embedded_provenance({"job_id": str(job.pk), "prompt": PROMPT}, source_sha256="")
    shots = plan_storyboard(PROMPT, args.seconds, seed=1)
    with tempfile.TemporaryDirectory(prefix="cutaway-bench-c2pa-") as tmp:
        tmp = Path(tmp)
        render = _timed(
            lambda: postprocess_frames(
                render_frames(shots, size="720x1280", seed=1), workdir=tmp / "clip",
                provenance=record,
            )
        )  # fmt: skip
        clip = render[2]
        targets = [(r.label, Path(r.video_path)) for r in clip.renditions]
        sizes = {label: path.stat().st_size for label, path in targets}
        print(f"clip: {args.seconds} s, renditions {', '.join(sizes)}; "
              f"render + post wall {render[0]:.2f} s, cpu {render[1]:.2f} s")  # fmt: skip

        def sign_all(run):
            added = 0
            for label, path in targets:
                manifest = manifest_definition(
                    job, record, handles=["maya"], parents=[], label=label
                )
                signed = tmp / f"signed-{run}-{label}.mp4"
                sign_file(path, signed, manifest, [])
                check_signed(signed, label)
                added += signed.stat().st_size - sizes[label]
            return added

        sign_all("warm")  # imports, first native calls: not counted
        rows = []
        for run in range(1, args.runs + 1):
            wall, cpu, added = _timed(lambda run=run: sign_all(run))
            rows.append((wall, cpu))
            print(f"run {run}: sign + verify {len(targets)} MP4s wall {wall * 1000:.1f} ms, "
                  f"cpu {cpu * 1000:.1f} ms, +{added} bytes")  # fmt: skip
        shutil.rmtree(tmp / "clip", ignore_errors=True)

    walls, cpus = [r[0] * 1000 for r in rows], [r[1] * 1000 for r in rows]
    print("--")
    print(f"sign + verify per clip   wall best {min(walls):.1f} ms  median "
          f"{statistics.median(walls):.1f} ms | cpu best {min(cpus):.1f} ms  median "
          f"{statistics.median(cpus):.1f} ms")  # fmt: skip
    print(f"share of render + post-processing (median wall): "
          f"{statistics.median(walls) / 1000 / render[0] * 100:.1f} %")  # fmt: skip


if __name__ == "__main__":
    main()

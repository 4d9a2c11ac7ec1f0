"""Heavy libraries stay off the web path (STYLE.md): importing the URLconf, views, admin and
tasks must not import PyAV, numpy, the provider SDKs, torch, diffusers or OpenCV: a web box
needs no torch (the `gpu` extra is for GPU workers)."""

import subprocess
import sys

CODE = """
import sys, django
django.setup()
import config.urls, config.celery, generation.admin, generation.tasks
import generation.openai_compat.views
import generation.providers, generation.providers.families
heavy = [m for m in ("av", "numpy", "openai", "google.genai", "torch", "diffusers",
    "transformers", "cv2") if m in sys.modules]
print(",".join(heavy))
"""


def test_web_path_imports_no_heavy_modules():
    result = subprocess.run(
        [sys.executable, "-c", CODE],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == ""

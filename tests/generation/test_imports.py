"""Heavy libraries stay off the web path (STYLE.md): importing the URLconf, views, admin and
tasks must not import PyAV, numpy or the provider SDKs."""

import subprocess
import sys

CODE = """
import sys, django
django.setup()
import config.urls, generation.admin, generation.tasks, generation.openai_compat.views
heavy = [m for m in ("av", "numpy", "openai", "google.genai") if m in sys.modules]
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

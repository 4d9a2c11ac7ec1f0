"""The Node project under tests/client/: Redocly CLI, openapi-typescript, openapi-fetch and
TypeScript at the versions its package-lock.json pins. `make test` runs `npm ci` there;
`installed()` does it too when a test runs without make (a fresh clone, `pytest` alone)."""

import json
import shutil
import subprocess
from pathlib import Path

CLIENT_DIR = Path(__file__).resolve().parent / "client"
BIN = CLIENT_DIR / "node_modules" / ".bin"


def installed() -> Path:
    """tests/client with its node_modules in place (npm ci when they are missing)."""
    if not (CLIENT_DIR / "node_modules" / ".package-lock.json").exists():
        npm = shutil.which("npm")
        assert npm, "the schema checks need Node.js and npm (make test installs the packages)"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CLIENT_DIR, check=True)
    return CLIENT_DIR


def run(tool: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """One of the project's own tools (node_modules/.bin/<tool>), output captured."""
    installed()
    return subprocess.run(
        [str(BIN / tool), *args],
        cwd=CLIENT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_document(document: dict, path: Path) -> Path:
    path.write_text(json.dumps(document, indent=2))
    return path

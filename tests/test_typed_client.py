"""A typed TypeScript client, generated from the live schema, runs a whole app session.

openapi-typescript turns the running server's `/api/schema/` into types, `tsc --strict`
compiles tests/client/src/flow.ts against them (no casts: a schema that lies about a field
either breaks the compile or the run), and Node runs it against the live server: register →
generate (Celery eager, the local renderer) → publish → like → the feed through its cursor →
comment → notifications.
"""

import json
import re
import shutil
import subprocess

import pytest

from tests import client_project
from tests.openapi import TIMESTAMP


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_generated_typescript_client_runs_the_whole_flow(live_server):
    client_dir = client_project.installed()
    shutil.rmtree(client_dir / "dist", ignore_errors=True)
    generated = client_project.run(
        "openapi-typescript", f"{live_server.url}/api/schema/", "-o", "src/schema.d.ts"
    )
    assert generated.returncode == 0, generated.stderr
    compiled = client_project.run("tsc", "-p", "tsconfig.json")
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    source = (client_dir / "src" / "flow.ts").read_text()
    assert not re.search(r"\bas\s+(unknown|any|[A-Z]\w*)\b|<any>|: any\b", source), "a cast"

    node = shutil.which("node")
    run = subprocess.run(
        [node, "dist/flow.js", live_server.url, "t1"],
        cwd=client_dir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout.strip().splitlines()[-1])

    assert summary["jobs"] == ["succeeded", "succeeded"]
    assert summary["like_status"] == 201 and summary["repeated_like_status"] == 201
    # One video a page: two pages, each video once, through the cursor `next` carried.
    assert summary["feed_pages"] == 2
    assert sorted(summary["feed_seen"]) == sorted(summary["published"])
    assert summary["comment"] == {**summary["comment"], "body": "Lovely boat!", "author": "ben_t1"}
    kinds = {(n["kind"], n["actor"]) for n in summary["notifications"]}
    assert {("like", "ben_t1"), ("comment", "ben_t1")} <= kinds
    assert all(TIMESTAMP.match(n["created_at"]) for n in summary["notifications"])
    assert summary["like_count"] == 1 and summary["comment_count"] == 1
    assert re.fullmatch(r"[0-9a-f]{32}", summary["request_id"])

"""Rendered, signed clips for the C2PA tests: a job run through the real pipeline (local
renderer, c2pa-python signing with the suite's TEST chain) and, when asked, published."""

import itertools
import json
import uuid
from pathlib import Path

import c2pa
from django.conf import settings

from config.storage import read_file

_keys = itertools.count(1)


def render(user, prompt="A red kite rises over a beach.", *, capture, **kwargs):
    """Create and run a 4 s job for `user` (on-commit callbacks executed through `capture`,
    pytest-django's django_capture_on_commit_callbacks); returns the job, refreshed."""
    from generation.services import create_job

    kwargs.setdefault("seconds", 4)
    kwargs.setdefault("seed", 7)
    with capture(execute=True):
        job, _ = create_job(
            user, prompt=prompt, idempotency_key=f"c2pa-{next(_keys)}-{uuid.uuid4()}", **kwargs
        )
    job.refresh_from_db()
    return job


def publish(job, visibility="public"):
    from feed.services import publish_video

    return publish_video(job.user, job, visibility=visibility)


def trusting_context():
    """A c2pa Context that trusts the suite's TEST root (as a verifier who knows it would)."""
    root = Path(settings.C2PA_TRUST_ANCHORS).read_text()
    config = {"verify": {"verify_trust": True}, "trust": {"trust_anchors": root}}
    return c2pa.Context(c2pa.Settings.from_dict(config))


def read_stored(name, tmp_path):
    """(validation state, manifest store dict, raw bytes) of a stored MP4, read by c2pa."""
    data = read_file(name)
    path = tmp_path / f"{uuid.uuid4()}.mp4"
    path.write_bytes(data)
    with trusting_context() as context, c2pa.Reader(str(path), context=context) as reader:
        store = json.loads(reader.json())
    return store.get("validation_state"), store, data


def active(store):
    return store["manifests"][store["active_manifest"]]


def assertion(manifest, label):
    return next(a["data"] for a in manifest["assertions"] if a["label"] == label)

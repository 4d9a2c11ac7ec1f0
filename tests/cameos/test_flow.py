"""The whole cameo story over HTTP, as the two demo users in `make run` would live it.

Alice creates a cameo under `approved` and grants Bob; Bob generates (a real local render)
and publishes a video with Alice's cameo; Alice sees it in her uses, removes it, revokes;
Bob can no longer use her cameo; Alice's ledger verifies.
"""

import json
import uuid

import pytest

from feed.models import Video
from generation.models import GenerationJob

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_cameo_end_to_end(
    user, other_user, auth_client, clip_upload, django_capture_on_commit_callbacks
):
    alice, bob = auth_client(user), auth_client(other_user)

    # Alice records her cameo with explicit consent; verification runs as a job.
    with django_capture_on_commit_callbacks(execute=True):
        created = alice.post(
            "/api/v1/cameos/me", {"video": clip_upload(), "consent": "true"}, format="multipart"
        )
    assert created.status_code == 201
    assert alice.get("/api/v1/cameos/me").json()["status"] == "active"
    settings_changed = alice.patch(
        "/api/v1/cameos/me",
        {"permission": "approved", "instructions": "Alice always wears a yellow raincoat."},
        format="json",
    )
    assert settings_changed.status_code == 200

    # Before the grant Bob may not use it; after, it is offered to him.
    assert bob.get("/api/v1/cameos/available").json()["results"] == []
    assert (
        alice.post("/api/v1/cameos/me/grants", {"handle": "bob"}, format="json").status_code == 201
    )
    offered = bob.get("/api/v1/cameos/available").json()["results"]
    assert [c["handle"] for c in offered] == ["alice"]
    assert offered[0]["instructions"] == "Alice always wears a yellow raincoat."

    # Bob generates with Alice's cameo (rendered locally) and publishes it.
    with django_capture_on_commit_callbacks(execute=True):
        generated = bob.post(
            "/api/v1/generations",
            {"prompt": "@alice walks a dog in the rain", "seconds": 4, "cameos": ["alice"]},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    assert generated.status_code == 202, generated.json()
    job = GenerationJob.objects.get(pk=generated.json()["id"])
    assert job.status == "succeeded", (job.status, job.error_code, job.error_message)
    assert "yellow raincoat" in json.dumps(job.provenance)
    published = bob.post("/api/v1/videos", {"generation": str(job.id)}, format="json")
    assert published.status_code == 201, published.json()
    video_id = published.json()["id"]

    # Alice sees it among her uses (with the video) and takes it down.
    uses = alice.get("/api/v1/cameos/me/uses").json()["results"]
    assert [(u["job"], u["author"], u["video"]) for u in uses] == [
        (str(job.id), "bob", {"id": video_id, "status": "published"})
    ]
    assert alice.post(f"/api/v1/cameos/me/uses/{video_id}/remove").status_code == 204
    assert Video.objects.get(pk=video_id).status == Video.Status.TAKEN_DOWN
    notes = bob.get("/api/v1/notifications").json()["results"]
    assert any(n["kind"] == "cameo_use_removed" for n in notes)

    # Alice revokes consent: Bob is refused from then on, naming the cameo.
    assert alice.delete("/api/v1/cameos/me").status_code == 204
    refused = bob.post(
        "/api/v1/generations",
        {"prompt": "@alice again", "seconds": 4, "cameos": ["alice"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert refused.status_code == 403, refused.json()
    assert refused.json()["code"] == "cameo_permission_denied"
    assert "@alice" in refused.json()["detail"]
    assert bob.get("/api/v1/cameos/available").json()["results"] == []

    # The ledger tells the whole story and verifies.
    ledger = alice.get("/api/v1/cameos/me/ledger?verify=1&page_size=100").json()
    assert ledger["valid"] is True
    actions = [e["action"] for e in ledger["results"]]
    for expected in (
        "created",
        "verified",
        "permission_changed",
        "instructions_changed",
        "granted",
        "used",
        "use_removed",
        "revoked",
    ):
        assert expected in actions
    assert actions.index("used") < actions.index("use_removed") < actions.index("revoked")

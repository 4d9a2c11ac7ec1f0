"""A character's whole story over HTTP with a real local render: Alice draws Biscuit, opens
it to her mutuals; Bob generates with @biscuit and the clip shows Biscuit's picture; he
publishes; Alice sees the use, deletes the character, the video comes down; her ledger
verifies."""

import uuid

import pytest

from config.storage import read_file
from feed.models import Video
from generation.models import GenerationJob
from tests.characters.conftest import MAGENTA
from tests.characters.test_render import rgb_frames, share_near

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_character_end_to_end(
    user, other_user, auth_client, upload, tmp_path, django_capture_on_commit_callbacks
):
    from accounts.models import Follow

    Follow.objects.create(follower=user, followee=other_user)
    Follow.objects.create(follower=other_user, followee=user)
    alice, bob = auth_client(user), auth_client(other_user)
    with django_capture_on_commit_callbacks(execute=True):
        created = alice.post(
            "/api/v1/characters",
            {
                "image": upload("drawing.png"),
                "handle": "Biscuit",
                "name": "Biscuit",
                "kind": "drawing",
                "permission": "mutuals",
                "instructions": "Biscuit is round and magenta.",
            },
            format="multipart",
        )
    assert created.status_code == 201, created.json()
    assert bob.get("/api/v1/characters/biscuit").json()["status"] == "active"

    with django_capture_on_commit_callbacks(execute=True):
        generated = bob.post(
            "/api/v1/generations",
            {"prompt": "@biscuit rolls down a sunny hill", "seconds": 4},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    assert generated.status_code == 202, generated.json()
    job = GenerationJob.objects.get(pk=generated.json()["id"])
    assert job.status == "succeeded", (job.status, job.error_code, job.error_message)
    assert bob.get(f"/api/v1/generations/{job.id}").json()["cameos"] == ["biscuit"]
    clip = tmp_path / "job.mp4"
    clip.write_bytes(read_file(job.video_file))
    frames = rgb_frames(clip)
    shares = [share_near(frames[i], MAGENTA) for i in (0, len(frames) // 2, -1)]
    assert all(s > 0.01 for s in shares), (shares, job.storyboard)

    published = bob.post("/api/v1/videos", {"generation": str(job.id)}, format="json")
    assert published.status_code == 201, published.json()
    video_id = published.json()["id"]
    uses = alice.get("/api/v1/characters/biscuit/uses").json()["results"]
    assert [(u["job"], u["author"], u["video"]["id"]) for u in uses] == [
        (str(job.id), "bob", video_id)
    ]

    assert alice.delete("/api/v1/characters/biscuit").status_code == 204
    assert Video.objects.get(pk=video_id).status == Video.Status.TAKEN_DOWN
    ledger = alice.get("/api/v1/cameos/me/ledger?verify=1&page_size=100").json()
    assert ledger["valid"] is True
    actions = [e["action"] for e in ledger["results"]]
    assert actions == ["created", "verified", "used", "revoked"]

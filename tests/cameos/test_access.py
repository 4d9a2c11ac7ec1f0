"""Another user tries every cameo endpoint against Alice's cameo: nothing of hers is read or
changed. The cameo endpoints only ever act on the caller's own (`me`) objects; the one that
takes an id (removing a use) answers 404 for a video that does not use the caller's cameo."""

import pytest

from accounts.models import Cameo, CameoGrant, ConsentEvent
from accounts.services import cameos
from feed.models import Video
from feed.services import publish_video
from generation.models import GenerationJob, JobCameo

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_world(user, other_user, make_user, make_cameo):
    """Alice's cameo (approved, granted to Bob) used in Bob's published video."""
    cameo = make_cameo(user, permission="approved", instructions="Alice's private notes")
    cameos.grant_cameo(user, other_user)
    job = GenerationJob.objects.create(
        user=other_user,
        status="succeeded",
        prompt="@alice rides a horse",
        seconds=8,
        video_file="videos/horse.mp4",
    )
    JobCameo.objects.create(job=job, cameo=cameo)
    video = publish_video(other_user, job)
    return {"cameo": cameo, "video": video, "intruder": make_user("mallory")}


def _snapshot(cameo, video):
    cameo = Cameo.objects.get(pk=cameo.pk)
    return (
        cameo.status,
        cameo.permission,
        cameo.instructions,
        sorted(CameoGrant.objects.filter(cameo=cameo).values_list("grantee__handle", flat=True)),
        list(ConsentEvent.objects.filter(owner=cameo.owner).values_list("hash", flat=True)),
        Video.objects.get(pk=video.pk).status,
    )


REQUESTS = [
    ("get", "/api/v1/cameos/me", None),
    ("patch", "/api/v1/cameos/me", {"permission": "everyone", "instructions": "pwned"}),
    ("delete", "/api/v1/cameos/me", None),
    ("get", "/api/v1/cameos/me/grants", None),
    ("post", "/api/v1/cameos/me/grants", {"handle": "mallory"}),
    ("delete", "/api/v1/cameos/me/grants/bob", None),
    ("get", "/api/v1/cameos/me/ledger?verify=1", None),
    ("get", "/api/v1/cameos/me/ledger/export", None),
    ("get", "/api/v1/cameos/me/uses", None),
    ("post", "/api/v1/cameos/me/uses/{video}/remove", None),
]


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
@pytest.mark.parametrize("who", ["intruder", "author"])
def test_another_user_cannot_read_or_change_alices_cameo(
    alices_world, other_user, auth_client, method, path, body, who
):
    actor = alices_world["intruder"] if who == "intruder" else other_user
    before = _snapshot(alices_world["cameo"], alices_world["video"])
    client = auth_client(actor)
    url = path.format(video=alices_world["video"].pk)
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code in (200, 204, 400, 404), response.content
    text = response.content.decode()
    assert "alice" not in text.lower()
    assert str(alices_world["cameo"].pk) not in text
    assert _snapshot(alices_world["cameo"], alices_world["video"]) == before

"""Who may see, change and use a character: its permission (only me / approved / mutuals /
everyone), blocks, and the same consent checks as cameos at creation and publication."""

import itertools
import uuid

import pytest

from accounts.models import Cameo, ConsentEvent, Follow
from accounts.services import cameos, users
from feed.models import Video
from feed.services import publish_video
from generation.models import GenerationJob, JobCameo

pytestmark = pytest.mark.django_db

URL = "/api/v1/characters"
_n = itertools.count(1)


def generate(client, prompt="@biscuit chases a ball", cameo_handles=None):
    body = {"prompt": prompt, "seconds": 4}
    if cameo_handles is not None:
        body["cameos"] = cameo_handles
    return client.post(
        "/api/v1/generations", body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )


def job_with(author, character, *, status="succeeded"):
    """A job row that used `character` (nothing rendered), as tests/cameos/test_uses does."""
    n = next(_n)
    job = GenerationJob.objects.create(
        user=author,
        status=status,
        prompt=f"@{character.handle} runs #{n}",
        seconds=8,
        video_file=f"videos/char{n}.mp4" if status == "succeeded" else "",
        probe={"duration": 8.0, "width": 720, "height": 1280},
    )
    JobCameo.objects.create(job=job, cameo=character)
    return job


def follow(a, b):
    Follow.objects.create(follower=a, followee=b)


@pytest.mark.parametrize(
    ("permission", "setup", "allowed"),
    [
        ("only_me", None, False),
        ("approved", None, False),
        ("approved", "grant", True),
        ("mutuals", "one_way", False),
        ("mutuals", "mutual", True),
        ("everyone", None, True),
        ("everyone", "blocked", False),
    ],
)
def test_permission_matrix(
    user, other_user, auth_client, make_character, permission, setup, allowed
):
    character = make_character(user, "biscuit", permission=permission)
    if setup == "grant":
        cameos.grant_cameo(user, other_user, cameo=character)
    elif setup in ("one_way", "mutual"):
        follow(other_user, user)
        if setup == "mutual":
            follow(user, other_user)
    elif setup == "blocked":
        users.block_user(user, other_user)
    bob = auth_client(other_user)

    shown = bob.get(f"{URL}/biscuit")
    assert shown.status_code == (200 if allowed else 404)
    offered = [c["handle"] for c in bob.get("/api/v1/cameos/available").json()["results"]]
    assert offered == (["biscuit"] if allowed else [])
    # Named in `cameos` and @-mentioned in the prompt: the same answer both ways.
    for response in (generate(bob, "a ball", ["biscuit"]), generate(bob, "@Biscuit runs")):
        assert response.status_code == (202 if allowed else 403), response.json()
        if not allowed:
            assert response.json()["code"] == "cameo_permission_denied"
            assert "@biscuit" in response.json()["detail"]
    if allowed:
        job = GenerationJob.objects.filter(user=other_user).first()
        assert job.job_cameos.get().cameo == character
        assert GenerationJob.objects.get(pk=generate(bob).json()["id"]).user == other_user
    else:
        assert not GenerationJob.objects.filter(user=other_user).exists()
        assert ConsentEvent.objects.filter(cameo=character, action="use_refused").count() == 2


def test_the_owner_uses_their_own_character_whatever_the_permission(
    user, auth_client, make_character
):
    make_character(user, "biscuit")
    response = generate(auth_client(user))
    assert response.status_code == 202, response.json()
    assert response.json()["cameos"] == ["biscuit"]


def test_a_character_pending_or_rejected_cannot_be_used(
    user, auth_client, upload, django_capture_on_commit_callbacks
):
    from accounts.services.characters import create_character

    create_character(user, handle="biscuit", name="B", image=upload("drawing.png"))
    response = generate(auth_client(user))
    assert response.status_code == 403
    assert "not verified yet" in response.json()["detail"]


@pytest.mark.parametrize("permission", ["only_me", "everyone"])
def test_another_user_cannot_change_delete_or_list_uses(
    user, other_user, auth_client, make_character, permission
):
    make_character(user, "biscuit", permission=permission)
    bob = auth_client(other_user)
    assert bob.patch(f"{URL}/biscuit", {"name": "Mine now"}, format="json").status_code == 404
    assert bob.patch(f"{URL}/biscuit", {"permission": "only_me"}, format="json").status_code == 404
    assert bob.delete(f"{URL}/biscuit").status_code == 404
    assert bob.get(f"{URL}/biscuit/uses").status_code == 404
    assert bob.get(f"{URL}/biscuit/grants").status_code == 404
    assert bob.post(f"{URL}/biscuit/grants", {"handle": "bob"}, format="json").status_code == 404
    assert bob.post(f"{URL}/biscuit/uses/{uuid.uuid4()}/remove").status_code == 404
    assert bob.get(f"{URL}/mine").json()["results"] == []
    character = Cameo.objects.get(handle="biscuit")
    assert (character.name, character.permission, character.status) == (
        "Biscuit",
        permission,
        "active",
    )


def test_unknown_and_malformed_handles_are_404(user, auth_client):
    client = auth_client(user)
    for handle in ("nobody", "alice", "a" * 40, "bad%20name"):
        assert client.get(f"{URL}/{handle}").status_code == 404


def test_owner_changes_settings_and_they_are_ledgered(user, auth_client, make_character):
    make_character(user, "biscuit")
    client = auth_client(user)
    response = client.patch(
        f"{URL}/biscuit",
        {"name": "Sir Biscuit", "permission": "everyone", "instructions": "Always wears a bow."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Sir Biscuit"
    assert response.json()["permission"] == "everyone"
    actions = set(ConsentEvent.objects.values_list("action", flat=True))
    assert {"permission_changed", "instructions_changed"} <= actions
    assert client.patch(f"{URL}/biscuit", {"permission": "x"}, format="json").status_code == 400
    mine = client.get(f"{URL}/mine").json()["results"]
    assert [c["handle"] for c in mine] == ["biscuit"]


def test_instructions_reach_the_job_like_a_cameos(user, auth_client, make_character):
    make_character(user, "biscuit", instructions="Biscuit is always a corgi.")
    response = generate(auth_client(user))
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.provenance["instructions"] == ["@biscuit: Biscuit is always a corgi."]


def test_grants_under_approved(user, other_user, auth_client, make_character):
    make_character(user, "biscuit", permission="approved")
    alice, bob = auth_client(user), auth_client(other_user)
    assert alice.post(f"{URL}/biscuit/grants", {"handle": "bob"}, format="json").status_code == 201
    assert [g["handle"] for g in alice.get(f"{URL}/biscuit/grants").json()["results"]] == ["bob"]
    assert generate(bob).status_code == 202
    assert alice.delete(f"{URL}/biscuit/grants/bob").status_code == 204
    assert generate(bob).status_code == 403
    actions = list(
        ConsentEvent.objects.filter(cameo__handle="biscuit").values_list("action", flat=True)
    )
    assert actions.count("granted") == 1 and actions.count("grant_revoked") == 1


def test_publication_rechecks_consent(user, other_user, make_character):
    """Allowed when the job was made, narrowed before publishing: the publish is refused."""
    from accounts.exceptions import CameoUseRefused

    character = make_character(user, "biscuit", permission="everyone")
    job = job_with(other_user, character)
    cameos.update_settings(Cameo.objects.get(pk=character.pk), permission="only_me")
    with pytest.raises(CameoUseRefused):
        publish_video(other_user, job, caption="with biscuit")
    assert not Video.objects.exists()


def test_uses_list_and_remove(user, other_user, auth_client, make_character):
    character = make_character(user, "biscuit", permission="everyone")
    draft = job_with(other_user, character, status="queued")
    done = job_with(other_user, character)
    video = publish_video(other_user, done, caption="biscuit!")
    alice = auth_client(user)
    rows = alice.get(f"{URL}/biscuit/uses").json()["results"]
    assert {row["job"] for row in rows} == {str(draft.id), str(done.id)}
    assert alice.post(f"{URL}/biscuit/uses/{video.pk}/remove").status_code == 204
    assert alice.post(f"{URL}/biscuit/uses/{draft.pk}/remove").status_code == 204
    video.refresh_from_db()
    draft.refresh_from_db()
    assert video.status == Video.Status.TAKEN_DOWN
    assert draft.status == "cancelled"
    removed = ConsentEvent.objects.filter(cameo=character, action="use_removed").count()
    assert removed == 2
    # A use of another character of hers is not reachable through this one.
    teapot = make_character(user, "teapot", kind="object", permission="everyone")
    other = job_with(other_user, teapot, status="queued")
    assert alice.post(f"{URL}/biscuit/uses/{other.pk}/remove").status_code == 404


def test_uses_list_query_count_does_not_grow(
    user, other_user, auth_client, make_character, django_assert_max_num_queries
):
    character = make_character(user, "biscuit", permission="everyone")
    for _ in range(6):
        job_with(other_user, character)
    client = auth_client(user)
    with django_assert_max_num_queries(6):
        assert len(client.get(f"{URL}/biscuit/uses").json()["results"]) == 6


def test_deleting_a_character_takes_its_uses_down(
    user, other_user, auth_client, make_character, upload
):
    """Revocation, exactly as for a cameo: queued jobs cancelled, videos taken down, new
    uses refused naming it, the handle kept (old @mentions never point at a newcomer)."""
    character = make_character(user, "biscuit", permission="everyone")
    queued = job_with(other_user, character, status="queued")
    video = publish_video(other_user, job_with(other_user, character), caption="biscuit")
    alice, bob = auth_client(user), auth_client(other_user)
    assert alice.delete(f"{URL}/biscuit").status_code == 204
    queued.refresh_from_db()
    video.refresh_from_db()
    assert queued.status == "cancelled"
    assert video.status == Video.Status.TAKEN_DOWN
    refused = generate(bob, "a ball", ["biscuit"])
    assert refused.status_code == 403
    assert "revoked" in refused.json()["detail"]
    # A bare @mention of a withdrawn character is text, as for a withdrawn cameo: the job
    # shows no one.
    mentioned = GenerationJob.objects.get(pk=generate(bob).json()["id"])
    assert not mentioned.job_cameos.exists()
    assert alice.get(f"{URL}/biscuit").status_code == 404
    assert alice.get(f"{URL}/mine").json()["results"] == []
    again = alice.post(
        URL, {"handle": "biscuit", "name": "B", "image": upload("drawing.png")}, format="multipart"
    )
    assert again.status_code == 400
    assert again.json()["code"] == "handle_taken"
    character.refresh_from_db()
    assert character.status == "revoked"
    assert ConsentEvent.objects.filter(cameo=character, action="revoked").exists()
    # The person cameo of the same owner is untouched by a character's revocation.
    assert not Cameo.objects.filter(owner=user, kind="person").exists()


def test_erasing_the_owner_revokes_their_characters_and_grants_to_them_go(
    user, other_user, make_user, make_character
):
    from accounts.models import CameoGrant
    from accounts.services.erasure import do_erase_user

    character = make_character(user, "biscuit", permission="everyone")
    video = publish_video(other_user, job_with(other_user, character), caption="biscuit")
    carol = make_user("carol")
    carols = make_character(carol, "teapot", kind="object", permission="approved")
    cameos.grant_cameo(carol, user, cameo=carols)
    do_erase_user(user)
    character.refresh_from_db()
    video.refresh_from_db()
    assert character.status == "revoked" and character.name == ""
    assert video.status == Video.Status.TAKEN_DOWN
    assert not CameoGrant.objects.filter(cameo=carols).exists()
    assert ConsentEvent.objects.filter(cameo=carols, action="grant_revoked").count() == 1

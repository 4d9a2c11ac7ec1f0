"""DELETE me (API.md v1.1): the account is erased in one transaction, consent first, and
every other owner's consent ledger still verifies."""

import json

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.exceptions import CameoUseRefused
from accounts.ledger import verify_ledger
from accounts.models import ApiKey, Cameo, ConsentEvent, Follow, Notification, User
from accounts.services import cameo_use, cameos
from accounts.services.api_keys import create_api_key
from accounts.signals import user_erased
from config import storage
from feed import services as feed_services
from feed.models import Comment, Like, Video
from generation.models import GenerationJob, JobCameo, Rendition
from tests.factories import PASSWORD, JobFactory, publish

pytestmark = pytest.mark.django_db
URL = "/api/v1/me"


@pytest.fixture
def world(user, other_user, make_user, make_cameo):
    """Alice (to be erased) with a cameo Bob published a video of, her own video and draft
    with stored files, a reference image, an avatar, likes, a comment, follows, a block, a
    grant from Carol and a use of Carol's cameo (so Carol's ledger names her)."""
    alice, bob = user, other_user
    carol, dave = make_user("carol"), make_user("dave")
    alice_cameo = make_cameo(alice, permission="everyone", instructions="Alice wears red")
    carol_cameo = make_cameo(carol, permission="approved", instructions="Carol is calm")
    cameos.grant_cameo(carol, alice)

    starring_alice = JobFactory(user=bob, prompt="@alice surfing", stored=b"bob's mp4")
    JobCameo.objects.create(job=starring_alice, cameo=alice_cameo)
    bobs_video = publish(starring_alice)

    own = publish(JobFactory(user=alice, stored=b"alice's mp4"), caption="my day")
    reference = storage.save_file("references/alice.png", b"png bytes")
    draft = JobFactory(user=alice, stored=b"draft mp4", provenance={"reference_image": reference})
    queued = JobFactory(user=alice, status="queued")
    cameo_use.check_cameo_use(alice, carol_cameo, context="generation")
    cameo_use.record_cameo_use(carol_cameo, actor=alice, job_id=queued.pk)

    feed_services.like_video(alice, bobs_video.pk)
    feed_services.add_comment(alice, bobs_video.pk, body="Nice wave!")
    feed_services.like_video(bob, own.pk)
    from accounts.services import users as user_services

    user_services.follow_user(alice, bob)
    user_services.follow_user(bob, alice)
    user_services.block_user(alice, dave)
    avatar = storage.save_file("avatars/alice.png", b"avatar")
    User.objects.filter(pk=alice.pk).update(avatar=avatar, bio="Surfer", display_name="Alice A")
    alice.refresh_from_db()
    # The smaller rendition and the HLS master of alice's unpublished draft, stored as the
    # pipeline would (no feed path removes a draft's files: only the erasure of its jobs).
    small = Rendition.objects.filter(job=draft).exclude(video_file=draft.video_file).get()
    storage.save_file(small.video_file, b"480p mp4")
    storage.save_file(draft.hls_file, b"#EXTM3U\n")
    files = {
        "draft_rendition": small.video_file,
        "draft_hls_master": draft.hls_file,
        "bob_video": bobs_video.job.video_file,
        "own_video": own.job.video_file,
        "own_thumb": own.job.thumbnail_file,
        "draft_video": draft.video_file,
        "reference": reference,
        "avatar": avatar,
        "cameo_clip": alice_cameo.source_clip,
    }
    assert all(storage.file_exists(name) for name in files.values())
    return {
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "dave": dave,
        "bobs_video": bobs_video,
        "own": own,
        "draft": draft,
        "queued": queued,
        "files": files,
    }


def test_wrong_password_is_400_naming_it_and_changes_nothing(world, auth_client):
    alice = world["alice"]
    client = auth_client(alice)
    for body in ({"password": "not it"}, {}):
        response = client.delete(URL, body, format="json")
        assert response.status_code == 400
        assert "password" in response.json()
    alice.refresh_from_db()
    assert alice.is_active and alice.email == "alice@example.com" and alice.erased_at is None
    assert Cameo.objects.get(owner=alice, status="active")
    assert Video.objects.get(pk=world["bobs_video"].pk).status == "published"
    assert Like.objects.filter(user=alice).count() == 1
    assert all(storage.file_exists(name) for name in world["files"].values())


def test_delete_me_erases_the_account_end_to_end(
    world, auth_client, api_client, django_capture_on_commit_callbacks
):
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    refresh = RefreshToken.for_user(alice)
    api_key = create_api_key(alice, name="script")[1]
    heard = []
    user_erased.connect(
        lambda sender, user, **kw: heard.append(user.pk), weak=False, dispatch_uid="test-heard"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client(alice).delete(URL, {"password": PASSWORD}, format="json")
    finally:
        user_erased.disconnect(dispatch_uid="test-heard")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "erased"
    assert heard == [alice.pk]

    # The row stays (the handle reserved), every personal field gone.
    erased = User.objects.get(pk=alice.pk)
    assert erased.handle == "alice"
    assert (erased.email, erased.display_name, erased.bio, erased.avatar) == ("", "", "", "")
    assert erased.birth_date is None and not erased.is_active and erased.erased_at
    assert not erased.has_usable_password()
    taken = api_client.post(
        "/api/v1/auth/register",
        {"handle": "Alice", "email": "x@example.com", "password": "another-pass-123"},
        format="json",
    )
    assert taken.status_code == 400 and "handle" in taken.json()

    # Consent first: revoked on her ledger, Bob's video starring her taken down.
    assert Cameo.objects.get(owner=alice).status == "revoked"
    assert Cameo.objects.get(owner=alice).instructions == ""
    assert Video.objects.get(pk=world["bobs_video"].pk).status == "taken_down"
    with pytest.raises(CameoUseRefused):
        cameo_use.resolve_cameos(bob, handles=["alice"])

    # Her content: video deleted (caption blanked), draft and queued job gone.
    own = Video.objects.get(pk=world["own"].pk)
    assert (own.status, own.caption) == ("deleted", "")
    assert not GenerationJob.objects.filter(pk__in=[world["draft"].pk, world["queued"].pk])
    assert GenerationJob.objects.get(pk=own.job_id).prompt == ""
    # Every file gone from storage.
    assert not [name for name in world["files"].values() if storage.file_exists(name)]

    # Counters exact: her like and comment are gone from Bob's video, follows both ways.
    bobs = Video.objects.get(pk=world["bobs_video"].pk)
    assert (bobs.like_count, bobs.comment_count) == (0, 0)
    assert not Like.objects.filter(user=alice) and not Comment.objects.filter(author=alice)
    bob.refresh_from_db()
    assert (bob.follower_count, bob.following_count) == (0, 0)
    assert not Follow.objects.filter(follower=alice) and not Follow.objects.filter(followee=alice)
    assert not Notification.objects.filter(recipient=alice)
    assert not Notification.objects.filter(actor=alice)

    # Credentials dead: access token, refresh token, API key.
    assert auth_client(alice).get(URL).status_code == 401
    assert (
        api_client.post(
            "/api/v1/auth/token/refresh", {"refresh": str(refresh)}, format="json"
        ).status_code
        == 401
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert api_client.get(URL).status_code == 401
    assert not ApiKey.objects.filter(user=alice, revoked_at__isnull=True)

    # Other users' ledgers still verify, and no longer carry her handle anywhere.
    carol_ledger = auth_client(carol).get("/api/v1/cameos/me/ledger?verify=1").json()
    assert carol_ledger["valid"] is True
    assert "alice" not in json.dumps(carol_ledger["results"])
    actions = [e["action"] for e in carol_ledger["results"]]
    assert actions[-1] == "grant_revoked" and "used" in actions
    assert verify_ledger(bob) is True
    # Her own ledger is kept as evidence and verifies too, without her free text.
    assert verify_ledger(erased) is True
    own_events = ConsentEvent.objects.filter(owner=alice)
    revoked = own_events.get(action="revoked")
    assert revoked.data["reason"] == "account erased"
    # After it, only refusals (Bob's attempt above): nobody used her likeness again.
    later = own_events.filter(seq__gt=revoked.seq).values_list("action", flat=True)
    assert set(later) <= {"use_refused"}
    assert "Alice wears red" not in json.dumps(list(own_events.values("data", "details")))


def test_an_erased_account_cannot_sign_in(world, api_client):
    from accounts.services.erasure import erase_user

    erase_user(world["alice"], password=PASSWORD)
    response = api_client.post(
        "/api/v1/auth/token", {"handle": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 401


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (trigger)")
def test_the_trigger_lets_only_forgetting_through(world):
    """Erasure blanks unhashed columns; any other change of a ledger row stays refused."""
    from django.db import IntegrityError, transaction

    event = ConsentEvent.objects.filter(owner=world["carol"], action="granted").get()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_consentevent SET details = %s WHERE id = %s",
            [json.dumps({"values": {"grantee": "mallory"}}), event.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_consentevent SET details = '{}', actor_handle = '' WHERE id = %s",
            [event.pk],
        )
    assert verify_ledger(world["carol"]) is True


def test_password_guessing_on_delete_me_is_throttled(user, auth_client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**SimpleRateThrottle.THROTTLE_RATES, "auth": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = auth_client(user)
    for _ in range(2):
        assert client.delete(URL, {"password": "guess"}, format="json").status_code == 400
    assert client.delete(URL, {"password": PASSWORD}, format="json").status_code == 429
    assert client.get(URL).status_code == 200  # reading my profile is not throttled by it
    user.refresh_from_db()
    assert user.is_active and user.erased_at is None


def test_schema_documents_erasure_with_its_password_body(api_client):
    """OpenAPI 3.0 has no DELETE body: DELETE me says so, POST me/erase carries it."""
    paths = api_client.get("/api/schema/?format=json").json()["paths"]
    delete = paths["/api/v1/me"]["delete"]
    assert delete["operationId"] == "me_delete" and "202" in delete["responses"]
    assert "password" in delete["description"]
    erase = paths["/api/v1/me/erase"]["post"]
    body = erase["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/EraseRequest")


def test_post_me_erase_is_the_same_erasure(world, auth_client, django_capture_on_commit_callbacks):
    client = auth_client(world["alice"])
    assert client.post("/api/v1/me/erase", {"password": "nope"}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/me/erase", {"password": PASSWORD}, format="json")
    assert response.status_code == 202
    assert User.objects.get(pk=world["alice"].pk).erased_at is not None
    assert Video.objects.get(pk=world["bobs_video"].pk).status == "taken_down"
    assert not storage.file_exists(world["files"]["own_video"])

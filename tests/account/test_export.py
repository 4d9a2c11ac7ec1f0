"""POST me/export → one ZIP of the account's data in storage, downloadable by signed URL."""

import hashlib
import io
import json
import re
import urllib.request
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import Export
from accounts.services import cameos
from accounts.services import users as user_services
from accounts.services.exports import build_export, delete_expired_exports
from config import storage
from feed import services as feed_services
from tests.factories import PASSWORD, JobFactory, publish

pytestmark = pytest.mark.django_db
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64


@pytest.fixture
def alice_world(user, other_user, make_cameo):
    alice, bob = user, other_user
    make_cameo(alice, permission="approved", instructions="Alice wears red")
    cameos.grant_cameo(alice, bob)
    video = publish(JobFactory(user=alice, prompt="a kite at dawn", stored=MP4), caption="kite!")
    JobFactory(user=alice, status="failed", prompt="a draft that failed")
    bobs = publish(JobFactory(user=bob, prompt="bob's boat"))
    feed_services.like_video(alice, bobs.pk)
    feed_services.add_comment(alice, bobs.pk, body="Lovely boat")
    feed_services.like_video(bob, video.pk)  # a notification for alice
    user_services.follow_user(alice, bob)
    return {"video": video, "bobs": bobs}


def _export(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/me/export")
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == {"id", "status"} and body["status"] == "queued"
    return body["id"]


def _download(client, url, **headers):
    response = client.get(url.replace("http://testserver", ""), **headers)
    return response, b"".join(response.streaming_content)


def test_export_zip_holds_the_account_data(
    alice_world, user, auth_client, django_capture_on_commit_callbacks
):
    client = auth_client(user)
    export_id = _export(client, django_capture_on_commit_callbacks)
    body = client.get(f"/api/v1/me/exports/{export_id}").json()
    assert body["status"] == "succeeded"
    assert body["expires_at"] and body["finished_at"]
    response, data = _download(client, body["download_url"])
    assert response.status_code == 200
    assert len(data) == body["size"]

    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    video_id = str(alice_world["video"].pk)
    expected = {
        "manifest.json",
        "profile.json",
        "videos.json",
        "generations.json",
        "comments.json",
        "likes.json",
        "follows.json",
        "blocks.json",
        "cameo.json",
        "notifications.json",
        f"videos/{video_id}.mp4",
    }
    assert expected <= names
    load = lambda name: json.loads(archive.read(name))  # noqa: E731

    assert load("profile.json")["email"] == "alice@example.com"
    videos = load("videos.json")
    assert [(v["id"], v["caption"], v["file"]) for v in videos] == [
        (video_id, "kite!", f"videos/{video_id}.mp4")
    ]
    assert archive.read(f"videos/{video_id}.mp4") == MP4
    prompts = {job["prompt"] for job in load("generations.json")}
    assert prompts == {"a kite at dawn", "a draft that failed"}
    assert [c["body"] for c in load("comments.json")] == ["Lovely boat"]
    assert [like["video"] for like in load("likes.json")] == [str(alice_world["bobs"].pk)]
    assert [f["handle"] for f in load("follows.json")["following"]] == ["bob"]
    cameo = load("cameo.json")
    assert cameo["cameos"][0]["instructions"] == "Alice wears red"
    assert [g["handle"] for g in cameo["grants"]] == ["bob"]
    assert cameo["ledger"]["valid"] is True
    # Each exported event carries the text its hash covers, so the chain can be checked
    # from the ZIP alone.
    for event in cameo["ledger"]["events"]:
        digest = hashlib.sha256((event["prev_hash"] + event["canonical"]).encode()).hexdigest()
        assert digest == event["hash"]
    assert [e["action"] for e in cameo["ledger"]["events"]][-1] == "granted"
    assert [n["kind"] for n in load("notifications.json")] == ["like"]
    assert load("manifest.json")["files"]

    # Every timestamp of the native formats is ISO 8601 UTC with Z and milliseconds.
    stamps = [videos[0]["published_at"], load("likes.json")[0]["created_at"]]
    stamps += [e["at"] for e in cameo["ledger"]["events"]]
    stamps += [job["created_at"] for job in load("generations.json")]
    assert all(ISO_Z.match(stamp) for stamp in stamps), stamps


def test_a_removed_videos_file_stays_out_of_the_zip(
    alice_world, user, auth_client, django_capture_on_commit_callbacks
):
    # A moderator's removal keeps the files (a restore must bring them back), but no file URL
    # serves them: the export must not ship them either.
    feed_services.hide_video(alice_world["video"], status="removed", reason="moderator")
    client = auth_client(user)
    export_id = _export(client, django_capture_on_commit_callbacks)
    url = client.get(f"/api/v1/me/exports/{export_id}").json()["download_url"]
    archive = zipfile.ZipFile(io.BytesIO(_download(client, url)[1]))
    video_id = str(alice_world["video"].pk)
    assert f"videos/{video_id}.mp4" not in archive.namelist()
    listed = json.loads(archive.read("videos.json"))
    assert [(v["id"], v["status"], v["file"]) for v in listed] == [(video_id, "removed", None)]


def test_download_answers_range(alice_world, user, auth_client, django_capture_on_commit_callbacks):
    client = auth_client(user)
    export_id = _export(client, django_capture_on_commit_callbacks)
    url = client.get(f"/api/v1/me/exports/{export_id}").json()["download_url"]
    response, data = _download(client, url, HTTP_RANGE="bytes=0-3")
    assert response.status_code == 206
    assert data == b"PK\x03\x04"  # a ZIP's local file header
    assert response["Accept-Ranges"] == "bytes"


def test_export_on_s3_is_a_presigned_url_that_honours_range(
    alice_world, user, auth_client, s3_storage, django_capture_on_commit_callbacks
):
    client = auth_client(user)
    export_id = _export(client, django_capture_on_commit_callbacks)
    body = client.get(f"/api/v1/me/exports/{export_id}").json()
    assert body["status"] == "succeeded"
    assert body["download_url"].startswith(s3_storage)
    request = urllib.request.Request(body["download_url"], headers={"Range": "bytes=0-3"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback moto
        assert response.status == 206
        assert response.read() == b"PK\x03\x04"


def test_another_users_export_is_404(
    alice_world, user, other_user, auth_client, django_capture_on_commit_callbacks
):
    export_id = _export(auth_client(user), django_capture_on_commit_callbacks)
    assert auth_client(other_user).get(f"/api/v1/me/exports/{export_id}").status_code == 404
    assert auth_client(user).get(f"/api/v1/me/exports/{export_id}").status_code == 200


def test_exports_are_throttled_per_user_with_retry_after(
    user, other_user, auth_client, monkeypatch
):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "exports": "2/day"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = auth_client(user)
    assert client.post("/api/v1/me/export").status_code == 202
    assert client.post("/api/v1/me/export").status_code == 202
    third = client.post("/api/v1/me/export")
    assert third.status_code == 429
    assert int(third["Retry-After"]) > 0
    assert Export.objects.filter(user=user).count() == 2
    # Per user: someone else still may.
    assert auth_client(other_user).post("/api/v1/me/export").status_code == 202


def test_expired_exports_are_deleted(
    alice_world, user, auth_client, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_RETENTION_HOURS = 1
    client = auth_client(user)
    export_id = _export(client, django_capture_on_commit_callbacks)
    export = Export.objects.get(pk=export_id)
    assert storage.file_exists(export.file)
    assert delete_expired_exports(now=timezone.now() + timedelta(minutes=30)) == 0
    assert delete_expired_exports(now=timezone.now() + timedelta(hours=2)) == 1
    assert not storage.file_exists(export.file)
    body = client.get(f"/api/v1/me/exports/{export_id}").json()
    assert (body["status"], body["download_url"]) == ("expired", None)


def test_a_redelivered_build_does_nothing(
    alice_world, user, auth_client, django_capture_on_commit_callbacks
):
    export_id = _export(auth_client(user), django_capture_on_commit_callbacks)
    first = Export.objects.get(pk=export_id)
    assert build_export(export_id) is None  # already built: not claimed again
    assert Export.objects.get(pk=export_id).file == first.file


def test_erasure_deletes_exports(
    alice_world, user, auth_client, django_capture_on_commit_callbacks
):
    client = auth_client(user)
    export_id = _export(client, django_capture_on_commit_callbacks)
    name = Export.objects.get(pk=export_id).file
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete("/api/v1/me", {"password": PASSWORD}, format="json").status_code == 202
    assert not Export.objects.filter(pk=export_id).exists()
    assert not storage.file_exists(name)


def _add_writer(settings, name: str) -> None:
    settings.ACCOUNT_EXPORT_WRITERS = [
        *settings.ACCOUNT_EXPORT_WRITERS,
        f"tests.account.test_export.{name}",
    ]


def failing_writer(user, archive):
    """An export section that breaks halfway (a hook named by ACCOUNT_EXPORT_WRITERS)."""
    archive.put_json("half.json", {"written": True})
    raise OSError("storage went away")


def test_a_failed_build_leaves_no_file(
    user, auth_client, settings, tmp_path, django_capture_on_commit_callbacks
):
    _add_writer(settings, "failing_writer")
    client = auth_client(user)
    export_id = _export(client, django_capture_on_commit_callbacks)
    body = client.get(f"/api/v1/me/exports/{export_id}").json()
    assert (body["status"], body["download_url"]) == ("failed", None)
    assert Export.objects.get(pk=export_id).file == ""
    media = tmp_path / "media" / "exports"
    assert not media.exists() or not any(media.rglob("*.zip"))


def test_revoked_consent_withdraws_a_finished_export_that_holds_the_video(
    user, other_user, make_cameo, auth_client, django_capture_on_commit_callbacks
):
    # Alice's video shows Bob's cameo; Alice exported it, then Bob revokes his consent. The
    # export's MP4 shows Bob's likeness: the ZIP must go with the video, whatever URL Alice kept.
    from accounts.services.cameos import revoke_cameo_consent
    from generation.models import JobCameo

    alice, bob = user, other_user
    cameo = make_cameo(bob, permission="everyone")
    job = JobFactory(user=alice, prompt="@bob on a bike", stored=MP4)
    JobCameo.objects.create(job=job, cameo=cameo)
    publish(job)
    client = auth_client(alice)
    export_id = _export(client, django_capture_on_commit_callbacks)
    export = Export.objects.get(pk=export_id)
    url = client.get(f"/api/v1/me/exports/{export_id}").json()["download_url"]
    assert _download(client, url)[0].status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        revoke_cameo_consent(bob)

    assert not storage.file_exists(export.file)
    assert client.get(url.replace("http://testserver", "")).status_code == 404
    body = client.get(f"/api/v1/me/exports/{export_id}").json()
    assert (body["status"], body["download_url"]) == ("expired", None)


def test_a_moderator_removal_withdraws_the_authors_exports_but_a_hold_does_not(
    alice_world, user, other_user, auth_client, django_capture_on_commit_callbacks
):
    alices = _export(auth_client(user), django_capture_on_commit_callbacks)
    bobs = _export(auth_client(other_user), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        feed_services.hide_video(alice_world["video"], status="held", reason="review")
    assert Export.objects.get(pk=alices).status == "succeeded"
    name = Export.objects.get(pk=alices).file
    with django_capture_on_commit_callbacks(execute=True):
        feed_services.hide_video(alice_world["video"], status="removed", reason="moderator")
    assert Export.objects.get(pk=alices).status == "expired"
    assert not storage.file_exists(name)
    # Bob's export holds none of Alice's videos: it stays.
    assert Export.objects.get(pk=bobs).status == "succeeded"


def takedown_writer(user, archive):
    """An export section during which a moderator removes the user's video (the build has
    already put its MP4 into the ZIP)."""
    from feed.models import Video

    for video in Video.objects.filter(author=user, status="published"):
        feed_services.hide_video(video, status="removed", reason="moderator")


def test_a_takedown_during_the_build_fails_the_export_and_keeps_no_file(
    alice_world, user, auth_client, settings, django_capture_on_commit_callbacks
):
    _add_writer(settings, "takedown_writer")
    client = auth_client(user)
    export_id = _export(client, django_capture_on_commit_callbacks)
    export = Export.objects.get(pk=export_id)
    assert (export.status, export.error, export.file) == ("failed", "content_withdrawn", "")
    assert not storage.file_exists(f"exports/{user.pk}/{export.pk.hex}.zip")

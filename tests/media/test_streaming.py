"""Files and streaming (API.md v1.1): every file URL a video hands out (the original, each
rendition, the thumbnail, `/v1/videos/{id}/content` variants, the HLS master, media playlists
and segments) answers Range with 206, carries ETag and Last-Modified (304 on a match), and stops
serving once the video is taken down, whatever URL a client kept.

The clip is real: rendered by the local renderer, post-processed (watermark, the original and
a 480p rendition in one decode pass, fMP4 HLS) and stored the way the pipeline stores it."""

import posixpath
import urllib.parse

import m3u8
import numpy as np
import pytest

from accounts.models import Cameo
from config import storage
from generation.models import GenerationJob, JobCameo
from generation.services.renditions import create_renditions, store_exactly, store_renditions
from media.probe import probe_video
from tests.cameos.test_takedown_files import PERMANENT, TAKEDOWNS
from tests.factories import JobFactory
from tests.media.streaming import assert_streams, body_of

pytestmark = pytest.mark.django_db


def store_job(user, processed, **fields) -> GenerationJob:
    """A succeeded job whose files are `processed`, stored as the pipeline stores them."""
    job = JobFactory(
        user=user, renditions=False, stored=processed.video_path.read_bytes(), **fields
    )
    stored = store_renditions(
        posixpath.dirname(job.video_file),
        processed,
        original_name=job.video_file,
        store=store_exactly,
    )
    create_renditions(job.pk, stored.rows)
    GenerationJob.objects.filter(pk=job.pk).update(hls_file=stored.hls_file)
    job.refresh_from_db()
    return job


@pytest.fixture
def carol_cameo(make_user):
    carol = make_user("carol")
    return Cameo.objects.create(
        owner=carol, status="active", permission="everyone", source_clip="cameos/carol.mp4"
    )


@pytest.fixture
def streamed(auth_client, other_user, carol_cameo, processed):
    """Bob publishes a real clip starring Carol; returns (video json, job)."""
    job = store_job(other_user, processed, prompt="@carol on a beach")
    JobCameo.objects.create(job=job, cameo=carol_cameo)
    response = auth_client(other_user).post(
        "/api/v1/videos", {"generation": str(job.id)}, format="json"
    )
    assert response.status_code == 201
    return response.json(), job


def _hls_urls(client, master_url: str) -> list[str]:
    """Every URL a player fetches for this master: media playlists, init segments, segments."""
    urls = []
    master = m3u8.loads(body_of(client.get(master_url)).decode())
    for variant in master.playlists:
        playlist_url = urllib.parse.urljoin(master_url, variant.uri)
        urls.append(playlist_url)
        media = m3u8.loads(body_of(client.get(playlist_url)).decode())
        urls.extend(urllib.parse.urljoin(playlist_url, s.uri) for s in media.segment_map)
        urls.extend(urllib.parse.urljoin(playlist_url, s.uri) for s in media.segments)
    return urls


def test_video_lists_renditions_largest_first_each_a_real_smaller_encode(
    client, auth_client, user, streamed, tmp_path
):
    video, job = streamed
    body = auth_client(user).get(f"/api/v1/videos/{video['id']}").json()
    assert [(r["width"], r["height"]) for r in body["renditions"]] == [(720, 1280), (480, 854)]
    original, small = body["renditions"]
    assert small["bitrate"] < original["bitrate"]
    assert original["url"] == body["video_url"]
    for rendition in body["renditions"]:
        data = assert_streams(client, rendition["url"])
        path = tmp_path / f"{rendition['height']}.mp4"
        path.write_bytes(data)
        probe = probe_video(path, require_audio=True)
        assert (probe.width, probe.height) == (rendition["width"], rendition["height"])
        assert (probe.video_codec, probe.audio_codec) == ("h264", "aac")
        assert probe.duration == pytest.approx(4.0, abs=0.15)
        # bitrate is the file's average over its duration
        assert rendition["bitrate"] == pytest.approx(len(data) * 8 / probe.duration, rel=0.05)


def test_hls_master_and_media_playlists_validate_and_segments_line_up(
    client, auth_client, user, streamed, tmp_path
):
    video, _ = streamed
    body = auth_client(user).get(f"/api/v1/videos/{video['id']}").json()
    master_url = body["hls_url"]
    response = client.get(master_url)
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    master = m3u8.loads(body_of(response).decode(), uri=master_url)
    assert master.is_variant and len(master.playlists) == 2
    listed = [(r["width"], r["height"]) for r in body["renditions"]]
    assert [v.stream_info.resolution for v in master.playlists] == listed
    durations = []
    for variant, rendition in zip(master.playlists, body["renditions"], strict=True):
        info = variant.stream_info
        assert info.bandwidth >= info.average_bandwidth >= rendition["bitrate"] * 0.9
        codecs = info.codecs.split(",")
        assert codecs[0].startswith("avc1.") and codecs[1] == "mp4a.40.2"
        playlist_url = urllib.parse.urljoin(master_url, variant.uri)
        media = m3u8.loads(body_of(client.get(playlist_url)).decode(), uri=playlist_url)
        assert media.playlist_type == "vod" and media.is_endlist
        assert media.target_duration >= max(s.duration for s in media.segments)
        assert media.segment_map and media.segment_map[0].uri == "init.mp4"
        durations.append([round(s.duration, 3) for s in media.segments])
        # init + segments are one playable fragmented MP4 of this rendition's size
        parts = [urllib.parse.urljoin(playlist_url, media.segment_map[0].uri)]
        parts += [urllib.parse.urljoin(playlist_url, s.uri) for s in media.segments]
        joined = tmp_path / f"{rendition['height']}.mp4"
        joined.write_bytes(b"".join(assert_streams(client, url) for url in parts))
        probe = probe_video(joined, require_audio=True)
        assert (probe.width, probe.height) == (rendition["width"], rendition["height"])
        assert probe.duration == pytest.approx(4.0, abs=0.2)
    # GOP-aligned: the same cut points in every rendition (a player can switch anywhere)
    assert durations[0] == durations[1] and len(durations[0]) >= 2
    assert sum(durations[0]) == pytest.approx(4.0, abs=0.1)


def test_playlists_are_served_and_conditional_like_any_file(client, auth_client, user, streamed):
    video, _ = streamed
    master_url = auth_client(user).get(f"/api/v1/videos/{video['id']}").json()["hls_url"]
    assert_streams(client, master_url)
    for url in _hls_urls(client, master_url)[:3]:
        assert_streams(client, url)


@pytest.mark.parametrize(
    "entry",
    ["../video.mp4", "720p/../../video.mp4", "../thumb.jpg", ".hidden", "720p//index.m3u8", "x"],
)
def test_hls_token_serves_nothing_outside_its_folder(client, streamed, entry):
    video, _ = streamed
    master_url = video["hls_url"]
    base = master_url.rsplit("/", 1)[0]
    assert client.get(master_url).status_code == 200
    assert client.get(f"{base}/{entry}").status_code == 404


def test_tampered_or_foreign_hls_token_is_404(client, auth_client, make_user, streamed, processed):
    video, job = streamed
    master_url = video["hls_url"]
    token = master_url.split("/files/", 1)[1].split("/", 1)[0]
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(master_url.replace(token, forged)).status_code == 404
    # A single-file token does not open a folder, and the other way round.
    file_token = video["video_url"].split("/files/", 1)[1]
    assert client.get(f"/files/{file_token}/master.m3u8").status_code == 404
    assert client.get(f"/files/{token}").status_code == 404


@pytest.mark.parametrize("take_down", TAKEDOWNS, ids=lambda f: f.__name__.strip("_"))
def test_every_kept_hls_and_rendition_url_stops_serving_after_takedown(
    client, auth_client, make_user, user, streamed, carol_cameo, take_down,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    video, _ = streamed
    body = auth_client(user).get(f"/api/v1/videos/{video['id']}").json()
    kept = [body["hls_url"], *_hls_urls(client, body["hls_url"])]
    kept += [r["url"] for r in body["renditions"]]
    assert all(client.get(url).status_code == 200 for url in kept)
    with django_capture_on_commit_callbacks(execute=True):
        take_down(auth_client, carol_cameo.owner, video["id"], make_user("mod", is_staff=True))
    assert [url for url in kept if client.get(url).status_code != 404] == []


@pytest.mark.parametrize("take_down", PERMANENT, ids=lambda f: f.__name__.strip("_"))
def test_permanent_takedown_deletes_every_rendition_and_hls_file(
    auth_client, make_user, streamed, carol_cameo, take_down,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    video, job = streamed
    folder = posixpath.dirname(job.video_file)
    assert len(storage.list_files(folder)) > 10
    with django_capture_on_commit_callbacks(execute=True):
        take_down(auth_client, carol_cameo.owner, video["id"], make_user("mod", is_staff=True))
    assert storage.list_files(folder) == []


@pytest.mark.parametrize("variant", ["video", "thumbnail", "spritesheet"])
def test_v1_content_variants_answer_ranges_etag_and_last_modified(
    auth_client, other_user, processed, variant
):
    job = store_job(other_user, processed)
    storage.delete_file(job.thumbnail_file)
    GenerationJob.objects.filter(pk=job.pk).update(
        thumbnail_file=storage.save_file(
            posixpath.dirname(job.video_file) + "/t.jpg", processed.thumbnail_path.read_bytes()
        ),
        preview_file=storage.save_file(
            posixpath.dirname(job.video_file) + "/p.jpg", processed.preview_path.read_bytes()
        ),
    )
    data = assert_streams(auth_client(other_user), f"/v1/videos/{job.id}/content?variant={variant}")
    expected = {"video": processed.video_path, "thumbnail": processed.thumbnail_path}
    expected["spritesheet"] = processed.preview_path
    assert data == expected[variant].read_bytes()


def test_v1_content_is_404_for_another_user(auth_client, user, other_user, processed):
    job = store_job(other_user, processed)
    response = auth_client(user).get(f"/v1/videos/{job.id}/content", HTTP_RANGE="bytes=0-9")
    assert response.status_code == 404


def test_thumbnail_and_avatar_urls_stream_too(client, auth_client, user, streamed):
    video, _ = streamed
    assert_streams(client, video["thumbnail_url"])
    avatar = storage.save_file("avatars/alice.jpg", b"\xff\xd8\xff\xe0 avatar bytes")
    assert_streams(client, storage.file_url(avatar))


def _fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_s3_presigned_urls_honour_range_and_carry_the_objects_md5_etag(
    s3_storage,
    client,
    auth_client,
    other_user,
    carol_cameo,
    processed,
):
    """On the S3 API (moto's server over real HTTP): the URL the API hands out redirects to a
    presigned URL that answers Range with 206 + Content-Range and carries S3's ETag (the MD5 of
    a single-part object, quoted), 304 on If-None-Match; playlists are answered by Cutaway
    (their relative URIs must keep the token), segments redirect to presigned URLs too."""
    import hashlib

    from accounts.services.cameos import revoke_cameo_consent

    job = store_job(other_user, processed, prompt="@carol in the snow")
    JobCameo.objects.create(job=job, cameo=carol_cameo)
    video = (
        auth_client(other_user)
        .post("/api/v1/videos", {"generation": str(job.id)}, format="json")
        .json()
    )
    data = processed.video_path.read_bytes()
    for url, expected in ((video["video_url"], data), (video["renditions"][1]["url"], None)):
        redirect = client.get(url)
        assert redirect.status_code == 302
        presigned = redirect["Location"]
        assert presigned.startswith(s3_storage) and "X-Amz-Signature" in presigned
        status, headers, whole = _fetch(presigned)
        assert status == 200 and (expected is None or whole == expected)
        assert headers["ETag"] == f'"{hashlib.md5(whole).hexdigest()}"'  # noqa: S324
        status, headers, part = _fetch(presigned, Range="bytes=100-199")
        assert status == 206
        assert headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
        assert part == whole[100:200]
        assert _fetch(presigned, **{"If-None-Match": headers["ETag"]})[0] == 304

    master = client.get(video["hls_url"])
    assert master.status_code == 200 and master["Accept-Ranges"] == "bytes"
    assert body_of(master).startswith(b"#EXTM3U")
    segment_urls = _hls_urls(client, video["hls_url"])
    segment = client.get(segment_urls[-1])
    assert segment.status_code == 302
    status, headers, part = _fetch(segment["Location"], Range="bytes=0-7")
    assert status == 206 and headers["Content-Range"].startswith("bytes 0-7/")

    revoke_cameo_consent(carol_cameo.owner)
    assert client.get(video["hls_url"]).status_code == 404
    assert all(client.get(url).status_code == 404 for url in segment_urls)


def test_every_rendition_is_encoded_from_the_same_watermarked_frames(processed):
    """The smaller rendition is the original's watermarked frames scaled down (one decode
    pass): inside the watermark's box it matches the scaled original, not the scaled source."""
    import av

    from generation.postprocess import place_watermark, watermark_label, watermark_overlay

    original, small = processed.renditions
    assert (small.width, small.height) < (original.width, original.height)
    scale = small.width / original.width
    mark = watermark_overlay(watermark_label("bob"), width=original.width, height=original.height)

    def gray(path, size):
        with av.open(str(path)) as container:
            return [
                f.reformat(width=size[0], height=size[1], format="gray")
                .to_ndarray()
                .astype("float32")
                for f in container.decode(container.streams.video[0])
            ]

    size = (small.width, small.height)
    source, big, little = (
        gray(processed.source_path, size),
        gray(original.video_path, size),
        gray(small.video_path, size),
    )
    assert len(little) == len(big) == len(source)
    for index in (10, 50, 95):
        place_watermark(mark, index / 24, width=original.width, height=original.height)
        top, left = int(mark.top * scale), int(mark.left * scale)
        box = (
            slice(top, top + int(mark.height * scale)),
            slice(left, left + int(mark.width * scale)),
        )
        to_original = float(np.mean(np.abs(little[index][box] - big[index][box])))
        to_source = float(np.mean(np.abs(little[index][box] - source[index][box])))
        assert to_original < 9 and to_source > 2 * to_original, (index, to_original, to_source)

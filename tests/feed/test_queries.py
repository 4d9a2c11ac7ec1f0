"""Every list endpoint costs the same number of queries for 2 items as for 20."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Cameo
from accounts.services.users import follow_user
from feed.models import Comment
from feed.services import like_video
from generation.models import JobCameo


@pytest.fixture
def world(user, make_user, make_video):
    """`world(n)`: n videos by n different followed authors, each with 2 cameos, some liked,
    each remixing one source video and commenting on it; the source's author posts n more."""

    def build(n):
        owner = make_user(f"src{n}")
        source = make_video(owner, likes=1)
        for i in range(n):
            author = make_user(f"maker{n}x{i}")
            follow_user(user, author)
            video = make_video(author, likes=i, remix_of=source)
            for j in range(2):
                cameo_owner = make_user(f"face{n}x{i}x{j}")
                cameo = Cameo.objects.create(owner=cameo_owner, status="active", source_clip="c")
                JobCameo.objects.create(job=video.job, cameo=cameo)
            if i % 2:
                like_video(user, video.pk)
            Comment.objects.create(video=source, author=author, body=f"c{i}")
            own = make_video(owner, likes=i)  # the source's author posts n more videos too
            JobCameo.objects.create(job=own.job, cameo=cameo)
            if i % 2:
                like_video(user, own.pk)
        return owner, source

    return build


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/feed?page_size=20",
        "/api/v1/feed/following",
        "/api/v1/users/{owner}/videos",
        "/api/v1/videos/{source}/comments",
        "/api/v1/videos/{source}/remixes",
    ],
)
def test_list_query_count_is_constant(auth_client, user, world, url, django_assert_max_num_queries):
    client = auth_client(user)
    counts = []
    for n in (2, 20):
        owner, source = world(n)
        path = url.format(owner=owner.handle, source=source.id)
        queries, body = count(client, path)
        assert len(body["results"]) >= n
        counts.append(queries)
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(12):
        client.get(path)


def test_cameos_and_liked_by_me_in_page(auth_client, user, world):
    world(3)
    results = auth_client(user).get("/api/v1/feed/following").json()["results"]
    assert all(len(v["cameos"]) == 2 for v in results)
    assert sorted(v["liked_by_me"] for v in results) == [False, False, True]


def test_next_feed_page_is_cheap(auth_client, user, world, django_assert_max_num_queries):
    world(20)
    client = auth_client(user)
    nxt = client.get("/api/v1/feed?page_size=5").json()["next"]
    with django_assert_max_num_queries(5):  # auth user, page, likes, cameos
        assert client.get(nxt).status_code == 200


def test_for_you_pages_serialize_exactly_like_the_video_serializer(auth_client, user, world):
    """On PostgreSQL for-you pages are built from tuples by a compiled query (cameos as one
    array per row), not by VideoSerializer; the JSON must be the same."""
    from config.renderers import JSONRenderer
    from feed import selectors
    from feed.models import Video
    from feed.serializers import VideoSerializer

    world(4)
    client = auth_client(user)
    body = client.get("/api/v1/feed?page_size=5").json()
    results = body["results"] + client.get(body["next"]).json()["results"]
    ids = [video["id"] for video in results]
    videos = selectors.with_page_data(
        list(selectors.page_videos(Video.objects.filter(pk__in=ids), user)), user
    )
    # As the API renders it (datetimes are written by config/renderers.py).
    expected = {
        str(video.id): json.loads(JSONRenderer().render(VideoSerializer(video).data))
        for video in videos
    }
    assert results == [expected[i] for i in ids]
    assert sum(len(video["cameos"]) for video in results) >= 8
    assert any(video["liked_by_me"] for video in results)

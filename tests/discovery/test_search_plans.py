"""The search queries use their indexes (EXPLAIN on PostgreSQL), on a catalogue big enough for
the planner to prefer them over a sequential scan; and a query with nothing to look for never
reaches the database.

What is asserted: the tables a query selects from by its text (documents, users, hashtags)
are read through their GIN indexes, and feed_video is reached by primary key from the
matched ids, never scanned.

Rows are bulk-inserted (a few thousand videos through publish_video would take minutes); the
documents are written by the same SQL the service uses (to_tsvector('simple', words)).
"""

import random
import re

import factory
import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from discovery.models import Hashtag, VideoDocument
from discovery.search import (
    parse_query,
    popularity_class,
    search_hashtags,
    search_users,
    search_videos,
)
from feed import ranking
from feed.models import Video
from generation.models import GenerationJob
from tests.factories import JobFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's"
)

N = 8000
WORDS = [
    "sun",
    "sea",
    "sky",
    "city",
    "night",
    "neon",
    "cat",
    "dog",
    "kite",
    "wave",
    "surf",
    "forest",
    "rain",
    "snow",
    "road",
]


@pytest.fixture
def catalogue(db, make_user):
    rng = random.Random(5)
    viewer = make_user("viewer")
    users = User.objects.bulk_create(
        [User(handle=_name(rng, i), email="", display_name=_name(rng, i).title()) for i in range(N)]
    )
    jobs = GenerationJob.objects.bulk_create(
        [GenerationJob(**_job_fields(users[i])) for i in range(N)]
    )
    from django.utils import timezone

    now = timezone.now()
    videos = Video.objects.bulk_create(
        [
            Video(
                job=job,
                author_id=job.user_id,
                caption=" ".join(rng.sample(WORDS, 3)) + f" clip{i}",
                hot_base=ranking.recency(now),
                hot_score=ranking.recency(now),
                like_count=rng.randrange(100),
            )
            for i, job in enumerate(jobs)
        ]
    )
    VideoDocument.objects.bulk_create(
        [
            VideoDocument(
                video=v, words=v.caption.lower(), popularity=popularity_class(v.like_count, 0, 0)
            )
            for v in videos
        ]
    )
    Hashtag.objects.bulk_create([Hashtag(name=f"tag{i}") for i in range(N)])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE discovery_videodocument SET document = to_tsvector('simple', words)")
        for table in (
            "discovery_videodocument",
            "feed_video",
            "accounts_user",
            "discovery_hashtag",
        ):
            cursor.execute(f"ANALYZE {table}")
    return viewer


def _name(rng, i) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)) + str(i)


def _job_fields(user) -> dict:
    fields = factory.build(dict, FACTORY_CLASS=JobFactory, user=user)
    for option in ("stored", "renditions"):  # JobFactory's options, not model fields
        fields.pop(option, None)
    return fields


def plan(queryset) -> str:
    return queryset.explain()


def test_video_search_uses_the_gin_index(catalogue):
    for q in ("clip123", "kite clip77"):
        with CaptureQueriesContext(connection) as ranked:
            found = search_videos(catalogue, parse_query(q))
        text = plan(found.order_by("-score")[:21])
        # the bounded ranking of the matches, on the document table alone
        matches_plan = (
            connection.ops.explain_query_prefix() + " " + ranked.captured_queries[-1]["sql"]
        )
        with connection.cursor() as cursor:
            cursor.execute(matches_plan)
            matches_text = "\n".join(row[0] for row in cursor.fetchall())
        assert "discovery_videodocument_gin" in matches_text, matches_text
        assert "Seq Scan" not in matches_text, matches_text
        assert "Seq Scan on discovery_videodocument" not in text, text
        assert "Seq Scan on feed_video" not in text, text


def _candidates_plan(q: str, viewer) -> str:
    """EXPLAIN ANALYZE of the candidates statement (the first query of search_videos)."""
    with CaptureQueriesContext(connection) as ranked:
        search_videos(viewer, parse_query(q))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + ranked.captured_queries[0]["sql"])
        return cursor.fetchone()[0]


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


@override_settings(SEARCH_MAX_MATCHES=50)
def test_a_common_word_walks_the_popularity_index_and_stops_at_the_cap(catalogue):
    """'kite' is in a fifth of the catalogue (1,600 documents): the candidates are read by
    walking video_document_popular until 50 match, not by reading and sorting every match."""
    explained = _candidates_plan("kite", catalogue)
    nodes = list(_nodes(explained[0]["Plan"]))
    walks = [n for n in nodes if n.get("Index Name") == "video_document_popular"]
    # (an index-only scan once the table is vacuumed: the index carries the document)
    assert walks and walks[0]["Node Type"] in ("Index Scan", "Index Only Scan"), nodes
    assert not any(n["Node Type"] in ("Seq Scan", "Sort") for n in nodes), nodes
    # the walk stopped after the 50th match: it read far fewer rows than match
    read = walks[0]["Actual Rows"] + walks[0].get("Rows Removed by Filter", 0)
    assert walks[0]["Actual Rows"] == 50 and read < 1000, walks[0]


@override_settings(SEARCH_MAX_MATCHES=50)
def test_the_capped_candidates_are_the_most_popular_matches_ranked_by_score(catalogue):
    """More matches than the cap: the results are the 50 matches of highest popularity class
    (ties by id), ordered by ts_rank × popularity — module docstring of discovery.search."""
    found = list(
        search_videos(catalogue, parse_query("kite")).order_by("-score", "-pk").values("pk")
    )
    expected = list(
        VideoDocument.objects.filter(words__contains="kite")
        .order_by("-popularity", "-video_id")
        .values_list("video_id", flat=True)[:50]
    )
    assert {row["pk"] for row in found} == set(expected)
    scores = list(
        search_videos(catalogue, parse_query("kite"))
        .order_by("-score", "-pk")
        .values_list("score", flat=True)
    )
    assert scores == sorted(scores, reverse=True) and len(scores) == 50


def test_user_search_uses_the_trigram_indexes(catalogue):
    handle = (
        User.objects.exclude(pk=catalogue.pk).order_by("pk").values_list("handle", flat=True)[123]
    )
    with CaptureQueriesContext(connection) as candidates:
        found = search_users(catalogue, parse_query(handle[:6]))
    (statement,) = [q["sql"] for q in candidates.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute(connection.ops.explain_query_prefix() + " " + statement)
        candidates_plan = "\n".join(row[0] for row in cursor.fetchall())
    # the capped candidates from the indexes, then the ranked users by primary key
    assert "Seq Scan on accounts_user" not in candidates_plan, candidates_plan
    assert "trgm" in candidates_plan, candidates_plan
    text = plan(found.order_by("-score")[:21])
    assert "Seq Scan on accounts_user" not in text, text
    assert "accounts_user_pkey" in text, text
    assert found.filter(handle=handle).exists()


def test_hashtag_search_uses_the_trigram_index(catalogue):
    text = plan(search_hashtags(catalogue, parse_query("#tag512")).order_by("-score")[:21])
    # the table itself, not discovery_hashtagfollow (a few rows: scanned for followed_by_me
    # once earlier tests have left its statistics small)
    assert not re.search(r"Seq Scan on discovery_hashtag\s", text), text
    assert "discovery_hashtag_name_trgm" in text, text


@pytest.mark.parametrize("q", ["-", "OR", "- or -", '"" -""'])
def test_operator_only_queries_run_no_query(q, catalogue, auth_client, django_assert_num_queries):
    client = auth_client(catalogue)
    client.get("/api/v1/search", {"q": "warm-up"})  # the viewer's session queries, once
    with django_assert_num_queries(1):  # the viewer (token auth), nothing else
        response = client.get("/api/v1/search", {"q": q})
    assert response.status_code == 200 and response.json()["results"] == []


@override_settings(SEARCH_MAX_MATCHES=3)
def test_a_prefix_on_many_handles_ranks_a_bounded_set_with_the_exact_handle(
    db, make_user, auth_client
):
    """'sam' starts ten handles and is like all of them: the ranking sees at most the cap of
    each (prefix, similar) plus the exact handle, and the exact handle comes first."""
    viewer = make_user("viewer")
    for i in range(10):
        make_user(f"sam{i}")
    make_user("sam")
    body = auth_client(viewer).get("/api/v1/search", {"q": "sam", "type": "users"}).json()
    handles = [row["handle"] for row in body["results"]]
    assert handles[0] == "sam"
    assert 1 < len(handles) <= 7 and body["next"] is None

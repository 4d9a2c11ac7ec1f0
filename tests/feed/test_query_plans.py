"""The feed's hot queries are index walks (EXPLAIN on PostgreSQL), over a catalogue big enough
for the planner to choose freely: for-you candidates (every branch: hot top, followed authors,
remixes of liked videos, followed hashtags), the for-you page, following (first and next
page), the like, and the hashtag pages (top and new). A `Seq Scan` of feed_video, feed_like
or accounts_follow fails the test (issue 21: the remix branch read the whole of feed_video
at 100k videos).

Rows are bulk-inserted in SQL (copies of one template job and video made by the factories,
with generated ids), then ANALYZEd, so the planner sees the table sizes and distributions.
"""

import json

import pytest
from django.db import connection

from accounts.models import Follow, User
from discovery.models import Hashtag, HashtagFollow, VideoHashtag
from feed import ranking, selectors
from feed.models import Like, Video
from feed.services import like_video

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's"
)

VIDEOS = 20_000
USERS = 400
FOLLOWS_PER_USER = 25
LIKES_PER_USER = 150
# every 200th video remixes an older one: with remixes rare, as in a young catalogue (the
# seed's have none), the old `remix_of_id IN (liked)` was a sequential scan of feed_video
REMIX_EVERY = 200
TAGS = 200
HOT_TABLES = {"feed_video", "feed_like", "accounts_follow"}


def _copy_rows(table: str, template_id, count: int, overrides: dict) -> None:
    """INSERT `count` copies of the template row of `table`, with `overrides` ({column: SQL
    expression of g, the 0-based series number}) for the columns that must differ."""
    columns = [
        c.name for c in connection.introspection.get_table_description(connection.cursor(), table)
    ]
    values = [overrides.get(c, f"t.{c}").replace("%", "%%") for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)}"  # noqa: S608
            f" FROM {table} t, generate_series(0, %s) g WHERE t.id = %s",
            [count - 1, template_id],
        )


@pytest.fixture
def catalogue(db, make_user, make_video):
    viewer = make_user("viewer")
    template = make_video(make_user("template"))
    users = User.objects.bulk_create(
        [User(handle=f"maker{i}", email="", display_name=f"Maker {i}") for i in range(USERS)]
    )
    first, last = users[0].pk, users[-1].pk
    assert last - first == USERS - 1
    user_of = f"({first} + g % {USERS})"
    video_id = "md5('video' || g)::uuid"
    _copy_rows(
        "generation_generationjob",
        template.job_id,
        VIDEOS,
        {"id": "md5('job' || g)::uuid", "user_id": user_of, "idempotency_key": "NULL"},
    )
    _copy_rows(
        "feed_video",
        template.pk,
        VIDEOS,
        {
            "id": video_id,
            "job_id": "md5('job' || g)::uuid",
            "author_id": user_of,
            "published_at": "now() - g * interval '1 minute'",
            "hot_score": "t.hot_score - g * 0.001",
            "like_count": "g % 97",
            # every REMIX_EVERY-th video remixes the one 7 places older (None for the others)
            "remix_of_id": f"CASE WHEN g % {REMIX_EVERY} = 0 AND g + 7 < {VIDEOS}"
            " THEN md5('video' || (g + 7))::uuid END",
            "visibility": "CASE WHEN g % 20 = 3 THEN 'followers' ELSE 'public' END",
        },
    )
    tags = Hashtag.objects.bulk_create([Hashtag(name=f"tag{i}") for i in range(1, TAGS + 1)])
    HashtagFollow.objects.bulk_create([HashtagFollow(user=viewer, hashtag=t) for t in tags[:5]])
    with connection.cursor() as cursor:
        # everyone (the viewer too) follows FOLLOWS_PER_USER makers and likes LIKES_PER_USER
        # videos, the viewer among them the sources of remixes
        cursor.execute(
            "INSERT INTO accounts_follow (follower_id, followee_id, created_at)"
            " SELECT u.id, %s + (u.id * 7 + k) %% %s, now() FROM accounts_user u,"
            " generate_series(1, %s) k WHERE u.id <> %s AND %s + (u.id * 7 + k) %% %s <> u.id",
            [first, USERS, FOLLOWS_PER_USER, template.author_id, first, USERS],
        )
        cursor.execute(
            "INSERT INTO feed_like (user_id, video_id, created_at)"
            " SELECT u.id, md5('video' || ((u.id * 131 + k * 13) %% %s))::uuid,"
            " now() - k * interval '1 second' FROM accounts_user u, generate_series(1, %s) k"
            " ON CONFLICT DO NOTHING",
            [VIDEOS, LIKES_PER_USER],
        )
        cursor.execute(  # and the viewer liked the sources of 20 remixes
            "INSERT INTO feed_like (user_id, video_id, created_at)"
            " SELECT %s, md5('video' || (g + 7))::uuid, now() - g * interval '1 ms'"
            " FROM generate_series(0, %s, %s) g LIMIT 20 ON CONFLICT DO NOTHING",
            [viewer.pk, VIDEOS - 8, REMIX_EVERY],
        )
        cursor.execute(
            "INSERT INTO discovery_videohashtag (video_id, hashtag_id, published_at, hot_score)"
            " SELECT v.id, h.id, v.published_at, v.hot_score FROM feed_video v"
            " JOIN discovery_hashtag h"
            " ON h.name = 'tag' || (1 + abs(hashtext(v.id::text)) %% %s)",
            [TAGS],
        )
        for table in (
            "accounts_user",
            "accounts_follow",
            "generation_generationjob",
            "feed_video",
            "feed_like",
            "discovery_hashtag",
            "discovery_videohashtag",
            "discovery_hashtagfollow",
        ):
            cursor.execute(f"ANALYZE {table}")
    assert Video.objects.filter(remix_of__isnull=False).count() >= VIDEOS // REMIX_EVERY - 2
    return viewer


def explain(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        (plan,) = cursor.fetchone()
    return json.dumps(plan if isinstance(plan, list) else json.loads(plan), indent=1)


def plan_of(queryset) -> str:
    return explain(*queryset.query.sql_with_params())


def _scans(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _scans(child)


def assert_index_walks(text: str) -> None:
    """No sequential scan of the hot tables, and no index scan of them without an index
    condition (a walk of the whole index — how the old remix branch read feed_video when the
    planner chose a merge join instead of a hash)."""
    for node in _scans(json.loads(text)[0]["Plan"]):
        if node.get("Relation Name") not in HOT_TABLES:
            continue
        kind = node["Node Type"]
        assert kind != "Seq Scan", text
        if kind in ("Index Scan", "Index Only Scan"):
            assert "Index Cond" in node, text


class Statements:
    """Records (sql, params) of the data statements run inside it, as sent to the driver (a
    connection execute_wrapper), to EXPLAIN each with its own parameters."""

    def __init__(self):
        self.seen: list[tuple] = []

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("SELECT", "WITH", "INSERT", "UPDATE")):
            self.seen.append((sql, params))
        return execute(sql, params, many, context)

    def plans(self) -> list[str]:
        assert self.seen
        return [explain(sql, params) for sql, params in self.seen]


def test_each_candidate_branch_is_an_index_walk(catalogue):
    branches = selectors.candidate_branches(catalogue)
    assert len(branches) >= 4  # hot top, followed, remixes, followed hashtags
    found = set()
    for number, branch in enumerate(branches):
        assert_index_walks(plan_of(branch))
        if list(branch):
            found.add(number)
    # the fixture gives every branch something to find, so each plan is a real one
    assert found == set(range(len(branches)))


def test_the_remix_branch_walks_the_remix_index(catalogue):
    remixes = selectors.candidate_branches(catalogue)[2]
    text = plan_of(remixes)
    assert_index_walks(text)
    assert '"Index Name": "feed_video_remix_o_c87533_idx"' in text, text
    liked = set(Like.objects.filter(user=catalogue).values_list("video_id", flat=True))
    rows = list(remixes)
    assert rows and all(row[2] in liked for row in rows)  # remix_of_id: a liked video


def test_the_candidates_statement_is_an_index_walk(catalogue):
    sql, params = selectors.candidates_query(catalogue).query.sql_with_params()
    assert_index_walks(explain(sql, params))
    assert len(selectors.for_you_candidates(catalogue)) > 400


def test_the_page_query_is_an_index_walk(catalogue):
    wanted = [c.id for c in selectors.for_you_candidates(catalogue)[:20]]
    sql, params = selectors._for_you_page_query(catalogue).query.sql_with_params()
    sentinel = list(selectors._SENTINEL_IDS)
    params = [wanted if p == sentinel else p for p in params]
    assert wanted in params
    assert_index_walks(explain(sql, params))
    assert len(selectors.for_you_page_rows(catalogue, wanted)) == len(wanted)


def test_following_pages_are_index_walks(catalogue):
    first, after = Statements(), Statements()
    with connection.execute_wrapper(first):
        page = selectors.following_ids(catalogue, limit=21)
    assert len(page) == 21
    with connection.execute_wrapper(after):
        assert selectors.following_ids(catalogue, before=page[-1][::-1], limit=21)
    for text in first.plans() + after.plans():
        assert_index_walks(text)


def test_the_like_is_an_index_walk(catalogue):
    video = Video.objects.exclude(likes__user=catalogue).filter(visibility="public").first()
    statements = Statements()
    with connection.execute_wrapper(statements):
        assert like_video(catalogue, video.pk) is True
    for text in statements.plans():
        assert_index_walks(text)


def test_the_signals_statement_is_an_index_walk(catalogue):
    """Follows, latest likes and their authors: the authors are primary-key lookups, not a
    hash join against a scan of feed_video (what the join became at 10k videos)."""
    params = {"user": catalogue.pk, "liked": ranking.LIKED_HISTORY_N}
    assert_index_walks(explain(selectors.SIGNALS_SQL, params))
    signals = selectors.feed_signals(catalogue)
    liked = Like.objects.filter(user=catalogue).order_by("-created_at")
    assert signals.liked_videos == set(liked.values_list("video_id", flat=True)[:200])
    assert signals.liked_authors == set(liked.values_list("video__author_id", flat=True)[:200])
    assert signals.followed == set(
        Follow.objects.filter(follower=catalogue).values_list("followee_id", flat=True)
    )


@pytest.fixture
def tagged(catalogue):
    """#common on half the catalogue, #mid on one video in 20 (beside the 200 small tags)."""
    with connection.cursor() as cursor:
        for name, every in (("common", 2), ("mid", 20)):
            tag = Hashtag.objects.create(name=name)
            cursor.execute(
                "INSERT INTO discovery_videohashtag (video_id, hashtag_id, published_at, hot_score)"
                " SELECT id, %s, published_at, hot_score FROM feed_video"
                " WHERE abs(hashtext(id::text)) %% %s = 0",
                [tag.pk, every],
            )
        cursor.execute("ANALYZE discovery_videohashtag")
    return catalogue


@pytest.mark.parametrize("tag", ["common", "mid", "tag7"])
@pytest.mark.parametrize("sort", ["top", "new"])
def test_hashtag_pages_walk_the_tags_index(sort, tag, tagged, auth_client):
    """A hashtag page reads one page of the tag's rows in its order (video_hashtag_top or
    video_hashtag_new) and reaches feed_video by primary key: no scan, and no sort of the
    tag's videos, whether the tag is on half the catalogue or on a hundred videos (`top`
    sorted every video of the tag while it ordered feed_video itself: 680 ms for #fyp at 1M)."""
    client = auth_client(tagged)
    url = f"/api/v1/hashtags/{tag}?sort={sort}"
    client.get(url)  # the viewer's session queries, once
    statements = Statements()
    with connection.execute_wrapper(statements):
        assert len(client.get(url).json()["results"]) == 20
    (text,) = [
        explain(sql, params)
        for sql, params in statements.seen
        if sql.startswith('SELECT "discovery_videohashtag"') and "ORDER BY" in sql
    ]
    assert_index_walks(text)
    nodes = list(_scans(json.loads(text)[0]["Plan"]))
    assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")], text
    index = "video_hashtag_top" if sort == "top" else "video_hashtag_new"
    assert index in {n.get("Index Name") for n in nodes}, text


def test_followed_hashtag_matches_read_the_candidates_rows(tagged):
    """Which candidates carry a followed tag: read by (video, hashtag) for the candidates,
    not by walking each followed tag's rows (as a join with the follows, the planner walked
    #fyp's 264k rows at 1M videos for a few hundred candidates: 334 ms)."""
    from discovery.interests import FollowedHashtags

    HashtagFollow.objects.bulk_create(
        [
            HashtagFollow(user=tagged, hashtag=t)
            for t in Hashtag.objects.filter(name__in=["common", "mid"])
        ]
    )
    candidates = [c.id for c in selectors.for_you_candidates(tagged)]
    statements = Statements()
    with connection.execute_wrapper(statements):
        found = FollowedHashtags().matches(tagged, candidates)
    (text,) = statements.plans()
    nodes = list(_scans(json.loads(text)[0]["Plan"]))
    indexes = {n["Index Name"] for n in nodes if "Index Name" in n}
    assert "video_hashtag_unique" in indexes, text
    assert not indexes & {"video_hashtag_new", "video_hashtag_top"}, text
    scanned = {n.get("Relation Name") for n in nodes if n["Node Type"] == "Seq Scan"}
    assert "discovery_videohashtag" not in scanned, text
    followed = set(HashtagFollow.objects.filter(user=tagged).values_list("hashtag_id", flat=True))
    expected = set(
        VideoHashtag.objects.filter(video_id__in=candidates, hashtag_id__in=followed).values_list(
            "video_id", flat=True
        )
    )
    assert len(expected) > 100  # #common is on half the candidates
    assert set(found) == expected


def _with_parents(node: dict, parents=()):
    yield node, parents
    for child in node.get("Plans", ()):
        yield from _with_parents(child, (*parents, node))


def test_the_candidates_interest_bits_are_read_from_the_rows(tagged):
    """Whether each candidate carries a followed tag is read from the candidate's own row
    (feed_video.hashtag_ids against the followed tags), with no read of the tag rows per
    candidate; the only walk of a tag's rows is the followed-tag branch's, bounded by its
    LIMIT. As a probe per row it cost ~5 µs a candidate at 1M videos (3 ms a first page);
    as a plain EXISTS the planner hashed every row of the followed tags (#common: half the
    catalogue) once per branch."""
    common = Hashtag.objects.get(name="common")
    HashtagFollow.objects.create(user=tagged, hashtag=common)
    sql, params = selectors.candidates_query(tagged).query.sql_with_params()
    text = explain(sql, params)
    assert_index_walks(text)
    reads = [
        (node, parents)
        for node, parents in _with_parents(json.loads(text)[0]["Plan"])
        if node.get("Relation Name") == "discovery_videohashtag"
    ]
    assert len(reads) == 1, text  # the followed-tag branch
    ((node, parents),) = reads
    assert node.get("Index Name") == "video_hashtag_new", text
    assert parents[-1]["Node Type"] == "Limit", text
    assert "hashtag_ids &&" in sql
    candidates = selectors.for_you_candidates(tagged)
    carrying = set(
        VideoHashtag.objects.filter(
            video_id__in=[c.id for c in candidates],
            hashtag__follows__user=tagged,
        ).values_list("video_id", flat=True)
    )
    assert len(carrying) > 100  # #common is on half the candidates
    assert {c.id for c in candidates if c.interests} == carrying
    assert set(selectors.candidate_interests(candidates)) == carrying


def test_a_caller_without_followed_tags_pays_no_interest_probe(tagged):
    """Most callers follow no tag: the interest bit is answered without touching
    discovery_videohashtag (a probe per candidate against an empty list cost 1 ms at 1M)."""
    HashtagFollow.objects.filter(user=tagged).delete()
    sql, params = selectors.candidates_query(tagged).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        (plan,) = cursor.fetchone()
    root = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]
    loops = [
        node["Actual Loops"]
        for node in _scans(root)
        if node.get("Relation Name") == "discovery_videohashtag"
    ]
    assert loops and not any(loops), json.dumps(root, indent=1)
    candidates = selectors.for_you_candidates(tagged)
    assert len(candidates) > 400 and not any(c.interests for c in candidates)


def test_the_candidates_generic_plan_is_an_index_walk(catalogue):
    """The candidates run as a prepared statement, so after five calls PostgreSQL may plan
    them once for any caller. Only the user id is a parameter (constants are literals in the
    SQL): with `status = $n` the generic plan guessed a few published videos and sorted every
    one of them for the hot-score top (a bitmap scan of 9,226 rows at 10k videos) instead of
    walking the hot-score index."""
    sql, params = selectors._compiled(selectors.candidates_query)
    assert set(params) == {selectors._SENTINEL_USER}
    assert "'published'" in sql and "'public'" in sql
    prepared = sql.replace("%s", "$1").replace("%%", "%")
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            cursor.execute(f"PREPARE candidates_generic(bigint) AS {prepared}")
            cursor.execute("EXPLAIN (FORMAT JSON) EXECUTE candidates_generic(%s)", [catalogue.pk])
            (plan,) = cursor.fetchone()
        finally:
            cursor.execute("DEALLOCATE ALL")
            cursor.execute("RESET plan_cache_mode")
    text = json.dumps(plan if isinstance(plan, list) else json.loads(plan), indent=1)
    assert_index_walks(text)
    top = json.loads(text)[0]["Plan"]["Plans"][0]  # the hot-score branch, first of the union
    assert not [n for n in _scans(top) if n["Node Type"] in ("Sort", "Bitmap Heap Scan")
                and n.get("Relation Name", "feed_video") == "feed_video"], text  # fmt: skip
    assert len(selectors.for_you_candidates(catalogue)) > 400


def test_inlined_constants_are_quoted_by_the_driver(db):
    """_compiled writes every non-sentinel value into the SQL text: a quote, a backslash, a
    `%` or an injection attempt comes back as the same value, and the sentinels stay
    parameters."""
    hostile = "it's 100% \\ '); DROP TABLE feed_video; --"
    sql, params = selectors._inline_constants(
        "SELECT %s::text, %s::bigint, %s::text LIKE '%%'", [hostile, selectors._SENTINEL_USER, "x"]
    )
    assert params == (selectors._SENTINEL_USER,)
    with connection.cursor() as cursor:
        cursor.execute(sql, [7])
        assert cursor.fetchone() == (hostile, 7, True)

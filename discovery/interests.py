"""Followed hashtags as an interest source of the for-you ranking (feed/interests.py)."""

from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from discovery.models import HashtagFollow, VideoHashtag

# At most this many followed tags are read per feed session, and this many newest videos of
# each: bounded work however many tags a user follows or videos a tag has.
FOLLOWED_TAGS_MAX = 200
PER_TAG = 20
CANDIDATES_N = 100


# Each candidate's rows by one (video, hashtag) index lookup, filtered by the followed tags
# (an InitPlan array); the names only of the rows kept, by primary key.
FOLLOWED_TAGS_OF_SQL = (
    "SELECT c.id, (SELECT name FROM discovery_hashtag WHERE id = t.hashtag_id) AS name"
    " FROM unnest(%s::uuid[]) AS c(id) CROSS JOIN LATERAL"
    " (SELECT hashtag_id FROM discovery_videohashtag WHERE video_id = c.id OFFSET 0) t"
    " WHERE t.hashtag_id = ANY(ARRAY("
    "SELECT hashtag_id FROM discovery_hashtagfollow WHERE user_id = %s)) ORDER BY c.id, name"
)


# Candidate rows' interest bit (candidate_match): the row's own copy of its tag ids
# (feed_video.hashtag_ids, migration 0005) against the followed tags, an InitPlan array.
FOLLOWED_TAG_MATCH_SQL = (
    "feed_video.hashtag_ids && ARRAY("
    "SELECT hashtag_id FROM discovery_hashtagfollow WHERE user_id = %s)"
)


class FollowedHashtags:
    component = "followed_hashtag"
    boost = 0.4  # ≈ 2.5× engagement: between "liked this creator" and "follows the creator"

    def candidate_filter(self, user):
        """The newest videos of the caller's followed tags.

        On PostgreSQL a LATERAL join walks each followed tag's (hashtag, -published_at, -id)
        index for PER_TAG rows (a popular tag costs PER_TAG rows, not its catalogue), as an
        InitPlan evaluated once (`id = ANY(ARRAY(…))`, as feed's followed authors). Elsewhere
        a plain semi-join does.
        """
        if connection.vendor != "postgresql":
            tags = HashtagFollow.objects.filter(user=user).values("hashtag_id")
            return Q(pk__in=VideoHashtag.objects.filter(hashtag_id__in=tags).values("video_id"))
        # Only parameters vary.
        return RawSQL(  # noqa: S611
            "feed_video.id = ANY(ARRAY("
            "SELECT v.video_id FROM (SELECT hashtag_id FROM discovery_hashtagfollow"
            " WHERE user_id = %s ORDER BY hashtag_id LIMIT %s) AS f(id) CROSS JOIN LATERAL ("
            " SELECT video_id, published_at, id FROM discovery_videohashtag"
            " WHERE hashtag_id = f.id ORDER BY published_at DESC, id DESC LIMIT %s) v"
            " ORDER BY v.published_at DESC, v.id DESC LIMIT %s))",
            [user.pk, FOLLOWED_TAGS_MAX, PER_TAG, CANDIDATES_N],
            output_field=BooleanField(),
        )

    def candidate_match(self, user):
        """Whether the feed_video row carries a tag the caller follows.

        On PostgreSQL an overlap of the row's hashtag_ids (the copy of its tag rows that
        migration 0005's triggers keep) with the followed tags: nothing to read per
        candidate. One (video, hashtag) probe per candidate had cost ~5 µs a row at 1M
        videos, 3 ms of a first page (likes rewrite the tag rows, so the probes visit the
        heap); as a plain EXISTS the planner hashed every row of the followed tags instead.
        Elsewhere (SQLite) the probe does."""
        if connection.vendor != "postgresql":
            tags = HashtagFollow.objects.filter(user=user).values("hashtag_id")
            return Exists(VideoHashtag.objects.filter(video_id=OuterRef("pk"), hashtag_id__in=tags))
        return RawSQL(  # noqa: S611 - only the user id varies, as a parameter
            FOLLOWED_TAG_MATCH_SQL, [user.pk], output_field=BooleanField()
        )

    def matches(self, user, video_ids: list) -> dict:
        """{video id: reason} for the candidates carrying a tag the caller follows."""
        tags: dict = {}
        for video_id, name in self._followed_tags_of(user, video_ids):
            tags.setdefault(video_id, []).append(f"#{name}")
        return {
            video_id: f"it is tagged {', '.join(names)}, which you follow"
            for video_id, names in tags.items()
        }

    @staticmethod
    def _followed_tags_of(user, video_ids: list) -> list[tuple]:
        """(video id, tag name) of the candidates' tags that `user` follows, by video id.

        On PostgreSQL each candidate's rows are one (video, hashtag) index lookup (LATERAL …
        OFFSET 0, which the planner cannot turn into a join): as a join with the follows it
        walked each followed tag's rows instead, all 264k of #fyp at 1M videos for a few
        hundred candidates (334 ms per first page; tests/feed/test_query_plans.py)."""
        if connection.vendor != "postgresql":
            return list(
                VideoHashtag.objects.filter(video_id__in=video_ids, hashtag__follows__user=user)
                .order_by("video_id", "hashtag__name")
                .values_list("video_id", "hashtag__name")
            )
        with connection.cursor() as cursor:
            cursor.execute(FOLLOWED_TAGS_OF_SQL, [video_ids, user.pk])
            return cursor.fetchall()

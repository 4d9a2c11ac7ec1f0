"""Followed hashtags as an interest source of the for-you ranking (feed/interests.py)."""

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from discovery.models import HashtagFollow, VideoHashtag

# At most this many followed tags are read per feed session, and this many newest videos of
# each: bounded work however many tags a user follows or videos a tag has.
FOLLOWED_TAGS_MAX = 200
PER_TAG = 20
CANDIDATES_N = 100


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

    def matches(self, user, video_ids: list) -> dict:
        """{video id: reason} for the candidates carrying a tag the caller follows."""
        rows = (
            VideoHashtag.objects.filter(video_id__in=video_ids, hashtag__follows__user=user)
            .order_by("video_id", "hashtag__name")
            .values_list("video_id", "hashtag__name")
        )
        tags: dict = {}
        for video_id, name in rows:
            tags.setdefault(video_id, []).append(f"#{name}")
        return {
            video_id: f"it is tagged {', '.join(names)}, which you follow"
            for video_id, names in tags.items()
        }

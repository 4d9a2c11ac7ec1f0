"""What clients send to and get from the discovery endpoints (API.md v1.1, "Discovery")."""

from rest_framework import serializers

from discovery.models import Trend


class SearchQuerySerializer(serializers.Serializer):
    """GET search: `?q=&type=videos|users|hashtags` (q is validated by discovery.search)."""

    q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    type = serializers.ChoiceField(
        choices=["videos", "users", "hashtags"], required=False, default="videos"
    )
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=50)


class HashtagSerializer(serializers.Serializer):
    """`{tag, video_count, follower_count, followed_by_me}`."""

    tag = serializers.CharField(source="name", read_only=True)
    video_count = serializers.IntegerField(read_only=True)
    follower_count = serializers.IntegerField(read_only=True)
    followed_by_me = serializers.SerializerMethodField()

    def get_followed_by_me(self, hashtag) -> bool:
        return bool(getattr(hashtag, "followed_by_me", False))


class HashtagPageQuerySerializer(serializers.Serializer):
    """GET hashtags/{tag}: `?sort=top|new` (top: the feed's hot score; new: newest first)."""

    sort = serializers.ChoiceField(choices=["top", "new"], required=False, default="top")
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)


class TrendHashtagSerializer(HashtagSerializer):
    score = serializers.FloatField(read_only=True)


class TrendSerializer(serializers.Serializer):
    """One approved trend as GET trends lists it."""

    kind = serializers.ChoiceField(choices=Trend.Kind.choices, read_only=True)
    score = serializers.FloatField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)

"""Discovery endpoints: parse the request, call a selector or service, shape the response."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers.users import ProfileSerializer
from config.pagination import CreatedCursorPagination
from discovery import search as search_selectors
from discovery import selectors, services
from discovery.pagination import ScoreCursorPagination
from discovery.serializers import (
    HashtagPageQuerySerializer,
    HashtagSerializer,
    SearchQuerySerializer,
    TrendHashtagSerializer,
)
from feed.serializers import VideoSerializer

ERRORS = {
    400: OpenApiResponse(description="Bad `q`, `type`, `sort` or cursor (the body names it)."),
    401: OpenApiResponse(description="Not signed in."),
}


def _page(name: str, result):
    return inline_serializer(
        name,
        {
            "next": serializers.CharField(allow_null=True),
            "previous": serializers.CharField(allow_null=True),
            "results": result,
        },
    )


class SearchView(APIView):
    """Videos, users or hashtags matching `q`, best first (relevance, then popularity)."""

    @extend_schema(
        operation_id="search_list",
        summary="Search videos, users or hashtags",
        tags=["discovery"],
        parameters=[SearchQuerySerializer],
        responses={
            200: _page(
                "SearchPage",
                serializers.ListField(
                    child=serializers.DictField(),
                    help_text="Videos (as in feeds), public profiles or hashtags, by `type`.",
                ),
            ),
            **ERRORS,
        },
    )
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        kind = params.validated_data["type"]
        found = search_selectors.search(request.user, q=request.query_params.get("q"), type=kind)
        paginator = ScoreCursorPagination(request, kind=kind)
        if kind == "videos":
            rows, _ = paginator.paginate(found.only("pk"))
            results = selectors.video_results(request.user, [row.pk for row in rows])
        elif kind == "users":
            rows, _ = paginator.paginate(found)
            results = ProfileSerializer(rows, many=True).data
        else:
            rows, _ = paginator.paginate(found)
            results = HashtagSerializer(rows, many=True).data
        return paginator.response(results)


class HashtagPagination(CreatedCursorPagination):
    """`new`: newest first over the tag's rows (index (hashtag, -published_at, -id))."""

    ordering = ("-published_at", "-id")


class HotPagination(CreatedCursorPagination):
    """`top`: the feed's hot score (as copied onto the tag's rows), highest first."""

    ordering = ("-hot_score", "-id")


class HashtagPageView(APIView):
    """The videos carrying `#tag` that the caller may see, `top` or `new` first."""

    @extend_schema(
        operation_id="hashtags_retrieve",
        summary="A hashtag and its videos",
        tags=["discovery"],
        parameters=[HashtagPageQuerySerializer],
        responses={
            200: inline_serializer(
                "HashtagPage",
                {
                    "hashtag": HashtagSerializer(),
                    "next": serializers.CharField(allow_null=True),
                    "previous": serializers.CharField(allow_null=True),
                    "results": VideoSerializer(many=True),
                },
            ),
            **ERRORS,
            404: OpenApiResponse(description="No such hashtag."),
        },
    )
    def get(self, request, tag):
        params = HashtagPageQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        hashtag = selectors.hashtag_for(request.user, tag)
        if params.validated_data["sort"] == "new":
            paginator = HashtagPagination()
            links = paginator.paginate_queryset(
                selectors.hashtag_links_new(request.user, hashtag), request, view=self
            )
            results = selectors.video_results(request.user, [link.video_id for link in links])
        else:
            paginator = HotPagination()
            links = paginator.paginate_queryset(
                selectors.hashtag_links_top(request.user, hashtag), request, view=self
            )
            results = selectors.video_results(request.user, [link.video_id for link in links])
        response = paginator.get_paginated_response(results)
        response.data = {"hashtag": HashtagSerializer(hashtag).data, **response.data}
        return response


class HashtagFollowView(APIView):
    @extend_schema(
        operation_id="hashtags_follow",
        summary="Follow a hashtag (idempotent)",
        tags=["discovery"],
        request=None,
        responses={
            201: HashtagSerializer,
            401: ERRORS[401],
            404: OpenApiResponse(description="No such hashtag."),
        },
    )
    def post(self, request, tag):
        services.follow_hashtag(request.user, tag)
        hashtag = selectors.hashtag_for(request.user, tag)
        return Response(HashtagSerializer(hashtag).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="hashtags_unfollow",
        summary="Stop following a hashtag (idempotent)",
        tags=["discovery"],
        responses={
            204: None,
            401: ERRORS[401],
            404: OpenApiResponse(description="No such hashtag."),
        },
    )
    def delete(self, request, tag):
        services.unfollow_hashtag(request.user, tag)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TrendsView(APIView):
    """Approved, unexpired trends: hashtags and videos, highest score first."""

    @extend_schema(
        operation_id="trends_list",
        summary="Trending hashtags and videos (moderator-approved)",
        tags=["discovery"],
        responses={
            200: inline_serializer(
                "Trends",
                {
                    "hashtags": TrendHashtagSerializer(many=True),
                    "videos": VideoSerializer(many=True),
                },
            ),
            401: ERRORS[401],
        },
    )
    def get(self, request):
        hashtags, video_ids = selectors.trends_for(request.user)
        return Response(
            {
                "hashtags": TrendHashtagSerializer(hashtags, many=True).data,
                "videos": selectors.video_results(request.user, video_ids),
            }
        )

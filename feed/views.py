"""Feed endpoints: parse the request, call a service or selector, shape the response."""

from django.db import connection
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from feed import selectors, services
from feed.models import Comment
from feed.pagination import FollowingPagination, ForYouPagination, PublishedCursorPagination
from feed.serializers import (
    CommentCreateSerializer,
    CommentListQuerySerializer,
    CommentSerializer,
    ExplainSerializer,
    PublishSerializer,
    VideoSerializer,
    VideoUpdateSerializer,
    ViewSerializer,
    page_row_dict,
)


def _video_response(request, video, status_code=status.HTTP_200_OK, headers=None):
    video = selectors.page_videos(selectors.visible_videos(request.user), request.user).filter(
        pk=video.pk
    )
    video = selectors.with_page_data(list(video), request.user)
    if not video:
        raise NotFound("No such video.")
    return Response(VideoSerializer(video[0]).data, status=status_code, headers=headers)


class VideoListView(GenericAPIView):
    """Shared list plumbing: paginate a queryset of videos, attach page data in 2 queries."""

    serializer_class = VideoSerializer
    pagination_class = PublishedCursorPagination

    def list_videos(self, queryset):
        page = self.paginate_queryset(selectors.page_videos(queryset, self.request.user))
        page = selectors.with_page_data(list(page), self.request.user)
        return self.get_paginated_response(VideoSerializer(page, many=True).data)


class VideoCreateView(APIView):
    @extend_schema(
        operation_id="videos_publish",
        summary="Publish a succeeded job as a video",
        tags=["videos"],
        request=PublishSerializer,
        responses={
            201: VideoSerializer,
            409: OpenApiResponse(description="`already_published`: that job is a video already."),
        },
    )
    def post(self, request):
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        video = services.publish_video(
            request.user,
            data.validated_data["generation"],
            caption=data.validated_data["caption"],
            visibility=data.validated_data["visibility"],
        )
        location = reverse("feed:video-detail", args=[video.pk])
        return _video_response(request, video, status.HTTP_201_CREATED, {"Location": location})


class VideoDetailView(APIView):
    @extend_schema(
        operation_id="videos_retrieve",
        summary="A video",
        tags=["videos"],
        responses={200: VideoSerializer},
    )
    def get(self, request, video_id):
        return _video_response(request, selectors.access_video(request.user, video_id))

    @extend_schema(
        operation_id="videos_update",
        summary="Edit my video's caption or visibility",
        tags=["videos"],
        request=VideoUpdateSerializer,
        responses={200: VideoSerializer},
    )
    def patch(self, request, video_id):
        data = VideoUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        video = services.update_video(request.user, video_id, **data.validated_data)
        return _video_response(request, video)

    @extend_schema(
        operation_id="videos_destroy",
        summary="Delete my video",
        tags=["videos"],
        responses={204: None},
    )
    def delete(self, request, video_id):
        services.delete_video(request.user, video_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VideoLikeView(APIView):
    throttle_scope = "likes"

    @extend_schema(
        operation_id="videos_like",
        summary="Like a video",
        tags=["videos"],
        request=None,
        # A repeated like answers 201 too (the like exists), so 201 is all it declares.
        responses={
            201: OpenApiResponse(description="The like exists (new or repeated)."),
            409: OpenApiResponse(
                description="`video_not_live`: the video is not published (held, removed)."
            ),
        },
    )
    def post(self, request, video_id):
        services.like_video(request.user, video_id)
        # Idempotent: a repeated like is still "the like exists" (201, nothing changed).
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="videos_unlike",
        summary="Remove my like",
        tags=["videos"],
        responses={204: None},
    )
    def delete(self, request, video_id):
        services.unlike_video(request.user, video_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VideoCommentsView(GenericAPIView):
    """GET: the video's comments, newest first (`?parent=<id>` lists one thread's replies)."""

    serializer_class = CommentSerializer
    throttle_scope = "comments"  # posting, not reading (the scope limits writes only)

    @extend_schema(
        operation_id="video_comments_list",
        summary="A video's comments",
        tags=["videos"],
        parameters=[CommentListQuerySerializer],
        responses={200: CommentSerializer(many=True)},
    )
    def get(self, request, video_id):
        video = selectors.access_video(request.user, video_id)
        comments = (
            Comment.objects.filter(video=video, is_removed=False)
            .exclude(selectors.blocked_authors_q(request.user))
            .select_related("author")
        )
        query = CommentListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if "parent" in query.validated_data:
            comments = comments.filter(parent_id=query.validated_data["parent"])
        page = self.paginate_queryset(comments)
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="video_comments_create",
        summary="Comment on a video",
        tags=["videos"],
        request=CommentCreateSerializer,
        responses={
            201: CommentSerializer,
            409: OpenApiResponse(
                description="`video_not_live`: the video is not published (held, removed)."
            ),
        },
    )
    def post(self, request, video_id):
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.add_comment(
            request.user,
            video_id,
            body=data.validated_data["body"],
            parent_id=data.validated_data.get("parent"),
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    @extend_schema(
        operation_id="comments_destroy",
        summary="Delete a comment",
        tags=["videos"],
        responses={204: None},
    )
    def delete(self, request, comment_id):
        services.delete_comment(request.user, comment_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VideoRemixesView(VideoListView):
    @extend_schema(
        operation_id="video_remixes_list",
        summary="Remixes of a video",
        tags=["videos"],
        responses={200: VideoSerializer(many=True)},
    )
    def get(self, request, video_id):
        source = selectors.access_video(request.user, video_id)
        return self.list_videos(selectors.visible_videos(request.user).filter(remix_of=source))


class VideoViewView(APIView):
    @extend_schema(
        operation_id="videos_view",
        summary="Record a view",
        tags=["videos"],
        request=ViewSerializer,
        responses={
            204: None,
            409: OpenApiResponse(
                description="`video_not_live`: the video is not published (held, removed)."
            ),
        },
    )
    def post(self, request, video_id):
        data = ViewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.record_view(request.user, video_id, watched_ms=data.validated_data["watched_ms"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotInterestedView(APIView):
    @extend_schema(
        operation_id="videos_not_interested",
        summary="Never show me this video again",
        tags=["feed"],
        request=None,
        responses={204: None},
    )
    def post(self, request, video_id):
        services.mark_not_interested(request.user, video_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserVideosView(VideoListView):
    @extend_schema(
        operation_id="users_videos_list",
        summary="A user's videos",
        tags=["videos"],
        responses={200: VideoSerializer(many=True)},
    )
    def get(self, request, handle):
        author = User.objects.filter(handle__iexact=handle, is_active=True).first()
        if author is None or (
            author.pk != request.user.pk
            and not User.objects.filter(pk=author.pk)
            .exclude(selectors.blocked_authors_q(request.user, "pk"))
            .exists()
        ):
            raise NotFound("No such user.")
        return self.list_videos(selectors.visible_videos(request.user).filter(author=author))


def _feed_parameters(max_page_size: int) -> list[OpenApiParameter]:
    """The query parameters a feed's `next` URL carries (so typed clients can follow it)."""
    return [
        OpenApiParameter(
            "cursor", str, description="The opaque cursor from a previous page's `next`."
        ),
        OpenApiParameter(
            "page_size",
            int,
            description=f"Videos per page (1-{max_page_size}; larger values are capped).",
        ),
    ]


def _video_page(name: str):
    """The OpenAPI shape of the feeds' own pages: `{next, previous, results: [video]}`."""
    return inline_serializer(
        name,
        {
            "next": serializers.CharField(allow_null=True),
            "previous": serializers.CharField(allow_null=True),
            "results": VideoSerializer(many=True),
        },
    )


class FollowingFeedView(APIView):
    """Newest first from the people the caller follows (keyset cursor, forward only)."""

    @extend_schema(
        operation_id="feed_following",
        summary="Newest videos from people I follow",
        tags=["feed"],
        parameters=_feed_parameters(FollowingPagination.max_page_size),
        responses={200: _video_page("FollowingPage")},
    )
    def get(self, request):
        paginator = FollowingPagination(request)
        size = paginator.get_page_size()
        rows = selectors.following_ids(request.user, before=paginator.position(), limit=size + 1)
        page_rows = rows[:size]
        videos = selectors.page_videos(
            selectors.visible_videos(request.user).filter(pk__in=[r[0] for r in page_rows]),
            request.user,
        ).order_by("-published_at", "-id")
        page = selectors.with_page_data(list(videos), request.user)
        last = page_rows[-1] if len(rows) > size else None
        return paginator.response(VideoSerializer(page, many=True).data, last=last)


class ForYouFeedView(APIView):
    """The ranked "for you" feed; see feed/pagination.py for the session cursor."""

    @extend_schema(
        operation_id="feed_for_you",
        summary='The ranked "for you" feed',
        tags=["feed"],
        parameters=_feed_parameters(ForYouPagination.max_page_size),
        responses={200: _video_page("ForYouPage")},
    )
    def get(self, request):
        paginator = ForYouPagination(request)
        size = paginator.get_page_size()
        key, ids, offset = paginator.session_ids(
            request.user, lambda: selectors.rank_for_you(request.user)
        )
        wanted = ids[offset : offset + size]
        if connection.vendor == "postgresql":
            rows = selectors.for_you_page_rows(request.user, wanted)
            return paginator.response(
                [page_row_dict(row, cameos, renditions) for row, cameos, renditions in rows],
                key=key,
                offset=offset,
                size=size,
                total=len(ids),
                user=request.user,
            )
        found = {
            v.id: v
            for v in selectors.page_videos(
                selectors.feed_base(request.user).filter(pk__in=wanted)
                & selectors.visible_videos(request.user),
                request.user,
            )
        }
        page = selectors.with_page_data([found[i] for i in wanted if i in found], request.user)
        return paginator.response(
            VideoSerializer(page, many=True).data,
            key=key,
            offset=offset,
            size=size,
            total=len(ids),
            user=request.user,
        )


class ExplainView(APIView):
    @extend_schema(
        operation_id="feed_explain",
        summary="Why a video ranks where it does for me",
        tags=["feed"],
        responses={200: ExplainSerializer},
    )
    def get(self, request, video_id):
        return Response(selectors.explain_video(request.user, video_id))

"""Accounts endpoints: parse the request, call a service, shape the response."""

from django.db.models import Exists, OuterRef
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView

from accounts.models import Follow, Notification
from accounts.selectors import access_user, profiles
from accounts.serializers.account import ErasedSerializer, EraseSerializer
from accounts.serializers.users import (
    BlockStatusSerializer,
    FollowerSerializer,
    FollowingSerializer,
    MarkedReadSerializer,
    MeSerializer,
    MeUpdateSerializer,
    NotificationSerializer,
    PasswordChangeSerializer,
    ProfileSerializer,
    RefreshRequestSerializer,
    RegisterResponseSerializer,
    RegisterSerializer,
    TokenPairSerializer,
)
from accounts.services import erasure
from accounts.services import tokens as token_services
from accounts.services import users as user_services
from accounts.services.notifications import mark_notifications_read
from config.parsers import JSONParser

ERRORS = {
    400: OpenApiResponse(description="Invalid input; the body names each bad field."),
}
UNAUTHENTICATED = {401: OpenApiResponse(description="Missing, invalid or revoked token.")}


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_register",
        request=RegisterSerializer,
        responses={201: RegisterResponseSerializer, **ERRORS},
        tags=["auth"],
        summary="Create an account and get a JWT pair",
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_services.register_user(**serializer.validated_data)
        refresh = RefreshToken.for_user(user)
        me = profiles(user).get(pk=user.pk)
        return Response(
            {
                "user": MeSerializer(me).data,
                "access": str(refresh.access_token),
                "refresh": str(refresh),
            },
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(
    post=extend_schema(
        operation_id="auth_token_create", tags=["auth"], summary="Log in with handle and password"
    )
)
class TokenView(TokenObtainPairView):
    throttle_scope = "auth"


class TokenRefreshThrottledView(APIView):
    """Rotation: the refresh token sent is spent, a new pair comes back (API.md v1.1)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    def get_authenticate_header(self, request):
        # Without authentication classes DRF would turn the refused token's 401 into a 403.
        return 'Bearer realm="api"'

    @extend_schema(
        operation_id="auth_token_refresh",
        request=RefreshRequestSerializer,
        responses={200: TokenPairSerializer, **ERRORS, **UNAUTHENTICATED},
        tags=["auth"],
        summary="Exchange a refresh token for a new access and refresh token",
    )
    def post(self, request):
        serializer = RefreshRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            pair = token_services.rotate_refresh_token(serializer.validated_data["refresh"])
        except TokenError as error:
            raise InvalidToken(str(error)) from None
        return Response(pair)


class LogoutView(APIView):
    """Spend one of my refresh tokens (the one this client holds)."""

    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_logout",
        request=RefreshRequestSerializer,
        responses={204: None, **ERRORS, **UNAUTHENTICATED},
        tags=["auth"],
        summary="Log out: that refresh token no longer works",
    )
    def post(self, request):
        serializer = RefreshRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token_services.log_out(request.user, serializer.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordView(APIView):
    """Change my password; every token of the account ends, this request's too."""

    throttle_scope = "auth"

    @extend_schema(
        operation_id="me_password_change",
        request=PasswordChangeSerializer,
        responses={204: None, **ERRORS, **UNAUTHENTICATED},
        tags=["accounts"],
        summary="Change my password and end every token issued before (log in again)",
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token_services.change_password(request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


ERASE_RESPONSES = {
    202: ErasedSerializer,
    400: OpenApiResponse(description="`password` missing or wrong; nothing changed."),
    **UNAUTHENTICATED,
}


class MeView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_throttles(self):
        # DELETE checks the password: the auth scope's rate, like logging in (writes only).
        self.throttle_scope = "auth" if self.request.method == "DELETE" else None
        return super().get_throttles()

    def _me(self, request):
        return profiles(request.user).get(pk=request.user.pk)

    @extend_schema(
        operation_id="me_retrieve", responses=MeSerializer, tags=["accounts"], summary="My profile"
    )
    def get(self, request):
        return Response(MeSerializer(self._me(request)).data)

    @extend_schema(
        operation_id="me_update",
        request={
            "multipart/form-data": MeUpdateSerializer,
            "application/json": MeUpdateSerializer,
        },
        responses={200: MeSerializer, **ERRORS},
        tags=["accounts"],
        summary="Change my display name, bio or avatar",
    )
    def patch(self, request):
        serializer = MeUpdateSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user_services.update_profile(request.user, **serializer.validated_data)
        return Response(MeSerializer(self._me(request)).data)

    @extend_schema(
        operation_id="me_delete",
        description='The body is `{"password": "…"}` (JSON). OpenAPI 3.0 cannot describe '
        "a DELETE body, so typed clients may use `POST me/erase` instead: same body, same "
        "effect, same answers.",
        request=None,
        responses=ERASE_RESPONSES,
        tags=["accounts"],
        summary="Erase my account: content, cameo (consent revoked), keys; the handle stays "
        "reserved",
    )
    def delete(self, request):
        return erase_me(request)


def erase_me(request):
    serializer = EraseSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    erased = erasure.erase_user(request.user, **serializer.validated_data)
    return Response(
        ErasedSerializer({"status": "erased", "erased_at": erased.erased_at}).data,
        status=status.HTTP_202_ACCEPTED,
    )


class EraseMeView(APIView):
    """`DELETE me` as a POST, for clients (and OpenAPI 3.0) that cannot send a DELETE body."""

    throttle_scope = "auth"  # the password is checked: the login rate (writes only)

    @extend_schema(
        operation_id="me_erase",
        request=EraseSerializer,
        responses=ERASE_RESPONSES,
        tags=["accounts"],
        summary="Erase my account (the same as DELETE me, with the password in the body)",
    )
    def post(self, request):
        return erase_me(request)


class UserDetailView(APIView):
    @extend_schema(
        operation_id="users_retrieve",
        responses={200: ProfileSerializer, 404: OpenApiResponse(description="No such user.")},
        tags=["accounts"],
        summary="A user's public profile",
    )
    def get(self, request, handle):
        return Response(ProfileSerializer(access_user(request.user, handle)).data)


class FollowView(APIView):
    @extend_schema(
        operation_id="users_follow",
        request=None,
        responses={201: ProfileSerializer, 400: OpenApiResponse(description="Following yourself.")},
        tags=["accounts"],
        summary="Follow a user (idempotent)",
    )
    def post(self, request, handle):
        target = access_user(request.user, handle)
        user_services.follow_user(request.user, target)
        target = access_user(request.user, handle)
        return Response(ProfileSerializer(target).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="users_unfollow",
        request=None,
        responses={204: None},
        tags=["accounts"],
        summary="Unfollow",
    )
    def delete(self, request, handle):
        target = access_user(request.user, handle, hide_blocked=False)
        user_services.unfollow_user(request.user, target)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BlockView(APIView):
    @extend_schema(
        operation_id="users_block",
        request=None,
        responses={
            201: BlockStatusSerializer,
            400: OpenApiResponse(description="Blocking yourself."),
        },
        tags=["accounts"],
        summary="Block a user (idempotent); removes follows both ways",
    )
    def post(self, request, handle):
        target = access_user(request.user, handle, hide_blocked=False)
        user_services.block_user(request.user, target)
        return Response({"handle": target.handle, "blocked": True}, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="users_unblock",
        request=None,
        responses={204: None},
        tags=["accounts"],
        summary="Unblock",
    )
    def delete(self, request, handle):
        target = access_user(request.user, handle, hide_blocked=False)
        user_services.unblock_user(request.user, target)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _FollowListView(generics.ListAPIView):
    """Shared by followers/following: paginated, hides users blocked either way."""

    side = "follower"
    other = "followee"

    def get_queryset(self):
        target = access_user(self.request.user, self.kwargs["handle"])
        hidden = user_services.blocked_user_ids(self.request.user)
        return (
            Follow.objects.filter(**{self.other: target, f"{self.side}__is_active": True})
            .exclude(**{f"{self.side}_id__in": hidden})
            .select_related(self.side)
            .annotate(
                followed_by_me=Exists(
                    Follow.objects.filter(
                        follower_id=self.request.user.pk, followee_id=OuterRef(f"{self.side}_id")
                    )
                )
            )
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="users_followers_list",
        tags=["accounts"],
        summary="Who follows this user, newest first",
    )
)
class FollowersView(_FollowListView):
    serializer_class = FollowerSerializer
    side, other = "follower", "followee"


@extend_schema_view(
    get=extend_schema(
        operation_id="users_following_list",
        tags=["accounts"],
        summary="Whom this user follows, newest first",
    )
)
class FollowingView(_FollowListView):
    serializer_class = FollowingSerializer
    side, other = "followee", "follower"


@extend_schema_view(
    get=extend_schema(
        operation_id="notifications_list",
        tags=["notifications"],
        summary="My notifications, newest first",
    )
)
class NotificationListView(generics.ListAPIView):
    serializer_class = NotificationSerializer

    def get_queryset(self):
        hidden = user_services.blocked_user_ids(self.request.user)
        return (
            Notification.objects.filter(recipient=self.request.user)
            .exclude(actor_id__in=hidden)
            .select_related("actor")
        )


class NotificationReadView(APIView):
    @extend_schema(
        operation_id="notifications_mark_read",
        request=None,
        responses=MarkedReadSerializer,
        tags=["notifications"],
        summary="Mark all my notifications read",
    )
    def post(self, request):
        return Response({"marked_read": mark_notifications_read(request.user)})

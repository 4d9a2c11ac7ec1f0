"""Character endpoints (API.md, "Creation beyond one clip"): characters, characters/mine,
characters/{handle} and its grants. Reads go through `access_character` (owner, or someone
the permission lets use it; anyone else a 404), changes through `owned_character` (owner
only). The uses endpoints live in feed/cameo_uses.py, beside the cameo ones.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import CameoGrant
from accounts.serializers.cameos import GrantCreateSerializer, GrantSerializer
from accounts.serializers.characters import (
    CharacterCreateSerializer,
    CharacterSerializer,
    CharacterUpdateSerializer,
)
from accounts.services import cameos as cameo_services
from accounts.services import characters as services
from config.parsers import JSONParser

TAGS = ["characters"]


class CharacterCreateView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "characters"

    @extend_schema(
        operation_id="characters_create",
        summary="Create a character from a picture or a clip",
        tags=TAGS,
        request={"multipart/form-data": CharacterCreateSerializer},
        responses={
            201: CharacterSerializer,
            400: OpenApiResponse(
                description="A bad field, named: `handle` taken (`handle_taken`, users' "
                "handles included, any case), `image` not an image, too large or showing a "
                "human face (`reference_has_face`), `video` not a clip we accept."
            ),
        },
    )
    def post(self, request):
        serializer = CharacterCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        character = services.create_character(request.user, **serializer.validated_data)
        response = Response(CharacterSerializer(character).data, status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/characters/{character.handle}"
        return response


@extend_schema_view(
    get=extend_schema(operation_id="characters_mine_list", summary="My characters", tags=TAGS)
)
class MyCharactersView(generics.ListAPIView):
    """The caller's characters that are not deleted, newest first (any status)."""

    serializer_class = CharacterSerializer

    def get_queryset(self):
        return services.characters_of(self.request.user)


class CharacterDetailView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="characters_retrieve",
        summary="A character (its owner, or someone it may be used by)",
        tags=TAGS,
        responses={200: CharacterSerializer, 404: OpenApiResponse(description="Not visible.")},
    )
    def get(self, request, handle):
        return Response(CharacterSerializer(services.access_character(request.user, handle)).data)

    @extend_schema(
        operation_id="characters_update",
        summary="Change my character's name, permission or instructions",
        tags=TAGS,
        request=CharacterUpdateSerializer,
        responses={200: CharacterSerializer},
    )
    def patch(self, request, handle):
        serializer = CharacterUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        character = services.update_character(request.user, handle, **serializer.validated_data)
        return Response(CharacterSerializer(character).data)

    @extend_schema(
        operation_id="characters_destroy",
        summary="Delete my character (revokes consent, takes its uses down)",
        tags=TAGS,
        responses={204: None},
    )
    def delete(self, request, handle):
        services.delete_character(request.user, handle)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        operation_id="characters_grants_list", summary="Who may use my character", tags=TAGS
    )
)
class CharacterGrantListView(generics.ListAPIView):
    """Under `approved`, who may use the character; POST `{handle}` grants (idempotent)."""

    serializer_class = GrantSerializer

    def get_queryset(self):
        character = services.owned_character(self.request.user, self.kwargs["handle"])
        return CameoGrant.objects.filter(cameo=character).select_related("grantee")

    @extend_schema(
        operation_id="characters_grants_create",
        summary="Let someone use my character",
        tags=TAGS,
        request=GrantCreateSerializer,
        responses={201: GrantSerializer, 200: GrantSerializer},
    )
    def post(self, request, handle):
        character = services.owned_character(request.user, handle)
        serializer = GrantCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grantee = cameo_services.find_grantee(request.user, serializer.validated_data["handle"])
        grant, created = cameo_services.grant_cameo(request.user, grantee, cameo=character)
        return Response(
            GrantSerializer(grant).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CharacterGrantDetailView(APIView):
    @extend_schema(
        operation_id="characters_grants_destroy",
        summary="Withdraw someone's grant to my character",
        tags=TAGS,
        responses={204: None},
    )
    def delete(self, request, handle, grantee):
        character = services.owned_character(request.user, handle)
        user = cameo_services.find_grantee(request.user, grantee, for_revoke=True)
        cameo_services.revoke_cameo_grant(request.user, user, cameo=character)
        return Response(status=status.HTTP_204_NO_CONTENT)

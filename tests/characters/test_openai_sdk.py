"""/v1/videos/characters exactly as the installed `openai` SDK sends and reads it."""

import io
import warnings

import pytest

from accounts.models import Cameo

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sdk(live_server, user):
    from openai import OpenAI
    from rest_framework_simplejwt.tokens import RefreshToken

    token = str(RefreshToken.for_user(user).access_token)
    client = OpenAI(base_url=live_server.url + "/v1", api_key=token, max_retries=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield client


def test_sdk_create_character_then_get_it_and_use_its_handle(sdk, user, media_files, make_user):
    make_user("mr_whiskers")  # a user holds the plain derivation: the handle is made unique
    created = sdk.videos.create_character(
        name="Mr. Whiskers!", video=("whiskers.mp4", io.BytesIO(media_files["drawing.mp4"]))
    )
    assert created.id == "mr_whiskers_2"
    assert created.name == "Mr. Whiskers!"
    assert isinstance(created.created_at, int)
    character = Cameo.objects.get(handle=created.id)
    assert (character.owner, character.kind, character.permission) == (user, "other", "only_me")

    fetched = sdk.videos.get_character(created.id)
    assert (fetched.id, fetched.name, fetched.created_at) == (
        created.id,
        created.name,
        created.created_at,
    )
    assert fetched.model_extra["status"] == "active"
    # Its id is the @handle prompts use.
    video = sdk.videos.create(prompt=f"@{created.id} waves", seconds="4", size="720x1280")
    assert video.status in ("queued", "in_progress", "completed")


def test_sdk_errors_name_the_field_and_hide_others_characters(sdk, make_user, media_files):
    import openai
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.services.characters import create_character

    with pytest.raises(openai.BadRequestError) as refused:
        sdk.videos.create_character(name="Rex", video=("rex.mp4", io.BytesIO(b"not a video")))
    assert refused.value.body["param"] == "video"
    assert not Cameo.objects.exists()

    carol = make_user("carol")
    png = SimpleUploadedFile("p.png", media_files["drawing.png"], "image/png")
    create_character(carol, handle="secret_pet", name="Secret", image=png)
    with pytest.raises(openai.NotFoundError):
        sdk.videos.get_character("secret_pet")
    with pytest.raises(openai.NotFoundError):
        sdk.videos.get_character("nobody_here")

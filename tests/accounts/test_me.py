"""GET/PATCH me: the caller's profile, with a sanitized avatar; bad input changes nothing."""

import io

import pytest
from PIL import Image

from accounts.models import Cameo, User
from config import storage
from tests.accounts.conftest import image_bytes, upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/me"


def test_get_me(auth_client, user):
    body = auth_client(user).get(URL).json()
    assert body["handle"] == "alice"
    assert body["email"] == "alice@example.com"
    assert body["avatar_url"] is None
    assert body["follower_count"] == 0 and body["following_count"] == 0
    assert body["has_cameo"] is False


def test_has_cameo_follows_a_live_cameo(auth_client, user):
    cameo = Cameo.objects.create(owner=user, source_clip="cameos/x.mp4")
    assert auth_client(user).get(URL).json()["has_cameo"] is True
    cameo.status = Cameo.Status.REVOKED
    cameo.revoked_at = cameo.created_at
    cameo.save()
    assert auth_client(user).get(URL).json()["has_cameo"] is False


def test_patch_display_name_and_bio(auth_client, user):
    response = auth_client(user).patch(URL, {"display_name": "Alice A.", "bio": "hi"})
    assert response.status_code == 200
    assert response.json()["display_name"] == "Alice A."
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("Alice A.", "hi")


@pytest.mark.parametrize(
    "field,value",
    [("bio", "b" * 301), ("display_name", "d" * 51), ("bio", ["x"]), ("display_name", {"a": 1})],
)
def test_bad_profile_values_are_400_and_change_nothing(auth_client, user, field, value):
    response = auth_client(user).patch(URL, {"bio": "new", field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    user.refresh_from_db()
    assert user.bio == "" and user.display_name == ""


def test_read_only_fields_cannot_be_patched(auth_client, user):
    response = auth_client(user).patch(
        URL,
        {"handle": "mallory", "follower_count": 1000, "is_staff": True, "email": "x@evil.test"},
        format="json",
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.handle, user.follower_count, user.is_staff, user.email) == (
        "alice",
        0,
        False,
        "alice@example.com",
    )


def test_valid_png_is_resized_square_and_stored(auth_client, user, settings):
    data = image_bytes("PNG", size=(1200, 700))
    response = auth_client(user).patch(URL, {"avatar": upload(data)}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["avatar_url"]
    user.refresh_from_db()
    stored = storage.read_file(user.avatar)
    image = Image.open(io.BytesIO(stored))
    assert image.size == (settings.AVATAR_SIZE, settings.AVATAR_SIZE)
    assert image.format == "JPEG"


def test_avatar_url_serves_the_image(auth_client, user, client):
    auth_client(user).patch(URL, {"avatar": upload(image_bytes())}, format="multipart")
    url = auth_client(user).get(URL).json()["avatar_url"]
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_transparent_png_stays_png(auth_client, user):
    data = image_bytes("PNG", size=(300, 300), mode="RGBA", color=(0, 0, 0, 0))
    auth_client(user).patch(URL, {"avatar": upload(data)}, format="multipart")
    user.refresh_from_db()
    assert user.avatar.endswith(".png")
    assert Image.open(io.BytesIO(storage.read_file(user.avatar))).mode == "RGBA"


def test_avatar_metadata_is_stripped(auth_client, user):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0131] = "secret-software"
    data = image_bytes("JPEG", size=(600, 600), exif=exif.tobytes())
    assert b"SpyCam" in data
    auth_client(user).patch(URL, {"avatar": upload(data, "a.jpg", "image/jpeg")}, "multipart")
    user.refresh_from_db()
    stored = storage.read_file(user.avatar)
    assert b"SpyCam" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_replacing_avatar_deletes_the_old_file(
    auth_client, user, django_capture_on_commit_callbacks
):
    client = auth_client(user)
    client.patch(URL, {"avatar": upload(image_bytes())}, format="multipart")
    user.refresh_from_db()
    first = user.avatar
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(URL, {"avatar": upload(image_bytes(color="blue"))}, format="multipart")
    user.refresh_from_db()
    assert user.avatar != first
    assert storage.file_exists(user.avatar)
    assert not storage.file_exists(first)


def _assert_avatar_rejected(response, user, code=None):
    assert response.status_code == 400, response.content
    assert "avatar" in response.json()
    user.refresh_from_db()
    assert user.avatar == ""
    assert user.bio == ""


def test_avatar_that_is_not_an_image_is_400(auth_client, user):
    response = auth_client(user).patch(
        URL,
        {"avatar": upload(b"<?php echo 'hi'; ?>", "a.png"), "bio": "changed"},
        format="multipart",
    )
    _assert_avatar_rejected(response, user)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(auth_client, user, fmt):
    data = image_bytes(fmt, size=(64, 64))
    response = auth_client(user).patch(URL, {"avatar": upload(data, f"a.{fmt}")}, "multipart")
    _assert_avatar_rejected(response, user)


def test_truncated_image_is_400(auth_client, user):
    data = image_bytes("PNG", size=(400, 400))
    response = auth_client(user).patch(URL, {"avatar": upload(data[:200])}, "multipart")
    _assert_avatar_rejected(response, user)


def test_image_over_the_pixel_limit_is_400_before_decoding(auth_client, user, settings):
    # A tiny file that declares a huge canvas: the bomb check must read only the header.
    settings.AVATAR_MAX_PIXELS = 1_000_000
    data = image_bytes("PNG", size=(2000, 2000), mode="1")  # 4 MP, a few KB compressed
    assert len(data) < 50_000
    response = auth_client(user).patch(URL, {"avatar": upload(data)}, "multipart")
    _assert_avatar_rejected(response, user)
    assert "pixels" in response.json()["avatar"][0]


def test_decompression_bomb_beyond_pillow_limit_is_400(auth_client, user, monkeypatch):
    from PIL import Image as PILImage

    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 10_000)
    data = image_bytes("PNG", size=(500, 500), mode="1")
    response = auth_client(user).patch(URL, {"avatar": upload(data)}, "multipart")
    _assert_avatar_rejected(response, user)


def test_avatar_over_the_byte_limit_is_400(auth_client, user, settings):
    settings.AVATAR_MAX_BYTES = 10_000
    noisy = Image.effect_noise((400, 400), 100).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    data = buffer.getvalue()
    assert len(data) > 10_000
    response = auth_client(user).patch(URL, {"avatar": upload(data)}, "multipart")
    _assert_avatar_rejected(response, user)


def test_empty_avatar_upload_removes_the_avatar(auth_client, user):
    client = auth_client(user)
    client.patch(URL, {"avatar": upload(image_bytes())}, format="multipart")
    response = client.patch(URL, {"avatar": upload(b"")}, format="multipart")
    assert response.status_code == 200
    assert response.json()["avatar_url"] is None


def test_avatar_stored_on_s3(auth_client, user, s3_storage):
    import urllib.request

    response = auth_client(user).patch(URL, {"avatar": upload(image_bytes())}, "multipart")
    assert response.status_code == 200
    url = response.json()["avatar_url"]
    assert url.startswith(s3_storage) and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as fetched:  # noqa: S310
        body = fetched.read()
    assert Image.open(io.BytesIO(body)).size == (512, 512)


def test_nobody_can_patch_another_users_profile(auth_client, user, other_user):
    response = auth_client(other_user).patch(
        "/api/v1/users/alice", {"display_name": "hacked", "bio": "pwned"}, format="json"
    )
    assert response.status_code == 405
    for method in ("put", "delete", "post"):
        assert getattr(auth_client(other_user), method)("/api/v1/users/alice").status_code == 405
    user.refresh_from_db()
    assert user.display_name == "" and user.bio == ""


def test_patch_me_changes_only_the_caller(auth_client, user, other_user):
    auth_client(other_user).patch(URL, {"bio": "bob's bio"}, format="json")
    user.refresh_from_db()
    assert user.bio == ""
    assert User.objects.get(handle="bob").bio == "bob's bio"


def test_avatar_sent_as_json_string_is_400(auth_client, user):
    response = auth_client(user).patch(URL, {"avatar": "http://evil/x.png"}, format="json")
    _assert_avatar_rejected(response, user)


def test_empty_patch_changes_nothing(auth_client, user):
    response = auth_client(user).patch(URL, {}, format="json")
    assert response.status_code == 200
    assert response.json()["handle"] == "alice"


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_request_body_over_the_upload_limit_is_413_json(auth_client, user, fmt):
    response = auth_client(user).patch(URL, {"bio": "x" * 2_000_000}, format=fmt)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    user.refresh_from_db()
    assert user.bio == ""


def test_failed_row_update_leaves_no_orphan_avatar(user, monkeypatch, png_bytes):
    from django.core.files.storage import default_storage

    from accounts.services.users import update_profile
    from media.images import sanitize_image

    clean = sanitize_image(png_bytes, max_bytes=10**7, max_pixels=10**7, size=64)

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(User, "save", broken_save)
    with pytest.raises(RuntimeError):
        update_profile(user, avatar=clean, bio="new")
    assert (
        not default_storage.exists(f"avatars/{user.pk}")
        or not default_storage.listdir(f"avatars/{user.pk}")[1]
    )
    assert User.objects.get(pk=user.pk).avatar == ""

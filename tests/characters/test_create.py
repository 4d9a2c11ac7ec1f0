"""POST characters: a picture or a clip, verified like a cameo without liveness; one handle
namespace with users, enforced by the database; bad input is a 400 naming the field."""

import pytest
from django.db import IntegrityError, transaction

from accounts.ledger import verify_ledger
from accounts.models import Cameo, ConsentEvent, Handle, User
from config.storage import read_file

pytestmark = pytest.mark.django_db

URL = "/api/v1/characters"


def post(client, upload, field="image", source="drawing.png", **fields):
    body = {"handle": "biscuit", "name": "Biscuit", "kind": "pet", **fields}
    if source:
        body[field] = upload(source)
    return client.post(URL, body, format="multipart")


def test_a_drawing_becomes_an_active_character_with_a_private_picture(
    user, auth_client, upload, django_capture_on_commit_callbacks
):
    client = auth_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, upload, instructions="Biscuit never barks.")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending_verification"
    assert (body["handle"], body["name"], body["kind"], body["owner"]) == (
        "biscuit",
        "Biscuit",
        "pet",
        "alice",
    )
    assert response["Location"] == "/api/v1/characters/biscuit"
    shown = client.get(f"{URL}/biscuit").json()
    assert shown["status"] == "active"
    assert shown["permission"] == "only_me"
    assert not any("url" in key for key in shown)
    character = Cameo.objects.get(handle="biscuit")
    assert character.kind == "pet" and character.verified_at is not None
    assert read_file(character.reference_image).startswith(b"\x89PNG")
    actions = list(ConsentEvent.objects.filter(cameo=character).values_list("action", flat=True))
    assert actions == ["created", "verified"]
    assert verify_ledger(user) is True


def test_a_clip_becomes_an_active_character(
    user, auth_client, upload, django_capture_on_commit_callbacks
):
    client = auth_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, upload, field="video", source="drawing.mp4", kind="drawing")
    assert response.status_code == 201, response.json()
    character = Cameo.objects.get(handle="biscuit")
    assert character.status == "active", character.rejection_reason
    verified = ConsentEvent.objects.get(cameo=character, action="verified")
    assert verified.data["source"] == "video"


def test_a_picture_of_a_face_is_refused_people_are_cameos(user, auth_client, upload):
    response = post(auth_client(user), upload, source="face.png")
    assert response.status_code == 400
    assert response.json()["code"] == "reference_has_face"
    assert "image" in response.json()
    assert not Cameo.objects.exists()


def test_a_clip_of_a_face_is_rejected_at_verification(
    user, auth_client, upload, django_capture_on_commit_callbacks
):
    client = auth_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, upload, field="video", source="face.mp4")
    assert response.status_code == 201
    shown = client.get(f"{URL}/biscuit").json()
    assert shown["status"] == "rejected"
    character = Cameo.objects.get(handle="biscuit")
    rejected = ConsentEvent.objects.get(cameo=character, action="rejected")
    assert rejected.data["code"] == "reference_has_face"
    assert character.reference_image == ""


def test_not_an_image_is_a_400_on_image(user, auth_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("cat.png", b"GIF89a not really an image", "image/png")
    response = auth_client(user).post(
        URL, {"handle": "biscuit", "name": "Biscuit", "image": fake}, format="multipart"
    )
    assert response.status_code == 400
    assert "image" in response.json()
    assert response.json()["code"] == "not_an_image"
    assert not Cameo.objects.exists()


def test_too_large_an_image_is_a_400_on_image(user, auth_client, upload, settings):
    settings.REFERENCE_IMAGE_MAX_BYTES = 100
    response = post(auth_client(user), upload)
    assert response.status_code == 400
    assert response.json()["code"] == "too_large"
    assert "image" in response.json()


def test_not_a_clip_is_a_400_on_video(user, auth_client, upload):
    response = post(auth_client(user), upload, field="video", source="drawing.png")
    assert response.status_code == 400
    assert "video" in response.json()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "person"}, "kind"),
        ({"kind": "dragon"}, "kind"),
        ({"handle": "x"}, "handle"),
        ({"handle": "no spaces"}, "handle"),
        ({"handle": "mine"}, "handle"),
        ({"name": ""}, "name"),
        ({"permission": "friends"}, "permission"),
        ({"instructions": "x" * 1001}, "instructions"),
    ],
)
def test_bad_fields_are_named(user, auth_client, upload, fields, field):
    response = post(auth_client(user), upload, **fields)
    assert response.status_code == 400
    assert field in response.json()
    assert not Cameo.objects.exists()


def test_neither_or_both_sources_are_a_400(user, auth_client, upload):
    client = auth_client(user)
    assert "image" in post(client, upload, source="").json()
    both = client.post(
        URL,
        {
            "handle": "biscuit",
            "name": "B",
            "image": upload("drawing.png"),
            "video": upload("drawing.mp4"),
        },
        format="multipart",
    )
    assert both.status_code == 400 and "image" in both.json()


def test_a_minor_cannot_open_a_character_to_everyone(make_user, auth_client, upload):
    import datetime

    teen = make_user(
        "teen", birth_date=datetime.date.today().replace(year=datetime.date.today().year - 15)
    )
    response = post(auth_client(teen), upload, permission="everyone")
    assert response.status_code == 400 and "permission" in response.json()


def test_anonymous_cannot_create(api_client, upload):
    assert post(api_client, upload).status_code == 401


# --- one namespace ------------------------------------------------------------------------


@pytest.mark.parametrize("handle", ["bob", "BOB", "Bob"])
def test_a_users_handle_in_any_case_is_taken(user, other_user, auth_client, upload, handle):
    response = post(auth_client(user), upload, handle=handle)
    assert response.status_code == 400
    assert response.json()["code"] == "handle_taken"
    assert "handle" in response.json()


@pytest.mark.parametrize("handle", ["biscuit", "BISCUIT", "@Biscuit"])
def test_another_characters_handle_in_any_case_is_taken(
    user, other_user, auth_client, upload, make_character, handle
):
    make_character(other_user, "biscuit")
    response = post(auth_client(user), upload, handle=handle)
    assert response.status_code == 400
    assert response.json()["code"] == "handle_taken"


def test_registering_a_characters_handle_in_any_case_is_a_400(user, api_client, make_character):
    make_character(user, "biscuit")
    response = api_client.post(
        "/api/v1/auth/register",
        {"handle": "Biscuit", "email": "b@example.com", "password": "a long passphrase 42"},
        format="json",
    )
    assert response.status_code == 400
    assert "handle" in response.json()
    assert not User.objects.filter(handle="biscuit").exists()


def test_the_database_refuses_a_clash_whatever_the_code_path(user, make_character):
    """Raw ORM writes, past every service check: the triggers and the unique Lower(handle)
    index of accounts_handle refuse both directions, in any case."""
    make_character(user, "biscuit")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(handle="biscuit", email="x@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Cameo.objects.create(owner=user, kind="pet", handle="alice", source_clip="x.png")
    with pytest.raises(IntegrityError), transaction.atomic():
        Handle.objects.create(handle="BISCUIT", user=user)
    # Every user and every character holds exactly its own row.
    assert set(Handle.objects.values_list("handle", flat=True)) == {"alice", "biscuit"}


def test_a_person_cameo_has_no_handle_of_its_own(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        Cameo.objects.create(owner=user, kind="person", handle="alice_cam", source_clip="x.mp4")
    with pytest.raises(IntegrityError), transaction.atomic():
        Cameo.objects.create(owner=user, kind="pet", source_clip="x.png")


def test_characters_do_not_count_against_the_one_live_cameo(user, make_character, make_cameo):
    make_character(user, "biscuit")
    make_character(user, "teapot", kind="object")
    cameo = make_cameo(user)
    assert cameo.status == "active"
    assert Cameo.objects.filter(owner=user).count() == 3

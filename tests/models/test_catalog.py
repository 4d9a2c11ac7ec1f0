"""GET /api/v1/models and /v1/models: what this deployment can render, as data, from the same
list the create-time check reads; an unusable model folder is not listed."""

import pytest

from tests.models.tiny_models import use_tiny

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(auth_client, user):
    return auth_client(user)


def test_local_deployment_lists_its_renderer(client, settings):
    settings.GENERATION_PROVIDER = "local"
    response = client.get("/api/v1/models")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": "cutaway-local-1",
            "provider": "local",
            "default": True,
            "capabilities": {
                "sizes": ["720x1280", "1280x720", "1024x1792", "1792x1024"],
                "seconds": {"min": 4, "max": 25},
                "audio": True,
                "image_to_video": False,
                "extend": True,
                "max_shots": 12,
                "image_required": False,
            },
        }
    ]


@pytest.mark.parametrize(
    ("family", "audio", "image_to_video", "image_required"),
    [
        ("ltx2", True, True, False),
        ("wan", False, False, False),
        ("wan_i2v", False, True, True),
    ],
)
def test_a_diffusers_folder_says_what_its_family_can_do(
    client, settings, tiny_folders, family, audio, image_to_video, image_required
):
    use_tiny(settings, family, tiny_folders[family])
    (model,) = client.get("/api/v1/models").json()
    assert model["provider"] == "diffusers"
    assert model["id"] == f"{family.split('_')[0]}:{family}"
    caps = model["capabilities"]
    assert (caps["audio"], caps["image_to_video"], caps["image_required"]) == (
        audio,
        image_to_video,
        image_required,
    )


def test_an_unusable_model_folder_is_not_listed(client, settings, tmp_path):
    settings.GENERATION_PROVIDER = "diffusers"
    settings.DIFFUSERS_MODEL = str(tmp_path / "missing")
    assert client.get("/api/v1/models").json() == []
    assert client.get("/v1/models").json() == {"object": "list", "data": []}


def test_openai_list_shape(client, settings, tiny_folders):
    use_tiny(settings, "ltx2", tiny_folders["ltx2"])
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    (entry,) = body["data"]
    assert set(entry) == {"id", "object", "created", "owned_by"}
    assert (entry["id"], entry["object"], entry["owned_by"]) == ("ltx2:ltx2", "model", "diffusers")
    assert isinstance(entry["created"], int) and entry["created"] > 0


def test_models_need_a_signed_in_caller(api_client):
    assert api_client.get("/api/v1/models").status_code == 401
    response = api_client.get("/v1/models")
    assert response.status_code == 401
    assert "error" in response.json()


def test_retired_sora_is_not_listed_but_a_gateway_is(client, settings):
    settings.GENERATION_PROVIDER = "openai"
    settings.OPENAI_VIDEO_MODEL = "sora-2"
    settings.OPENAI_BASE_URL = None
    assert client.get("/api/v1/models").json() == []
    settings.OPENAI_BASE_URL = "https://videos.example.net/v1"
    (model,) = client.get("/api/v1/models").json()
    assert (model["id"], model["capabilities"]["seconds"]["max"]) == ("sora-2", 12)

"""The OpenAPI schema documents every accounts endpoint with its real shapes."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(
    "path,method",
    [
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/token", "post"),
        ("/api/v1/auth/token/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me/password", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/me", "patch"),
        ("/api/v1/users/{handle}", "get"),
        ("/api/v1/users/{handle}/follow", "post"),
        ("/api/v1/users/{handle}/follow", "delete"),
        ("/api/v1/users/{handle}/block", "post"),
        ("/api/v1/users/{handle}/block", "delete"),
        ("/api/v1/users/{handle}/followers", "get"),
        ("/api/v1/users/{handle}/following", "get"),
        ("/api/v1/notifications", "get"),
        ("/api/v1/notifications/read", "post"),
    ],
)
def test_accounts_endpoints_are_documented(schema, path, method):
    assert method in schema["paths"][path]


def test_register_and_me_shapes(schema):
    register = schema["paths"]["/api/v1/auth/register"]["post"]
    assert "201" in register["responses"]
    assert "multipart/form-data" in schema["paths"]["/api/v1/me"]["patch"]["requestBody"]["content"]
    me = schema["components"]["schemas"]["Me"]["properties"]
    for field in ("id", "handle", "display_name", "bio", "avatar_url", "has_cameo"):
        assert field in me
    token = schema["components"]["schemas"]["TokenObtainPairRequest"]["properties"]
    assert "handle" in token and "password" in token


@pytest.mark.parametrize(
    "path,ok,request_fields",
    [
        ("/api/v1/auth/token/refresh", "200", {"refresh"}),
        ("/api/v1/auth/logout", "204", {"refresh"}),
        ("/api/v1/me/password", "204", {"old_password", "new_password"}),
    ],
)
def test_token_lifecycle_shapes(schema, path, ok, request_fields):
    operation = schema["paths"][path]["post"]
    assert {ok, "400", "401", "429"} <= set(operation["responses"])
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(body["required"]) == request_fields
    if ok == "200":
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        pair = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert set(pair["required"]) == {"access", "refresh"}

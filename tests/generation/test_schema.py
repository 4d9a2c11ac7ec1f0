"""The OpenAPI schema describes the generation endpoints as they behave."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_generation_paths_are_described(schema):
    paths = schema["paths"]
    for path in (
        "/api/v1/generations",
        "/api/v1/generations/{job_id}",
        "/api/v1/generations/{job_id}/cancel",
        "/api/v1/storyboards/plan",
        "/api/v1/me/quota",
        "/v1/videos",
        "/v1/videos/{video_id}",
        "/v1/videos/{video_id}/content",
        "/v1/videos/{video_id}/remix",
    ):
        assert path in paths, path


def test_create_documents_the_idempotency_key_and_outcomes(schema):
    create = schema["paths"]["/api/v1/generations"]["post"]
    header = [p for p in create["parameters"] if p["in"] == "header"]
    assert header == [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "schema": {"type": "string"},
            "required": True,
            "description": header[0]["description"],
        }
    ]
    assert {"200", "202", "400", "403", "409", "429"} <= set(create["responses"])


def test_list_is_documented_as_cursor_paginated(schema):
    listing = schema["paths"]["/api/v1/generations"]["get"]
    parameters = {p["name"] for p in listing["parameters"]}
    assert {"cursor", "page_size"} <= parameters
    ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"next", "previous", "results"} <= set(page["properties"])

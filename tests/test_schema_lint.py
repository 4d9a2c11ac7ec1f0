"""The OpenAPI document itself: valid OAS 3.0, Redocly-clean, and saying what clients need.

Each check reads the live document (tests/openapi.py::live_document, what /api/schema/
serves). Redocly runs with tests/client/redocly.yaml (the recommended rules; which one is off
and why is written there) and must report 0 errors and 0 warnings.
"""

import json
import re

import pytest
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tests import client_project
from tests.openapi import live_document

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def document(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return live_document()


def _operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_document_is_valid_openapi_30(document):
    assert document["openapi"].startswith("3.0")
    validate(document)  # openapi-spec-validator: raises on the first violation


def test_validator_rejects_a_broken_document(document):
    """The validator above can fail: a response without its required description does."""
    broken = json.loads(json.dumps(document))
    path, method, operation = next(_operations(broken))
    del next(iter(operation["responses"].values()))["description"]
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


@pytest.mark.slow
def test_redocly_lint_reports_no_errors_or_warnings(document, tmp_path):
    schema = client_project.write_document(document, tmp_path / "openapi.json")
    result = client_project.run(
        "redocly", "lint", str(schema), "--config", "redocly.yaml", "--format", "json"
    )
    report = json.loads(result.stdout[result.stdout.index("{") :])
    problems = [
        f"{p['severity']} {p['ruleId']}: {p['message']} at {p['location'][0]['pointer']}"
        for p in report["problems"]
    ]
    assert problems == []
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_redocly_lint_catches_a_missing_summary(document, tmp_path):
    broken = json.loads(json.dumps(document))
    _, _, operation = next(_operations(broken))
    del operation["summary"]
    schema = client_project.write_document(broken, tmp_path / "openapi.json")
    result = client_project.run("redocly", "lint", str(schema), "--config", "redocly.yaml")
    assert result.returncode != 0
    assert "operation-summary" in result.stdout + result.stderr


def test_every_operation_has_a_summary_an_area_tag_and_a_snake_case_id(document):
    seen = set()
    for path, method, operation in _operations(document):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation.get("tags") and "api" not in operation["tags"], where
        assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", operation["operationId"]), where
        assert operation["operationId"] not in seen, where
        seen.add(operation["operationId"])


def test_every_operation_id_is_written_on_its_view(db):
    """Explicit, not drf-spectacular's path-derived guess (which changes when a URL does)."""
    generator = SchemaGenerator()
    missing = []
    for path, _, method, callback in EndpointEnumerator().get_api_endpoints():
        if path in ("/api/schema/", "/api/docs/"):
            continue
        view = generator.create_view(callback, method)
        if view.schema.__class__.get_operation_id is AutoSchema.get_operation_id:
            missing.append(f"{method} {path}")
    assert missing == []


def test_declared_statuses_are_ones_the_server_can_send(document):
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        assert "405" not in responses, where  # the operation exists for this method
        if "requestBody" not in operation:
            assert "413" not in responses and "415" not in responses, where
        else:
            assert "413" in responses, where
        for status, response in responses.items():
            if status in ("429", "503"):
                assert "Retry-After" in response.get("headers", {}), where
            if status >= "400" and status not in ("416",):
                schema = response["content"]["application/json"]["schema"]
                wanted = "OpenAIErrorBody" if path.startswith("/v1/") else "Error"
                assert schema == {"$ref": f"#/components/schemas/{wanted}"}, (where, status)


def test_v1_errors_are_openai_shaped(document):
    body = document["components"]["schemas"]["OpenAIErrorBody"]
    error = body["properties"]["error"]
    assert set(error["required"]) == {"message", "type", "param", "code"}
    assert error["properties"]["param"]["nullable"] is True


def test_nullable_objects_carry_a_type(document):
    """Strict OAS 3.0 generators (Kotlin, Swift) need `type` beside `nullable`."""
    offenders = []

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("nullable") and "type" not in node:
                offenders.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(document, "")
    assert offenders == []
    job = document["components"]["schemas"]["GenerationJob"]["properties"]
    assert job["error"]["type"] == "object" and job["error"]["nullable"] is True
    actor = document["components"]["schemas"]["Notification"]["properties"]["actor"]
    assert actor["type"] == "object" and actor["nullable"] is True


def test_feeds_declare_their_cursor_and_page_size(document):
    for path in ("/api/v1/feed", "/api/v1/feed/following"):
        names = {p["name"] for p in document["paths"][path]["get"]["parameters"]}
        assert {"cursor", "page_size"} <= names, path


def test_fields_that_were_untyped_are_typed(document):
    schemas = document["components"]["schemas"]
    storyboard = schemas["GenerationJob"]["properties"]["storyboard"]
    assert storyboard["items"] == {"$ref": "#/components/schemas/Shot"}
    assert schemas["Notification"]["properties"]["data"]["type"] == "object"
    assert schemas["ConsentEvent"]["properties"]["data"]["type"] == "object"
    cameos = schemas["Video"]["properties"]["cameos"]["items"]
    assert cameos == {"$ref": "#/components/schemas/VideoCameo"}
    video_object = schemas["VideoObject"]["properties"]

    def enum(prop):
        ref = prop.get("$ref") or prop["allOf"][0]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]["enum"]

    assert enum(video_object["status"]) == ["queued", "in_progress", "completed", "failed"]
    assert "720x1280" in enum(video_object["size"])


def test_a_repeated_like_declares_only_the_status_it_sends(document):
    responses = document["paths"]["/api/v1/videos/{video_id}/like"]["post"]["responses"]
    assert "201" in responses and "200" not in responses


def test_servers_are_set(document):
    assert document["servers"] and document["servers"][0]["url"]

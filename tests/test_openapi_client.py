"""The schema-checking API client (tests/openapi.py) refuses what the document does not say."""

import pytest
from django.http import HttpResponse, JsonResponse

from tests.openapi import SchemaMismatch


def test_a_documented_response_passes(api_client):
    assert api_client.get("/api/v1/no-such-thing").status_code == 404


def test_an_undeclared_status_is_refused(schema_checker):
    with pytest.raises(SchemaMismatch, match="status 418 is not declared"):
        schema_checker.check("GET", "/api/v1/me", JsonResponse({"code": "x"}, status=418))


def test_a_body_off_the_schema_is_refused(schema_checker):
    with pytest.raises(SchemaMismatch, match="does not match the schema"):
        schema_checker.check("GET", "/api/v1/me", JsonResponse({"handle": 7}))


def test_a_null_nested_object_is_accepted_where_declared_nullable(schema_checker):
    # GenerationJob.error is `{allOf: [JobError], nullable: true}` in the document.
    page = {"next": None, "previous": None, "results": []}
    schema_checker.check("GET", "/api/v1/generations", JsonResponse(page))


def test_an_undocumented_api_path_is_refused_and_binary_bodies_are_not_read(schema_checker):
    with pytest.raises(SchemaMismatch, match="not in the OpenAPI document"):
        schema_checker.check("GET", "/api/v1/undocumented", JsonResponse({}, status=200))
    schema_checker.check("GET", "/api/v1/me", HttpResponse(b"\x00", content_type="video/mp4"))

"""Every response a test's API client gets is checked against the live OpenAPI document.

As Zulip's test client does (`zerver/lib/test_classes.py` validates each response against
`zerver/openapi/zulip.yaml`): the status code must be one the operation declares, and a JSON
body must match that status's schema. The document is drf-spectacular's, generated from the
code the tests run (the same generator `/api/schema/` serves), once per session.

Not checked: responses that are not JSON (clip, thumbnail and image downloads, redirects to
storage: their schema is a binary string), 204s, and paths outside the document (the admin,
`/api/schema/`, `/api/docs/`; a path the document does not know is fine only as a 404/405).
"""

import json
import re
from dataclasses import dataclass

from openapi_schema_validator import OAS30Validator

# Known gaps between the schema and the code, in files other lanes are rewriting this round
# (so the fix lands with their change, not as a colliding hunk here). Each entry is
# (method, path template, status) -> why. Remove an entry once its view documents the status.
SCHEMA_ALLOW_LIST: dict[tuple[str, str, str], str] = {
    # The content download (consent lane, generation/openai_compat/views.py) answers 409
    # `video_not_ready` as JSON but declares the 409 with a description only.
    ("GET", "/v1/videos/{video_id}/content", "409"): "409 declared without a JSON schema",
    # The create path (gate lane, generation/views.py) declares its 503 `service_unavailable`
    # with a description only; the body is the usual `{code, detail}` Error.
    ("POST", "/api/v1/generations", "503"): "503 declared without a JSON schema",
}
# Metadata requests DRF answers for every view; the document has no operations for them.
UNDOCUMENTED_METHODS = ("OPTIONS", "HEAD")


def _nullable_compositions(node):
    """drf-spectacular writes a nullable nested object as `{allOf: [ref], nullable: true}`;
    OpenAPI 3.0 validators apply `nullable` to the node's own `type` only, so spell the null
    out as an alternative. (Returns a rewritten copy.)"""
    if isinstance(node, list):
        return [_nullable_compositions(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_compositions(value) for key, value in node.items()}
    if node.get("nullable") and any(key in node for key in ("allOf", "oneOf", "anyOf", "$ref")):
        rest = {key: value for key, value in node.items() if key != "nullable"}
        return {"anyOf": [{"enum": [None]}, rest]}
    return node


class SchemaMismatch(AssertionError):
    """A response the OpenAPI document does not describe."""


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern
    literal_segments: int
    responses: dict


def _operations(document: dict) -> list[Operation]:
    """The document's operations, most specific path first (literal segments beat params)."""
    operations = []
    for template, item in document["paths"].items():
        regex = "".join(
            "[^/]+" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]+\})", template)
        )
        literal = sum(1 for part in template.split("/") if part and not part.startswith("{"))
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                operations.append(
                    Operation(
                        method.upper(),
                        template,
                        re.compile(f"^{regex}$"),
                        literal,
                        operation["responses"],
                    )
                )
    return sorted(operations, key=lambda op: -op.literal_segments)


class SchemaChecker:
    """Finds a request's operation in the document and validates the response against it."""

    def __init__(self, document: dict):
        self.components = _nullable_compositions(document.get("components", {}))
        self.operations = _operations(document)

    def _find(self, method: str, path: str) -> tuple[Operation | None, bool]:
        """(the operation, whether the path is documented under any method)."""
        on_path = [op for op in self.operations if op.pattern.match(path)]
        for op in on_path:
            if op.method == method:
                return op, True
        return None, bool(on_path)

    def check(self, method: str, path: str, response) -> None:
        """Raise SchemaMismatch when `response` is not what the document says."""
        status = str(response.status_code)
        if method in UNDOCUMENTED_METHODS:
            return
        operation, path_known = self._find(method, path)
        if operation is None:
            if status in ("404", "405") or not path_known and not path.startswith("/api/v1/"):
                return
            raise SchemaMismatch(f"{method} {path}: not in the OpenAPI document ({status})")
        if (method, operation.template, status) in SCHEMA_ALLOW_LIST:
            return
        declared = operation.responses.get(status) or operation.responses.get("default")
        if declared is None:
            raise SchemaMismatch(
                f"{method} {operation.template}: status {status} is not declared "
                f"(declared: {', '.join(sorted(operation.responses))})"
            )
        self._check_body(method, operation.template, status, declared, response)

    def _check_body(self, method, template, status, declared, response) -> None:
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if status == "204" or not content_type.endswith("json") or not response.content:
            return
        schema = (declared.get("content") or {}).get("application/json", {}).get("schema")
        if schema is None:
            raise SchemaMismatch(f"{method} {template} {status}: JSON body, no JSON schema")
        body = json.loads(response.content)
        errors = sorted(
            OAS30Validator({**schema, "components": self.components}).iter_errors(body),
            key=lambda error: list(error.absolute_path),
        )
        if errors:
            where = "/".join(str(part) for part in errors[0].absolute_path) or "(body)"
            raise SchemaMismatch(
                f"{method} {template} {status}: body does not match the schema at {where}: "
                f"{errors[0].message}"
            )


def live_document() -> dict:
    """drf-spectacular's document for the code under test, as `/api/schema/` serves it."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))

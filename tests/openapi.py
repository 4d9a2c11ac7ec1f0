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

# Known gaps between the schema and the code: (method, path template, status) -> why. Empty:
# every status the server sends is declared with its real body (config/schema.py).
SCHEMA_ALLOW_LIST: dict[tuple[str, str, str], str] = {}
# Metadata requests DRF answers for every view; the document has no operations for them.
UNDOCUMENTED_METHODS = ("OPTIONS", "HEAD")


# The native API's one timestamp format (API.md v1.1); `/v1` keeps OpenAI's Unix seconds.
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LOOKS_LIKE_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def timestamp_mismatches(body, where: str = "") -> list[str]:
    """Every string in a native API body that looks like a date-time but is not written
    `2026-12-01T19:02:55.069Z` (walks the whole body, declared fields or not)."""
    if isinstance(body, dict):
        return [
            m for key, value in body.items() for m in timestamp_mismatches(value, f"{where}/{key}")
        ]
    if isinstance(body, list):
        return [
            m for i, value in enumerate(body) for m in timestamp_mismatches(value, f"{where}/{i}")
        ]
    if isinstance(body, str) and LOOKS_LIKE_TIMESTAMP.match(body) and not TIMESTAMP.match(body):
        return [f"{where or '(body)'}: {body!r}"]
    return []


class SchemaMismatch(AssertionError):
    """A response the OpenAPI document does not describe."""


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern
    literal_segments: int
    responses: dict


UUID_SEGMENT = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


def _path_regex(template: str, operation: dict) -> str:
    """The template as a regex; a parameter the document types `format: uuid` (a `uuid`
    path converter) matches only a UUID, as the router does, so `/v1/videos/edits` is not
    taken for `/v1/videos/{video_id}`."""
    uuids = {
        p["name"]
        for p in operation.get("parameters", [])
        if p.get("in") == "path" and (p.get("schema") or {}).get("format") == "uuid"
    }
    return "".join(
        (UUID_SEGMENT if part[1:-1] in uuids else "[^/]+")
        if part.startswith("{")
        else re.escape(part)
        for part in re.split(r"(\{[^}]+\})", template)
    )


def _operations(document: dict) -> list[Operation]:
    """The document's operations, most specific path first (literal segments beat params)."""
    operations = []
    for template, item in document["paths"].items():
        literal = sum(1 for part in template.split("/") if part and not part.startswith("{"))
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                regex = _path_regex(template, operation)
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
        self.components = document.get("components", {})
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
        if template.startswith("/api/v1/"):
            wrong = timestamp_mismatches(body)
            if wrong:
                raise SchemaMismatch(
                    f"{method} {template} {status}: timestamps not in the API's format "
                    f"(2026-12-01T19:02:55.069Z): {', '.join(wrong[:3])}"
                )
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

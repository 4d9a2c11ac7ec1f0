"""OpenAPI post-processing: the generated document says what the server really sends.

Views document their success bodies and their own specific errors; the generic ones (bad
input, no or bad token, not visible, throttled...) come from the framework and apply to every
operation, so `add_error_responses` adds them here once instead of on every view, each with the
body the server sends: the house `{detail|field errors, code}` on the native API, OpenAI's
`{error: {message, type, param, code}}` on `/v1` (generation/openai_compat/views.py).

`strict_oas30` then rewrites what drf-spectacular emits in forms strict OpenAPI 3.0 generators
(Kotlin, Swift, openapi-typescript) and validators misread: a nullable nested object
(`allOf: [$ref]` + `nullable` without a `type`) becomes the object itself with `type: object,
nullable: true`; the paginators' example URLs (with a stray quote) become valid URLs; every
operation states its security (`[]` = public); `servers` is set.
"""

import copy
import json

from django.conf import settings

ERROR_SCHEMA = {
    "type": "object",
    "description": '`{"detail": "..."}` or field errors `{"field": ["message"]}`, always '
    "with a machine-readable `code` (config/exceptions.py).",
    "properties": {
        "code": {"type": "string", "description": "Stable machine-readable error code."},
        "detail": {"type": "string"},
    },
    "required": ["code"],
    "additionalProperties": True,
}
# The /v1 body (generation/openai_compat/views.py::openai_exception_handler): OpenAI's shape,
# plus the house `code` beside it.
OPENAI_ERROR_SCHEMA = {
    "type": "object",
    "description": "OpenAI's error shape, as the `openai` SDKs read it.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string", "enum": ["invalid_request_error", "server_error"]},
                "param": {"type": "string", "nullable": True},
                "code": {"type": "string"},
            },
            "required": ["message", "type", "param", "code"],
        },
        "code": {"type": "string"},
    },
    "required": ["error", "code"],
}

# (status, description, when it applies). Not declared: 405 (an operation exists for its
# method by definition) and 409 (only the views that raise Conflict declare it).
GENERIC_ERRORS = {
    "400": "Invalid input; the body names each bad field (`invalid`, `invalid_cursor`...).",
    "401": "No, expired or invalid credentials (`not_authenticated`, `token_not_valid`).",
    "403": "Not allowed (`permission_denied`, `account_suspended`, ...).",
    "404": "No such object, or not visible to the caller (the two are not told apart).",
    "406": "The Accept header asks for a format the API does not serve.",
    "413": "The request body is larger than the server accepts (`request_too_large`).",
    "415": "Unsupported request content type.",
    "429": "Throttled (`throttled`) or over quota; `Retry-After` says when to try again.",
}
BODY_ONLY = {"413", "415"}  # only operations that take a request body can get these
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Seconds to wait before trying again.",
    }
}
PAGE_EXAMPLE = "https://api.example.org/api/v1/videos?cursor=cD0yMDI2LTEyLTAx"
# Statuses whose body is not the error shape (or empty): left as the view declares them.
NOT_ERROR_BODIES = {"304", "416"}


def _error_ref(path: str) -> dict:
    name = "OpenAIErrorBody" if path.startswith("/v1/") else "Error"
    return {"$ref": f"#/components/schemas/{name}"}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: generic error responses, with their real bodies."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["OpenAIErrorBody"] = OPENAI_ERROR_SCHEMA
    schemas.pop("OpenAIError", None)  # the view's inline copy, now part of OpenAIErrorBody
    for path, path_item in result.get("paths", {}).items():
        ref = _error_ref(path)
        for operation in _operations(path_item):
            responses = operation["responses"]
            for status_code, description in GENERIC_ERRORS.items():
                if status_code in BODY_ONLY and "requestBody" not in operation:
                    continue
                responses.setdefault(status_code, {"description": description})
            for status_code, entry in responses.items():
                if not status_code.isdigit() or int(status_code) < 400:
                    continue
                if status_code in NOT_ERROR_BODIES:
                    continue
                content = entry.setdefault("content", {})
                content["application/json"] = {"schema": ref}
                if status_code in ("429", "503"):
                    entry["headers"] = {**RETRY_AFTER, **entry.get("headers", {})}
    return result


def strict_oas30(result, generator, request, public):
    """drf-spectacular postprocessing hook: forms strict OAS 3.0 tools accept (module doc)."""
    schemas = result.get("components", {}).get("schemas", {})
    result["components"]["schemas"] = {
        name: _inline_nullable_refs(schema, schemas) for name, schema in schemas.items()
    }
    for path_item in result.get("paths", {}).values():
        for operation in _operations(path_item):
            operation.setdefault("security", [])
    result["servers"] = [
        {
            "url": settings.PUBLIC_BASE_URL or "/",
            "description": "This deployment (PUBLIC_BASE_URL, else the host serving the schema)",
        }
    ]
    for schema in result["components"]["schemas"].values():
        for field in ("next", "previous"):
            prop = schema.get("properties", {}).get(field)
            if prop and prop.get("format") == "uri" and "example" in prop:
                prop["example"] = PAGE_EXAMPLE
    _drop_unreferenced_components(result)
    return result


def _drop_unreferenced_components(result: dict) -> None:
    """Components nothing points at any more (the objects inlined above), until none is left."""
    schemas = result["components"]["schemas"]
    while True:
        text = json.dumps(result, default=str)
        unused = [name for name in schemas if f'"#/components/schemas/{name}"' not in text]
        if not unused:
            return
        for name in unused:
            del schemas[name]


def _operations(path_item: dict):
    for operation in path_item.values():
        if isinstance(operation, dict) and "responses" in operation:
            yield operation


def _inline_nullable_refs(node, schemas: dict):
    """`{allOf: [{$ref: X}], nullable: true, ...}` → X's own schema with `nullable: true`."""
    if isinstance(node, list):
        return [_inline_nullable_refs(item, schemas) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _inline_nullable_refs(value, schemas) for key, value in node.items()}
    parts = node.get("allOf") or []
    if node.get("nullable") and "type" not in node and len(parts) == 1 and "$ref" in parts[0]:
        target = copy.deepcopy(schemas[parts[0]["$ref"].rsplit("/", 1)[1]])
        rest = {key: value for key, value in node.items() if key != "allOf"}
        return {**_inline_nullable_refs(target, schemas), **rest}
    return node

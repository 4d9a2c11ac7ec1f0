"""OpenAPI post-processing: every operation documents the error responses it can give.

Views document their success bodies and their own specific errors; the generic ones (bad
input, no or bad token, not yours or absent, throttled...) come from the framework and
apply everywhere, so they are added here once instead of on every view. All of them carry
the stable `code` of config/exceptions.py (API.md, "Errors").
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": '`{"detail": ...}` or field errors `{"field": ["message"]}`, always '
    "with a machine-readable `code`. The OpenAI-compatible /v1 API nests the message in "
    "`error` as that API does.",
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
    },
    "required": ["code"],
    "additionalProperties": True,
}

GENERIC_ERRORS = {
    "400": "Invalid input; the body names each bad field.",
    "401": "No, expired or invalid credentials (`not_authenticated`, `token_not_valid`).",
    "403": "Not allowed (`permission_denied`, `account_suspended`, ...).",
    "404": "No such object, or not visible to the caller (the two are not told apart).",
    "405": "Method not allowed on this path.",
    "406": "The Accept header asks for a format the API does not serve.",
    "413": "Request body too large.",
    "415": "Unsupported request content type.",
    "409": "Conflicts with the current state (exists already, not ready, already decided).",
    "429": "Throttled (`throttled`, with a Retry-After header) or over quota.",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add GENERIC_ERRORS wherever they are missing."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status_code, description in GENERIC_ERRORS.items():
                if status_code == "409" and method == "get":
                    continue
                entry = responses.setdefault(status_code, {"description": description})
                entry.setdefault("content", {"application/json": {"schema": ref}})
    return result

"""Request parsers: DRF's, with a bound on how deeply a JSON body may nest.

DRF's JSONParser lets `RecursionError` through (a 5,000-deep array is a 500 on every JSON
endpoint, anonymous ones included), and a body just under the interpreter's limit would fail
later, in a serializer or in rendering the error. So any JSON text a request carries - a body,
or a multipart field read as JSON through `loads_request_json` - is refused with a 400 once it
nests deeper than JSON_MAX_DEPTH.
"""

import codecs

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json


class JSONTooDeep(ValueError):
    """The JSON text nests deeper than JSON_MAX_DEPTH."""


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether `value` (decoded JSON) nests deeper than `limit`, walked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return False


def loads_request_json(text: str | bytes, *, strict: bool = True):
    """`json.loads` for client text; JSONTooDeep (a ValueError) instead of RecursionError."""
    parse_constant = json.strict_constant if strict else None
    try:
        value = json.loads(text, parse_constant=parse_constant)
    except RecursionError:
        raise JSONTooDeep("JSON nests too deeply.") from None
    if json_depth_exceeds(value, settings.JSON_MAX_DEPTH):
        raise JSONTooDeep(f"JSON nests deeper than {settings.JSON_MAX_DEPTH} levels.")
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser; a body nested deeper than JSON_MAX_DEPTH is a 400 parse error."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
            return loads_request_json(text, strict=api_settings.STRICT_JSON)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None

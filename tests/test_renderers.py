"""The API's JSON renderer (config/renderers.py) writes what DRF's own JSON renderer, with the
API's timestamp encoder, writes: the same bytes for what API responses carry."""

import datetime as dt
import json
import uuid
from decimal import Decimal

from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from config.renderers import JSONRenderer, TimestampJSONEncoder
from tests.factories import VideoFactory


class DRFJSONRenderer(renderers.JSONRenderer):
    encoder_class = TimestampJSONEncoder


PAYLOAD = {
    "id": uuid.UUID("7b2c35f4-5d1e-4e62-9c53-2bfc0d41c2a6"),
    "published_at": dt.datetime(2026, 12, 3, 13, 2, 55, 69123, tzinfo=dt.UTC),
    "naive": dt.datetime(2026, 12, 3, 13, 2, 55),
    "other_zone": dt.datetime(2026, 12, 3, 14, 2, 55, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    "day": dt.date(2026, 12, 3),
    "at": dt.time(13, 2, 55, 69123),
    "took": dt.timedelta(seconds=90.5),
    "price": Decimal("4.99"),
    "caption": 'snails \u2028 racing \u2029 #fast — naïve 🐌 "quoted" \\ back\nslash\t\x00',
    "lazy": gettext_lazy("This field is required."),
    "errors": {"q": [ErrorDetail("Enter a query.", code="required")]},
    "counts": [0, -1, 2**53, 1.5, 0.1, 1e16, True, False, None],
    "tuple": (1, "two"),
    "bytes": b"raw",
    1: "an int key",
    "nested": ReturnDict({"list": ReturnList([{"a": 1}], serializer=None)}, serializer=None),
    "empty": {},
}


def test_bytes_equal_drfs_own_renderer_for_the_shapes_responses_carry():
    ours = JSONRenderer().render(PAYLOAD)
    assert ours == DRFJSONRenderer().render(PAYLOAD)
    assert b"\\u2028" in ours and b"\xe2\x80\xa8" not in ours
    assert b'"published_at":"2026-12-03T13:02:55.069Z"' in ours


def test_floats_in_exponent_form_parse_to_the_same_values():
    """The one spelling that differs: orjson writes 1e-7 where Python writes 1e-07."""
    data = {"tiny": 1e-07, "huge": 1.5e300, "third": 1 / 3}
    ours = JSONRenderer().render(data)
    assert json.loads(ours) == json.loads(DRFJSONRenderer().render(data)) == data


def test_an_integer_beyond_64_bits_and_an_indent_take_drfs_path():
    data = {"big": 2**70}
    assert JSONRenderer().render(data) == DRFJSONRenderer().render(data)
    indented = JSONRenderer().render(PAYLOAD, "application/json; indent=2")
    assert indented == DRFJSONRenderer().render(PAYLOAD, "application/json; indent=2")
    assert b'\n  "id"' in indented


def test_no_body_renders_empty():
    assert JSONRenderer().render(None) == b""


def test_a_feed_page_over_http_is_the_same_json(auth_client, user, db):
    VideoFactory.create_batch(3)
    response = auth_client(user).get("/api/v1/feed")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
    assert response.content == DRFJSONRenderer().render(response.data)

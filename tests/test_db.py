"""config.db: the feed's hot queries are prepared statements on PostgreSQL, unless turned off."""

import pytest
from django.db import connection

from config.db import hot_query_cursor

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements"),
]


def _prepared(marker: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{marker}%"],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_hot_query_is_prepared_on_first_use_and_reused():
    for value in (1, 2):
        with hot_query_cursor() as cursor:
            cursor.execute("SELECT %s::int + 1 AS hot_query_marker_a", [value])
            assert cursor.fetchone() == (value + 1,)
    assert _prepared("hot_query_marker_a") == ["SELECT $1::int + 1 AS hot_query_marker_a"]


def test_prepared_statements_can_be_turned_off(settings):
    settings.DB_PREPARED_STATEMENTS = False
    with hot_query_cursor() as cursor:
        cursor.execute("SELECT %s::int + 1 AS hot_query_marker_b", [1])
        assert cursor.fetchone() == (2,)
    assert _prepared("hot_query_marker_b") == []

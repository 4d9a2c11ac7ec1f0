"""Prepared statements for the few hot queries the feed compiles once per process.

Django's PostgreSQL cursor binds parameters client-side and never prepares, so every request
makes PostgreSQL parse and plan the for-you candidates, the page and the like statement again
(≈0.5–2 ms each at the reference size, more than running them). These queries are compiled
once per process already (feed.selectors.user_rows, feed.services._visible_row_template); with
server-side binding and `prepare=True` they are also parsed and planned once per database
connection (psycopg's prepared-statement cache, keyed by query and parameter types).

Prepared statements live in the connection, so they pay off with persistent connections
(DB_CONN_MAX_AGE > 0). Behind PgBouncer in transaction mode they need PgBouncer ≥ 1.21 with
max_prepared_statements set; DB_PREPARED_STATEMENTS=0 turns them off.
"""

import contextlib

import psycopg
from django.conf import settings
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL


class _PreparingCursor(psycopg.Cursor):
    """Server-side binding, every statement prepared on first use on its connection."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


@contextlib.contextmanager
def hot_query_cursor():
    """A cursor for a hot, compiled-once query: prepared on PostgreSQL (unless
    DB_PREPARED_STATEMENTS is off), Django's plain cursor otherwise. Django's cursor wrapper is
    kept either way, so query logging, execute_wrappers and error translation still apply.

    PostgreSQL switches a prepared statement to one generic plan after five executions when
    its estimate looks no worse. Constants belong in the SQL text, not in parameters, so that
    plan knows them (feed.selectors._compiled: with `status = $9` the for-you candidates'
    generic plan sorted every published video at 10k)."""
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            yield cursor
        return
    # As Django's connection.cursor() does: replace a dead kept connection, translate errors.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _PreparingCursor(connection.connection)
    with connection._prepare_cursor(raw) as cursor:
        yield cursor


def any_of(model, field_name: str, values: list, sql_type: str) -> RawSQL:
    """A filter `field = ANY(values)` (PostgreSQL) with the values as one array parameter:
    an IN list is one parameter each, which Django renders into the SQL text one by one
    (measured ≈ 7 µs per UUID: 4 ms for a first page's 580 candidates)."""
    column = f'"{model._meta.db_table}"."{model._meta.get_field(field_name).column}"'
    return RawSQL(  # noqa: S611 - SQL from the model's own names, the values are one parameter
        f"{column} = ANY(%s::{sql_type}[])", [values], output_field=BooleanField()
    )

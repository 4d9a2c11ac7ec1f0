"""The PostgreSQL backend's health check (config/postgresql/base.py): a kept connection the
server ended is replaced, a live one is confirmed without a query."""

import select

import psycopg
import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def _admin():
    conf = connection.settings_dict
    return psycopg.connect(
        autocommit=True,
        dbname=conf["NAME"],
        user=conf["USER"],
        host=conf["HOST"] or "127.0.0.1",
        port=conf["PORT"] or 5432,
    )


def _last_statement(admin, pid) -> str:
    return admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def test_a_live_idle_connection_is_usable_without_a_round_trip():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'before the health check'")
    pid = connection.connection.info.backend_pid
    assert connection.is_usable()
    with _admin() as admin:
        assert _last_statement(admin, pid) == "SELECT 'before the health check'"


def test_a_connection_the_server_ended_is_not_usable_and_is_replaced():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with _admin() as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
    assert not connection.is_usable()
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_with_something_to_read_is_asked_and_kept():
    """A notification waiting on the socket is not a dead server: the check falls back to
    Django's SELECT 1, which answers."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("LISTEN cutaway_health")
    with _admin() as admin:
        admin.execute("NOTIFY cutaway_health")
        # The notification reaches this connection's socket asynchronously: wait for it.
        assert select.select([connection.connection.pgconn.socket], [], [], 5)[0]
        pid = connection.connection.info.backend_pid
        assert connection.is_usable()
        assert _last_statement(admin, pid) == "SELECT 1"
    with connection.cursor() as cursor:
        cursor.execute("UNLISTEN *")


def test_a_closed_connection_is_not_usable():
    connection.ensure_connection()
    connection.connection.close()
    assert not connection.is_usable()
    connection.close()

"""Django's PostgreSQL backend with a health check that costs no round trip.

CONN_HEALTH_CHECKS makes Django check a kept connection before a request's first query; its
PostgreSQL check is a `SELECT 1`, one round trip on every request (4 % of a next page's
worker time under load, BENCHMARKS.md). A connection the server ended (a restart,
pg_terminate_backend, an idle timeout) is known without asking: the server writes its FATAL
error and closes the socket, so an idle connection's socket that has anything to read is
suspect. `is_usable` polls the socket without waiting; only then does it read what is there and,
if the connection still stands (a notice, a parameter change), ask with Django's `SELECT 1`.

What it gives up: a server that is ending the connection at this very moment (the signal
sent, its FATAL not yet written) looks alive to the poll, where `SELECT 1` would have waited
for the answer, so that request fails; the next one gets a new connection.
A link that died silently (no FIN or RST reaches the client) is not seen, by this check or by
`SELECT 1`, until TCP gives up; keepalives (OPTIONS `keepalives_idle`) bound that wait.
"""

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        conn = self.connection
        if conn is None or conn.closed:
            return False
        pgconn = conn.pgconn
        if (
            pgconn.status != pq.ConnStatus.OK
            or pgconn.transaction_status != pq.TransactionStatus.IDLE
            or not hasattr(select, "poll")
        ):
            return super().is_usable()
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN)
        if not poller.poll(0):
            return True  # nothing from the server since the last reply: still open
        try:
            pgconn.consume_input()
        except psycopg.OperationalError:
            return False
        return pgconn.status == pq.ConnStatus.OK and super().is_usable()

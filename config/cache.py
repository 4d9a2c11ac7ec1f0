"""A Redis cache that fails open: an unreachable Redis is a cache miss, not a 500.

Django's RedisCache raises redis.ConnectionError on every call while Redis is down. Our cache
holds only what can be recomputed or skipped — throttle counters, for-you feed sessions,
short-lived URL memos — so during an outage reads keep working unthrottled (the database and
per-user quotas still bound the expensive paths) instead of every authenticated request failing
in its throttle check. Errors are logged, at most once a minute.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)
_last_warning = [0.0]


def _redis_down(exc) -> None:
    now = time.monotonic()
    if now - _last_warning[0] >= 60:
        _last_warning[0] = now
        logger.warning("cache unavailable, failing open: %s", exc)


def _unavailable():
    from redis.exceptions import ConnectionError, TimeoutError

    return (ConnectionError, TimeoutError)


class SharedRedisCacheClient(RedisCacheClient):
    """One redis.Redis per connection pool, instead of Django's new one per cache call.

    redis-py's constructor registers ~170 response callbacks; a feed request makes three or
    four cache calls (throttle, session), and building the clients was ~2 ms of its CPU. A
    redis.Redis is safe to share between threads: each command takes a pool connection.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    def _call(self, method, fallback, *args, **kwargs):
        try:
            return getattr(super(), method)(*args, **kwargs)
        except _unavailable() as exc:
            _redis_down(exc)
            return fallback

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # False ("already there"): a caller using add() as a lock does not proceed blindly.
        return self._call("add", False, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", delta, key, delta, version)

    def clear(self):
        return self._call("clear", False)

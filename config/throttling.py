"""Throttles shared by every app's views: DRF's rate throttles, every scope of a request checked
and recorded in one Redis round trip.

DRF's SimpleRateThrottle reads a scope's history from the cache and writes it back: two round
trips per scope, four for a write with a scope (user + scope). Here, when the cache is Redis,
the first throttle DRF asks (APIView.check_throttles) collects what every throttle of the view
would check — each class's own rules decide: anonymous or not, the view's scope, writes only —
and one Lua script (EVALSHA) checks and records all of them atomically; each throttle then
answers DRF from that result. The rules stay DRF's: a sliding window of request times per scope
and client (a sorted set of timestamps instead of a pickled list), a request recorded in every
scope that allowed it (even when another scope refused it, as DRF does), rates from
DEFAULT_THROTTLE_RATES (`SimpleRateThrottle.THROTTLE_RATES`), `wait()` computed as DRF computes
it (Retry-After). Without Redis (the embedded default: an in-process cache) DRF's own path runs.

config.cache.FailOpenRedisCache fails open: with Redis unreachable a request is not throttled
(as DRF's path through that cache would: a miss, then a failed write). A plain RedisCache
raises, as it would in DRF's path.
"""

import uuid

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS

from config.cache import FailOpenRedisCache, _redis_down, _unavailable

# KEYS: the scopes' keys. ARGV: now, this request's member, then limit and duration per key.
# Per key: drop entries at or before now - duration; refused when `limit` remain, else record
# `now` (and keep the key `duration` seconds, as DRF's cache.set does). Returns, per key,
# {allowed (1/0), entries counted after pruning (with this request when allowed), oldest}.
_SCRIPT = """
local now = tonumber(ARGV[1])
local member = ARGV[2]
local out = {}
for i, key in ipairs(KEYS) do
    local limit = tonumber(ARGV[1 + 2 * i])
    local duration = tonumber(ARGV[2 + 2 * i])
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
    local count = redis.call('ZCARD', key)
    local allowed = 0
    if count < limit then
        redis.call('ZADD', key, now, member)
        redis.call('EXPIRE', key, duration)
        allowed, count = 1, count + 1
    end
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2] or ARGV[1]
    out[i] = {allowed, count, oldest}
end
return out
"""
_scripts: dict = {}  # redis.Redis client -> its registered Script
_KEY_PREFIX = "throttle-window:"


def _redis_cache() -> RedisCache | None:
    cache = caches["default"]
    return cache if isinstance(cache, RedisCache) else None


def _run_script(cache: RedisCache, plans: list, now: float) -> list:
    client = cache._cache.get_client(write=True)
    script = _scripts.get(client)
    if script is None:
        script = _scripts[client] = client.register_script(_SCRIPT)
    keys = [cache.make_key(_KEY_PREFIX + key) for key, _, _ in plans]
    args: list = [repr(now), f"{now!r}:{uuid.uuid4().hex}"]
    for _, limit, duration in plans:
        args += [limit, duration]
    return script(keys=keys, args=args)


class OneRoundTripThrottle(throttling.SimpleRateThrottle):
    """SimpleRateThrottle's check, answered from the one script call made for the request."""

    _planning = False
    _plan: tuple | None = None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        cache = _redis_cache()
        if cache is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        if self._planning:  # collecting: what this throttle checks, no I/O
            self._plan = (self.key, self.num_requests, self.duration)
            return True
        outcomes = getattr(request, "_throttle_outcomes", None)
        if outcomes is None or self.key not in outcomes:
            outcomes = request._throttle_outcomes = self._check_all(request, view, cache)
        self.now, allowed, self.count, self.oldest = outcomes[self.key]
        return allowed

    def _check_all(self, request, view, cache) -> dict:
        """{key: (now, allowed, count, oldest)} for every throttle of the view, one round trip."""
        plans = {}
        for throttle in [*view.get_throttles(), self]:
            if isinstance(throttle, OneRoundTripThrottle):
                throttle._planning, throttle._plan = True, None
                try:
                    throttle.allow_request(request, view)
                finally:
                    throttle._planning = False
                if throttle._plan is not None:
                    plans[throttle._plan[0]] = throttle._plan
        now = self.timer()
        try:
            results = _run_script(cache, list(plans.values()), now)
        except _unavailable() as exc:
            if not isinstance(cache, FailOpenRedisCache):
                raise
            _redis_down(exc)
            return {key: (now, True, 0, now) for key in plans}
        return {
            key: (now, bool(allowed), int(count), float(oldest))
            for key, (allowed, count, oldest) in zip(plans, results, strict=True)
        }

    def wait(self):
        """DRF's SimpleRateThrottle.wait() over the window the script saw."""
        if not hasattr(self, "count"):
            return super().wait()
        remaining = self.duration - (self.now - self.oldest) if self.count else self.duration
        available = self.num_requests - self.count + 1
        if available <= 0:
            return None
        return remaining / float(available)


class AnonRateThrottle(throttling.AnonRateThrottle, OneRoundTripThrottle):
    """DRF's per-IP rate for signed-out requests (`anon`)."""


class UserRateThrottle(throttling.UserRateThrottle, OneRoundTripThrottle):
    """DRF's per-user rate (`user`; per IP when signed out)."""


class WriteScopedRateThrottle(throttling.ScopedRateThrottle, OneRoundTripThrottle):
    """The view's `throttle_scope` rate, spent by writes only.

    A scope names an expensive or abusable action (creating a job, commenting, reporting);
    reading the same endpoint (polling a job, listing comments) must not use it up, so a view
    that both lists and creates declares its scope once and nothing else.
    """

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)

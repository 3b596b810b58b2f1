"""Limits that keep one user or one burst from starving everyone: a per-user token bucket and a global cap.

Local (one process) by default; on Redis when REDIS_URL is set, so several workers share one budget.
"""
from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

QUEUE_NOTICE_S = 3.0  # queued longer than this: tell the asker their place in line
SLOT_LEASE_S = 300.0  # a worker that dies holding a slot frees it after this long (Redis)


class Gate(Protocol):
    """What adapters ask before answering: may this user ask now, and is there a free answering slot."""

    def wait_time(self, user: str) -> float: ...
    @contextmanager
    def slot(self, on_queued: Callable[[int], None] | None = None) -> Iterator[None]: ...


class LocalGate:
    """Token bucket per user and a FIFO semaphore, for one process."""

    def __init__(self, per_minute: int, burst: int, max_concurrent: int, *, notice_after_s: float = QUEUE_NOTICE_S) -> None:
        self.notice_after_s = notice_after_s
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_concurrent = max_concurrent
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._active = 0
        self._tickets = itertools.count()
        self._waiting: list[int] = []

    def wait_time(self, user: str) -> float:
        """0 if the user may ask now (a token is taken), else the seconds until they may."""
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(user, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[user] = (tokens - 1.0, now)
                if len(self._buckets) > 100_000:  # forget the quietest users rather than grow without bound
                    self._buckets.pop(next(iter(self._buckets)))
                return 0.0
            self._buckets[user] = (tokens, now)
            return (1.0 - tokens) / self.rate

    @contextmanager
    def slot(self, on_queued: Callable[[int], None] | None = None) -> Iterator[None]:
        ticket = next(self._tickets)
        started = time.monotonic()
        told = False
        with self._cond:
            self._waiting.append(ticket)
            while self._active >= self.max_concurrent or self._waiting[0] != ticket:
                self._cond.wait(timeout=0.25)
                if not told and on_queued and time.monotonic() - started >= self.notice_after_s:
                    told = True
                    on_queued(self._waiting.index(ticket) + 1)
            self._waiting.pop(0)
            self._active += 1
            self._cond.notify_all()
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()


_BUCKET_LUA = """
local tokens = tonumber(redis.call('HGET', KEYS[1], 't') or ARGV[2])
local at = tonumber(redis.call('HGET', KEYS[1], 'a') or ARGV[3])
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return tostring(wait)
"""

_ACQUIRE_LUA = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
local first = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) and (first == nil or first == ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 0
end
local rank = redis.call('ZRANK', KEYS[2], ARGV[3])
if rank == false then return -1 end
return rank + 1
"""


class RedisGate:
    """The same two limits on Redis: Lua scripts keep each check atomic across workers."""

    def __init__(
        self, client: Any, per_minute: int, burst: int, max_concurrent: int, *, prefix: str = "briefbot:",
        notice_after_s: float = QUEUE_NOTICE_S,
    ) -> None:
        self.r = client
        self.notice_after_s = notice_after_s
        self.rate = per_minute / 60.0
        self.burst = burst
        self.max_concurrent = max_concurrent
        self.prefix = prefix
        self._bucket = client.register_script(_BUCKET_LUA)
        self._acquire = client.register_script(_ACQUIRE_LUA)

    def wait_time(self, user: str) -> float:
        return float(self._bucket(keys=[f"{self.prefix}bucket:{user}"], args=[self.rate, self.burst, time.time()]))

    @contextmanager
    def slot(self, on_queued: Callable[[int], None] | None = None) -> Iterator[None]:
        holders, waiters = f"{self.prefix}slots", f"{self.prefix}slots:queue"
        me = uuid.uuid4().hex
        started = time.monotonic()
        told = False
        self.r.zadd(waiters, {me: time.time()}, nx=True)
        try:
            while True:
                now = time.time()
                position = int(self._acquire(
                    keys=[holders, waiters], args=[self.max_concurrent, now, me, now + SLOT_LEASE_S, now - 600]
                ))
                if position == 0:
                    break
                if position < 0:  # dropped as stale (queued > 10 min): back in line
                    self.r.zadd(waiters, {me: now})
                elif not told and on_queued and time.monotonic() - started >= self.notice_after_s:
                    told = True
                    on_queued(position)
                time.sleep(0.05)
        except BaseException:
            self.r.zrem(waiters, me)
            raise
        try:
            yield
        finally:
            self.r.zrem(holders, me)

"""The answer gate on Redis, for several workers: a fair (FIFO), bounded semaphore whose slots are leases.

- Fair: a waiter takes a ticket (INCR) and gets a slot only when fewer waiters are ahead of it than slots are free.
- Blocking, not polling: a release PUBLISHes a wake-up; each process has one subscriber thread that wakes its
  waiters, which then try again. A 1 s fallback re-check covers a lost message or a holder that died.
- Leases: a holder's slot expires `lease_s` after its last renewal (a keeper thread renews every lease_s / 3), so a
  worker that stops frees its slots within seconds; a clean shutdown releases them at once.
- Redis down: waiters fall back to a local gate (answers go on; the deployment-wide cap is lost for a while).
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .limits import QUEUE_NOTICE_S, Clock, LocalGate, RateLimit

log = logging.getLogger("briefbot.gate")

LEASE_S = 10.0  # a slot outlives its holder by at most this long
WAKE_FALLBACK_S = 1.0  # re-check without a wake-up this often (lost message, a holder that died)

# KEYS: holders (zset id->lease end), waiters (zset id->ticket), waiter leases (zset id->lease end), ticket counter
# ARGV: max, me, now, lease end, channel.  Returns 0 when the slot is taken, else the place in line (1 = next).
_ACQUIRE = """
local now = tonumber(ARGV[3])
local freed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, w in ipairs(gone) do redis.call('ZREM', KEYS[2], w) end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if freed > 0 then redis.call('PUBLISH', ARGV[5], 'reaped') end
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), ARGV[2])
end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
local rank = redis.call('ZRANK', KEYS[2], ARGV[2])
local free = tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1])
if rank < free then
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('ZREM', KEYS[3], ARGV[2])
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
  return 0
end
return rank - math.max(free, 0) + 1
"""

# KEYS: holders, waiters, waiter leases; ARGV: id, channel
_RELEASE = """
local held = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if held > 0 then redis.call('PUBLISH', ARGV[2], 'released') end
return held
"""


class RedisGate:
    """The per-user limit and the answer slots, shared by every worker through one Redis."""

    def __init__(self, client: Any, per_minute: int, burst: int, max_concurrent: int, *, prefix: str = "briefbot:",
                 notice_after_s: float = QUEUE_NOTICE_S, lease_s: float = LEASE_S, clock: Clock = time.time) -> None:
        from limits.storage import RedisStorage  # optional: it needs redis (the server extra)

        self.r = client
        self.max_concurrent = max_concurrent
        self.notice_after_s = notice_after_s
        self.lease_s = lease_s
        self.clock = clock
        self.keys = [f"{prefix}slots", f"{prefix}slots:waiting", f"{prefix}slots:waiting:lease", f"{prefix}slots:seq"]
        self.channel = f"{prefix}slots:wake"
        storage = RedisStorage("redis://", connection_pool=client.connection_pool, key_prefix=f"{prefix}limits")
        self.rate = RateLimit(per_minute, burst, storage)
        self.local = LocalGate(0, 0, max_concurrent)  # while Redis is down
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)
        self._mine: dict[str, str] = {}  # id -> "held" | "waiting", renewed by the keeper
        self._lock = threading.Lock()
        self._wake = threading.Condition()
        self._generation = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._listen, name="briefbot-gate-wake", daemon=True),
                         threading.Thread(target=self._keep, name="briefbot-gate-lease", daemon=True)]
        for t in self._threads:
            t.start()

    # -- per-user limit --

    def wait_time(self, user: str) -> float:
        import redis  # optional: the server extra (this class is only built when REDIS_URL is set)

        try:
            return self.rate.wait_time(user)
        except redis.RedisError as exc:  # answering beats going silent while Redis is away
            log.warning("per-user limit unavailable (%s); admitting", type(exc).__name__)
            return 0.0

    # -- answer slots --

    @contextmanager
    def slot(self, on_queued: Callable[[int], None] | None = None) -> Iterator[None]:
        import redis  # optional: the server extra (this class is only built when REDIS_URL is set)

        me = uuid.uuid4().hex
        try:
            self._wait_for_slot(me, on_queued)
        except redis.RedisError as exc:
            self._forget(me)
            log.warning("shared answer slots unavailable (%s); using this worker's own", type(exc).__name__)
            with self.local.slot(on_queued):
                yield
            return
        except BaseException:
            self._give_back(me)
            raise
        try:
            yield
        finally:
            self._give_back(me)

    def _wait_for_slot(self, me: str, on_queued: Callable[[int], None] | None) -> None:
        started = self.clock()
        told = False
        with self._lock:
            self._mine[me] = "waiting"
        while True:
            generation = self._generation
            now = self.clock()
            position = int(self._acquire(keys=self.keys, args=[self.max_concurrent, me, now, now + self.lease_s,
                                                                self.channel]))
            if position == 0:
                with self._lock:
                    self._mine[me] = "held"
                return
            if not told and on_queued and now - started >= self.notice_after_s:
                told = True
                on_queued(position)
            timeout = WAKE_FALLBACK_S
            if not told and on_queued:
                timeout = min(timeout, max(0.05, started + self.notice_after_s - now))
            self._wait_for_wake(generation, timeout)
            if self._stop.is_set():
                raise RuntimeError("the gate is closed")

    def _wait_for_wake(self, generation: int, timeout: float) -> None:
        with self._wake:
            self._wake.wait_for(lambda: self._generation != generation or self._stop.is_set(), timeout)

    def _forget(self, me: str) -> None:
        with self._lock:
            self._mine.pop(me, None)

    def _give_back(self, me: str) -> None:
        self._forget(me)
        try:
            self._release(keys=self.keys[:3], args=[me, self.channel])
        except Exception as exc:  # noqa: BLE001 - the lease runs out by itself
            log.warning("could not release an answer slot (%s); its lease will expire", type(exc).__name__)

    def renew(self) -> None:
        """Push back the leases of every slot held and every place in line in this process."""
        with self._lock:
            mine = dict(self._mine)
        if not mine:
            return
        until = self.clock() + self.lease_s
        pipe = self.r.pipeline(transaction=False)
        for me, state in mine.items():
            pipe.zadd(self.keys[0] if state == "held" else self.keys[2], {me: until}, xx=True)
        pipe.execute()

    def _keep(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                self.renew()
            except Exception as exc:  # noqa: BLE001 - try again next round
                log.warning("could not renew answer-slot leases (%s)", type(exc).__name__)

    def _listen(self) -> None:
        """Wake local waiters on every release anywhere; reconnect after an outage."""
        backoff = 0.1
        while not self._stop.is_set():
            pubsub = self.r.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                backoff = 0.1
                while not self._stop.is_set():
                    if pubsub.get_message(timeout=1.0) is not None:
                        self._bump()
            except Exception:  # noqa: BLE001 - Redis away: waiters fall back to their 1 s re-check
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 2.0)
            finally:
                try:
                    pubsub.close()
                except Exception:  # noqa: BLE001
                    pass

    def _bump(self) -> None:
        with self._wake:
            self._generation += 1
            self._wake.notify_all()

    def close(self) -> None:
        """Stop the threads and give back every slot and place in line this process still has."""
        with self._lock:
            mine = list(self._mine)
        for me in mine:
            self._give_back(me)
        self._stop.set()
        self._bump()

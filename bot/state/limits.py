"""Limits that keep one user or one burst from starving everyone: a per-user rate limit and a cap on answers at once.

The per-user limit is the `limits` library's moving window (in memory, or on Redis when the state is shared):
`burst` questions in any `burst / rate` seconds, so `rate_per_minute` is the sustained rate. Its keys expire with
their window, so a quiet user's entry goes away by itself — no hand-written eviction.
The cap on answers at once is a FIFO semaphore here (one process) and a leased, blocking one in bot/state/redis_gate.py.
"""
from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

QUEUE_NOTICE_S = 3.0  # queued longer than this: tell the asker their place in line

Clock = Callable[[], float]


class Gate(Protocol):
    """What the Bot asks before answering: may this user ask now, and is there a free answering slot."""

    def wait_time(self, user: str) -> float: ...
    def slot(self, on_queued: Callable[[int], None] | None = None) -> Any: ...
    def close(self) -> None: ...


class RateLimit:
    """`burst` questions per user in any `burst * 60 / per_minute` seconds; per_minute=0 means no limit."""

    def __init__(self, per_minute: int, burst: int, storage: Storage | None = None, *, prefix: str = "user") -> None:
        self.enabled = per_minute > 0 and burst > 0
        window_s = max(1, math.ceil(burst * 60 / per_minute)) if self.enabled else 1
        self.item = RateLimitItemPerSecond(max(1, burst), window_s, namespace=prefix)
        self.limiter = MovingWindowRateLimiter(storage or MemoryStorage())

    def wait_time(self, user: str) -> float:
        """0 if the user may ask now (the question is counted), else the seconds until they may."""
        if not self.enabled or self.limiter.hit(self.item, user):
            return 0.0
        reset_at = self.limiter.get_window_stats(self.item, user).reset_time
        return max(0.01, reset_at - time.time())  # the library keeps time by time.time()


class LocalGate:
    """The per-user limit and a FIFO semaphore, for one process (its slots go with the process)."""

    def __init__(self, per_minute: int, burst: int, max_concurrent: int, *, notice_after_s: float = QUEUE_NOTICE_S,
                 clock: Clock = time.monotonic) -> None:
        self.notice_after_s = notice_after_s
        self.max_concurrent = max_concurrent
        self.rate = RateLimit(per_minute, burst)
        self.clock = clock
        self._cond = threading.Condition()
        self._active = 0
        self._tickets = itertools.count()
        self._waiting: list[int] = []

    def wait_time(self, user: str) -> float:
        return self.rate.wait_time(user)

    @contextmanager
    def slot(self, on_queued: Callable[[int], None] | None = None) -> Iterator[None]:
        """Wait for a free slot, first come first served; `on_queued(position)` once the wait is noticeable."""
        ticket = next(self._tickets)
        started = self.clock()
        told = False
        with self._cond:
            self._waiting.append(ticket)
            try:
                while self._active >= self.max_concurrent or self._waiting[0] != ticket:
                    wait = None if told or not on_queued else max(0.0, started + self.notice_after_s - self.clock())
                    self._cond.wait(timeout=wait)
                    if not told and on_queued and self.clock() - started >= self.notice_after_s \
                            and (self._active >= self.max_concurrent or self._waiting[0] != ticket):
                        told = True
                        on_queued(self._waiting.index(ticket) + 1)
            except BaseException:
                self._waiting.remove(ticket)
                self._cond.notify_all()
                raise
            self._waiting.pop(0)
            self._active += 1
            self._cond.notify_all()
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def close(self) -> None:
        return None


def unlimited(max_concurrent: int = 4) -> LocalGate:
    """No per-user limit (the Bot's default when none is configured)."""
    return LocalGate(0, 0, max_concurrent)

"""A clock the test moves by hand: leases, TTLs and deadlines expire without sleeping."""
from __future__ import annotations

import threading
import time


class ManualClock:
    """Callable like time.time(); starts at the real time so Redis-side expiries stay sensible."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

"""Usage counted in the state store: questions, refusals and answer times per day, platform and channel.

One write per answer (an upsert of two or three counters in one SQLite transaction, or one Redis pipeline), so
the hot path stays cheap; answer times go into fixed buckets, so the p50/p95 of any range of days is a sum.
"""
from __future__ import annotations

import bisect
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from .sqlite import ThreadConnections, immediate

# Upper bounds (ms) of the answer-time buckets; a last bucket holds everything slower. A percentile is reported as
# the bound of the bucket it falls in ("p95 ≤ 300 ms").
LATENCY_BOUNDS_MS = (25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 10_000, 20_000,
                     60_000)
BUCKETS = len(LATENCY_BOUNDS_MS) + 1
REDIS_KEEP_S = 400 * 86400  # a day's counters in Redis expire after this (a year and a bit of history)
LOCAL_PLATFORMS = ("console", "ask", "admin", "eval")  # conversations of these have no channel


@dataclass(frozen=True)
class UsageEvent:
    """One answered question (a refusal counts as answered): where, when and how long it took."""

    at: float
    platform: str
    channel: str
    refused: bool
    seconds: float


@dataclass(frozen=True)
class UsageCount:
    """The counters of one day, platform and channel."""

    day: str  # YYYY-MM-DD, UTC
    platform: str
    channel: str
    questions: int = 0
    refused: int = 0
    latency: tuple[int, ...] = (0,) * BUCKETS  # answers per LATENCY_BOUNDS_MS bucket


class UsageRecorder(Protocol):
    """What the Bot needs: somewhere to count an answer."""

    def record(self, event: UsageEvent) -> None: ...


class UsageLog(UsageRecorder, Protocol):
    """And what the usage page and `briefbot usage` need: the counters of a range of days."""

    def counts(self, first_day: str, last_day: str) -> list[UsageCount]: ...
    def close(self) -> None: ...


def channel_of(conversation_id: str) -> tuple[str, str]:
    """(platform, channel) of a conversation id: `slack:{team}:{channel}:{thread}`, `discord:{guild}:{channel}`,
    `discord:dm:{user}` (channel "dm": no user id is kept), `console` or `ask:…` (no channel)."""
    parts = conversation_id.split(":")
    platform = parts[0] or "unknown"
    if platform in LOCAL_PLATFORMS or len(parts) < 3:
        return platform, ""
    return platform, "dm" if parts[1] == "dm" else parts[2]


def usage_event(conversation_id: str, refused: bool, seconds: float, at: float | None = None) -> UsageEvent:
    platform, channel = channel_of(conversation_id)
    return UsageEvent(time.time() if at is None else at, platform, channel, refused, seconds)


def day_of(at: float) -> str:
    """The UTC day of a time, as YYYY-MM-DD (the days of the usage page and `briefbot usage`)."""
    return time.strftime("%Y-%m-%d", time.gmtime(at))


def days_between(first_day: str, last_day: str) -> list[str]:
    """Every day from first_day to last_day, both included."""
    start, end = date.fromisoformat(first_day), date.fromisoformat(last_day)
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def bucket_of(seconds: float) -> int:
    """The index of the answer-time bucket that holds `seconds`."""
    return bisect.bisect_left(LATENCY_BOUNDS_MS, seconds * 1000.0)


def _metrics(event: UsageEvent) -> list[str]:
    """The counters one answer adds 1 to."""
    return ["questions", *(["refused"] if event.refused else []), f"ms{bucket_of(event.seconds)}"]


def _fold(rows: list[tuple[str, str, str, str, int]]) -> list[UsageCount]:
    """(day, platform, channel, metric, n) rows → one UsageCount per day, platform and channel."""
    acc: dict[tuple[str, str, str], dict[str, Any]] = {}
    for day, platform, channel, metric, n in rows:
        entry = acc.setdefault((day, platform, channel), {"questions": 0, "refused": 0, "latency": [0] * BUCKETS})
        if metric.startswith("ms"):
            index = int(metric[2:])
            if 0 <= index < BUCKETS:
                entry["latency"][index] += int(n)
        elif metric in ("questions", "refused"):
            entry[metric] += int(n)
    return [UsageCount(day, platform, channel, e["questions"], e["refused"], tuple(e["latency"]))
            for (day, platform, channel), e in sorted(acc.items())]


class SQLiteUsage:
    """A `usage` table in the state store's SQLite file: one row per day, platform, channel and counter."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = ThreadConnections(path, synchronous_normal=True)
        self._db.get().executescript(
            """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS usage (
                day TEXT NOT NULL, platform TEXT NOT NULL, channel TEXT NOT NULL, metric TEXT NOT NULL,
                n INTEGER NOT NULL, PRIMARY KEY (day, platform, channel, metric));
            """
        )

    def record(self, event: UsageEvent) -> None:
        day = day_of(event.at)
        with immediate(self._db.get()) as db:
            db.executemany(
                "INSERT INTO usage (day, platform, channel, metric, n) VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT (day, platform, channel, metric) DO UPDATE SET n = n + 1",
                [(day, event.platform, event.channel, m) for m in _metrics(event)],
            )

    def counts(self, first_day: str, last_day: str) -> list[UsageCount]:
        rows: list[Any] = self._db.get().execute(
            "SELECT day, platform, channel, metric, n FROM usage WHERE day BETWEEN ? AND ?", (first_day, last_day)
        ).fetchall()
        return _fold(rows)

    def close(self) -> None:
        self._db.close()


class RedisUsage:
    """A hash per day (`briefbot:usage:{day}`, field `platform|channel|metric`), counted with HINCRBY."""

    def __init__(self, client: Any, *, prefix: str = "briefbot:") -> None:
        self.r = client
        self.prefix = prefix + "usage:"

    def record(self, event: UsageEvent) -> None:
        key = self.prefix + day_of(event.at)
        pipe = self.r.pipeline(transaction=False)
        for m in _metrics(event):
            pipe.hincrby(key, _field(event.platform, event.channel, m), 1)
        pipe.expire(key, REDIS_KEEP_S)
        pipe.execute()

    def counts(self, first_day: str, last_day: str) -> list[UsageCount]:
        days = days_between(first_day, last_day)
        pipe = self.r.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(self.prefix + day)
        rows = []
        for day, fields in zip(days, pipe.execute()):
            for name, n in fields.items():
                platform, channel, metric = _unfield(name)
                rows.append((day, platform, channel, metric, int(n)))
        return _fold(rows)

    def close(self) -> None:
        return None  # the client belongs to the state store


def _field(platform: str, channel: str, metric: str) -> str:
    return "|".join(p.replace("|", "/") for p in (platform, channel, metric))


def _unfield(name: str | bytes) -> tuple[str, str, str]:
    text = name.decode() if isinstance(name, bytes) else name
    platform, channel, metric = text.split("|", 2)
    return platform, channel, metric


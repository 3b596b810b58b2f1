"""Gaps an editor has dealt with (e.g. by adding an article): marked per gap, so a group drops off the open list,
and the same question asked again and still refused opens a new gap."""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .gaps import GROUP_DISTANCE, Gap, GapGroup, group_gaps
from .sqlite import ThreadConnections, immediate


class HandledMarks(Protocol):
    """Which gaps were marked handled, and when."""

    def mark(self, keys: Sequence[str], at: float | None = None) -> int: ...
    def handled(self) -> dict[str, float]: ...
    def close(self) -> None: ...


class SQLiteHandled:
    """A `gaps_handled` table in the state store's SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = ThreadConnections(path, synchronous_normal=True)
        self._db.get().executescript(
            "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS gaps_handled (key TEXT PRIMARY KEY, at REAL NOT NULL);"
        )

    def mark(self, keys: Sequence[str], at: float | None = None) -> int:
        when = time.time() if at is None else at
        with immediate(self._db.get()) as db:
            db.executemany("INSERT OR IGNORE INTO gaps_handled (key, at) VALUES (?, ?)", [(k, when) for k in keys])
        return len(keys)

    def handled(self) -> dict[str, float]:
        return dict(self._db.get().execute("SELECT key, at FROM gaps_handled").fetchall())

    def close(self) -> None:
        self._db.close()


class RedisHandled:
    """A hash `briefbot:gaps:handled` of gap key → when it was marked."""

    def __init__(self, client: Any, *, prefix: str = "briefbot:") -> None:
        self.r = client
        self.key = prefix + "gaps:handled"

    def mark(self, keys: Sequence[str], at: float | None = None) -> int:
        if not keys:
            return 0
        when = time.time() if at is None else at
        pipe = self.r.pipeline(transaction=True)
        for k in keys:
            pipe.hsetnx(self.key, k, str(when))
        pipe.execute()
        return len(keys)

    def handled(self) -> dict[str, float]:
        return {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in self.r.hgetall(self.key).items()}

    def close(self) -> None:
        return None  # the client belongs to the state store


def split_handled(gaps: Iterable[Gap], marks: dict[str, float]) -> tuple[list[Gap], list[Gap]]:
    """(open, handled) gaps."""
    open_: list[Gap] = []
    done: list[Gap] = []
    for g in gaps:
        (done if g.key in marks else open_).append(g)
    return open_, done


def group_id(group: GapGroup) -> str:
    """A short name for a group, from its example question: what `briefbot gaps --handle ID` takes."""
    return hashlib.sha1(" ".join(group.example.casefold().split()).encode()).hexdigest()[:8]


def find_group(groups: Sequence[GapGroup], gid: str) -> GapGroup | None:
    return next((g for g in groups if group_id(g) == gid.strip().lower()), None)


def gap_groups(gaps: Sequence[Gap], marks: dict[str, float], embed: Callable[[str], np.ndarray],
               max_distance: float = GROUP_DISTANCE, show: str = "open") -> list[GapGroup]:
    """The groups of `briefbot gaps` and the Gaps page: of the open gaps (default), the handled ones, or all."""
    open_, done = split_handled(gaps, marks)
    chosen = {"open": open_, "handled": done}.get(show, list(gaps))
    return group_gaps(chosen, embed, max_distance) if chosen else []

"""Knowledge gaps: every refused question, every 👎 and every hand-off to a person is kept, so an editor can see
which articles are missing."""
from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.common.models import Answer

from .sqlite import ThreadConnections

KEEP = 50_000  # gaps kept in Redis (oldest dropped); SQLite keeps all
GROUP_DISTANCE = 0.14  # cosine distance (1 - similarity) within which questions ask the same (e5, average link;
# paraphrases across nl/en sit at 0.02-0.14, near misses such as "troops in Belarus" vs "in Poland" at 0.15-0.17)


@dataclass(frozen=True)
class Gap:
    """A question the knowledge base could not answer well: refused, or voted down (with an optional reason)."""

    key: str  # one per refused answer, one per (answer, voter) for a 👎, so a repeated vote replaces its record
    kind: str  # "refused" | "down" | "escalated" (a person was called in: adapters/handoff.py)
    question: str
    language: str
    platform: str
    at: float
    article: str = ""  # the closest passage found: its article, label, text and score
    label: str = ""
    passage: str = ""
    score: float = 0.0
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def gap_from_answer(kind: str, key: str, question: str, answer: Answer, platform: str, reason: str = "",
                    at: float | None = None) -> Gap:
    top = answer.sources[0] if answer.sources else None
    return Gap(key, kind, question or answer.question, answer.language, platform, time.time() if at is None else at,
               top.article if top else "", top.label if top else "", top.text[:500] if top else "",
               float(top.score) if top else 0.0, (reason or "").strip()[:500])


class GapRecorder(Protocol):
    """What the Bot needs: somewhere to put a gap."""

    def record(self, gap: Gap) -> None: ...


class GapLog(GapRecorder, Protocol):
    """And what `briefbot gaps` needs: the gaps since a time."""

    def gaps(self, since: float = 0.0, limit: int = 10_000) -> list[Gap]: ...
    def close(self) -> None: ...


_FIELDS = ("key", "kind", "question", "language", "platform", "at", "article", "label", "passage", "score", "reason")


class SQLiteGaps:
    """A `gaps` table in the state store's SQLite file (its own connections; WAL lets them share the file)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._db = ThreadConnections(path, synchronous_normal=True)  # as the state store: WAL survives a crash
        self._conn().executescript(
            """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS gaps (
                key TEXT PRIMARY KEY, kind TEXT NOT NULL, question TEXT NOT NULL, language TEXT, platform TEXT,
                at REAL NOT NULL, article TEXT, label TEXT, passage TEXT, score REAL, reason TEXT);
            CREATE INDEX IF NOT EXISTS gaps_at ON gaps(at);
            """
        )

    def _conn(self) -> sqlite3.Connection:
        return self._db.get()

    def record(self, gap: Gap) -> None:
        self._conn().execute(
            f"INSERT OR REPLACE INTO gaps ({', '.join(_FIELDS)}) VALUES ({', '.join('?' * len(_FIELDS))})",
            tuple(getattr(gap, f) for f in _FIELDS),
        )

    def gaps(self, since: float = 0.0, limit: int = 10_000) -> list[Gap]:
        rows = self._conn().execute(
            f"SELECT {', '.join(_FIELDS)} FROM gaps WHERE at >= ? ORDER BY at DESC LIMIT ?", (since, limit)
        ).fetchall()
        return [_gap_from_row(row) for row in rows]

    def close(self) -> None:
        self._db.close()


def _gap_from_row(row: tuple) -> Gap:
    d = dict(zip(_FIELDS, row))
    for k in ("article", "label", "passage", "reason", "language", "platform"):
        d[k] = d[k] or ""
    d["score"] = float(d["score"] or 0.0)
    return Gap(**d)


class RedisGaps:
    """Gaps in Redis beside the shared state: a hash of records and a time index, capped at KEEP."""

    def __init__(self, client: Any, *, prefix: str = "briefbot:") -> None:
        self.r = client
        self.records = prefix + "gaps"
        self.by_time = prefix + "gaps:by_time"

    def record(self, gap: Gap) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(self.records, gap.key, json.dumps(gap.to_dict(), ensure_ascii=False))
        pipe.zadd(self.by_time, {gap.key: gap.at})
        pipe.zremrangebyrank(self.by_time, 0, -KEEP - 1)
        pipe.execute()

    def gaps(self, since: float = 0.0, limit: int = 10_000) -> list[Gap]:
        keys = self.r.zrevrangebyscore(self.by_time, "+inf", since, start=0, num=limit)
        if not keys:
            return []
        raw = self.r.hmget(self.records, keys)
        return [Gap(**json.loads(x)) for x in raw if x]

    def close(self) -> None:
        return None  # the client belongs to the state store


@dataclass(frozen=True)
class GapGroup:
    """Questions that ask the same thing, with the one nearest the group's centre as the example."""

    count: int
    example: str
    questions: tuple[str, ...]
    closest_article: str
    languages: tuple[str, ...]
    platforms: tuple[str, ...]
    refused: int
    down: int
    reasons: tuple[str, ...]
    last_at: float
    escalated: int = 0
    keys: tuple[str, ...] = ()  # the gaps in the group (to mark them handled: bot/state/handled.py)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["last_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.last_at))
        return out


def cluster(vectors: np.ndarray, max_distance: float = GROUP_DISTANCE) -> list[int]:
    """Agglomerative clustering (average linkage, cosine) cut at max_distance: one label per row."""
    n = len(vectors)
    if n == 0:
        return []
    if n == 1:
        return [0]
    from scipy.cluster.hierarchy import fcluster, linkage  # start-up: ~390 ms, only `briefbot gaps` clusters

    tree = linkage(np.asarray(vectors, dtype=np.float64), method="average", metric="cosine")
    return [int(x) - 1 for x in fcluster(tree, t=max_distance, criterion="distance")]


def group_gaps(gaps: Sequence[Gap], embed: Callable[[str], np.ndarray],
               max_distance: float = GROUP_DISTANCE) -> list[GapGroup]:
    """Group similar questions by their embeddings; biggest groups first, then the most recent."""
    if not gaps:
        return []
    vectors = np.stack([np.asarray(embed(g.question), dtype=np.float32) for g in gaps])
    labels = cluster(vectors, max_distance)
    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(label, []).append(i)
    groups = []
    for idx in members.values():
        vecs = vectors[idx]
        centre = vecs.mean(axis=0)
        example = gaps[idx[int(np.argmax(vecs @ centre))]]
        items = [gaps[i] for i in idx]
        articles = Counter(g.article for g in items if g.article)
        groups.append(GapGroup(
            count=len(items), example=example.question,
            questions=tuple(dict.fromkeys(g.question for g in items)),
            closest_article=articles.most_common(1)[0][0] if articles else "",
            languages=tuple(sorted({g.language for g in items if g.language})),
            platforms=tuple(sorted({g.platform for g in items if g.platform})),
            refused=sum(g.kind == "refused" for g in items), down=sum(g.kind == "down" for g in items),
            reasons=tuple(dict.fromkeys(g.reason for g in items if g.reason)),
            last_at=max(g.at for g in items), escalated=sum(g.kind == "escalated" for g in items),
            keys=tuple(g.key for g in items),
        ))
    return sorted(groups, key=lambda g: (-g.count, -g.last_at))

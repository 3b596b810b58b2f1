"""Shared state behind one interface: conversation memory, event deduplication, feedback."""
from __future__ import annotations

import functools
import json
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bot.common.errors import StoreError
from bot.common.models import Answer, Feedback, Source, Turn

from .sqlite import ThreadConnections, immediate, storage_fault
from .sqlite_work import SQLiteWork
from .work import Work

MIN_FREE_BYTES = 256 * 1024  # less free space than this next to the state file: /healthz says the disk is full
MAX_TURNS = 6  # per conversation: enough for follow-ups, bounded so memory can't grow without end


class Store(Protocol):
    """What the core and the adapters keep between messages (SQLite locally, Redis when shared)."""

    def turns(self, conversation_id: str) -> list[Turn]: ...
    def add_turn(self, conversation_id: str, turn: Turn) -> None: ...
    def reset(self, conversation_id: str) -> None: ...
    def find_answer(self, answer_id: str) -> tuple[str, Turn] | None: ...
    def claim(self, key: str, ttl_s: float) -> bool: ...
    def add_feedback(self, feedback: Feedback) -> bool: ...
    def feedback(self, limit: int = 100) -> list[Feedback]: ...
    def ping(self) -> None: ...
    def close(self) -> None: ...
    # durable answering (bot/state/work.py)
    def begin_work(self, work: Work, owner: str, lease_s: float) -> tuple[str, Work]: ...
    def note_reply(self, key: str, reply_id: str) -> None: ...
    def renew_work(self, keys: list[str], owner: str, lease_s: float) -> None: ...
    def finish_work(self, key: str, keep_s: float = ...) -> None: ...
    def release_work(self, keys: list[str], owner: str) -> None: ...
    def orphaned_work(self, owner: str, lease_s: float, limit: int = 50, prefix: str = "") -> list[Work]: ...
    def unfinished(self, prefix: str = "") -> int: ...


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(fn: F) -> F:
    """sqlite3 errors become a StoreError that says which file and what to do."""

    @functools.wraps(fn)
    def wrapper(self: SQLiteStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            raise storage_fault(self._path, exc) from exc

    return wrapper  # type: ignore[return-value]


def answer_to_json(answer: Answer) -> str:
    return json.dumps({**answer.to_dict(), "question": answer.question, "id": answer.id}, ensure_ascii=False)


def answer_from_json(raw: str) -> Answer:
    d = json.loads(raw)
    return Answer(
        text=d["answer"],
        sources=sources_from_list(d["sources"]),
        grounded=d["grounded"],
        language=d["language"],
        question=d.get("question", ""),
        id=d.get("id", ""),
        item=d.get("item", ""),
    )


def sources_from_list(items: list[dict]) -> tuple[Source, ...]:
    return tuple(Source.from_dict(s) for s in items)


# The feedback table's columns, in the order of Feedback.to_dict()'s keys.
FEEDBACK_COLUMNS = ("answer_id", "vote", "user", "platform", "conversation", "question", "answer", "sources", "at",
                    "reason")


def _feedback_from_row(row: dict[str, Any]) -> Feedback:
    return Feedback.from_dict({**row, "sources": json.loads(row["sources"])})


class SQLiteStore(SQLiteWork):
    """One SQLite file in the data dir; safe across threads and processes (WAL, short transactions)."""

    def __init__(self, path: Path, max_turns: int = MAX_TURNS, *, clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self._max_turns = max_turns
        self._clock = clock
        self._db = ThreadConnections(path, synchronous_normal=True)
        # Writers in this process take turns here: SQLite's own busy-wait sleeps in whole milliseconds
        # and made bursts of claims slow; other processes are still kept apart by SQLite's locking.
        self._write = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._create()
        except (sqlite3.Error, OSError) as exc:
            self.close()
            raise storage_fault(path, exc) from None

    @property
    def path(self) -> Path:
        return self._path

    def _create(self) -> None:
        with self._conn() as db:
            db.executescript(
                """
                PRAGMA journal_mode=WAL;
                CREATE TABLE IF NOT EXISTS turns (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, conversation TEXT NOT NULL,
                    answer_id TEXT, question TEXT NOT NULL, answer TEXT NOT NULL, at REAL NOT NULL);
                CREATE INDEX IF NOT EXISTS turns_conv ON turns(conversation, id);
                CREATE INDEX IF NOT EXISTS turns_answer ON turns(answer_id);
                CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS feedback (
                    answer_id TEXT NOT NULL, user TEXT NOT NULL, vote TEXT NOT NULL, platform TEXT,
                    conversation TEXT, question TEXT, answer TEXT, sources TEXT, at REAL NOT NULL,
                    PRIMARY KEY (answer_id, user));
                CREATE TABLE IF NOT EXISTS work (
                    key TEXT PRIMARY KEY, payload TEXT NOT NULL, reply_id TEXT NOT NULL DEFAULT '',
                    owner TEXT, lease REAL NOT NULL, done INTEGER NOT NULL DEFAULT 0,
                    attempts INTEGER NOT NULL DEFAULT 1, expires REAL);
                CREATE INDEX IF NOT EXISTS work_open ON work(done, lease);
                CREATE TABLE IF NOT EXISTS health (k TEXT PRIMARY KEY, at REAL NOT NULL);
                """
            )
            columns = {row[1] for row in db.execute("PRAGMA table_info(feedback)")}
            if "reason" not in columns:  # a store made before 👎 reasons
                db.execute("ALTER TABLE feedback ADD COLUMN reason TEXT NOT NULL DEFAULT ''")

    def _conn(self) -> sqlite3.Connection:
        return self._db.get()

    @_guarded
    def turns(self, conversation_id: str) -> list[Turn]:
        rows = self._conn().execute(
            "SELECT question, answer, at FROM turns WHERE conversation=? ORDER BY id DESC LIMIT ?",
            (conversation_id, self._max_turns),
        ).fetchall()
        return [Turn(q, answer_from_json(a), at) for q, a, at in reversed(rows)]

    @_guarded
    def add_turn(self, conversation_id: str, turn: Turn) -> None:
        with self._write:
            self._add_turn(conversation_id, turn)

    def _add_turn(self, conversation_id: str, turn: Turn) -> None:
        with immediate(self._conn()) as db:
            db.execute(
                "INSERT INTO turns (conversation, answer_id, question, answer, at) VALUES (?,?,?,?,?)",
                (conversation_id, turn.answer.id, turn.question, answer_to_json(turn.answer), turn.at),
            )
            # Keep the newest turns for memory, plus any turn a feedback click may still point at.
            db.execute(
                "DELETE FROM turns WHERE conversation=? AND id NOT IN "
                "(SELECT id FROM turns WHERE conversation=? ORDER BY id DESC LIMIT ?) AND at < ?",
                (conversation_id, conversation_id, self._max_turns, self._clock() - 86400),
            )

    @_guarded
    def reset(self, conversation_id: str) -> None:
        # Forget the conversation for follow-ups; turns stay findable by answer id for feedback.
        with self._write:
            self._conn().execute(
                "UPDATE turns SET conversation = 'reset:' || conversation WHERE conversation=?", (conversation_id,)
            )

    @_guarded
    def find_answer(self, answer_id: str) -> tuple[str, Turn] | None:
        row = self._conn().execute(
            "SELECT conversation, question, answer, at FROM turns WHERE answer_id=?", (answer_id,)
        ).fetchone()
        if row is None:
            return None
        conv, q, a, at = row
        return conv.removeprefix("reset:"), Turn(q, answer_from_json(a), at)

    @_guarded
    def claim(self, key: str, ttl_s: float) -> bool:
        now = self._clock()
        with self._write, immediate(self._conn()) as db:
            db.execute("DELETE FROM claims WHERE expires < ?", (now,))
            cur = db.execute("INSERT OR IGNORE INTO claims (key, expires) VALUES (?, ?)", (key, now + ttl_s))
        return cur.rowcount == 1

    @_guarded
    def add_feedback(self, feedback: Feedback) -> bool:
        with self._write:
            return self._add_feedback(feedback)

    def _add_feedback(self, feedback: Feedback) -> bool:
        record = feedback.to_dict()
        record["sources"] = json.dumps(record["sources"], ensure_ascii=False)
        cur = self._conn().execute(
            f"INSERT OR REPLACE INTO feedback ({', '.join(FEEDBACK_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(FEEDBACK_COLUMNS))})",
            tuple(record[c] for c in FEEDBACK_COLUMNS),
        )
        return cur.rowcount == 1

    @_guarded
    def feedback(self, limit: int = 100) -> list[Feedback]:
        rows = self._conn().execute(
            f"SELECT {', '.join(FEEDBACK_COLUMNS)} FROM feedback ORDER BY at DESC LIMIT ?", (limit,)
        ).fetchall()
        return [_feedback_from_row(dict(zip(FEEDBACK_COLUMNS, row))) for row in rows]

    @_guarded
    def ping(self) -> None:
        """A real write, so /healthz turns red on a full disk or a read-only file, not only a missing one.

        A nearly full disk counts as full: SQLite may still write into pages it has, but not for long.
        """
        free = shutil.disk_usage(self._path.parent).free
        if free < MIN_FREE_BYTES:
            raise StoreError(f"The state file {self._path} is unusable: the disk is full ({free // 1024} KiB free): "
                             "free some space (or move BRIEFBOT_DATA_DIR) and try again.")
        with self._write:
            self._conn().execute("INSERT OR REPLACE INTO health (k, at) VALUES ('ping', ?)", (self._clock(),))

    def close(self) -> None:
        self._db.close()

"""Shared state behind one interface: conversation memory, event deduplication, feedback."""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

from .models import Answer, Feedback, Source, Turn

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
    return tuple(
        Source(s["article"], s["title"], int(s["paragraph"]), s["text"], float(s["score"]), s.get("date", ""),
               s.get("language", ""), s.get("label", "").rpartition(" ¶")[0], s.get("url", ""))
        for s in items
    )


class SQLiteStore:
    """One SQLite file in the data dir; safe across threads and processes (WAL, short transactions)."""

    def __init__(self, path: Path, max_turns: int = MAX_TURNS) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._max_turns = max_turns
        self._local = threading.local()
        # Writers in this process take turns here: SQLite's own busy-wait sleeps in whole milliseconds
        # and made bursts of claims slow; other processes are still kept apart by SQLite's locking.
        self._write = threading.Lock()
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
                """
            )

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across crashes of the process
            self._local.conn = conn
        return conn

    def turns(self, conversation_id: str) -> list[Turn]:
        rows = self._conn().execute(
            "SELECT question, answer, at FROM turns WHERE conversation=? ORDER BY id DESC LIMIT ?",
            (conversation_id, self._max_turns),
        ).fetchall()
        return [Turn(q, answer_from_json(a), at) for q, a, at in reversed(rows)]

    def add_turn(self, conversation_id: str, turn: Turn) -> None:
        with self._write:
            self._add_turn(conversation_id, turn)

    def _add_turn(self, conversation_id: str, turn: Turn) -> None:
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT INTO turns (conversation, answer_id, question, answer, at) VALUES (?,?,?,?,?)",
                (conversation_id, turn.answer.id, turn.question, answer_to_json(turn.answer), turn.at),
            )
            # Keep the newest turns for memory, plus any turn a feedback click may still point at.
            db.execute(
                "DELETE FROM turns WHERE conversation=? AND id NOT IN "
                "(SELECT id FROM turns WHERE conversation=? ORDER BY id DESC LIMIT ?) AND at < ?",
                (conversation_id, conversation_id, self._max_turns, time.time() - 86400),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def reset(self, conversation_id: str) -> None:
        # Forget the conversation for follow-ups; turns stay findable by answer id for feedback.
        with self._write:
            self._conn().execute(
                "UPDATE turns SET conversation = 'reset:' || conversation WHERE conversation=?", (conversation_id,)
            )

    def find_answer(self, answer_id: str) -> tuple[str, Turn] | None:
        row = self._conn().execute(
            "SELECT conversation, question, answer, at FROM turns WHERE answer_id=?", (answer_id,)
        ).fetchone()
        if row is None:
            return None
        conv, q, a, at = row
        return conv.removeprefix("reset:"), Turn(q, answer_from_json(a), at)

    def claim(self, key: str, ttl_s: float) -> bool:
        now = time.time()
        with self._write:
            db = self._conn()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM claims WHERE expires < ?", (now,))
                cur = db.execute("INSERT OR IGNORE INTO claims (key, expires) VALUES (?, ?)", (key, now + ttl_s))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return cur.rowcount == 1

    def add_feedback(self, feedback: Feedback) -> bool:
        with self._write:
            return self._add_feedback(feedback)

    def _add_feedback(self, feedback: Feedback) -> bool:
        cur = self._conn().execute(
            "INSERT OR REPLACE INTO feedback VALUES (?,?,?,?,?,?,?,?,?)",
            (
                feedback.answer_id, feedback.user, feedback.vote, feedback.platform, feedback.conversation_id,
                feedback.question, feedback.answer,
                json.dumps([s.to_dict() for s in feedback.sources], ensure_ascii=False), feedback.at,
            ),
        )
        return cur.rowcount == 1

    def feedback(self, limit: int = 100) -> list[Feedback]:
        rows = self._conn().execute(
            "SELECT answer_id, vote, user, platform, conversation, question, answer, sources, at "
            "FROM feedback ORDER BY at DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            Feedback(aid, vote, user, platform, conv, q, a, sources_from_list(json.loads(src)), at)
            for aid, vote, user, platform, conv, q, a, src, at in rows
        ]

    def ping(self) -> None:
        self._conn().execute("SELECT 1").fetchone()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

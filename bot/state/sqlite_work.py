"""The work log (bot/state/work.py) in the SQLite state file: one row per acknowledged question, leased to a worker."""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .sqlite import immediate, storage_fault
from .work import BUSY, DONE, DONE_KEEP_S, NEW, RESUMED, Work


class SQLiteWork:
    """Mixed into SQLiteStore; every change is one IMMEDIATE transaction, so two processes never both win a row."""

    _path: Path
    _clock: Callable[[], float]
    _write: threading.Lock

    def _conn(self) -> sqlite3.Connection:  # provided by SQLiteStore
        raise NotImplementedError

    def _tx(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        try:
            with self._write, immediate(self._conn()) as db:
                return fn(db)
        except (sqlite3.Error, OSError) as exc:
            raise storage_fault(self._path, exc) from exc

    def begin_work(self, work: Work, owner: str, lease_s: float) -> tuple[str, Work]:
        now = self._clock()

        def run(db: sqlite3.Connection) -> tuple[str, Work]:
            db.execute("DELETE FROM work WHERE done = 1 AND expires < ?", (now,))
            row = db.execute("SELECT payload, reply_id, owner, lease, done, attempts FROM work WHERE key = ?",
                             (work.key,)).fetchone()
            if row is None:
                db.execute("INSERT INTO work (key, payload, owner, lease) VALUES (?,?,?,?)",
                           (work.key, work.payload, owner, now + lease_s))
                return NEW, Work(work.key, work.payload, "", 1)
            payload, reply_id, holder, lease, done, attempts = row
            stored = Work(work.key, payload, reply_id, attempts)
            if done:
                return DONE, stored
            if lease > now and holder != owner:
                return BUSY, stored
            db.execute("UPDATE work SET owner = ?, lease = ?, attempts = attempts + 1 WHERE key = ?",
                       (owner, now + lease_s, work.key))
            return RESUMED, Work(work.key, payload, reply_id, attempts + 1)

        return self._tx(run)

    def note_reply(self, key: str, reply_id: str) -> None:
        self._tx(lambda db: db.execute("UPDATE work SET reply_id = ? WHERE key = ?", (reply_id, key)))

    def renew_work(self, keys: list[str], owner: str, lease_s: float) -> None:
        if keys:
            until = self._clock() + lease_s
            self._tx(lambda db: db.executemany("UPDATE work SET lease = ? WHERE key = ? AND owner = ? AND done = 0",
                                               [(until, k, owner) for k in keys]))

    def finish_work(self, key: str, keep_s: float = DONE_KEEP_S) -> None:
        expires = self._clock() + keep_s
        self._tx(lambda db: db.execute("UPDATE work SET done = 1, owner = NULL, expires = ? WHERE key = ?",
                                       (expires, key)))

    def release_work(self, keys: list[str], owner: str) -> None:
        if keys:
            self._tx(lambda db: db.executemany("UPDATE work SET lease = 0 WHERE key = ? AND owner = ? AND done = 0",
                                               [(k, owner) for k in keys]))

    def orphaned_work(self, owner: str, lease_s: float, limit: int = 50, prefix: str = "") -> list[Work]:
        now = self._clock()

        def run(db: sqlite3.Connection) -> list[Work]:
            rows = db.execute("SELECT key, payload, reply_id, attempts FROM work WHERE done = 0 AND lease <= ? "
                              "AND substr(key, 1, ?) = ? ORDER BY rowid LIMIT ?",
                              (now, len(prefix), prefix, limit)).fetchall()
            db.executemany("UPDATE work SET owner = ?, lease = ?, attempts = attempts + 1 WHERE key = ?",
                           [(owner, now + lease_s, key) for key, *_ in rows])
            return [Work(key, payload, reply_id, attempts + 1) for key, payload, reply_id, attempts in rows]

        return self._tx(run)

    def unfinished(self, prefix: str = "") -> int:
        return int(self._tx(lambda db: db.execute("SELECT COUNT(*) FROM work WHERE done = 0 AND substr(key, 1, ?) = ?",
                                                  (len(prefix), prefix)).fetchone()[0]))

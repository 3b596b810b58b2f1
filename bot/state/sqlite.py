"""SQLite the way every state table here uses it: one connection per thread, and short IMMEDIATE transactions."""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.common.errors import StoreError


class ThreadConnections:
    """A connection per thread to one file (sqlite3 connections must not cross threads); autocommit, with a busy
    timeout so writers of other processes are waited for rather than failed."""

    def __init__(self, path: Path, *, synchronous_normal: bool = False) -> None:
        self.path = path
        self.synchronous_normal = synchronous_normal  # with WAL: durable across crashes of the process
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA busy_timeout=10000")
            if self.synchronous_normal:
                conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (the others close with their threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


@contextmanager
def immediate(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once (BEGIN IMMEDIATE): two processes never both win a row."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def storage_fault(path: Path, exc: BaseException) -> StoreError:
    """One line that names the file and what to do, for the ways a local state file breaks."""
    text = str(exc).lower()
    if "full" in text or "no space" in text:
        what = "the disk is full: free some space (or move BRIEFBOT_DATA_DIR) and try again"
    elif "readonly" in text or "read-only" in text or "permission" in text or "unable to open" in text:
        what = "it cannot be written: check that the file and its folder are writable (or set BRIEFBOT_DATA_DIR)"
    elif "not a database" in text or "malformed" in text or "corrupt" in text:
        what = ("it is damaged: move it aside (it is rebuilt empty on the next start; memory and feedback in it "
                "are lost)")
    else:
        what = f"it failed ({type(exc).__name__}): check the disk and the file's permissions"
    return StoreError(f"The state file {path} is unusable: {what}.")

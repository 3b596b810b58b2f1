"""Durable answering: an acknowledged question is a work record until its final answer is posted.

A record is leased to the worker answering it; the worker renews the lease while it works. A worker that stops
(crash, kill, lost host) stops renewing, and any worker takes the record over once the lease has run out; a clean
shutdown releases its leases at once. A finished record is kept a while so redeliveries are recognised.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Protocol

WORK_LEASE_S = 10.0  # an unfinished question is picked up this long after its worker stopped renewing
DONE_KEEP_S = 3600.0  # a finished question's record stays this long, to recognise Slack's retries and edits

# What begin_work found:
NEW = "new"  # first delivery: leased to the caller
RESUMED = "resumed"  # unfinished and nobody holds it (its worker stopped): leased to the caller
BUSY = "busy"  # unfinished and another live worker holds it: nothing to do
DONE = "done"  # answered already: a duplicate


@dataclass(frozen=True)
class Work:
    """One acknowledged question: where it came from and where its answer goes (a platform's own fields)."""

    key: str  # one per platform message or interaction, e.g. "slack:C0CHAN:1700000001.000001"
    payload: str  # the adapter's Question as JSON
    reply_id: str = ""  # the placeholder's id once posted: the final answer edits it (idempotent)
    attempts: int = 0  # how many workers have started on it

    def data(self) -> dict:
        return json.loads(self.payload)

    def with_reply(self, reply_id: str) -> Work:
        return replace(self, reply_id=reply_id)


class WorkLog(Protocol):
    """The durable part of the state store (SQLite or Redis)."""

    def begin_work(self, work: Work, owner: str, lease_s: float) -> tuple[str, Work]: ...
    def note_reply(self, key: str, reply_id: str) -> None: ...
    def renew_work(self, keys: list[str], owner: str, lease_s: float) -> None: ...
    def finish_work(self, key: str, keep_s: float = DONE_KEEP_S) -> None: ...
    def release_work(self, keys: list[str], owner: str) -> None: ...
    def orphaned_work(self, owner: str, lease_s: float, limit: int = 50, prefix: str = "") -> list[Work]: ...
    def unfinished(self, prefix: str = "") -> int: ...

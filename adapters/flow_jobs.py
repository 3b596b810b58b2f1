"""The flow's bookkeeping: one Job per question held, a keeper that renews leases and picks up orphaned work, and a
watchdog that gives an apology when an answer misses its deadline."""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from adapters.flow_parts import Question
from bot.common.errors import StoreError
from bot.state.work import Work, WorkLog

log = logging.getLogger("briefbot.flow")


@dataclass(eq=False)
class Job:
    """A question this worker holds: its work record, what has been shown so far, and whether it is finished."""

    q: Question
    work: Work
    resumed: bool = False
    recorded: bool = True  # False: the state store was down when it arrived (answered without a record)
    text: str = ""
    language: str = "en"
    partial: str = ""
    last_edit: float | None = None  # the last edit of the placeholder (streaming, place in line)
    posted_at: float | None = None  # when the placeholder went up, if the platform counts it as an edit
    editing: bool = False
    deadline: float = 0.0
    unrecorded: bool = False  # answered, but marking it done failed: the keeper retries
    finished: threading.Event = field(default_factory=threading.Event)
    edit_lock: threading.Lock = field(default_factory=threading.Lock)
    reply_id: str = ""
    stream: Any = None  # the platform's native stream of this answer, once opened (Transport.open_stream)
    stream_tried: bool = False
    streamed: int = 0  # how much of `partial` the stream has been given
    stream_noted: bool = False  # its message id is in the work record (a takeover edits it)

    def __post_init__(self) -> None:
        self.reply_id = self.reply_id or self.work.reply_id

    @property
    def key(self) -> str:
        return self.work.key

    @property
    def rid(self) -> str:
        return self.key.rsplit(":", 1)[-1][-24:]

    def claim_final(self) -> bool:
        """True for the one caller that may post the last word (answer, notice or apology)."""
        with _final_lock:
            if self.finished.is_set():
                return False
            self.finished.set()
            return True


_final_lock = threading.Lock()


class Holder(Protocol):
    """What the keeper needs of the flow that holds the jobs (adapters/flow.py's Flow)."""

    platform: str
    owner: str
    lease_s: float

    @property
    def work(self) -> WorkLog: ...
    def held(self) -> list[Job]: ...
    def recover(self) -> int: ...
    def drop(self, job: Job) -> None: ...


class Keeper(threading.Thread):
    """Renews the leases of held work, records finished work the store missed, and picks up orphaned work."""

    def __init__(self, flow: Holder, renew_every_s: float, recover_every_s: float) -> None:
        super().__init__(name=f"briefbot-{flow.platform}-keeper", daemon=True)
        self.flow = flow
        self.every_s = min(renew_every_s, recover_every_s)
        self.renew_every_s = renew_every_s
        self.recover_every_s = recover_every_s
        self._stop = threading.Event()
        self._recovered = threading.Event()  # set after the first pick-up (tests wait for it)

    def run(self) -> None:
        since_renew = since_recover = float("inf")
        while not self._stop.is_set():
            if since_renew >= self.renew_every_s:
                self.renew()
                since_renew = 0.0
            if since_recover >= self.recover_every_s:
                try:
                    self.flow.recover()
                except StoreError as exc:
                    log.warning("could not look for unfinished work (%s)", exc.message)
                except Exception:  # noqa: BLE001 - try again next round
                    log.exception("looking for unfinished work failed")
                self._recovered.set()
                since_recover = 0.0
            self._stop.wait(self.every_s)
            since_renew += self.every_s
            since_recover += self.every_s

    def renew(self) -> None:
        """Renew held leases; record questions the store missed (answered during an outage) once it is back."""
        flow = self.flow
        jobs = flow.held()
        try:
            for job in (j for j in jobs if not j.recorded):  # arrived while the store was down
                flow.work.begin_work(job.work, flow.owner, flow.lease_s)
                job.recorded = True
            flow.work.renew_work([j.key for j in jobs if not j.unrecorded], flow.owner, flow.lease_s)
            for job in (j for j in jobs if j.unrecorded):  # answered; now marked done, so a retry is a duplicate
                flow.work.finish_work(job.key)
                job.unrecorded = False
                flow.drop(job)
        except StoreError as exc:
            log.warning("could not renew or record %d questions (%s)", len(jobs), exc.message)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()


class Watchdog(threading.Thread):
    """Calls `on_overdue(job)` for a job still unfinished at its deadline."""

    def __init__(self, on_overdue: Callable[[Any], None], clock: Callable[[], float]) -> None:
        super().__init__(name="briefbot-flow-watchdog", daemon=True)
        self.on_overdue = on_overdue
        self.clock = clock
        self._heap: list[tuple[float, int, Job]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self.start()

    def add(self, job: Job) -> None:
        with self._cond:
            heapq.heappush(self._heap, (job.deadline, next(self._seq), job))
            self._cond.notify()

    def run(self) -> None:
        with self._cond:
            while not self._stopped:
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, _, job = self._heap[0]
                wait = deadline - self.clock()
                if wait > 0:
                    self._cond.wait(min(wait, 1.0))
                    continue
                heapq.heappop(self._heap)
                if not job.finished.is_set():
                    self.on_overdue(job)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

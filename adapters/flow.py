"""One question flow for every platform: record, dedupe, limit, show progress, answer once, turn errors into notices.

A platform supplies a Format (pure functions: placeholder, queued, streaming, answer, notice, usage hint) and a
Transport (post a message and get its id, edit a message, and optionally its own way to say something once). The
flow does the rest, the same for Slack, Discord or a third platform:

  receive(question)  on the platform's acknowledgement path: record the work (a duplicate or a question another
                     live worker holds stops here). When the state store cannot record it, the question is answered
                     without a record (or, with refuse_unrecorded, Unavailable is raised and Slack gets a 503 and
                     retries later); while shutting down, Unavailable sends it to another worker.
  then, on the I/O pool:   length cap, clean, check → usage hint or notice; per-user limit → notice;
                           placeholder (or the place in line) posted and its id recorded
  on the compute pool:     Bot.compute under the answer gate; LLM deltas become throttled edits
  on the I/O pool again:   the final edit of the placeholder (idempotent), then the work is marked done.

A quiet question (asked without a mention in an answer channel) gets no placeholder, and only a grounded answer is
posted: a refusal, a notice or an apology ends it silently.

Unfinished work of a worker that stopped is taken over (bot/state/work.py leases) and answered once; a clean stop
stops taking work, drains for a grace period and releases what is left.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from adapters.flow_jobs import Job, Keeper, Watchdog
from adapters.flow_parts import Format, Question, Transport, Unavailable, flow_options
from adapters.flow_stream import NativeStreaming
from bot.common import metrics
from bot.common.errors import BriefbotError, EmptyQuestion, InputError, RateLimited, StoreError
from bot.common.logs import request_id
from bot.core.bot import Bot
from bot.language.phrases import phrase
from bot.state.work import BUSY, DONE, RESUMED, WORK_LEASE_S, Work, WorkLog

__all__ = ["Flow", "Format", "Question", "Transport", "Unavailable", "flow_options"]

log = logging.getLogger("briefbot.flow")

MAX_ATTEMPTS = 5  # a question whose answer could not be posted this many times is given up (and logged)
DEADLINE_S = 600.0  # the whole budget for one answer; then the asker gets an apology
# An answer holds an I/O thread through two platform calls (the placeholder, the final edit), ~0.2 s each on Slack's
# Web API: 16 threads capped a process at 16 / 0.4 s = 40 answers/s. Measured (bench.load_scale, two workers, an
# engine of 16–19 ms CPU an answer): 65–67 answers/s with 16 threads, 74–87 with 64 (three runs each).
IO_WORKERS = 64


class Flow(NativeStreaming):
    """The question flow of one adapter process; `close()` it (or `drain()` first) when the process stops."""

    def __init__(self, bot: Bot, fmt: Format, transport: Transport, *, platform: str, compute_workers: int = 4,
                 io_workers: int = IO_WORKERS, refuse_unrecorded: bool = False, deadline_s: float = DEADLINE_S,
                 lease_s: float = WORK_LEASE_S, recover_every_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.bot, self.fmt, self.transport = bot, fmt, transport
        self.platform = platform
        self.compute_workers = compute_workers
        # What to do when the state store cannot record a question: answer it anyway (default: a full disk or a
        # Redis outage must not silence the bot) or refuse it so the platform retries later.
        self.refuse_unrecorded = refuse_unrecorded
        self.deadline_s = deadline_s
        self.lease_s = lease_s
        self.clock = clock
        self.sleep = sleep  # with `clock`: the edit pace is tested without waiting for it
        self.owner = uuid.uuid4().hex
        self.io = ThreadPoolExecutor(io_workers, thread_name_prefix=f"briefbot-{platform}-io")
        self.compute = ThreadPoolExecutor(compute_workers, thread_name_prefix=f"briefbot-{platform}-answer")
        self.jobs: dict[str, Job] = {}  # every question this worker holds, until its answer is posted and recorded
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._inflight = 0  # handed to the compute pool, not yet computed
        self.accepting = True
        self.watchdog = Watchdog(self._overdue, clock)
        self.keeper = Keeper(self, lease_s / 3, recover_every_s)

    def start(self) -> Flow:
        """Start renewing leases and picking up unfinished work (at once, then every few seconds)."""
        if not self.keeper.is_alive() and not self.keeper.stopped:
            self.keeper.start()
        return self

    # -- the acknowledgement path ------------------------------------------------------------------------

    def receive(self, q: Question) -> str:
        """Record the question and start it; 'new'/'resumed' when this worker answers it, 'done'/'busy' if not."""
        if not self.accepting:
            raise Unavailable("shutting down")
        if q.key in self.jobs:  # redelivered to the worker that is answering it
            metrics.DEDUP_HITS.labels(self.platform).inc()
            return BUSY
        try:
            state, work = self.bot.work.begin_work(Work(q.key, q.to_json()), self.owner, self.lease_s)
        except StoreError as exc:
            metrics.UNRECORDED.labels(self.platform).inc()
            if self.refuse_unrecorded:
                raise Unavailable(exc.message) from exc
            log.warning("answering without a work record (%s)", exc.message)
            state, work = "unrecorded", Work(q.key, q.to_json())
        if state in (DONE, BUSY):
            metrics.DEDUP_HITS.labels(self.platform).inc()
            log.info("delivery of %s skipped: %s", q.key, "answered already" if state == DONE else "being answered")
            return state
        if state == RESUMED:
            metrics.RESUMED.labels(self.platform).inc()
        self._begin(Job(q, work, resumed=state == RESUMED, recorded=state != "unrecorded"))
        return state

    def _begin(self, job: Job) -> None:
        with self._lock:
            if job.key in self.jobs:  # already answering it here
                return
            self.jobs[job.key] = job
        job.deadline = self.clock() + self.deadline_s
        self.watchdog.add(job)
        self._submit(self.io, self._prepare, job)

    def recover(self) -> int:
        """Take over unfinished work whose worker stopped renewing it; returns how many were taken."""
        if not self.accepting:
            return 0
        with self._lock:
            room = max(0, 2 * self.compute_workers - self._inflight)
        if room == 0:
            return 0
        taken = self.bot.work.orphaned_work(self.owner, self.lease_s, limit=room, prefix=f"{self.platform}:")
        for work in taken:
            metrics.RESUMED.labels(self.platform).inc()
            log.info("picked up unfinished %s (attempt %d)", work.key, work.attempts)
            self._begin(Job(Question.from_json(work.payload), work, resumed=True))
        return len(taken)

    # -- the steps ---------------------------------------------------------------------------------------

    def _submit(self, pool: ThreadPoolExecutor, step: Callable[[Job], None], job: Job) -> None:
        try:
            pool.submit(self._guard, step, job)
        except RuntimeError:  # shut down: the work was released for another worker
            log.info("%s left for another worker", job.key)

    def _guard(self, step: Callable[[Job], None], job: Job) -> None:
        with request_id(job.rid):
            try:
                step(job)
            except Exception:  # noqa: BLE001 - the asker gets an apology, the log the trace
                log.exception("handling %s failed", job.key)
                self._deliver(job, self._said(job, phrase("apology", job.language)))

    def _prepare(self, job: Job) -> None:
        """Check the question, apply the per-user limit, post the placeholder; then queue the computation."""
        q = job.q
        too_long = self.bot.too_long(q.text)  # before any pattern sees the text
        if too_long is not None:
            job.language = too_long.language
            return self._deliver(job, self._said(job, too_long.message))
        job.text = self.fmt.question(q)
        try:
            _, job.language = self.bot.check(job.text)
        except EmptyQuestion as exc:
            return self._deliver(job, None if q.quiet else self.fmt.usage(exc.language, q))
        except InputError as exc:
            job.language = exc.language
            return self._deliver(job, self._said(job, exc.message))
        if not job.resumed:  # a retry or a takeover was admitted the first time
            try:
                self.bot.admit(q.user, job.language, q.platform)
            except RateLimited as exc:
                return self._deliver(job, self._said(job, exc.message))
        with self._lock:  # take the place in line first: questions arriving together each get their own
            position = self._inflight - self.compute_workers + 1
            self._inflight += 1
        try:
            finder = getattr(self.transport, "find_reply", None)  # optional: a platform that can look
            if job.resumed and not job.reply_id and finder is not None:
                job.reply_id = finder(job.q)
            if not job.reply_id and not q.quiet:
                queued = position > 0
                status = getattr(self.transport, "show_status", None)  # optional: the platform's own status
                if queued or status is None or not status(q, job.language):
                    self._post_placeholder(job, self.fmt.queued(job.language, position) if queued
                                           else self.fmt.placeholder(job.language))
        finally:
            self._submit(self.compute, self._compute, job)

    def _post_placeholder(self, job: Job, message: Any) -> None:
        try:
            job.reply_id = self.transport.post(job.q, message)
        except Exception as exc:  # noqa: BLE001 - the answer is posted as a new message instead
            log.warning("could not post the placeholder for %s (%s); answering without it", job.key,
                        type(exc).__name__)
            return
        job.posted_at = self.clock() if self.transport.first_edit_waits else None
        if job.recorded:
            try:
                self.bot.work.note_reply(job.key, job.reply_id)
            except StoreError as exc:
                log.warning("placeholder of %s not recorded (%s)", job.key, exc.message)

    def _compute(self, job: Job) -> None:
        """Bot.compute under the answer gate; the outcome is posted from the I/O pool."""
        try:
            if job.finished.is_set():  # given up (deadline, shutdown) while queued
                return
            try:
                answer = self.bot.compute(job.text, job.q.conversation, on_queued=lambda p: self._progress(
                    job, self.fmt.queued(job.language, p)), on_delta=lambda d: self._delta(job, d),
                    scope=job.q.articles)
                outcome = self.fmt.answer(answer) if answer.grounded or not job.q.quiet else None
            except BriefbotError as exc:
                log.info("%s not answered: %s", job.key, type(exc).__name__)
                outcome = self._said(job, exc.message)
        finally:
            with self._lock:
                self._inflight -= 1
        self._submit(self.io, lambda j: self._deliver(j, outcome), job)

    def _progress(self, job: Job, message: Any) -> None:
        """An intermediate edit (streaming text, place in line): skipped while one is in flight or too soon."""
        last = max((t for t in (job.last_edit, job.posted_at) if t is not None), default=None)
        too_soon = last is not None and self.clock() - last < self.transport.edit_interval_s
        if job.editing or not job.reply_id or too_soon:
            return
        job.editing = True
        job.last_edit = self.clock()  # reserved now: the final edit keeps its distance from this one
        shown = message if message is not None else self.fmt.streaming(job.partial)

        def edit(j: Job) -> None:
            with j.edit_lock:
                try:
                    if not j.finished.is_set():
                        self.transport.edit(j.q, j.reply_id, shown)
                        j.last_edit = self.clock()
                finally:
                    j.editing = False

        self._submit(self.io, edit, job)

    def _said(self, job: Job, text: str) -> Any:
        """A notice for the asker; nothing for a quiet question (an answer channel stays silent)."""
        return None if job.q.quiet else self.fmt.notice(text)

    def _deliver(self, job: Job, message: Any) -> None:
        """The last word for a question (answer, notice, apology): posted once, then the work is marked done.
        None: nothing is posted (a quiet question not answered), the work is done all the same."""
        if not job.claim_final():
            return
        if message is None:
            log.info("%s: nothing to say in an answer channel", job.key)
            return self._done(job)
        try:
            with job.edit_lock:  # after any edit still in flight, and not sooner than the interval allows
                wait = 0.0 if job.last_edit is None else job.last_edit + self.transport.edit_interval_s - self.clock()
                if wait > 0:
                    self.sleep(wait)
                if job.stream is not None:  # the stream is stopped with the answer's blocks attached
                    self.transport.close_stream(job.q, job.stream, message, job.partial,
                                                job.streamed)
                else:
                    self.transport.notice(job.q, message, job.reply_id)
        except Exception as exc:  # noqa: BLE001 - left unfinished: taken up again once its lease runs out
            if job.work.attempts < MAX_ATTEMPTS:
                log.warning("could not post the answer for %s (%s); it will be retried", job.key, type(exc).__name__)
                self.drop(job)
                return
            log.error("giving up on %s after %d attempts (%s)", job.key, job.work.attempts, type(exc).__name__)
        self._done(job)

    def _overdue(self, job: Job) -> None:
        log.error("no answer for %s before the deadline", job.key)
        self._submit(self.io, lambda j: self._deliver(j, self._said(j, phrase("apology", j.language))), job)

    def _done(self, job: Job) -> None:
        try:
            if not job.recorded:
                raise StoreError("the question was never recorded")
            self.bot.work.finish_work(job.key)
        except StoreError as exc:  # kept (and its lease renewed); the keeper records it once the store is back
            log.warning("answer for %s posted but not recorded yet (%s)", job.key, exc.message)
            job.unrecorded = True
            return
        self.drop(job)

    @property
    def work(self) -> WorkLog:
        """The durable record of the questions held (the state store's work log)."""
        return self.bot.work

    def held(self) -> list[Job]:
        """The questions this worker holds now."""
        with self._lock:
            return list(self.jobs.values())

    def drop(self, job: Job) -> None:
        """Forget a finished question (its answer is posted and recorded)."""
        with self._idle:
            self.jobs.pop(job.key, None)
            self._idle.notify_all()

    # -- stopping -----------------------------------------------------------------------------------------

    def drain(self, grace_s: float) -> int:
        """Stop taking work, wait up to `grace_s` for what is in flight, release the rest; returns how many remain."""
        self.accepting = False
        deadline = time.monotonic() + grace_s
        with self._idle:
            while any(not j.unrecorded for j in self.jobs.values()) and time.monotonic() < deadline:
                self._idle.wait(min(0.2, max(0.0, deadline - time.monotonic())))
            left = [j for j in self.jobs.values() if not j.unrecorded and j.recorded]
        for job in left:
            job.finished.set()  # a late result is dropped: another worker answers it
        if left:
            try:
                self.bot.work.release_work([j.key for j in left], self.owner)
            except StoreError as exc:
                log.warning("could not release %d unfinished questions (%s); their leases will expire",
                            len(left), exc.message)
        if left:
            log.warning("stopped with %d questions unanswered: handed to the next worker", len(left))
        return len(left)

    def close(self, grace_s: float = 0.0) -> int:
        left = self.drain(grace_s)
        self.keeper.stop()
        self.watchdog.stop()
        self.io.shutdown(wait=False, cancel_futures=True)
        self.compute.shutdown(wait=False, cancel_futures=True)
        return left

    @property
    def pending(self) -> int:
        return len(self.jobs)

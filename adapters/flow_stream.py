"""The flow's use of a platform's native streaming (Transport.open_stream / append / close_stream): an LLM's text
deltas go to the platform's own stream instead of throttled edits of a placeholder. Mixed into adapters/flow.py's
Flow, whose attributes it uses."""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from adapters.flow_jobs import Job
from bot.common.errors import StoreError
from bot.core.bot import Bot

log = logging.getLogger("briefbot.flow")


class NativeStreaming:
    """Opens the platform's stream at an answer's first delta, and hands it the new text in order."""

    bot: Bot
    transport: Any
    io: ThreadPoolExecutor

    def _submit(self, pool: ThreadPoolExecutor, step: Callable[[Job], None], job: Job) -> None:
        raise NotImplementedError  # Flow's

    def _progress(self, job: Job, message: Any) -> None:
        raise NotImplementedError  # Flow's

    def _delta(self, job: Job, delta: str) -> None:
        job.partial += delta
        if not job.stream_tried:  # the first delta: a native stream when the platform has one (no placeholder)
            job.stream_tried = True
            opener = getattr(self.transport, "open_stream", None)
            if opener is not None and not job.reply_id and not job.q.quiet:
                try:
                    job.stream = opener(job.q)
                except Exception as exc:  # noqa: BLE001 - the answer is posted whole instead
                    log.warning("no native stream for %s (%s)", job.key, type(exc).__name__)
        if job.stream is not None:
            self._submit(self.io, self._stream_more, job)
        else:
            self._progress(job, None)

    def _stream_more(self, job: Job) -> None:
        """Hand the stream what is new (in order: under the job's lock, from what was sent so far)."""
        with job.edit_lock:
            if job.finished.is_set() or job.stream is None:
                return
            try:
                job.streamed = self.transport.append(job.q, job.stream, job.partial, job.streamed)
            except Exception as exc:  # noqa: BLE001 - the rest goes with the final message
                log.warning("streaming %s failed (%s)", job.key, type(exc).__name__)
                return
            ts = getattr(job.stream, "ts", None)
            if ts and not job.stream_noted and job.recorded:
                job.stream_noted = True
                try:  # a worker that takes this over edits the streamed message instead of posting another
                    self.bot.work.note_reply(job.key, str(ts))
                except StoreError as exc:
                    log.warning("streamed message of %s not recorded (%s)", job.key, exc.message)


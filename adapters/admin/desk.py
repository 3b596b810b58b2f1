"""What the admin page does, over the same parts and functions as the CLI (knowledge.ingest, knowledge.reindex,
bot.state.handled, bot.state.reports): each method is one page action, blocking (the routes run it on a thread)."""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.common.config import Settings
from bot.common.models import Answer, Feedback
from bot.core.bot import Bot
from bot.state.gaps import GROUP_DISTANCE, GapGroup, GapLog
from bot.state.handled import HandledMarks, gap_groups
from bot.state.reports import FEEDBACK_SCAN, Filter, UsageReport, filter_feedback, usage_report
from bot.state.store import Store
from bot.state.usage import UsageLog
from knowledge.catalog import IndexedArticle, list_articles, search_articles, version
from knowledge.chroma import Collections
from knowledge.documents import RAW_FACTOR, SUFFIXES
from knowledge.ingest import Failure, IngestReport, ingest, remove
from knowledge.reindex import reindex

VECTOR_CACHE = 20_000  # gap questions whose vectors are kept (the Gaps page groups them on every load)
GAPS_READ = 10_000  # gaps read for grouping, newest first


@dataclass
class Parts:
    """The parts the page works on, built by the composition root (bot.wiring) and shared with the bot."""

    settings: Settings
    bot: Bot
    cols: Collections
    store: Store
    gaps: GapLog
    marks: HandledMarks
    usage: UsageLog
    embed: Callable[[str], np.ndarray]
    on_close: list[Callable[[], None]] = field(default_factory=list)


def safe_name(filename: str) -> str:
    """An uploaded file's name, reduced to letters, digits, dots, dashes and underscores (no folders)."""
    base = Path(filename.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-") or "upload"
    return cleaned[:120]


class Desk:
    """The editor's actions: one lock keeps two ingests from writing at once; lists are cached per KB version."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self.uploads = parts.settings.data_dir / "uploads"
        self._writing = threading.Lock()
        self._listed: tuple[int, list[IndexedArticle]] | None = None
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._vector_lock = threading.Lock()

    @property
    def max_upload_bytes(self) -> int:
        """The largest file accepted: a PDF or HTML file may be RAW_FACTOR times its text (as `ingest` allows)."""
        return self.parts.settings.max_article_bytes * RAW_FACTOR

    # -- articles -------------------------------------------------------------------------------------------

    def articles(self, search: str = "") -> list[IndexedArticle]:
        now = version(self.parts.cols)
        if self._listed is None or self._listed[0] != now or now == 0:
            self._listed = (now, list_articles(self.parts.cols))
        return search_articles(self._listed[1], search)

    def upload(self, filename: str, data: bytes) -> IngestReport:
        """Save the file under the data dir's uploads/ (its source from then on) and ingest it; a file that
        could not be ingested is not kept."""
        name = safe_name(filename)
        report = IngestReport()
        if Path(name).suffix.lower() not in SUFFIXES:
            return self._refused(report, name, f"briefbot does not read {Path(name).suffix or 'extension-less'} "
                                 f"files (it reads {', '.join(SUFFIXES)})")
        if len(data) > self.max_upload_bytes:
            return self._refused(report, name, f"the file is over {self.max_upload_bytes / 1e6:g} MB "
                                 "(BRIEFBOT_MAX_ARTICLE_MB sets the limit)")
        self.uploads.mkdir(parents=True, exist_ok=True)
        path = self.uploads / name
        existed = path.exists()
        previous = path.read_bytes() if existed else None
        path.write_bytes(data)
        with self._writing:
            report = ingest(self.parts.cols, [path], progress=False, max_bytes=self.parts.settings.max_article_bytes)
        if report.failed:  # put back what was there, or leave nothing behind
            if previous is not None:
                path.write_bytes(previous)
            else:
                path.unlink(missing_ok=True)
            # the file's name as uploaded, not where this server keeps it
            report.failed[:] = [Failure(name, f.reason) for f in report.failed]
        return report

    def _refused(self, report: IngestReport, name: str, reason: str) -> IngestReport:
        report.failed.append(Failure(name, reason))
        return report

    def add_url(self, url: str) -> IngestReport:
        with self._writing:
            return ingest(self.parts.cols, [url.strip()], progress=False,
                          max_bytes=self.parts.settings.max_article_bytes)

    def remove(self, ids: Sequence[str]) -> tuple[list[str], list[str]]:
        with self._writing:
            return remove(self.parts.cols, ids)

    def reindex(self, ids: Sequence[str]) -> tuple[IngestReport, list[str]]:
        with self._writing:
            return reindex(self.parts.cols, ids, max_bytes=self.parts.settings.max_article_bytes)

    # -- gaps ------------------------------------------------------------------------------------------------

    def _vector(self, text: str) -> np.ndarray:
        with self._vector_lock:
            hit = self._vectors.get(text)
            if hit is not None:
                self._vectors.move_to_end(text)
                return hit
        vec = np.asarray(self.parts.embed(text), dtype=np.float32)
        with self._vector_lock:
            self._vectors[text] = vec
            while len(self._vectors) > VECTOR_CACHE:
                self._vectors.popitem(last=False)
        return vec

    def gap_groups(self, show: str = "open", distance: float = GROUP_DISTANCE) -> list[GapGroup]:
        gaps = self.parts.gaps.gaps(limit=GAPS_READ)
        return gap_groups(gaps, self.parts.marks.handled(), self._vector, distance, show)

    def mark_handled(self, keys: Sequence[str]) -> int:
        return self.parts.marks.mark(list(keys))

    def still_refuses(self, question: str) -> Answer:
        """The bot's answer now, leaving no trace (Bot.probe): has an added article closed the gap?"""
        return self.parts.bot.probe(question)

    # -- feedback, usage, try it ------------------------------------------------------------------------------

    def feedback(self, where: Filter, limit: int = 200) -> list[Feedback]:
        return filter_feedback(self.parts.store.feedback(limit=FEEDBACK_SCAN), where)[:limit]

    def usage(self, first_day: str, last_day: str, where: Filter) -> UsageReport:
        counts = self.parts.usage.counts(first_day, last_day)
        return usage_report(counts, self.parts.store.feedback(limit=FEEDBACK_SCAN), first_day, last_day, where)

    def ask(self, question: str, conversation: str) -> tuple[Answer, float]:
        """The bot's answer as any asker would get it (counted as platform `admin`), and how long it took."""
        t0 = time.perf_counter()
        answer = self.parts.bot.answer(question, conversation)
        return answer, time.perf_counter() - t0

    def close(self) -> None:
        for fn in self.parts.on_close:
            fn()

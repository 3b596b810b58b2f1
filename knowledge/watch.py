"""A folder kept in step with the knowledge base while bots run: new and changed files ingested, deleted removed."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles

from .catalog import sources
from .chroma import Collections
from .documents import MAX_BYTES, is_article_file
from .ingest import Event, IngestReport, ingest, remove

log = logging.getLogger("briefbot.watch")

DEBOUNCE_MS = 700  # editors write a file in several steps; wait for them to settle
WAKE_MS = 250  # the watch wakes this often without changes (to see stop(), and the first time to catch up)


class FolderWatcher:
    """Watches one folder (watchfiles: inotify/FSEvents, or polling) and applies each settled batch of changes."""

    def __init__(
        self, cols: Collections, folder: Path, *, max_bytes: int = MAX_BYTES, on_event: Event | None = None,
        on_batch: Callable[[IngestReport], None] | None = None, force_polling: bool | None = None,
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        self.cols = cols
        self.folder = folder.resolve()
        self.max_bytes = max_bytes
        self.on_event = on_event
        self.on_batch = on_batch
        self.force_polling = force_polling
        self.debounce_ms = debounce_ms
        self.ready = threading.Event()  # set once the first catch-up sync is done and the watch is live
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def catch_up(self) -> IngestReport:
        """What changed while nobody watched: the folder ingested with --sync."""
        report = ingest(self.cols, [self.folder], sync=True, progress=False, max_bytes=self.max_bytes,
                        on_event=self.on_event)
        self._done(report)
        return report

    def apply(self, paths: Iterable[Path]) -> IngestReport:
        """Ingest the changed files that exist; remove the articles of those (or of folders) that are gone."""
        paths = {Path(p) for p in paths}
        present = sorted(p for p in paths if p.is_file() and is_article_file(p))
        gone = [p for p in paths if not p.exists()]
        report = ingest(self.cols, present, progress=False, max_bytes=self.max_bytes, on_event=self.on_event) \
            if present else IngestReport()
        if gone:
            prefixes = [str(p.resolve()) for p in gone]
            ids = [aid for aid, src in sources(self.cols).items()
                   if src and any(src == pre or src.startswith(pre + "/") for pre in prefixes)]
            removed, _ = remove(self.cols, ids)
            report.removed.extend(removed)
            for aid in removed:
                if self.on_event:
                    self.on_event("removed", aid, "its file was deleted")
        self._done(report)
        return report

    def _done(self, report: IngestReport) -> None:
        if report.changed or report.failed:
            log.info("watch %s: %s", self.folder, report.summary())
        if self.on_batch:
            self.on_batch(report)

    def run(self) -> None:
        """Blocking: watch, catch up once the watch is live, then apply changes until stop() (or Ctrl-C in the
        foreground). Catching up first would miss a file written between the folder's scan and the watch's start."""
        def wanted(change: watchfiles.Change, path: str) -> bool:
            p = Path(path)
            return change == watchfiles.Change.deleted or is_article_file(p) or p.is_dir()

        for changes in watchfiles.watch(
            self.folder, watch_filter=wanted, debounce=self.debounce_ms, step=50, stop_event=self._stop,
            force_polling=self.force_polling, raise_interrupt=True, rust_timeout=WAKE_MS, yield_on_timeout=True,
        ):
            if not self.ready.is_set():  # the watch is live (it yields on its first timeout): now the scan
                self.catch_up()  # what arrives meanwhile is kept by the watch for its next batch
                self.ready.set()
                continue
            if not changes:
                continue
            try:
                self.apply(Path(p) for _, p in changes)
            except KeyboardInterrupt:
                raise
            except Exception:  # one bad batch (e.g. the store was briefly down) must not end the watch
                log.exception("watch %s: applying changes failed; they are retried at the next change", self.folder)

    def start(self) -> FolderWatcher:
        """Run in a daemon thread (inside a bot process)."""
        def loop() -> None:
            try:
                self.run()
            except Exception:
                log.exception("the folder watcher on %s stopped", self.folder)
                self.ready.set()

        self._thread = threading.Thread(target=loop, name=f"watch:{self.folder.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

"""load → split → embed → write, one article at a time as far as anyone can tell: its articles record goes last.

An article is complete only when its record in `<name>-articles` exists; paragraphs and sentences written without
one (an interrupted run) are removed at the start of the next run, and the article is written again.
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from .catalog import SAMPLE_KEY, bump_version, set_state, sources, state
from .chroma import Collections
from .documents import (
    ARTICLES_DIR,
    MAX_BYTES,
    Chunk,
    Document,
    InputProblem,
    content_hash,
    find_files,
    other_files,
    parse,
)
from .sources import Fetcher, feed_items, fetch, is_url, looks_like_feed, page_document
from .tags import stored as stored_tags
from .tags import tag_list
from .writer import embed_sentences, remove_articles, remove_orphans, write_group

log = logging.getLogger("briefbot.ingest")

PROGRESS_MIN_FILES = 5  # a progress bar when there is more than a handful of files
GROUP_SENTENCES = 256  # sentences embedded per call (the embedder sorts and sub-batches them by length)
Event = Callable[[str, str, str], None]  # (kind, article id or input, detail)


@dataclass(frozen=True)
class Failure:
    """An input that was skipped, and why."""

    input: str
    reason: str

    def line(self) -> str:
        return f"skipped {self.input}: {self.reason}"


@dataclass
class IngestReport:
    """What an ingest run did, for the CLI to print and the tests to check."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files of other types inside the folders named
    older: int = 0  # feed items before --since
    chunks: int = 0
    sentences: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        extra = f", {len(self.removed)} removed" if self.removed else ""
        extra += f", {len(self.failed)} skipped" if self.failed else ""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged{extra} "
            f"({self.chunks} paragraphs, {self.sentences} sentences embedded)"
        )


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during an ingest; carries what was finished (and kept) before it."""

    def __init__(self, report: IngestReport) -> None:
        super().__init__()
        self.report = report


@dataclass
class _Loader:
    """Turns the inputs named into Documents, recording every input that could not be had."""

    cols: Collections
    report: IngestReport
    fetcher: Fetcher
    max_bytes: int
    since: float | None
    notify: Event
    known_sources: dict[str, str] = field(default_factory=dict)  # source → article id, of what is indexed
    known_by_id: dict[str, str] = field(default_factory=dict)  # article id → source

    def _fail(self, name: str, reason: str) -> None:
        failure = Failure(name, reason)
        self.report.failed.append(failure)
        self.notify("failed", name, reason)

    def documents(self, inputs: Iterable[Path | str]) -> Iterator[Document]:
        for item in inputs:
            text = str(item)
            if isinstance(item, str) and is_url(text):
                yield from self._url(text)
                continue
            path = Path(item)
            if not path.exists():
                self._fail(text, "no such file or folder")
                continue
            files = find_files([path])
            if path.is_dir():
                self.report.ignored.extend(str(f) for f in other_files([path]))
                if not files:
                    self._fail(text, "the folder holds no .md, .txt, .html or .pdf files")
            for f in files:
                try:
                    yield parse(f, max_bytes=self.max_bytes)
                except InputProblem as exc:
                    self._fail(str(f), str(exc))

    def _url(self, url: str) -> Iterator[Document]:
        try:
            fetched = self.fetcher(url)
            if not looks_like_feed(fetched):
                yield page_document(fetched, max_bytes=self.max_bytes)
                return
            items = feed_items(fetched)
        except InputProblem as exc:
            self._fail(url, str(exc))
            return
        if not items:
            self._fail(url, "the feed has no items with a link")
        for it in items:
            if self.since is not None and it.published and it.published < self.since:
                self.report.older += 1
                continue
            done = self.known_sources.get(it.link)
            if done is not None:  # each item's page is ingested once; a feed is not a reason to refetch it
                self.report.unchanged.append(done)
                continue
            try:
                doc = page_document(self.fetcher(it.link), max_bytes=self.max_bytes)
            except InputProblem as exc:
                self._fail(it.link, str(exc))
                continue
            if doc.source != it.link:  # redirected: remember the link the feed gave, so it is not fetched again
                doc = replace(doc, source=it.link)
            yield doc


def _unique_ids(docs: Iterable[Document], loader: _Loader) -> list[Document]:
    """One document per article id; a web page whose id another source already has gets a suffix."""
    seen: dict[str, str] = {}
    out = []
    for d in docs:
        existing = loader.known_by_id.get(d.id)
        if d.url and ((existing and existing != d.source) or (d.id in seen and seen[d.id] != d.source)):
            d = replace(d, id=f"{d.id}-{content_hash(d.source)[:6]}")
        if d.id in seen:
            loader._fail(d.source, f"its article id '{d.id}' is already used by {seen[d.id]}; give one of them "
                                   "another id (front matter 'id:')")
            continue
        seen[d.id] = d.source
        out.append(d)
    return out


def _groups(todo: list[tuple[Document, list[Chunk]]], size: int) -> Iterator[list[tuple[Document, list[Chunk]]]]:
    group: list[tuple[Document, list[Chunk]]] = []
    n = 0
    for item in todo:
        group.append(item)
        n += sum(len(c.sentences) for c in item[1])
        if n >= size:
            yield group
            group, n = [], 0
    if group:
        yield group


def _sync(cols: Collections, folders: list[Path], docs: list[Document], report: IngestReport, notify: Event) -> None:
    """Remove articles whose file was under one of these folders and is gone (or now holds another article)."""
    loaded = {d.source: d.id for d in docs}
    roots = [str(f.resolve()) + "/" for f in folders]
    stale = []
    for aid, src in sources(cols).items():
        if not src or is_url(src) or not any(src.startswith(r) for r in roots):
            continue
        if not Path(src).exists() or (src in loaded and loaded[src] != aid):
            stale.append(aid)
    for aid in remove_articles(cols, stale):
        report.removed.append(aid)
        notify("removed", aid, "its file is gone")


def ingest(
    cols: Collections,
    paths: Iterable[Path | str],
    *,
    progress: bool | None = None,
    sync: bool = False,
    since: float | None = None,
    max_bytes: int = MAX_BYTES,
    fetcher: Fetcher = fetch,
    on_event: Event | None = None,
    group_sentences: int = GROUP_SENTENCES,
    tags: Sequence[str] = (),
) -> IngestReport:
    """Index the files, folders and URLs named; unchanged articles are skipped, bad inputs reported and skipped.

    `sync`: also remove indexed articles whose file under one of the folders named is gone. `tags` are added to each
    article's own (front matter `tags:`); an article's stored tags are those of the run that last ingested it (a
    change of tags alone rewrites no vectors).
    Raises Interrupted (a KeyboardInterrupt) with the report so far when stopped; finished articles are kept.
    """
    inputs = list(paths)
    report = IngestReport()
    notify: Event = on_event or (lambda kind, name, detail: None)
    cleaned = remove_orphans(cols)
    if cleaned:
        log.info("removed the unfinished parts of %d article(s) from an interrupted run: %s", len(cleaned),
                 ", ".join(cleaned))
    known = sources(cols)
    loader = _Loader(cols, report, fetcher, max_bytes, since, notify, {s: a for a, s in known.items() if s}, known)
    try:
        docs = _unique_ids(loader.documents(inputs), loader)
        if tags:
            docs = [replace(d, tags=tag_list((*d.tags, *tags))) for d in docs]
        stored = _stored(cols, [d.id for d in docs])
        todo: list[tuple[Document, list[Chunk]]] = []
        for d in docs:
            meta = stored.get(d.id)
            if meta is not None and meta.get("hash") == d.hash:
                _keep_record_right(cols, d, meta, report, notify)
            else:
                todo.append((d, d.chunks()))
        folders = [Path(p) for p in inputs if not is_url(str(p)) and Path(p).is_dir()]
        if sync and folders:
            _sync(cols, folders, docs, report, notify)
        _write_all(cols, todo, stored, report, notify, _show(progress, len(docs)), group_sentences)
    except KeyboardInterrupt:
        if report.changed:
            bump_version(cols)
        raise Interrupted(report) from None
    if report.changed:
        bump_version(cols)
    return report


def _keep_record_right(cols: Collections, d: Document, meta: dict, report: IngestReport, notify: Event) -> None:
    """An unchanged article: its record follows a moved file and a change of tags (no vectors are rewritten)."""
    fix = {}
    if meta.get("source") != d.source:  # moved or renamed
        fix["source"] = d.source
    if meta.get("tags", "") != stored_tags(d.tags):
        fix["tags"] = stored_tags(d.tags)
    if fix:
        cols.articles.update(ids=[d.id], metadatas=[{**meta, **fix}])
    if "tags" in fix:
        report.updated.append(d.id)
        notify("updated", d.id, f"tags: {', '.join(d.tags) or 'none'}")
    else:
        report.unchanged.append(d.id)


def _show(progress: bool | None, n_docs: int) -> bool:
    return progress if progress is not None else (n_docs > PROGRESS_MIN_FILES and sys.stderr.isatty())


def _stored(cols: Collections, ids: list[str]) -> dict[str, dict]:
    if not ids:
        return {}
    out: dict[str, dict] = {}
    for start in range(0, len(ids), 1000):
        got = cols.articles.get(ids=ids[start:start + 1000], include=["metadatas"])
        out.update({i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"])})
    return out


def _write_all(cols: Collections, todo: list[tuple[Document, list[Chunk]]], stored: dict[str, dict],
               report: IngestReport, notify: Event, show: bool, group_sentences: int) -> None:
    bar = None
    if show and todo:
        total = sum(len(c.sentences) for _, chunks in todo for c in chunks)
        bar = tqdm(total=total, unit="sent", desc="Embedding", file=sys.stderr)
    try:
        for group in _groups(todo, group_sentences):
            texts = [s for _, chunks in group for c in chunks for s in c.sentences]
            vectors, parts = embed_sentences(cols.embedder, texts)
            if bar is not None:
                bar.update(len(texts))
            n_chunks, n_sentences = write_group(cols, group, vectors, parts)
            report.chunks += n_chunks
            report.sentences += n_sentences
            bump_version(cols)  # a running bot sees each group as soon as it is complete
            for doc, chunks in group:
                existed = doc.id in stored
                (report.updated if existed else report.added).append(doc.id)
                notify("updated" if existed else "added", doc.id, f"{len(chunks)} ¶ ← {doc.source}")
    finally:
        if bar is not None:
            bar.close()


def remove(cols: Collections, ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Remove articles by id: (removed, unknown). Their paragraphs and sentences go with them."""
    wanted = list(dict.fromkeys(ids))
    present = set(_stored(cols, wanted))
    remove_orphans(cols)
    removed = remove_articles(cols, [i for i in wanted if i in present])
    if removed:
        bump_version(cols)
    return removed, [i for i in wanted if i not in present]


def ensure_sample(cols: Collections, *, enabled: bool = True) -> IngestReport | None:
    """The bundled sample article goes into an empty store on first start, once: never after a remove, never
    into a store that holds other articles, never when switched off (BRIEFBOT_SAMPLE_ARTICLE=false). A sample
    that is still indexed is refreshed when the bundled file changed."""
    offered = state(cols).get(SAMPLE_KEY)
    if offered:
        indexed = set(sources(cols).values())
        present = [f for f in find_files([ARTICLES_DIR]) if str(f.resolve()) in indexed]
        stale = []
        for f in present:
            try:
                doc = parse(f)
            except InputProblem:
                continue
            if _stored(cols, [doc.id]).get(doc.id, {}).get("hash") != doc.hash:
                stale.append(f)
        if not stale:  # the usual start: nothing to do, and no orphan scan on the way
            return None
        report = ingest(cols, stale, progress=False)
        return report if report.changed else None
    if not enabled:
        return None
    if cols.articles.count() > 0:
        set_state(cols, **{SAMPLE_KEY: "declined"})
        return None
    report = ingest(cols, [ARTICLES_DIR], progress=False)
    for failure in report.failed:
        log.warning("the bundled sample: %s", failure.line())
    set_state(cols, **{SAMPLE_KEY: "added"})
    return report


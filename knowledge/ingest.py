"""load → split by paragraph and sentence → hash → upsert into Chroma; unchanged files add nothing."""
from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .chroma import Collections
from .documents import ARTICLES_DIR, Document, find_files, parse
from .terms import add_terms

log = logging.getLogger("briefbot.ingest")

PROGRESS_MIN_FILES = 5  # a progress bar when there is more than a handful of files
BATCH = 64  # sentences embedded per call: big enough to keep both cores busy, small enough to show progress


@dataclass
class IngestReport:
    """What an ingest run did, for the CLI to print and the tests to check."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks: int = 0
    sentences: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged "
            f"({self.chunks} paragraphs, {self.sentences} sentences embedded)"
        )


def paragraph_vectors(sentence_vectors: np.ndarray, owners: list[int], n: int) -> np.ndarray:
    """A paragraph's vector is the normalised mean of its sentences' (as good for retrieval, measured; half the cost)."""
    out = np.zeros((n, sentence_vectors.shape[1]), dtype=np.float32)
    np.add.at(out, np.asarray(owners), sentence_vectors)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


def _stored_hash(cols: Collections, article_id: str) -> str | None:
    got = cols.articles.get(ids=[article_id], include=["metadatas"])
    metas = got.get("metadatas") or []
    return metas[0].get("hash") if metas and metas[0] else None


def _delete_article(cols: Collections, article_id: str) -> None:
    for col in (cols.chunks, cols.sentences):
        col.delete(where={"article": article_id})
    cols.articles.delete(ids=[article_id])


def _embed(cols: Collections, texts: list[str], bar: object | None) -> np.ndarray:
    parts = []
    for i in range(0, len(texts), BATCH):
        batch = texts[i : i + BATCH]
        parts.append(cols.embedder.passages(batch))
        if bar is not None:
            bar.update(len(batch))  # type: ignore[attr-defined]
    return np.concatenate(parts) if parts else np.zeros((0, cols.embedder.dim), dtype=np.float32)


def _write(cols: Collections, doc: Document, bar: object | None) -> tuple[int, int]:
    chunks = doc.chunks()
    sentences = [(c, j, s) for c in chunks for j, s in enumerate(c.sentences)]
    svecs = _embed(cols, [s for _, _, s in sentences], bar)
    owners = [c.paragraph - 1 for c, _, _ in sentences]
    pvecs = paragraph_vectors(svecs, owners, len(chunks))
    for start in range(0, len(chunks), 1000):
        part = chunks[start : start + 1000]
        cols.chunks.upsert(
            ids=[c.id for c in part],
            embeddings=pvecs[start : start + len(part)],
            documents=[c.text for c in part],
            metadatas=[
                {"article": c.article, "title": c.title, "date": c.date, "language": c.language,
                 "paragraph": c.paragraph, "hash": c.hash, "sentences": len(c.sentences)}
                for c in part
            ],
        )
    for start in range(0, len(sentences), 2000):
        part = sentences[start : start + 2000]
        cols.sentences.upsert(
            ids=[f"{c.id}:{j}" for c, j, _ in part],
            embeddings=svecs[start : start + len(part)],
            documents=[s for _, _, s in part],
            metadatas=[{"article": c.article, "chunk": c.id, "paragraph": c.paragraph, "index": j} for c, j, _ in part],
        )
    add_terms(cols.terms, cols.embedder, [c.text for c in chunks])
    mean = pvecs.mean(axis=0) if len(pvecs) else np.zeros(cols.embedder.dim, dtype=np.float32)
    cols.articles.upsert(
        ids=[doc.id],
        embeddings=[mean / (np.linalg.norm(mean) or 1.0)],
        documents=[doc.title],
        metadatas=[{"title": doc.title, "date": doc.date, "language": doc.language, "hash": doc.hash,
                    "paragraphs": len(chunks), "path": doc.path.name}],
    )
    return len(chunks), len(sentences)


def ingest(cols: Collections, paths: Iterable[Path], *, progress: bool | None = None) -> IngestReport:
    """Index the files and folders named; a changed file replaces its old chunks, an unchanged one is skipped."""
    files = find_files(list(paths))
    docs = [parse(f) for f in files]
    seen: dict[str, Path] = {}
    for d in docs:
        if d.id in seen:
            raise ValueError(f"two files have the article id '{d.id}': {seen[d.id]} and {d.path}")
        seen[d.id] = d.path
    report = IngestReport()
    todo: list[tuple[Document, bool]] = []
    for d in docs:
        stored = _stored_hash(cols, d.id)
        if stored == d.hash:
            report.unchanged.append(d.id)
        else:
            todo.append((d, stored is not None))
    show = progress if progress is not None else (len(files) > PROGRESS_MIN_FILES and sys.stderr.isatty())
    bar = None
    if show and todo:
        from tqdm import tqdm

        total = sum(len(c.sentences) for d, _ in todo for c in d.chunks())
        bar = tqdm(total=total, unit="sent", desc="Embedding", file=sys.stderr)
    try:
        for doc, existed in todo:
            if existed:
                _delete_article(cols, doc.id)
            n_chunks, n_sentences = _write(cols, doc, bar)
            report.chunks += n_chunks
            report.sentences += n_sentences
            (report.updated if existed else report.added).append(doc.id)
            log.info("indexed %s: %d paragraphs", doc.id, n_chunks)
    finally:
        if bar is not None:
            bar.close()
    return report


def ensure_builtin(cols: Collections) -> IngestReport | None:
    """Index the bundled articles into an empty store, and re-index any that changed since (hash check: ~ms)."""
    report = ingest(cols, [ARTICLES_DIR], progress=False)
    return report if report.added or report.updated else None

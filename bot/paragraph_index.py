"""A small knowledge base's paragraph vectors in memory: an exact search in numpy instead of a store round trip."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

log = logging.getLogger("briefbot.retrieval")

LIMIT = 20_000  # paragraphs held in memory at most (~30 MB of vectors); a larger store is searched by Chroma alone


@dataclass(frozen=True)
class _Snapshot:
    ids: list[str]
    documents: list[str]
    metadatas: list[dict]
    matrix: np.ndarray  # one L2-normalised row per paragraph
    articles: np.ndarray  # each row's article id, for a follow-up's search within one article
    folded: list[str]  # each row's text in lower case, for the paragraphs that name someone
    version: Any  # the knowledge base's change signal read just before the rows


class ParagraphIndex:
    """Every paragraph of the chunks collection, read once (in the background) and again after each change.

    Until it is loaded, and between a change and the reload, `query` returns None and Chroma answers: a search
    never sees a removed article or misses a new one. Results have the shape of Chroma's `query` (cosine distance).
    """

    def __init__(self, collection: Any, limit: int = LIMIT) -> None:
        self._col = collection
        self._limit = limit
        self._snap: _Snapshot | None = None
        self._generation = 0
        self._lock = threading.Lock()

    def load(self, version: Any = None) -> bool:
        """Read the collection (`version`: the change signal read just before); installed unless `stale` was
        called meanwhile."""
        with self._lock:
            generation = self._generation
        try:
            if self._col.count() > self._limit:
                return False
            got = self._col.get(include=["embeddings", "documents", "metadatas"])
        except Exception as exc:  # the store went away: Chroma answers, and fails, on its own
            log.debug("paragraph index not loaded: %s", type(exc).__name__)
            return False
        metas = [m or {} for m in got["metadatas"]]
        matrix = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        snap = _Snapshot(list(got["ids"]), list(got["documents"]), metas, matrix / np.maximum(norms, 1e-12),
                         np.asarray([m.get("article", "") for m in metas], dtype=object),
                         [d.casefold() for d in got["documents"]], version)
        with self._lock:
            if generation != self._generation:
                return False
            self._snap = snap
        return True

    def stale(self) -> None:
        """The knowledge base changed: stop answering from memory until `load` runs again."""
        with self._lock:
            self._generation += 1
            self._snap = None

    @property
    def version(self) -> Any:
        """The change signal the rows in memory were read at, or None when nothing is loaded."""
        snap = self._snap
        return snap.version if snap is not None else None

    def query(self, vec: np.ndarray, n: int, article: str | None = None,
              contains: str | None = None) -> dict[str, Any] | None:
        """The n nearest paragraphs (within one article, or holding a text, if given), best first, as Chroma's
        query returns them."""
        snap = self._snap
        if snap is None:
            return None
        sims = snap.matrix @ np.asarray(vec, dtype=np.float32)
        rows = np.flatnonzero(snap.articles == article) if article is not None else np.arange(len(sims))
        if contains is not None:
            needle = contains.casefold()
            rows = np.asarray([i for i in rows if needle in snap.folded[i]], dtype=np.int64)
        if len(rows) > n:
            rows = rows[np.argpartition(-sims[rows], n - 1)[:n]]
        rows = rows[np.argsort(-sims[rows], kind="stable")]
        return {
            "ids": [[snap.ids[i] for i in rows]],
            "documents": [[snap.documents[i] for i in rows]],
            "metadatas": [[snap.metadatas[i] for i in rows]],
            "distances": [[float(1.0 - sims[i]) for i in rows]],
        }

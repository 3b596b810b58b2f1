"""A small knowledge base's paragraph vectors in memory: an exact search in numpy instead of a store round trip."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.language.match import index_of
from bot.language.words import word_set

log = logging.getLogger("briefbot.retrieval")

LIMIT = 20_000  # paragraphs held in memory at most (~30 MB of vectors); a larger store is searched by Chroma alone
SENTENCE_LIMIT = 60_000  # with their sentences' vectors (~3.3 a paragraph in news text, ~90 MB at most); a store
# with more is left to Chroma too, whose candidates the retriever then ranks the same way (`best_sentence`)


@dataclass(frozen=True)
class _Snapshot:
    ids: list[str]
    documents: list[str]
    metadatas: list[dict]
    matrix: np.ndarray  # one L2-normalised row per paragraph
    articles: np.ndarray  # each row's article id, for a follow-up's search within one article
    folded: list[str]  # each row's text in lower case, for the paragraphs that name someone
    version: Any  # the knowledge base's change signal read just before the rows
    sentences: np.ndarray | None = None  # the paragraphs' sentence vectors, grouped by paragraph in row order
    starts: np.ndarray | None = None  # where each paragraph's sentences start (for those that have any)
    holders: np.ndarray | None = None  # the rows that have sentences
    places: dict[int, frozenset[str]] = field(default_factory=dict)  # countries a row names, read when first asked
    centred: _Centred | None = None  # the vectors with their language's mean taken out (`language_centred`)


@dataclass(frozen=True)
class _Centred:
    """Paragraph and sentence vectors with their language's mean vector taken out, and those means: e5 places
    every text of one language near that language's mean, so a question finds its own language's paragraphs
    before the other language's that answer it; measured on the shared corpus and our probe questions (102
    answerable), taking out 0.8 of the mean put the answering article first for 101 where raw vectors did for 87."""

    means: dict[str, np.ndarray]
    matrix: np.ndarray
    sentences: np.ndarray | None


class ParagraphIndex:
    """Every paragraph of the chunks collection, read once (in the background) and again after each change.

    Until it is loaded, and between a change and the reload, `query` returns None and Chroma answers: a search
    never sees a removed article or misses a new one. Results have the shape of Chroma's `query` (cosine distance).
    """

    def __init__(self, collection: Any, limit: int = LIMIT, sentences: Any = None,
                 sentence_limit: int = SENTENCE_LIMIT, centre: float = 0.0, min_sentences: int = 30) -> None:
        self._col = collection
        self._sentences = sentences
        self._sentence_limit = sentence_limit
        self._centre = centre  # how much of each language's mean vector to take out (0: none)
        self._min_sentences = min_sentences  # a language's mean is taken from at least this many sentences
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
            sents = None
            if self._sentences is not None:
                if self._sentences.count() > self._sentence_limit:
                    return False
                sents = self._sentences.get(include=["embeddings", "metadatas"])
        except Exception as exc:  # the store went away: Chroma answers, and fails, on its own
            log.debug("paragraph index not loaded: %s", type(exc).__name__)
            return False
        metas = [m or {} for m in got["metadatas"]]
        matrix = _normalised(got["embeddings"], len(got["ids"]))
        grouped = _grouped(sents, metas)
        snap = _Snapshot(list(got["ids"]), list(got["documents"]), metas, matrix,
                         np.asarray([m.get("article", "") for m in metas], dtype=object),
                         [d.casefold() for d in got["documents"]], version, *grouped,
                         centred=language_centred(matrix, *grouped, metas, self._centre, self._min_sentences))
        with self._lock:
            if generation != self._generation:
                return False
            self._snap = snap
        return True

    def _places(self, snap: _Snapshot, row: int) -> frozenset[str]:
        """The CLDR codes of the countries a paragraph names, in any language or as an adjective (read once)."""
        got = snap.places.get(row)
        if got is None:
            got = snap.places[row] = index_of(word_set(snap.documents[row])).places
        return got

    def _and_centred(self, snap: _Snapshot, centred: _Centred, sims: np.ndarray, vec: np.ndarray, n: int,
                     language: str, also: int, sentence_weight: float,
                     allowed: np.ndarray | None = None) -> np.ndarray:
        """The n nearest rows, plus those of the `also` nearest once each language's mean is out that they lack
        (of the `allowed` rows only, when given)."""
        shifted = vec - self._centre * centred.means[language]
        shifted /= max(float(np.linalg.norm(shifted)), 1e-12)
        rank = _similarities(centred.matrix, centred.sentences, snap, shifted, sentence_weight)
        ranked = np.argsort(-sims, kind="stable")
        centred_ranked = np.argsort(-rank, kind="stable")
        if allowed is not None:
            ranked, centred_ranked = ranked[allowed[ranked]], centred_ranked[allowed[centred_ranked]]
        plain = [int(i) for i in ranked[:n]]
        taken = set(plain)
        extra = [int(i) for i in centred_ranked[:also] if int(i) not in taken]
        return np.asarray(plain + extra, dtype=np.int64)

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

    def query(self, vec: np.ndarray, n: int, article: str | None = None, contains: str | None = None,
              sentence_weight: float = 0.0, place: str | None = None, language: str | None = None,
              also: int = 0, within: frozenset[str] | None = None) -> dict[str, Any] | None:
        """The n nearest paragraphs (within one article, holding a text, or naming a country in any language, if
        given), best first, as Chroma's query returns them; with `sentence_weight`, a paragraph's similarity is
        partly its best sentence's. With the question's `language`, also the `also` nearest once each language's
        mean is taken out (`_Centred`) that are not among them, ranked among the others by plain similarity.
        `within`: only paragraphs of these articles (a channel's scope), as Chroma's `where` filters them."""
        snap = self._snap
        if snap is None:
            return None
        vec = np.asarray(vec, dtype=np.float32)
        sims = _similarities(snap.matrix, snap.sentences, snap, vec, sentence_weight)
        allowed = np.isin(snap.articles, list(within)) if within is not None else None
        centred = snap.centred
        if also and language and article is None and contains is None and place is None and centred is not None \
                and language in centred.means:
            rows = self._and_centred(snap, centred, sims, vec, n, language, also, sentence_weight, allowed)
            return _shaped(snap, rows[np.argsort(-sims[rows], kind="stable")], sims)
        rows = np.flatnonzero(snap.articles == article) if article is not None else np.arange(len(sims))
        if allowed is not None:
            rows = rows[allowed[rows]]
        if contains is not None:
            needle = contains.casefold()
            rows = np.asarray([i for i in rows if needle in snap.folded[i]], dtype=np.int64)
        if place is not None:
            rows = np.asarray([i for i in rows if place in self._places(snap, int(i))], dtype=np.int64)
        if len(rows) > n:
            rows = rows[np.argpartition(-sims[rows], n - 1)[:n]]
        rows = rows[np.argsort(-sims[rows], kind="stable")]
        return _shaped(snap, rows, sims)


def _shaped(snap: _Snapshot, rows: np.ndarray, sims: np.ndarray) -> dict[str, Any]:
    """Rows in the shape of Chroma's query result (cosine distance)."""
    return {
        "ids": [[snap.ids[i] for i in rows]],
        "documents": [[snap.documents[i] for i in rows]],
        "metadatas": [[snap.metadatas[i] for i in rows]],
        "distances": [[float(1.0 - sims[i]) for i in rows]],
    }


def _similarities(matrix: np.ndarray, sentences: np.ndarray | None, snap: _Snapshot, vec: np.ndarray,
                  sentence_weight: float) -> np.ndarray:
    """Each paragraph's similarity, with its best sentence's mixed in when asked and known."""
    sims = matrix @ vec
    if sentence_weight and sentences is not None and snap.starts is not None and len(snap.starts):
        best = np.maximum.reduceat(sentences @ vec, snap.starts)
        sims[snap.holders] = best_sentence(sims[snap.holders], best, sentence_weight)
    return sims


CENTRED_LIMIT = 20_000  # sentences; a larger store keeps no centred copy (~30 MB at this size)


def language_centred(matrix: np.ndarray, sentences: np.ndarray | None, starts: np.ndarray | None,
                     holders: np.ndarray | None, metas: list[dict], alpha: float,
                     min_sentences: int = 30) -> _Centred | None:
    """The paragraph and sentence vectors with `alpha` of their language's mean sentence vector taken out."""
    if not alpha or sentences is None or starts is None or holders is None or len(sentences) > CENTRED_LIMIT:
        return None
    langs = np.asarray([str(m.get("language", "")) for m in metas], dtype=object)
    counts = np.diff(np.append(starts, len(sentences)))
    sentence_langs = np.repeat(langs[holders], counts)
    means = {str(lang): sentences[sentence_langs == lang].mean(axis=0) for lang in set(sentence_langs)
             if lang and int((sentence_langs == lang).sum()) >= min_sentences}
    if not means:
        return None

    def centred(m: np.ndarray, of: np.ndarray) -> np.ndarray:
        zero = np.zeros(m.shape[1], dtype=np.float32)
        out = m - alpha * np.stack([means.get(str(lang), zero) for lang in of]).astype(np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    return _Centred(means, centred(matrix, langs), centred(sentences, sentence_langs))


def best_sentence(paragraph: np.ndarray, sentence: np.ndarray, weight: float) -> np.ndarray:
    """A paragraph's similarity with its best sentence's mixed in: a short question answered by one sentence of a
    long paragraph is found by that sentence, which the paragraph's vector dilutes."""
    return (1.0 - weight) * paragraph + weight * sentence


def _normalised(rows: Any, n: int) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float32).reshape(n, -1)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def _grouped(sents: dict[str, Any] | None,
             metas: list[dict]) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Sentence vectors ordered by the row of their paragraph, where each row's run starts, and those rows."""
    if not sents or not sents["ids"]:
        return None, None, None
    row_of = {(m.get("article"), int(m.get("paragraph", -1))): i for i, m in enumerate(metas)}
    owners = np.asarray([row_of.get(((m or {}).get("article"), int((m or {}).get("paragraph", -1))), -1)
                         for m in sents["metadatas"]], dtype=np.int64)
    order = np.argsort(owners, kind="stable")
    order = order[owners[order] >= 0]
    if not len(order):
        return None, None, None
    matrix = _normalised(sents["embeddings"], len(sents["ids"]))[order]
    holders, starts = np.unique(owners[order], return_index=True)
    return matrix, starts, holders

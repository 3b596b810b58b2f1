"""The Chroma-backed retriever: dense e5 search, a lexical nudge for names and numbers, sentence vectors."""
from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge.chroma import Collections

from .errors import StoreError
from .evidence import analyse, matched_terms, term_weights
from .lexicon import fold
from .models import Article, Source

log = logging.getLogger("briefbot.retrieval")

LEXICAL_WEIGHT = 0.08  # a paragraph holding all of the question's rare words gains this much similarity
RESCUE_PEAK = 0.03  # best paragraph less than this above the field's mean: look wider for the exact words
RESCUE_WIDTH = 5


def _rows(res: dict[str, Any]) -> list[tuple[str, str, dict, float]]:
    return list(zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0]))


def peak(sources: list[Source]) -> float:
    """How far the best paragraph stands above the mean of the top ten (the engine's off-topic signal too)."""
    if len(sources) < 5:
        return 1.0
    scores = [s.score for s in sources[:10]]
    return scores[0] - sum(scores) / len(scores)


@dataclass(frozen=True)
class Sentences:
    """The sentences of one paragraph with their vectors, for picking the ones that answer."""

    texts: tuple[str, ...]
    vectors: np.ndarray


def name_variants(name: str) -> set[str]:
    """Spellings of a name to look for: as asked, folded, and its Dutch/English spelling (Putin ~ Poetin)."""
    f = fold(name)
    variants = {f, f.replace("u", "oe"), f.replace("oe", "u"), f.replace("c", "k"), f.replace("k", "c")}
    if f.endswith("s") and len(f) > 4:
        variants.add(f[:-1])
    return {v for v in variants if len(v) >= 2}


class ChromaRetriever:
    """Queries the paragraph collection with our query embedding; never Chroma's default embedder."""

    def __init__(
        self, cols: Collections, *, lexical_weight: float = LEXICAL_WEIGHT, rescue_peak: float = RESCUE_PEAK,
        sentence_cache: int = 4096,
    ) -> None:
        self.cols = cols
        self.lexical_weight = lexical_weight
        self.rescue_peak = rescue_peak
        self.embedder = cols.embedder
        # Sentences never change under a chunk's content hash, so fetched ones are kept (bounded).
        self._sentences: OrderedDict[tuple[str, int, str], Sentences] = OrderedDict()
        self._sentence_cache = sentence_cache
        self._hashes: dict[tuple[str, int], str] = {}

    def _query(self, vec: np.ndarray, n: int) -> dict[str, Any]:
        try:
            return self.cols.chunks.query(
                query_embeddings=[vec], n_results=n, include=["documents", "metadatas", "distances"]
            )
        except Exception as exc:
            raise StoreError(f"The knowledge store failed to answer a query ({type(exc).__name__}).") from exc

    def retrieve(self, query: str, k: int) -> list[Source]:
        """The k best paragraphs: dense e5 similarity plus the rarity-weighted share of the question's words.

        When nothing stands out, the net is cast five times wider before the words are counted, so a paragraph
        that holds the question's rare words verbatim is not missed. (Chroma's full-text `$contains` filter
        would find it anywhere, but scans its index: ~170 ms at 100,000 chunks against ~5 ms for this, measured.)
        """
        vec = self.embedder.query(query)
        terms = analyse(query).terms
        out = self._score(_rows(self._query(vec, k)), terms)
        if any(len(t) >= 4 for t in terms) and peak(out) < self.rescue_peak:
            out = self._score(_rows(self._query(vec, k * RESCUE_WIDTH)), terms)
        return out[:k]

    def _score(self, rows: list[tuple[str, str, dict, float]], terms: tuple[str, ...]) -> list[Source]:
        weights = term_weights(terms, [doc for _, doc, _, _ in rows])
        total = sum(weights.values()) or 1.0
        out = []
        for _, doc, meta, dist in rows:
            share = sum(weights[t] for t in matched_terms(terms, doc)) / total
            score = 1.0 - float(dist) + self.lexical_weight * share
            key = (meta["article"], int(meta["paragraph"]))
            self._hashes[key] = meta.get("hash", "")
            out.append(Source(meta["article"], meta["title"], key[1], doc, score, meta.get("date", ""),
                              meta.get("language", "")))
        out.sort(key=lambda s: -s.score)
        return out

    def sentences(self, sources: list[Source]) -> dict[tuple[str, int], Sentences]:
        """Sentence texts and vectors of the given paragraphs (stored at ingest, fetched by id, then cached)."""
        out: dict[tuple[str, int], Sentences] = {}
        missing: list[tuple[str, int]] = []
        for s in sources:
            key = (s.article, s.paragraph)
            hit = self._sentences.get((*key, self._hashes.get(key, "")))
            if hit is not None:
                out[key] = hit
            else:
                missing.append(key)
        if not missing:
            return out
        try:
            got = self.cols.sentences.get(
                where={"chunk": {"$in": [f"{a}:{p}" for a, p in missing]}},
                include=["documents", "metadatas", "embeddings"],
            )
        except Exception as exc:
            raise StoreError(f"The knowledge store failed to answer a query ({type(exc).__name__}).") from exc
        grouped: dict[tuple[str, int], list[tuple[int, str, np.ndarray]]] = {}
        for doc, meta, emb in zip(got["documents"], got["metadatas"], got["embeddings"]):
            key = (meta["article"], int(meta["paragraph"]))
            grouped.setdefault(key, []).append((int(meta["index"]), doc, np.asarray(emb, dtype=np.float32)))
        for key, items in grouped.items():
            items.sort(key=lambda t: t[0])
            out[key] = Sentences(tuple(t[1] for t in items), np.stack([t[2] for t in items]))
            self._sentences[(*key, self._hashes.get(key, ""))] = out[key]
        while len(self._sentences) > self._sentence_cache:
            self._sentences.popitem(last=False)
        return out

    def mentions(self, name: str) -> bool:
        """Whether any paragraph in the knowledge base contains this name, in any of its spellings.

        Asked only for a name the retrieved passages lack; one full-text scan (~170 ms at 100,000 chunks).
        """
        spellings = sorted({name, name.capitalize(), *(x.capitalize() for x in name_variants(name)), name.upper()})
        clauses = [{"$contains": v} for v in spellings]
        try:
            got = self.cols.chunks.get(
                where_document=clauses[0] if len(clauses) == 1 else {"$or": clauses}, limit=1, include=[]
            )
        except Exception as exc:
            raise StoreError(f"The knowledge store failed to answer a query ({type(exc).__name__}).") from exc
        return bool(got["ids"])

    def articles(self) -> list[Article]:
        got = self.cols.articles.get(include=["metadatas"])
        arts = [
            Article(i, m.get("title", i), m.get("date", ""), m.get("language", ""))
            for i, m in zip(got["ids"], got["metadatas"])
        ]
        return sorted(arts, key=lambda a: (a.date, a.id))

    def ping(self) -> None:
        try:
            self.cols.chunks.count()
        except Exception as exc:
            raise StoreError(f"The knowledge store is not reachable ({type(exc).__name__}).") from exc

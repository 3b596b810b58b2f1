"""The Chroma-backed retriever: dense e5 search with a lexical nudge, sentence vectors, whole articles on demand."""
from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from bot.common.calibration import DEFAULT, Calibration
from bot.common.errors import StoreError
from bot.common.models import Article, Scope, Source, short_tag
from bot.language.match import CachedWordVectors, index_of
from bot.language.names import territory
from bot.language.question import Question, analyse, masked
from bot.language.words import word_set
from knowledge.catalog import version
from knowledge.chroma import Collections

from .chroma_path import by_best_sentence, rows_of, with_sentence_hits
from .paragraph_index import ParagraphIndex
from .scoping import NOTHING, Within, admitted, where_within

log = logging.getLogger("briefbot.retrieval")


NO_CLAUSES = np.zeros((0, 0), np.float32)


@dataclass(frozen=True)
class Sentences:
    """The sentences of one paragraph with their vectors, for picking the ones that answer; the clauses of its long
    sentences with theirs, `owners[i]` the sentence clause i belongs to."""

    texts: tuple[str, ...]
    vectors: np.ndarray
    clauses: np.ndarray = field(default_factory=lambda: NO_CLAUSES)
    owners: tuple[int, ...] = ()

    @cached_property
    def pairs(self) -> list[tuple[np.ndarray, float]]:
        """Each two adjacent sentences' summed vector and its norm (1.0 for none): the same for every question."""
        out = []
        for i in range(len(self.texts) - 1):
            vec = self.vectors[i : i + 2].sum(axis=0)
            out.append((vec, float(np.linalg.norm(vec)) or 1.0))
        return out


@dataclass(frozen=True)
class ArticleText:
    """One article's paragraphs in order, for overviews and for checking what an article names."""

    id: str
    title: str
    date: str
    language: str
    tag: str
    url: str
    paragraphs: tuple[str, ...]


def matched(terms: tuple[str, ...], words: frozenset[str]) -> frozenset[str]:
    """The terms a text holds in some spelling (exact first: most are)."""
    idx = index_of(words)
    return frozenset(t for t in terms if idx.has(t))


def term_weights(terms: tuple[str, ...], texts: list[frozenset[str]]) -> dict[str, float]:
    """Rarer terms count more: a word found in every candidate paragraph says little about which one answers."""
    n = len(texts)
    df = dict.fromkeys(terms, 0)
    for words in texts:
        for t in matched(terms, words):
            df[t] += 1
    return {t: math.log((n + 1) / (df[t] + 0.5)) for t in terms}


class ChromaRetriever:
    """Queries the paragraph collection with our query embedding; never Chroma's default embedder."""

    def __init__(self, cols: Collections, *, calibration: Calibration = DEFAULT, cache: int = 4096,
                 embed_variant: bool = True) -> None:
        self.cols = cols
        self.cal = calibration
        # The question with its names masked (question.masked) is embedded in the question's model run for the
        # rules engine, which reads it from the embedder's cache; another engine never asks for it.
        self.embed_variant = embed_variant
        self.embedder = cols.embedder
        self.words = CachedWordVectors(getattr(cols, "terms", None), cols.embedder)
        self.paragraphs = ParagraphIndex(cols.chunks, sentences=getattr(cols, "sentences", None),
                                         centre=self.cal.language_centre)
        self._lock = threading.Lock()
        self._loaders: list[threading.Thread] = []
        self._load("vocabulary", self._warm)
        self._sentences: OrderedDict[tuple[str, int, str], Sentences] = OrderedDict()
        self._articles: OrderedDict[tuple[str, str], ArticleText] = OrderedDict()
        self._cache = cache
        self._hashes: dict[tuple[str, int], str] = {}
        self._tags: dict[str, str] = {}
        self._article_meta: dict[str, dict] = {}
        self._scopes: dict[Scope, frozenset[str]] = {}  # what each scope admits, until the knowledge base changes
        self._version: int | None = None
        self._checked = float("-inf")

    def _warm(self) -> None:
        """In the background at start: the paragraphs and the vocabulary into memory."""
        self._load_paragraphs()
        self.words.preload()

    def _load_paragraphs(self) -> None:
        try:
            self.paragraphs.load(version(self.cols))
        except Exception:  # the store is not reachable: Chroma answers, or fails, on its own
            pass

    def _load(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        with self._lock:
            self._loaders = [t for t in self._loaders if t.is_alive()] + [thread]
        thread.start()

    def _query(self, vec: np.ndarray, n: int, where: dict | None = None, contains: str | None = None,
               language: str | None = None, within: Within = None) -> dict[str, Any]:
        """The n nearest paragraphs (within `where` and the admitted articles, holding `contains`): from memory when
        it is loaded, else Chroma."""
        weight = self.cal.sentence_weight
        if within is not None and not within:
            return NOTHING
        if not where or set(where) == {"article"}:
            hit = self.paragraphs.query(vec, n, where["article"] if where else None, contains=contains,
                                        sentence_weight=weight, language=language, also=self.cal.centred_candidates,
                                        within=within)
            if hit is not None:
                return hit
        where = where_within(where, within)
        with _store_errors():
            res = self.cols.chunks.query(
                query_embeddings=[vec], n_results=n, include=["documents", "metadatas", "distances"],
                **({"where": where} if where else {}),
                **({"where_document": {"$contains": contains}} if contains else {}),
            )
            if weight and not contains:
                res = with_sentence_hits(self.cols, res, vec, n, where)
        return self._by_best_sentence(res, vec, n) if weight else res

    def _by_best_sentence(self, res: dict[str, Any], vec: np.ndarray, n: int | None = None) -> dict[str, Any]:
        """Chroma's candidates ranked as memory ranks every paragraph, partly by their best sentence; the n best."""
        for _, _, meta, _ in rows_of(res):
            self._hashes[(meta["article"], int(meta["paragraph"]))] = meta.get("hash", "")
        return by_best_sentence(res, vec, self._sentences_of, self.cal.sentence_weight, n)

    def _fresh(self) -> None:
        """Forget what is known about the set of articles when an ingest or remove changed it (polled ≤ 1/s)."""
        now = time.monotonic()
        if now - self._checked < 1.0:
            return
        self._checked = now
        try:
            current = version(self.cols)
        except Exception:
            return
        if self.paragraphs.version not in (None, current):
            self.paragraphs.stale()
            self._load("paragraphs", self._load_paragraphs)
        if current != self._version:
            if self._version is not None:
                self.words.stale()
            self._version = current
            self._tags, self._article_meta, self._scopes = {}, {}, {}

    def retrieve(self, query: str, k: int, prefer: str | None = None, language: str | None = None,
                 scope: Scope | None = None) -> list[Source]:
        """The k best paragraphs: dense e5 similarity plus the rarity-weighted share of the question's words.

        `prefer` (a follow-up's article) also searches that article alone and lifts its paragraphs a little, so
        "Who funded it?" finds the funding in the article the conversation is about. With a `scope` (a channel's
        articles) every search is filtered to the articles it admits.
        """
        self._fresh()
        within = self.within(scope)
        if within is not None and prefer not in within:
            prefer = None
        q = analyse(query)
        variant = masked(q, language) if self.embed_variant and language and q.names else None
        vec = self.embedder.queries([query, variant])[0] if variant else self.embedder.query(query)
        terms = q.terms
        n = max(k, self.cal.candidates)
        if prefer and not q.names:  # a follow-up that names nothing new stays in its article
            rows = rows_of(self._query(vec, n, {"article": prefer}, within=within))
        else:
            rows = rows_of(self._query(vec, n, language=language, within=within))
            if prefer:
                seen = {r[0] for r in rows}
                rows += [r for r in rows_of(self._query(vec, n, {"article": prefer}, within=within))
                         if r[0] not in seen]
        rows += self._naming(vec, q.names, rows, within)
        rows += self._placing(vec, q, rows, within)
        out = self._score(rows, terms)
        if language:  # e5 scores a passage in the other language lower than one in the question's (measured)
            out = sorted((replace(s, score=s.score + self.cal.cross_language) if s.language and s.language != language
                          else s for s in out), key=lambda s: -s.score)
        if prefer:
            out = sorted((replace(s, score=s.score + self.cal.follow_up_boost) if s.article == prefer else s
                          for s in out), key=lambda s: -s.score)
        return out[:k]

    def _score(self, rows: list[tuple[str, str, dict, float]], terms: tuple[str, ...]) -> list[Source]:
        sets = [word_set(doc) for _, doc, _, _ in rows]
        weights = term_weights(terms, sets)
        total = sum(weights.values()) or 1.0
        out = []
        for (_, doc, meta, dist), words in zip(rows, sets):
            share = sum(weights[t] for t in matched(terms, words)) / total
            score = 1.0 - float(dist) + self.cal.lexical_weight * share
            key = (meta["article"], int(meta["paragraph"]))
            self._hashes[key] = meta.get("hash", "")
            out.append(Source(meta["article"], meta["title"], key[1], doc, score, meta.get("date", ""),
                              meta.get("language", ""), self.tag(meta["article"]), meta.get("url", "")))
        out.sort(key=lambda s: -s.score)
        return out

    def tag(self, article_id: str) -> str:
        """The article's short name in citations, unique among the articles stored."""
        tag = self._tags.get(article_id)
        if tag is None:
            self._refresh_tags()
            tag = self._tags.get(article_id) or short_tag(article_id)
        return tag

    def _refresh_tags(self) -> None:
        try:
            got = self.cols.articles.get(include=["metadatas"])
        except Exception:
            return
        ids = list(got["ids"])
        self._article_meta = {i: (m or {}) for i, m in zip(ids, got["metadatas"])}
        tags: dict[str, str] = {}
        seen: dict[str, int] = {}
        for i in sorted(ids):
            t = short_tag(i)
            seen[t] = seen.get(t, 0) + 1
        for i in sorted(ids):
            t = short_tag(i)
            tags[i] = t if seen[t] == 1 else i  # two articles would share a short name: cite by full id
        self._tags = tags

    def sentences(self, sources: list[Source]) -> dict[tuple[str, int], Sentences]:
        """Sentence texts and vectors of the given paragraphs (stored at ingest, fetched by id, then cached)."""
        return self._sentences_of([(s.article, s.paragraph) for s in sources])

    def _sentences_of(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], Sentences]:
        out: dict[tuple[str, int], Sentences] = {}
        missing: list[tuple[str, int]] = []
        for key in keys:
            hit = self._sentences.get((*key, self._hashes.get(key, "")))
            if hit is not None:
                out[key] = hit
            else:
                missing.append(key)
        if not missing:
            return out
        with _store_errors():
            got = self.cols.sentences.get(where=_of_paragraphs(missing),
                                          include=["documents", "metadatas", "embeddings"])
        grouped: dict[tuple[str, int], list[tuple[int, str, np.ndarray]]] = {}
        for doc, meta, emb in zip(got["documents"], got["metadatas"], got["embeddings"]):
            key = (meta["article"], int(meta["paragraph"]))
            grouped.setdefault(key, []).append((int(meta["index"]), doc, np.asarray(emb, dtype=np.float32)))
        parts = self._clauses_of(missing)
        with self._lock:
            for key, items in grouped.items():
                items.sort(key=lambda t: t[0])
                cl = sorted(parts.get(key, []), key=lambda t: t[:2])
                out[key] = Sentences(tuple(t[1] for t in items), np.stack([t[2] for t in items]),
                                     np.stack([c[2] for c in cl]) if cl else NO_CLAUSES, tuple(c[0] for c in cl))
                self._sentences[(*key, self._hashes.get(key, ""))] = out[key]
            while len(self._sentences) > self._cache:
                self._sentences.popitem(last=False)
        return out

    def _clauses_of(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], list[tuple[int, int, np.ndarray]]]:
        """(sentence, clause, vector) of the clauses stored for these paragraphs."""
        with _store_errors():
            got = self.cols.clauses.get(where=_of_paragraphs(keys), include=["metadatas", "embeddings"])
        out: dict[tuple[str, int], list[tuple[int, int, np.ndarray]]] = {}
        for meta, emb in zip(got["metadatas"], got["embeddings"]):
            out.setdefault((meta["article"], int(meta["paragraph"])), []).append(
                (int(meta["index"]), int(meta["clause"]), np.asarray(emb, dtype=np.float32)))
        return out

    def article(self, article_id: str) -> ArticleText | None:
        """All paragraphs of one article, in order (fetched once per version of the article)."""
        if article_id not in self._article_meta:
            self._refresh_tags()
        meta = self._article_meta.get(article_id)
        if meta is None:
            return None
        key = (article_id, str(meta.get("hash", "")))
        hit = self._articles.get(key)
        if hit is not None:
            return hit
        with _store_errors():
            got = self.cols.chunks.get(where={"article": article_id}, include=["documents", "metadatas"])
        paras = sorted(zip(got["metadatas"], got["documents"]), key=lambda md: int(md[0]["paragraph"]))
        text = ArticleText(article_id, str(meta.get("title", article_id)), str(meta.get("date", "")),
                           str(meta.get("language", "")), self.tag(article_id), str(meta.get("url", "") or ""),
                           tuple(d for _, d in paras))
        with self._lock:
            self._articles[key] = text
            while len(self._articles) > 256:
                self._articles.popitem(last=False)
        return text

    def _naming(self, vec: np.ndarray, names: tuple[str, ...], rows: list[tuple[str, str, dict, float]],
                within: Within = None, per_name: int = 2) -> list[tuple[str, str, dict, float]]:
        """Paragraphs that name what the question names when none of those found does ("Wie is Colette Heald?"
        asked in Dutch of an English article: e5 weighs the question's form over a name it does not know)."""
        seen = {r[0] for r in rows}
        docs = [doc.casefold() for _, doc, _, _ in rows]
        extra: list[tuple[str, str, dict, float]] = []
        for name in names[:3]:
            if any(name.casefold() in doc for doc in docs):
                continue
            extra += _unseen(rows_of(self._query(vec, per_name, contains=name, within=within)), seen)
        return extra

    def _placing(self, vec: np.ndarray, q: Question, rows: list[tuple[str, str, dict, float]],
                 within: Within = None, per_place: int = 2) -> list[tuple[str, str, dict, float]]:
        """Paragraphs that name a country the question names, in any language or as an adjective, when none of
        those found does ("Uit hoeveel leden bestond het Afghaanse team?" of an English article that says
        "Afghan"). From memory only: Chroma has no filter for a country's names in every language."""
        asked = {code for w in (*q.terms, *q.name_words) if (code := territory(w))}
        if not asked:
            return []
        held = set().union(*(index_of(word_set(doc)).places for _, doc, _, _ in rows))
        seen = {r[0] for r in rows}
        extra: list[tuple[str, str, dict, float]] = []
        for code in sorted(asked - held)[:2]:
            hit = self.paragraphs.query(vec, per_place, place=code, sentence_weight=self.cal.sentence_weight,
                                        within=within)
            extra += _unseen(rows_of(hit) if hit is not None else [], seen)
        return extra

    def mentions(self, name: str, scope: Scope | None = None) -> bool:
        """Whether any paragraph in the knowledge base (in the scope's articles) contains this name as written (a
        full-text scan)."""
        within = self.within(scope)
        if within is not None and not within:
            return False
        where = where_within(None, within)
        with _store_errors():
            got = self.cols.chunks.get(where_document={"$contains": name}, limit=1, include=[],
                                       **({"where": where} if where else {}))
        return bool(got["ids"])

    def within(self, scope: Scope | None) -> Within:
        """The ids of the articles a scope admits (None: every article), read from the articles' records and kept
        until the knowledge base changes."""
        if scope is None:
            return None
        self._fresh()
        hit = self._scopes.get(scope)
        if hit is None:
            if not self._article_meta:
                self._refresh_tags()
            found = admitted(scope, self._article_meta) or frozenset()
            if self._article_meta:  # not read (the store is down): ask again next time
                self._scopes[scope] = found
            return found
        return hit

    def articles(self, scope: Scope | None = None) -> list[Article]:
        """The articles of the knowledge base (those the scope admits), oldest first."""
        self._fresh()
        if not self._article_meta:
            self._refresh_tags()
        within = self.within(scope)
        arts = [
            Article(i, m.get("title", i), m.get("date", ""), m.get("language", ""))
            for i, m in self._article_meta.items() if within is None or i in within
        ]
        return sorted(arts, key=lambda a: (a.date, a.id))

    def ping(self) -> None:
        try:
            self.cols.chunks.count()
        except Exception as exc:
            raise StoreError(f"The knowledge store is not reachable ({type(exc).__name__}).") from exc

    def close(self, timeout_s: float = 10.0) -> None:
        """Let the background loads finish: a process must not exit while one is inside Chroma's native code."""
        with self._lock:
            loaders = list(self._loaders)
        for thread in loaders:
            thread.join(timeout_s)


@contextmanager
def _store_errors() -> Iterator[None]:
    """A failing store call becomes one line naming what failed, never a traceback for the asker."""
    try:
        yield
    except Exception as exc:
        raise StoreError(f"The knowledge store failed to answer a query ({type(exc).__name__}).") from exc


def _of_paragraphs(keys: list[tuple[str, int]]) -> dict[str, Any]:
    """The `where` filter for the rows of these paragraphs (sentences, clauses: their `chunk` metadata)."""
    return {"chunk": {"$in": [f"{a}:{p}" for a, p in keys]}}


def _unseen(rows: list[tuple[str, str, dict, float]], seen: set[str]) -> list[tuple[str, str, dict, float]]:
    """The rows whose paragraph is not among those already found (`seen` grows with them)."""
    out = []
    for row in rows:
        if row[0] not in seen:
            seen.add(row[0])
            out.append(row)
    return out

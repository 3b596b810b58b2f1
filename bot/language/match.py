"""Does a passage hold a question's word? The same word, a cognate spelling, or (across languages) a close vector."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
from rapidfuzz.distance import Levenshtein

from .names import territory
from .words import fold, tokens


@lru_cache(maxsize=65536)
def same_word(a: str, b: str) -> bool:
    """Two folded words that are one word in another spelling or inflection: Poetin ~ Putin, visa ~ visum.

    The rules are general: equal; the Dutch oe for an English u; a shared stem of five letters covering most of
    the longer word; or, for words of six letters or more, an edit distance of at most one letter in six
    (England ~ Engeland; house and horse are different words).
    """
    if a == b:
        return True
    if len(a) < 4 or len(b) < 4:  # short words only as abbreviations of one body or country (UN ~ VN)
        ta = territory(a)
        return ta is not None and ta == territory(b)
    a2, b2 = a.replace("oe", "u"), b.replace("oe", "u")
    if a2 == b2:
        return True
    la, lb = len(a2), len(b2)
    longer = la if la > lb else lb
    if a2[:4] == b2[:4]:  # a shared stem is four letters or more: most pairs differ before, and skip the count
        prefix = 4
        for x, y in zip(a2[4:], b2[4:]):
            if x != y:
                break
            prefix += 1
        if prefix >= 5 and prefix >= 0.6 * longer or prefix * 3 >= 2 * longer:
            return True  # inflections and derivations: deport ~ deportatie, help ~ helped, asylum ~ asylee
    cut = longer // 6
    if la >= 6 and lb >= 6 and abs(la - lb) <= cut and Levenshtein.distance(a2, b2, score_cutoff=cut) <= cut:
        return True  # the length gap is a lower bound of the distance: most pairs are ruled out without it
    ta, tb = territory(a), territory(b)
    return ta is not None and ta == tb


_SOUNDS_ALIKE = str.maketrans("cvzy", "kfsj")  # friend ~ vriend, cannons ~ kanonnen: one bucket per sound


def _initial(word: str) -> str:
    return word[:1].translate(_SOUNDS_ALIKE)


class WordIndex:
    """The words of one text, bucketed so that `same_word` is tried only where it can hold (the hot path of a
    question: every candidate paragraph is checked for every question word)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(words)
        self.plain = frozenset(w.replace("oe", "u") for w in self.words)
        self.by_start: dict[str, list[str]] = {}
        for w in self.words:
            if len(w) >= 4:
                self.by_start.setdefault(_initial(w), []).append(w)
        self.places = frozenset(c for c in map(territory, self.words) if c)
        self._memo: dict[str, bool] = {}

    def has(self, term: str) -> bool:
        hit = self._memo.get(term)
        if hit is None:
            hit = self._memo[term] = self._has(term)
        return hit

    def _has(self, term: str) -> bool:
        if term in self.words or term.replace("oe", "u") in self.plain:
            return True
        if len(term) >= 4 and any(same_word(term, w) for w in self.by_start.get(_initial(term), ())):
            return True
        code = territory(term)
        return code is not None and code in self.places


@lru_cache(maxsize=8192)
def index_of(words: frozenset[str]) -> WordIndex:
    return WordIndex(words)


_SCAN = 32  # a word list this short is scanned afresh: keeping what was found in it would cost more than it saves


@lru_cache(maxsize=1024)
def _found_in(words: tuple[str, ...]) -> dict[str, str | None]:
    """What `spelled` found in one word list, by term: the same paragraph's words are searched again for each of its
    windows and on later answers, the same article's words on every answer."""
    return {}


@lru_cache(maxsize=1024)
def vector_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """The distinct words of a list whose vectors say something (four letters or more, not a number)."""
    return tuple(w for w in dict.fromkeys(words) if len(w) >= 4 and not w.isdigit())


class WordVectors(Protocol):
    """Vectors of single words (the knowledge base's vocabulary, embedded at ingest)."""

    def vectors(self, words: Sequence[str]) -> dict[str, np.ndarray]: ...


class CachedWordVectors:
    """Word vectors from the store's vocabulary collection, embedding any word it lacks; both kept in memory."""

    def __init__(self, collection: Any, embedder: Any, size: int = 50_000) -> None:
        self._col = collection
        self._embedder = embedder
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self._whole = False  # all of the vocabulary is in memory: a word it lacks is not in the collection either
        self._stacks: dict[tuple[str, ...], np.ndarray] = {}  # see `stacked`; emptied when a word leaves memory

    def preload(self, limit: int = 20_000) -> int:
        """Read the whole vocabulary into memory (in the background at start): a question across languages then
        needs no store round trip for its passages' words. Skipped for a vocabulary larger than the cache."""
        if self._col is None:
            return 0
        try:
            if self._col.count() > min(limit, self._size):
                return 0
            got = self._col.get(include=["embeddings"])
        except Exception:  # a store without a vocabulary, or one that went away: words are fetched as needed
            return 0
        with self._lock:
            for w, emb in zip(got["ids"], got["embeddings"]):
                if w not in self._cache:
                    self._cache[w] = np.asarray(emb, dtype=np.float32)
            self._whole = True
        return len(got["ids"])

    def stale(self) -> None:
        """An ingest or remove changed the knowledge base: words the memory lacks may now be in the collection."""
        self._whole = False

    def vectors(self, words: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        missing = []
        with self._lock:
            for w in dict.fromkeys(words):
                v = self._cache.get(w)
                if v is None:
                    missing.append(w)
                else:
                    out[w] = v
        absent = missing
        if missing and self._col is not None and not self._whole:
            try:
                got = self._col.get(ids=missing, include=["embeddings"])
                for i, emb in zip(got["ids"], got["embeddings"]):
                    out[i] = np.asarray(emb, dtype=np.float32)
            except Exception:  # a store without a vocabulary (built before it existed): embed below
                pass
            missing = [w for w in missing if w not in out]
        if missing:
            for w, v in zip(missing, self._embedder.passages(missing)):
                out[w] = np.asarray(v, dtype=np.float32)
        if not absent:
            return out
        with self._lock:
            for w in absent:  # the words it lacked, in order: the others are in memory already
                if w in out and w not in self._cache:
                    self._cache[w] = out[w]
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
                self._whole = False
                self._stacks.clear()
        return out

    def stacked(self, terms: Sequence[str], words: tuple[str, ...]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The terms' vectors and the words' as one matrix, kept by the words (the same article's and paragraphs'
        words are stacked on every answer). The first time both are asked together, as `vectors` is; after, the
        words are in memory, so asking for the terms alone fetches and embeds the same."""
        matrix = self._stacks.get(words)
        if matrix is not None:
            return self.vectors(terms), matrix
        vecs = self.vectors([*terms, *words])
        matrix = np.stack([vecs[w] for w in words])
        if len(self._stacks) >= 1024:
            self._stacks.clear()
        self._stacks[words] = matrix
        return vecs, matrix


class Matcher:
    """Finds a question's words in a passage: by spelling first, by vector when the spelling says nothing."""

    def __init__(self, vectors: WordVectors | None, word_match: float = 0.92) -> None:
        self.vectors = vectors
        self.word_match = word_match

    def spelled(self, term: str, words: Sequence[str]) -> str | None:
        """The passage word that is the term in some spelling, or None."""
        if len(words) <= _SCAN:
            return next((w for w in words if same_word(term, w)), None)
        found = _found_in(tuple(words))
        if term not in found:
            found[term] = next((w for w in words if same_word(term, w)), None)
        return found[term]

    def best(self, terms: Sequence[str], words: Sequence[str], cross: bool = True) -> dict[str, tuple[str, float]]:
        """For each term found in the words: (the word, how sure: 1.0 by spelling, the cosine by vector).

        Vectors are asked only across languages (`cross`): within one language a word is spelled the same, and
        the vectors of unrelated words of one language can be close (gestationeerd ~ gedeporteerde).
        """
        found: dict[str, tuple[str, float]] = {}
        rest = []
        for t in terms:
            w = self.spelled(t, words)
            if w is not None:
                found[t] = (w, 1.0)
            else:
                rest.append(t)
        if not rest or self.vectors is None or not words or not cross:
            return found
        rest = [t for t in rest if len(t) >= 4]  # a short word's vector says little about its meaning
        if not rest:
            return found
        cands = vector_words(tuple(words))
        if not cands:
            self.vectors.vectors(rest)  # embedded now, as before: the memory it fills shapes later batches
            return found
        vecs, matrix = self._stacked(rest, cands)
        for t in rest:
            sims = matrix @ vecs[t]
            i = int(np.argmax(sims))
            if sims[i] >= self.word_match:
                found[t] = (cands[i], float(sims[i]))
        return found

    def nearest(self, terms: Sequence[str], words: Sequence[str]) -> dict[str, str]:
        """Each term's closest word among `words`, by spelling else by vector, with no floor: across languages a
        word's translation seldom clears a fixed cosine (escape ~ ontsnapte 0.90), but is mostly the closest."""
        found = {t: w for t in terms if (w := self.spelled(t, words)) is not None}
        rest = [t for t in terms if t not in found]
        cands = vector_words(tuple(words))
        if not rest or not cands or self.vectors is None:
            return found
        vecs, matrix = self._stacked(rest, cands)
        for t in rest:
            found[t] = cands[int(np.argmax(matrix @ vecs[t]))]
        return found

    def _stacked(self, terms: list[str], words: tuple[str, ...]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The terms' vectors and the words' as one matrix; kept by the words when the vectors are in memory."""
        assert self.vectors is not None
        if isinstance(self.vectors, CachedWordVectors):
            return self.vectors.stacked(terms, words)
        vecs = self.vectors.vectors([*terms, *words])
        return vecs, np.stack([vecs[w] for w in words])

    def similarity(self, a: Sequence[str], b: Sequence[str], cross: bool = True) -> float:
        """How close two short word groups are: 1.0 when they share a word, else (across languages) the best
        cosine of their words."""
        if not a or not b:
            return 0.0
        if any(same_word(x, y) for x in a for y in b):
            return 1.0
        if self.vectors is None or not cross:
            return 0.0
        vecs = self.vectors.vectors([*a, *b])
        return max(float(vecs[x] @ vecs[y]) for x in a for y in b)


@lru_cache(maxsize=64)
def article_words(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """The distinct folded words of an article that can carry meaning (four letters or more, not numbers)."""
    return tuple(dict.fromkeys(t.fold for p in paragraphs for t in tokens(p) if len(t.fold) >= 4
                               and not t.fold.isdigit()))


def folded(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(fold(w) for w in words)

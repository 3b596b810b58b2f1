"""Reading a question and a passage closely: content terms, fuzzy cross-language matches, answer types."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from .lexicon import (
    ASKS_REASON, ASKS_WORDS, ORGANISATIONS, QUESTION_WORDS, ROLES, STOP, UNIT_WORDS, answer_type, find_places, fold,
    has_time, numbers_in, place_key,
)

_WORD = re.compile(r"[\wÀ-ÿ'’-]+")
_CONTINUES = re.compile(
    r"^[„“\"]?(hij|zij|ze|die|dat|dit|daarom|daardoor|want|ook|maar|en|of|zo|een van hen|"
    r"he|she|they|it|this|that|these|those|but|and|or|so|therefore|however|thus)\b",
    re.I,
)


@dataclass(frozen=True)
class Question:
    """What the engine needs to know about a question."""

    text: str
    terms: tuple[str, ...]  # folded content words
    names: tuple[str, ...]  # names and numbers as written
    kind: str | None  # number / time / place / person
    asks_reason: bool = False
    asks_words: bool = False  # "what did X say": the answer is a quotation


@lru_cache(maxsize=1024)  # the retriever and the engine both read the same question
def analyse(question: str) -> Question:
    words = _WORD.findall(question)
    terms = tuple(dict.fromkeys(fold(w) for w in words if len(w) > 2 and fold(w) not in STOP | QUESTION_WORDS))
    names = []
    for sentence in re.split(r"(?<=[.!?])\s+", question):
        for i, w in enumerate(_WORD.findall(sentence)):
            f = fold(w.strip("'’"))
            if f in STOP or f in QUESTION_WORDS or len(f) < 2:
                continue
            # A capital is a name's mark except at a sentence's start ("Thanks!"), unless the word is a known place.
            if w[0].isdigit() or (w[0].isupper() and (i > 0 or place_key(w) or w.isupper())):
                names.append(w.strip("'’").removesuffix("'s").removesuffix("’s"))
    return Question(
        question, terms, tuple(dict.fromkeys(names)), answer_type(question), bool(ASKS_REASON.search(question)),
        bool(ASKS_WORDS.search(question)),
    )


def _trigrams(word: str) -> frozenset[str]:
    padded = f"#{word}#"
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


@lru_cache(maxsize=65536)
def similar(a: str, b: str) -> bool:
    """Whether two folded words are the same word across English/Dutch spelling or inflection."""
    if a == b:
        return True
    if "oe" in a or "oe" in b:  # Dutch spelling of an English u: Poetin ~ Putin, Oekraine ~ Ukraine
        a, b = a.replace("oe", "u"), b.replace("oe", "u")
        if a == b:
            return True
    short, long_ = sorted((a, b), key=len)
    if len(short) < 4:
        return False
    prefix = 0
    for x, y in zip(a, b):
        if x != y:
            break
        prefix += 1
    if prefix >= 5 and prefix >= 0.6 * len(long_):
        return True
    if len(short) >= 6:
        ta, tb = _trigrams(short), _trigrams(long_)
        if len(ta & tb) >= 0.75 * len(ta):
            return True
    ka, kb = place_key(a), place_key(b)
    return ka is not None and ka == kb


def words_of(text: str) -> list[str]:
    return [fold(w) for w in _WORD.findall(text)]


class _Index:
    """A text's words, indexed so `similar` need not be tried against every word (the hot path of a question)."""

    def __init__(self, text: str) -> None:
        words = set(words_of(text))
        self.words = frozenset(w.replace("oe", "u") for w in words)  # `similar` compares the u-spellings
        self.by_prefix: dict[str, list[str]] = {}
        self.by_trigram: dict[str, list[str]] = {}
        self.trigram_count: dict[str, int] = {}
        for w in self.words:
            if len(w) >= 4:
                self.by_prefix.setdefault(w[:5], []).append(w)
            grams = _trigrams(w)
            self.trigram_count[w] = len(grams)
            for g in grams:
                self.by_trigram.setdefault(g, []).append(w)
        self.places = frozenset(k for k in map(place_key, words) if k)
        self._memo: dict[str, bool] = {}

    def has(self, term: str) -> bool:
        hit = self._memo.get(term)
        if hit is None:
            hit = self._memo[term] = self._has(term)
        return hit

    def _has(self, term: str) -> bool:
        t = term.replace("oe", "u")
        if t in self.words:
            return True
        if len(t) >= 5:  # a common prefix of 5+ letters covering 60% of the longer word
            for w in self.by_prefix.get(t[:5], ()):
                if len(w) >= 4 and similar(t, w):
                    return True
        grams = _trigrams(t)
        shared: dict[str, int] = {}
        for g in grams:
            for w in self.by_trigram.get(g, ()):
                shared[w] = shared.get(w, 0) + 1
        for w, n in shared.items():  # 75% of the shorter word's trigrams in the longer one
            short = len(grams) if len(t) <= len(w) else self.trigram_count[w]
            if min(len(t), len(w)) >= 6 and n >= 0.75 * short:
                return True
        key = place_key(term)
        return key is not None and key in self.places


@lru_cache(maxsize=8192)
def _index(text: str) -> _Index:
    return _Index(text)


def matched_terms(terms: tuple[str, ...], text: str) -> frozenset[str]:
    """The question's content terms that a text contains, in either language's spelling."""
    idx = _index(text)
    return frozenset(t for t in terms if idx.has(t))


def term_weights(terms: tuple[str, ...], texts: list[str]) -> dict[str, float]:
    """Rarer terms count more: a word found in every candidate paragraph says little about which one answers."""
    n = len(texts)
    df = dict.fromkeys(terms, 0)
    for text in texts:
        for t in matched_terms(terms, text):
            df[t] += 1
    return {t: math.log((n + 1) / (df[t] + 0.5)) for t in terms}


_ATTRIBUTED_TO_PRONOUN = re.compile(r"[”\"],? (zei|zegt|schreef|aldus|said|says|wrote) (hij|zij|ze|he|she|they)\b", re.I)


def continues(sentence: str) -> bool:
    """Whether a sentence leans on the one before it: a pronoun or connective first, or a quote "…", said he."""
    return bool(_CONTINUES.match(fold(sentence[:40])) or _ATTRIBUTED_TO_PRONOUN.search(sentence))


def _proper_nouns(text: str, known: set[str]) -> set[str]:
    """Capitalised words that look like names (sentence-initial ones only if seen capitalised elsewhere)."""
    out: set[str] = set()
    for sentence in re.split(r"(?<=[.!?”])\s+", text):
        for i, w in enumerate(_WORD.findall(sentence)):
            if not w[0].isupper():
                continue
            f = fold(w)
            if f in STOP or place_key(w) or "-" in w and place_key(w.split("-")[0]):
                continue
            if i == 0 and f not in known:
                continue
            out.add(f)
    return out


def _names(text: str, known: set[str]) -> list[tuple[str, ...]]:
    """Names as runs of adjacent name words ("António Guterres" is one person, not two)."""
    proper = _proper_nouns(text, known)
    runs: list[tuple[str, ...]] = []
    current: list[str] = []
    for w in _WORD.findall(text):
        f = fold(w)
        if f in proper and w[0].isupper():
            current.append(f)
            continue
        if current:
            runs.append(tuple(current))
            current = []
    if current:
        runs.append(tuple(current))
    return [r for r in runs if not place_key(" ".join(r))]  # "Verenigde Naties" is a place, not a person


def known_names(texts: list[str]) -> set[str]:
    """Words written capitalised in mid-sentence somewhere in these texts: the names of the material."""
    known: set[str] = set()
    for t in texts:
        for sentence in re.split(r"(?<=[.!?”])\s+", t):
            for w in _WORD.findall(sentence)[1:]:
                if w[0].isupper() and fold(w) not in STOP:
                    known.add(fold(w))
    return known


def satisfies(q: Question, text: str, known: set[str], *, roles: bool = False) -> bool:
    """Whether a passage holds the kind of thing asked for, beyond what the question already names."""
    asked = {fold(n) for n in q.names}
    if q.kind == "number":
        tokens = words_of(text)
        terms = [t for t in q.terms if t not in UNIT_WORDS]
        for pos, _ in numbers_in(text):
            near = tokens[max(0, pos - 4) : pos + 5]
            if any(similar(t, w) for t in terms for w in near):
                return True
        return False
    if q.kind == "time":
        return has_time(text)
    if q.kind == "place":
        asked_places = {place_key(n) for n in q.names} - {None}
        return bool(find_places(text) - asked_places)
    if q.kind in ("person", "organisation"):  # a name the question does not already hold
        if any(not any(similar(w, a) for w in name for a in asked) for name in _names(text, known)):
            return True
        if roles and any(not any(similar(fold(m.group(0)), a) for a in asked) for m in ROLES.finditer(text)):
            return True
        if q.kind == "organisation":
            asked_places = {place_key(n) for n in q.names} - {None}
            return bool((find_places(text) & ORGANISATIONS) - asked_places)
        return False
    return True

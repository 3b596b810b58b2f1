"""The offline answer engine: quotes the sentences that answer, cites them, and says so when none do."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .evidence import Question, analyse, continues, known_names, matched_terms, satisfies, term_weights
from .language import phrase
from .lexicon import REASON, fold
from .models import Answer, Source
from .retrieval import Sentences, peak

log = logging.getLogger("briefbot.extractive")


class SentenceSource(Protocol):
    """What the engine needs from the store beyond the passages: sentence vectors and a name lookup."""

    def sentences(self, sources: list[Source]) -> dict[tuple[str, int], Sentences]: ...
    def mentions(self, name: str) -> bool: ...


class QueryEmbedder(Protocol):
    def query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Calibration:
    """Thresholds, calibrated on the development questions (bench/calibrate.py prints the sweep)."""

    min_score: float = 0.74  # best paragraph below this: the question is off-topic
    min_peak: float = 0.024  # best paragraph barely above the field (mean of the top 10): nothing stands out
    lexical_weight: float = 0.04  # how much a window's (rarity-weighted) share of the question's terms counts
    paragraph_weight: float = 0.3  # a sentence inherits this much of its paragraph's score
    type_margin: float = 0.05  # how far below the best a window may score and still answer the asked type
    reason_bonus: float = 0.01  # for a why-question, a sentence that gives a reason ("omdat", "met de oorlog…")
    quote_bonus: float = 0.01  # for "what did X say", a window that quotes someone
    second_margin: float = 0.02  # a second quote from another paragraph when it scores this close
    max_quote_chars: int = 700


@dataclass(frozen=True)
class Window:
    """Adjacent sentences of one paragraph, scored as an answer."""

    source: Source
    start: int
    end: int
    text: str
    score: float


class ExtractiveEngine:
    """Answers by quoting the article, framed in the asker's language; never invents a fact."""

    def __init__(
        self,
        store: SentenceSource,
        embedder: QueryEmbedder,
        *,
        top_k: int = 4,
        calibration: Calibration = Calibration(),
        paragraphs: int = 4,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.cal = calibration
        self.paragraphs = paragraphs

    def stream(self, question: str, passages: Sequence[Source], language: str) -> Iterator[str | Answer]:
        yield self.answer(question, passages, language)

    def answer(self, question: str, passages: Sequence[Source], language: str) -> Answer:
        q = analyse(question)
        cands = list(passages)
        refusal = self._off_topic(q, cands, language)
        sentences = self.store.sentences(cands[: self.paragraphs]) if cands else {}
        windows = self._windows(q, cands, sentences)
        if refusal is None and not windows:
            refusal = "no sentences"
        if refusal is None and q.kind:
            typed = self._typed(q, cands, windows, sentences)
            if typed is None:
                refusal = f"no passage near the top holds a {q.kind}"
            else:
                windows = [typed] + [w for w in windows if w != typed]
        if refusal is not None:
            log.debug("refusing: %s", refusal)
            return self._refuse(cands, windows, language)
        chosen = [windows[0]]
        second = next((w for w in windows[1:] if _paragraph(w) != _paragraph(windows[0])), None)
        if (
            second is not None
            and second.score >= windows[0].score - self.cal.second_margin
            and len(windows[0].text) + len(second.text) <= self.cal.max_quote_chars
        ):
            chosen.append(second)
        lines = [
            f"{phrase('according' if i == 0 else 'also', language, cite=_cite(w.source))} „{w.text}”"
            for i, w in enumerate(chosen)
        ]
        return Answer("\n".join(lines), self._sources(chosen, cands), True, language)

    def _off_topic(self, q: Question, cands: list[Source], language: str) -> str | None:
        """Why the knowledge base cannot hold the answer, before reading sentences; None if it might."""
        if not cands:
            return "empty knowledge base"
        if not q.terms:
            return "the question has no word to look for"
        if cands[0].score < self.cal.min_score:
            return f"best score {cands[0].score:.3f}"
        if peak(cands) < self.cal.min_peak:
            return f"peak {peak(cands):.3f}"
        for name in q.names:
            if not name[0].isdigit() and not any(matched_terms((fold(name),), c.text) for c in cands):
                if not self.store.mentions(name):
                    return f"'{name}' is not in the knowledge base"
        top = cands[: self.paragraphs]
        # Asked in the articles' own language, an answerable question shares at least a word with them.
        if q.terms and top[0].language == language and not any(matched_terms(q.terms, c.text) for c in top):
            return "no word of the question in the best passages"
        return None

    def _windows(
        self, q: Question, cands: list[Source], sentences: dict[tuple[str, int], Sentences]
    ) -> list[Window]:
        """Every sentence of the best paragraphs, with the neighbours it needs, scored against the question."""
        qvec = self.embedder.query(q.text)
        weights = term_weights(q.terms, [c.text for c in cands])
        total = sum(weights.values()) or 1.0
        out: dict[tuple[str, int, int, int], Window] = {}
        for src in cands[: self.paragraphs]:
            sents = sentences.get((src.article, src.paragraph))
            if sents is None or not sents.texts:
                continue
            dense = sents.vectors @ qvec
            if q.asks_reason:
                dense = dense + self.cal.reason_bonus * np.array([bool(REASON.search(t)) for t in sents.texts])
            matched = [matched_terms(q.terms, t) for t in sents.texts]
            for i in range(len(sents.texts)):
                similarity = float(dense[i])
                spans = self._spans(sents.texts, i)
                if spans[0][0] < i:  # a sentence that leans on the one before is read with it ("Ze verzetten zich…")
                    pair = sents.vectors[i - 1] + sents.vectors[i]
                    similarity = max(similarity, float(pair @ qvec) / (float(np.linalg.norm(pair)) or 1.0))
                for start, end in spans:
                    share = sum(weights[t] for t in frozenset().union(*matched[start:end])) / total
                    text = " ".join(sents.texts[start:end])
                    score = (
                        (1 - self.cal.paragraph_weight) * similarity
                        + self.cal.paragraph_weight * src.score
                        + self.cal.lexical_weight * share
                        + (self.cal.quote_bonus if q.asks_words and _QUOTATION.search(text) else 0.0)
                    )
                    key = (src.article, src.paragraph, start, end)
                    if key not in out or out[key].score < score:
                        out[key] = Window(src, start, end, text, score)
        return sorted(out.values(), key=lambda w: -w.score)

    @staticmethod
    def _spans(sentences: tuple[str, ...], i: int) -> list[tuple[int, int]]:
        """Sentence i alone, or with the neighbour it leans on or that carries it on (three at most)."""
        n = len(sentences)
        start = i - 1 if i > 0 and (continues(sentences[i]) or sentences[i - 1].rstrip().endswith(":")) else i
        spans = [(start, i + 1)]
        if i + 1 < n and (
            continues(sentences[i + 1]) or sentences[i].rstrip().endswith(":") or len(sentences[i].split()) < 6
        ):
            spans.append((start, i + 2))
        return spans

    def _typed(
        self, q: Question, cands: list[Source], windows: list[Window], sentences: dict[tuple[str, int], Sentences]
    ) -> Window | None:
        """The best window (or it with a neighbour) that holds the kind of thing asked, near the top."""
        known = known_names([c.text for c in cands])
        named = {fold(n) for n in q.names}
        plain = tuple(t for t in q.terms if t not in named)
        near = [w for w in windows if w.score >= windows[0].score - self.cal.type_margin]
        # Names first; a role ("a senior EU official") answers "who said" only where no name does.
        for roles in (False, True) if q.kind == "person" and q.asks_words else (False,):
            for rank, w in enumerate(near):
                sents = sentences[(w.source.article, w.source.paragraph)].texts
                for i in range(max(w.start - 1, 0), min(w.end + 1, len(sents))):
                    # The thing asked for must sit in a sentence that also carries a word of the question beyond
                    # its names (or leans on one that does): a date or a name elsewhere is no answer.
                    if not satisfies(q, sents[i], known, roles=roles):
                        continue
                    lean = i > 0 and continues(sents[i])
                    # A person next to the best window answers "who"; numbers, dates and places are too common
                    # in news for that, and away from the best window a person needs the same support.
                    named_kind = q.kind in ("person", "organisation")
                    supported = matched_terms(plain, sents[i]) or (lean and matched_terms(plain, sents[i - 1]))
                    if (not named_kind or rank > 0) and plain and not supported:
                        continue
                    start = min(w.start, i - 1 if lean else i)
                    end = max(w.end, i + 1)
                    return Window(w.source, start, end, " ".join(sents[start:end]), w.score)
        return None

    def _refuse(self, cands: list[Source], windows: list[Window], language: str) -> Answer:
        text = phrase("not_found", language)
        if windows:
            w = windows[0]
            text += f"\n{phrase('closest', language, cite=_cite(w.source))} „{w.text}”"
        return Answer(text, tuple(cands[: self.top_k]), False, language)

    def _sources(self, chosen: list[Window], cands: list[Source]) -> tuple[Source, ...]:
        cited = [w.source for w in chosen]
        rest = [c for c in cands if c not in cited]
        return tuple((cited + rest)[: max(self.top_k, len(cited))])


_QUOTATION = re.compile(r"[„“\"«][^”\"»]{8,}[”\"»]")


def _paragraph(w: Window) -> tuple[str, int]:
    return (w.source.article, w.source.paragraph)


def _cite(source: Source) -> str:
    return f"[{source.paragraph}]"

"""The reader's answer decision: a small logistic model over the reader's and the retriever's scores, fitted on
training data (training/fit_decision.py), that says whether to state the reader's item, quote its sentence alone,
or refuse."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.language.dates import dates_in
from bot.language.numbers import numbers_in

# Question kinds the decision tells apart: only kinds with enough `calib` questions to learn a weight from ("quote"
# had one, and its weight refused every "What did X say?").
KINDS = ("person", "place", "time", "number")
COUNTS = ("money", "age", "distance", "percent", "duration", "length", "number")  # kinds asking for a number
NO_SPAN = -10.0  # the margin of a passage the reader found nothing in


@dataclass(frozen=True)
class Read:
    """One passage's reading as the decision sees it: its label, span score, no-answer score and span text."""

    label: str
    score: float
    null: float
    text: str

    @property
    def margin(self) -> float:
        return self.score - self.null


@dataclass(frozen=True)
class Hit:
    """One retrieved passage as the decision sees it."""

    label: str
    score: float
    language: str


def features(reads: Sequence[Read], hits: Sequence[Hit], language: str, kind: str | None) -> list[float]:
    """What the decision sees: the best margin and its scores, the runner-up's, the retrieval scores, the span's
    length, whether the best span stands in the top passage, the language pair, the question's kind and whether
    the span is of that kind."""
    margins = sorted((max(NO_SPAN, r.margin) for r in reads), reverse=True) or [NO_SPAN]
    best = max(reads, key=lambda r: r.margin) if reads else Read("", 0.0, 0.0, "")
    scores = [h.score for h in hits] or [0.0]
    top = hits[0] if hits else Hit("", 0.0, language)
    m = margins[0]
    source_language = next((h.language for h in hits if h.label == best.label), language)
    has_number = bool(numbers_in(best.text, source_language))
    has_date = bool(dates_in(best.text))
    return [
        m, max(m, 0.0), _finite(best.score), _finite(best.null),
        margins[1] if len(margins) > 1 else NO_SPAN,
        scores[0], scores[0] - (scores[1] if len(scores) > 1 else 0.0),
        float(best.label == top.label),
        min(len(best.text.split()), 12) / 12,
        float(bool(hits) and top.language != language),
        *[float(kind == k) for k in KINDS],
        float(not kind),
        # Whether the span is of the kind asked for: a number for "how many/much/far", a date for "when".
        float(kind in COUNTS and has_number), float(kind in COUNTS and not has_number),
        float(kind == "time" and has_date), float(kind == "time" and not has_date),
    ]


def _finite(x: float) -> float:
    return x if math.isfinite(x) else NO_SPAN


def _chance(weights: Sequence[float], x: Sequence[float]) -> float:
    z = sum(w * v for w, v in zip(weights[:-1], x, strict=True)) + weights[-1]
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass(frozen=True)
class Gate:
    """Chances that the reader's item is right and that its sentence holds the answer, and where each is enough."""

    item: tuple[float, ...]  # logistic weights over `features`, the bias last
    sentence: tuple[float, ...]
    item_above: float
    sentence_above: float

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Gate:
        return cls(tuple(map(float, d["item"])), tuple(map(float, d["sentence"])), float(d["item_above"]),
                   float(d["sentence_above"]))

    def chances(self, x: Sequence[float]) -> tuple[float, float]:
        if len(self.item) != len(x) + 1 or len(self.sentence) != len(x) + 1:
            raise ValueError(f"the gate has {len(self.item) - 1} weights for {len(x)} features: refit it")
        return _chance(self.item, x), _chance(self.sentence, x)

    def decide(self, x: Sequence[float]) -> tuple[str, float, float]:
        """"item", "sentence" or "refuse", with the two chances."""
        p_item, p_sentence = self.chances(x)
        if p_item > self.item_above:
            return "item", p_item, p_sentence
        if p_sentence > self.sentence_above:
            return "sentence", p_item, p_sentence
        return "refuse", p_item, p_sentence

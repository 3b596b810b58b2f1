"""Windows of one to two adjacent sentences, scored as answers to a question."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.common.calibration import Calibration
from bot.common.models import Source
from bot.language.numbers import ordinals_in
from bot.language.words import load_words, tokens, word_set
from bot.retrieval.retriever import Sentences, matched, term_weights

REASON_MARKERS = load_words("reason_markers.txt")
REASON_BONUS = 0.025  # a why-question's window that gives a reason ("omdat", "because", "over fears")
ORDINAL_BONUS = 0.02  # a window naming the ordinal the question asks about ("first title" ~ "eerste toernooi")

_LEANS = frozenset(
    "he she they it this that these those his her their its there then but however so therefore "
    "hij zij ze het dit dat deze die zijn haar hun daar toen maar echter dus daarom daardoor want ook".split()
)


@dataclass(frozen=True)
class Window:
    """Adjacent sentences of one paragraph, scored as an answer."""

    source: Source
    start: int
    end: int
    text: str
    dense: float  # cosine of the question to the window
    score: float  # dense, the paragraph's score and the question's words, combined
    related: float = 0.0  # cosine of the question without its names (the relation asked about)

    @property
    def key(self) -> tuple[str, int]:
        return (self.source.article, self.source.paragraph)


def ordinal_agreement(asked: frozenset[int], named: Sequence[frozenset[int]]) -> float:
    """A window naming the ordinal asked about ("first title" ~ "eerste toernooi") gains; one naming only other
    ordinals ("de vijfde Grand Slam") is about another one of them and loses as much."""
    if not asked:
        return 0.0
    held = frozenset().union(*named)
    if held & asked:
        return ORDINAL_BONUS
    return -ORDINAL_BONUS if held else 0.0


def clause_lifted(sims: np.ndarray, clause_sims: np.ndarray, owners: Sequence[int], penalty: float) -> np.ndarray:
    """Each sentence's cosine, or its best clause's less `penalty` where that is higher: "When did he escape?"
    is answered by one clause of a sentence that goes on about the landing in Cannes."""
    out = np.array(sims, dtype=np.float32, copy=True)
    if len(owners):
        np.maximum.at(out, np.asarray(owners, dtype=np.intp), clause_sims.astype(np.float32) - penalty)
    return out


@lru_cache(maxsize=8192)
def leans_back(sentence: str) -> bool:
    """A sentence that opens with a pronoun or connective, or points back ("daar", "there"), needs the one before."""
    toks = tokens(sentence[:80])
    if not toks:
        return False
    return toks[0].fold in _LEANS or any(t.fold in ("daar", "there", "aldaar", "toen") for t in toks[:8])


def build(
    qvec: np.ndarray, terms: tuple[str, ...], cands: Sequence[Source], sentences: dict[tuple[str, int], Sentences],
    cal: Calibration, boost: dict[str, float] | None = None, reason: bool = False,
    relation: np.ndarray | None = None, ordinals: frozenset[int] = frozenset(),
) -> list[Window]:
    """Every sentence of the paragraphs read, alone and with a neighbour, scored; best first.

    `relation` is the question with its names left out ("Who was she engaged to?"): within passages already
    about the named one, it finds the sentence that holds the relation asked about, which the names drown out.
    """
    sets = {(c.article, c.paragraph): word_set(c.text) for c in cands}
    weights = term_weights(terms, list(sets.values()))
    total = sum(weights.values()) or 1.0
    out: list[Window] = []
    for src in cands:
        sents = sentences.get((src.article, src.paragraph))
        if sents is None or not sents.texts:
            continue
        n = len(sents.texts)
        sims = sents.vectors @ qvec
        rel = sents.vectors @ relation if relation is not None else sims
        ranked, ranked_rel = sims, rel  # for the order only: a window's dense and related stay its sentences'
        if sents.owners:
            ranked = clause_lifted(sims, sents.clauses @ qvec, sents.owners, cal.clause_penalty)
            if relation is not None:
                ranked_rel = clause_lifted(rel, sents.clauses @ relation, sents.owners, cal.clause_penalty)
        words = [word_set(t) for t in sents.texts]
        counted = [ordinals_in(t) if ordinals else frozenset() for t in sents.texts]
        hits = [matched(terms, w) for w in words]
        extra = (boost or {}).get(src.article, 0.0) + (boost or {}).get(src.label, 0.0)  # its article, itself
        for i in range(n):
            spans = [(i, i + 1)]
            if i > 0 and leans_back(sents.texts[i]):
                spans = [(i - 1, i + 1)]
            elif i + 1 < n:
                spans.append((i, i + 2))
            for start, end in spans:
                if end - start == 1:
                    dense, related = float(sims[i]), float(rel[i])
                    rank_dense, rank_related = float(ranked[i]), float(ranked_rel[i])
                else:
                    vec, norm = sents.pairs[start]
                    joint = float(vec @ qvec) / norm
                    dense, rank_dense = max(joint, float(sims[i]) - 0.01), max(joint, float(ranked[i]) - 0.01)
                    if relation is not None:
                        joint_rel = float(vec @ relation) / norm
                        related = max(joint_rel, float(rel[i]) - 0.01)
                        rank_related = max(joint_rel, float(ranked_rel[i]) - 0.01)
                    else:
                        related, rank_related = dense, rank_dense
                mixed = cal.relation_weight * rank_related + (1 - cal.relation_weight) * rank_dense \
                    if relation is not None else rank_dense
                share = sum(weights[t] for t in frozenset().union(*hits[start:end])) / total
                score = ((1 - cal.paragraph_weight) * mixed + cal.paragraph_weight * src.score
                         + cal.window_lexical * share + extra - 0.004 * (end - start - 1))
                if reason and any(w & REASON_MARKERS for w in words[start:end]):
                    score += REASON_BONUS
                score += ordinal_agreement(ordinals, counted[start:end])
                out.append(Window(src, start, end, " ".join(sents.texts[start:end]), dense, score, related))
    out.sort(key=lambda w: -w.score)
    return out

"""Every threshold of the retriever and the answer engine in one place (bench/calibrate.py sweeps them)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Calibration:
    """Numbers the engine decides by; similarities are e5 cosines (unrelated text scores ~0.75, a paraphrase ~0.9)."""

    # retrieval
    candidates: int = 8  # paragraphs fetched per question
    lexical_weight: float = 0.06  # a paragraph holding all of the question's rare words gains this much similarity
    cross_language: float = 0.015  # lift for a passage in the other language (e5 scores those ~0.02 lower)
    sentence_weight: float = 0.3  # a paragraph's similarity is this much its best sentence's (short questions)
    language_centre: float = 0.8  # of each language's mean vector taken out to find candidates across languages
    centred_candidates: int = 4  # paragraphs added from that search (memory only), ranked by plain similarity
    read_paragraphs: int = 5  # paragraphs whose sentences are read for the answer
    # reading sentences
    paragraph_weight: float = 0.3  # a sentence inherits this much of its paragraph's score
    min_relation: float = 0.785  # the question without its names, at least this close to the chosen window
    relation_weight: float = 0.6  # typed questions: how much the question without its names counts
    window_lexical: float = 0.05  # a window's rarity-weighted share of the question's words
    clause_penalty: float = 0.0  # ranking: a long sentence counts as its best clause less this; none, since the
    # clause is pooled from the sentence's own run (0–0.005 give the same answers on our sets)
    # deciding
    off_topic: float = 0.80  # best sentence below this: nothing in the knowledge base is about the question
    related: float = 0.83  # a refusal shows its closest passage only above this
    min_support: float = 0.815  # an untyped answer needs a window at least this close to the question
    min_support_typed: float = 0.80  # a typed answer's window at least this close
    type_margin: float = 0.10  # a typed item may come from a window this far below the best one
    attach: float = 0.885  # a number's words must be this close to what the question counts (cosine)
    word_match: float = 0.92  # two words of different languages match from this cosine up
    name_match: float = 0.90  # a name in one language matches its translation from this cosine up (Kanaal ~ Channel)
    tie_margin: float = 0.004  # windows of one paragraph this close to the best are quoted together
    second_margin: float = 0.02  # a second quote from another paragraph when it scores this close
    max_quote_chars: int = 420
    follow_up_boost: float = 0.05  # paragraphs of the article a conversation is about
    thread_lean: float = 0.05  # a follow-up's windows in the passage the previous answer quoted, when it
    # asks about something quoted there


DEFAULT = Calibration()

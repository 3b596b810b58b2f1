"""The reader engine's steps, each alone, with a reader and a store we control (no model, no Chroma)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from bot.common.models import Answer, Article, Scope, Source, Turn
from bot.language.followup import FollowUp
from bot.reading.gate import KINDS, Gate, Hit, Read, features
from bot.reading.overview import topics
from bot.reading.reader_engine import ReaderCalibration, ReaderEngine
from bot.reading.restate import restate
from bot.retrieval.retriever import ArticleText, Sentences
from knowledge.reader import Span

NL = Source("2023-03-china-russia", "China en Rusland", 9,
            "Xi vertrok dinsdag. De EU zal de 16.200 gedeporteerde kinderen opsporen. Dat zei Von der Leyen.",
            0.86, "2023-03", "nl", "china-russia")
OTHER = Source("2023-03-china-russia", "China en Rusland", 3, "Moskou en Beijing zien een transformatie.", 0.84,
               "2023-03", "nl", "china-russia")


class Store:
    def __init__(self, sources: Sequence[Source]) -> None:
        self.by_key = {(s.article, s.paragraph): s for s in sources}

    def sentences(self, sources: list[Source]) -> dict[tuple[str, int], Sentences]:
        out = {}
        for s in sources:
            parts = [p.strip() + "." for p in s.text.split(".") if p.strip()]
            out[(s.article, s.paragraph)] = Sentences(tuple(parts), np.zeros((len(parts), 3), np.float32))
        return out

    def article(self, article_id: str) -> ArticleText | None:
        paras = tuple(s.text for k, s in sorted(self.by_key.items()) if k[0] == article_id)
        return ArticleText(article_id, "China en Rusland", "2023-03", "nl", "china-russia", "", paras)

    def articles(self, scope: Scope | None = None) -> list[Article]:
        listed = [Article(NL.article, NL.title, NL.date, "nl"), Article("2024-05-sport", "Ajax wint", "2024-05", "nl")]
        return [a for a in listed if scope is None or scope.admits(a.id)]


class Reader:
    """Gives each passage the span and scores the test sets; records what it was asked."""

    def __init__(self, found: dict[str, tuple[str, float, float]]) -> None:
        self.found = found
        self.asked: list[tuple[str, list[str]]] = []

    def read(self, question: str, passages: Sequence[str]) -> list[Span]:
        self.asked.append((question, list(passages)))
        out = []
        for i, p in enumerate(passages):
            text, score, null = self.found.get(p, ("", -9.0, 0.0))
            at = p.find(text) if text else 0
            out.append(Span(i, at, at + len(text), text, score, null))
        return out


def engine(reader: Reader, threshold: float = 1.0, passages: int = 2) -> ReaderEngine:
    return ReaderEngine(Store([NL, OTHER]), reader, ReaderCalibration(threshold, passages, "test"))


def test_a_span_above_the_threshold_is_stated_in_the_askers_format_before_its_sentence() -> None:
    reader = Reader({NL.text: ("16.200", 6.0, 1.0)})
    a = engine(reader).answer("How many children will the EU trace?", [OTHER, NL], "en")
    assert a.grounded and a.item == "16,200"
    assert a.text.startswith("16,200, according to the article [china-russia ¶9]: „De EU zal de 16.200")
    assert "Xi vertrok" not in a.text  # the sentence that holds the span, not the paragraph
    assert a.sources[0] == NL
    assert a.trace is not None and a.trace.rule == "answer"
    assert [s[0] for s in a.trace.spans] == ["china-russia ¶3", "china-russia ¶9"]


def test_a_phrase_in_the_articles_language_is_quoted_not_stated_to_an_asker_of_the_other() -> None:
    reader = Reader({NL.text: ("de 16.200 gedeporteerde kinderen", 6.0, 1.0)})
    a = engine(reader).answer("Whom will the EU trace?", [NL], "en")
    assert a.grounded and not a.item
    assert a.text.startswith("According to the article [china-russia ¶9]: „De EU zal de 16.200")
    assert a.trace is not None and a.trace.rule == "sentence" and "article's language" in a.trace.detail
    dutch = engine(reader).answer("Wie zal de EU opsporen?", [NL], "nl")  # the asker's own language: stated
    assert dutch.item == "de 16.200 gedeporteerde kinderen"


def test_at_or_below_the_threshold_it_refuses_and_shows_the_closest_passage() -> None:
    reader = Reader({NL.text: ("16.200", 2.0, 1.0)})
    a = engine(reader, threshold=1.0).answer("How many children will the EU trace?", [NL, OTHER], "en")
    assert not a.grounded and a.trace is not None and a.trace.rule == "no_answer"
    assert "I can't find that" in a.text and "[china-russia ¶9]" in a.text


def test_only_the_calibrated_number_of_passages_is_read() -> None:
    reader = Reader({})
    engine(reader, passages=1).answer("Who left on Tuesday?", [NL, OTHER], "en")
    assert reader.asked == [("Who left on Tuesday?", [NL.text])]


def test_an_overview_is_not_read_and_the_trace_says_so() -> None:
    reader = Reader({})
    a = engine(reader).answer("Waar gaat het artikel over?", [NL, OTHER], "nl")
    assert a.grounded and reader.asked == []
    assert a.trace is not None and a.trace.rule == "overview"
    assert any("not run" in s for s in a.trace.steps)


def test_an_empty_store_says_how_to_add_articles() -> None:
    a = engine(Reader({})).answer("Wie is Borrell?", [], "nl")
    assert not a.grounded and "briefbot ingest" in a.text


def test_a_follow_up_is_searched_widened_but_read_as_one_question() -> None:
    reader = Reader({NL.text: ("Von der Leyen", 5.0, 0.0)})
    prev = Turn("How many children will Von der Leyen trace?",
                Answer("16,200 …", (NL,), True, "en", item="16,200"), 0.0)
    ctx = FollowUp("When did she say it? How many children will Von der Leyen trace?", prev, "Von der Leyen",
                   read_as="When did Von der Leyen say it?")
    a = engine(reader).answer("When did she say it?", [NL], "en", ctx)
    assert reader.asked[0][0] == "When did Von der Leyen say it?"
    assert "read as 'When did Von der Leyen say it?'" in "\n".join(a.trace.steps)
    bare = FollowUp("Who said that? How many children will the EU trace?", prev, "")  # read_as not given
    engine(reader).answer("Who said that?", [NL], "en", bare)
    assert reader.asked[1][0] == "Who said that?"


def test_restate_writes_numbers_dates_and_countries_the_askers_way() -> None:
    assert restate("16.200", "nl", "en") == "16,200"
    assert restate("2,2 miljoen", "nl", "en") == "2.2 million"
    assert restate("13 maart 2023", "nl", "en") == "13 March 2023"
    assert restate("Zuid-Korea", "nl", "en") == "South Korea"
    assert restate("16,200", "en", "nl") == "16.200"
    assert restate("16.200", "nl", "nl") == "16.200"  # the asker's own language: as written


def test_a_channels_scope_narrows_what_a_refusal_offers() -> None:
    far = Source(NL.article, NL.title, 9, NL.text, 0.1, "2023-03", "nl", "china-russia")
    everything = engine(Reader({})).answer("Who won the cup?", [far], "en")
    sport = engine(Reader({})).answer("Who won the cup?", [far], "en", scope=Scope(ids=("2024-05-*",)))
    assert "Ajax wint" in everything.text and "China en Rusland" in everything.text
    assert "Ajax wint" in sport.text and "China en Rusland" not in sport.text


# The gate: a logistic model over `features`; these weights look only at the best margin (the first feature).
N = len(features([], [], "en", None))


def margin_gate(item_at: float, sentence_at: float) -> Gate:
    """Chance 0.5 at margin `item_at` for the item and at `sentence_at` for the sentence."""
    return Gate((1.0, *[0.0] * (N - 1), -item_at), (1.0, *[0.0] * (N - 1), -sentence_at), 0.5, 0.5)


def gated(reader: Reader, gate: Gate) -> ReaderEngine:
    return ReaderEngine(Store([NL, OTHER]), reader, ReaderCalibration(99.0, 2, "test", gate))


def test_the_gate_states_the_item_when_its_chance_is_enough() -> None:
    a = gated(Reader({NL.text: ("16.200", 6.0, 1.0)}), margin_gate(4.0, 2.0)).answer(
        "How many children will the EU trace?", [NL, OTHER], "en")
    assert a.grounded and a.item == "16,200" and a.trace is not None and a.trace.rule == "answer"
    assert "→ item" in a.trace.steps[-1]


def test_the_gate_quotes_the_sentence_alone_when_the_item_is_not_sure_enough() -> None:
    a = gated(Reader({NL.text: ("16.200", 4.0, 1.0)}), margin_gate(4.0, 2.0)).answer(
        "How many children will the EU trace?", [NL, OTHER], "en")
    assert a.grounded and not a.item and a.trace is not None and a.trace.rule == "sentence"
    assert a.text.startswith("According to the article [china-russia ¶9]: „De EU zal de 16.200")


def test_the_gate_refuses_below_both_chances() -> None:
    a = gated(Reader({NL.text: ("16.200", 2.0, 1.0)}), margin_gate(4.0, 2.0)).answer(
        "How many children will the EU trace?", [NL, OTHER], "en")
    assert not a.grounded and a.trace is not None and a.trace.rule == "no_answer"


def test_features_read_the_best_span_the_retrieval_and_the_language_pair() -> None:
    reads = [Read("a ¶1", 2.0, 1.0, "x"), Read("b ¶2", 7.0, 1.0, "a short span")]
    x = features(reads, [Hit("a ¶1", 0.9, "nl"), Hit("b ¶2", 0.8, "nl")], "en", "number")
    assert len(x) == N == 15 + len(KINDS)
    assert x[0] == 6.0 and x[4] == 1.0  # the best margin, then the runner-up's
    assert abs(x[6] - 0.1) < 1e-9 and x[7] == 0.0  # the retrieval gap; the best span is not in the top passage
    assert x[9] == 1.0 and x[10 + KINDS.index("number")] == 1.0  # an English question on a Dutch passage
    assert x[-4:] == [0.0, 1.0, 0.0, 0.0]  # a number asked for, none in the span
    y = features([Read("a ¶1", 7.0, 1.0, "drie")], [Hit("a ¶1", 0.9, "nl")], "en", "number")
    assert y[-4:] == [1.0, 0.0, 0.0, 0.0]  # a number in the passage's language


def test_a_gate_fitted_for_other_features_says_to_refit() -> None:
    with pytest.raises(ValueError, match="refit"):
        Gate((1.0, 0.0), (1.0, 0.0), 0.5, 0.5).decide([1.0, 2.0, 3.0])


def test_an_off_topic_refusal_sets_titles_off_and_counts_the_rest_in_the_askers_language() -> None:
    titles = [f"Title {n} of the news" for n in range(8)]
    assert topics(titles, "nl") == "; ".join(f"„Title {n} of the news”" for n in range(6)) + "; en nog 2"
    assert topics(titles[:2], "en") == "“Title 0 of the news”; “Title 1 of the news”"
    assert topics(titles, "en").endswith("; and 2 more")

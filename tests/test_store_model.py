"""The store guards itself: a foreign embedding model is refused, one writer per data dir, bad settings named."""
from __future__ import annotations

from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from bot.common.config import Settings
from bot.common.errors import StoreError
from bot.wiring import build_bot
from knowledge.chroma import WriterLock
from knowledge.embeddings import MODEL_ID
from tests.clirun import run_cli

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base


def _foreign_store(data_dir: Path) -> None:
    """A 'briefbot' collection made by someone else's model, with explicit vectors (no default embedder)."""
    client = chromadb.PersistentClient(
        path=str(data_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    )
    col = client.create_collection("briefbot", metadata={"embedder": "other-model"}, embedding_function=None)
    col.add(ids=["x:1"], embeddings=[[0.5] * 8], documents=["Some paragraph embedded by another model."])


def test_store_from_another_model_is_refused_then_rebuilt(tmp_path: Path) -> None:
    """Mixing vectors of two models gives silent nonsense; the bot refuses and `ingest --rebuild` repairs it."""
    data_dir = tmp_path / "data"
    _foreign_store(data_dir)
    settings = Settings.from_env({"BRIEFBOT_DATA_DIR": str(data_dir), "BRIEFBOT_ENGINE": "rules"})
    with pytest.raises(StoreError) as err:
        build_bot(settings)
    message = err.value.message
    assert "other-model" in message and MODEL_ID in message
    assert "briefbot ingest --rebuild" in message

    result = run_cli(["ingest", "--rebuild"], data_dir)
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout

    bot = build_bot(settings)  # the refusal released the writer lock, and the store is now ours
    try:
        assert bot.retriever.cols.chunks.count() == 16
        answer = bot.answer("Wie is Guterres?", "t")
        assert answer.grounded and "secretaris-generaal" in answer.text
    finally:
        bot.close()


def test_second_writer_on_one_data_dir_is_refused(tmp_path: Path) -> None:
    """Chroma's embedded store is not process-safe; a second opener is told to use a Chroma server."""
    first = WriterLock(tmp_path)
    try:
        with pytest.raises(StoreError) as err:
            WriterLock(tmp_path)
        assert "Chroma server" in err.value.message
        assert "CHROMA_HOST" in err.value.message
    finally:
        first.release()
    WriterLock(tmp_path).release()  # released means reusable


def test_build_bot_refuses_while_another_holds_the_lock(kb_copy: Path) -> None:
    """build_bot itself takes the lock, so two bots on one embedded store cannot coexist."""
    settings = Settings.from_env({"BRIEFBOT_DATA_DIR": str(kb_copy)})
    bot = build_bot(settings)
    try:
        with pytest.raises(StoreError, match="Chroma server"):
            build_bot(settings)
    finally:
        bot.close()
    build_bot(settings).close()


@pytest.mark.parametrize("value", ["sevenish", "0", "4.5", "999"])
def test_cli_names_a_bad_top_k(tmp_path: Path, value: str) -> None:
    """A garbage BRIEFBOT_TOP_K stops the CLI with exit 2 and a message naming the variable, not its value."""
    result = run_cli(["ask", "Wie is Guterres?"], tmp_path / "data", env={"BRIEFBOT_TOP_K": value})
    assert result.returncode == 2
    assert "BRIEFBOT_TOP_K" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    if not value.isdigit():
        assert value not in result.stderr
    assert result.stdout == ""


def test_cli_blank_top_k_means_the_default(kb_copy: Path) -> None:
    """An empty BRIEFBOT_TOP_K is the same as unset: the default applies and the question is answered."""
    result = run_cli(["ask", "Wie is Guterres?"], kb_copy, env={"BRIEFBOT_TOP_K": ""})
    assert result.returncode == 0, result.stderr
    assert "volgens het artikel" in result.stdout.lower()

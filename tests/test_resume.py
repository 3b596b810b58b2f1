"""An interrupted ingest keeps every article it finished; the next run cleans up the unfinished one and goes on."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.common.config import Settings
from bot.wiring import open_collections
from knowledge.chroma import Collections
from knowledge.ingest import Interrupted, ingest
from tests.clirun import REPO, cli_env
from tests.docmaker import article_md

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base


class StopAtRecord:
    """The articles collection, except that writing the n-th batch of records is interrupted (as by Ctrl-C)."""

    def __init__(self, inner, n: int) -> None:
        self.inner = inner
        self.n = n

    def upsert(self, **kwargs):
        self.n -= 1
        if self.n == 0:
            raise KeyboardInterrupt
        return self.inner.upsert(**kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _folder(root: Path, n: int, paragraphs: int, sentences: int) -> Path:
    root.mkdir(parents=True)
    for a in range(n):
        paras = [" ".join(f"Entry {a}-{p}-{s} of the harbour log says ship {p * 7 + s} left at dawn."
                          for s in range(sentences)) for p in range(paragraphs)]
        (root / f"log-{a}.md").write_text(article_md(f"log-{a}", f"Harbour log {a}", paras), encoding="utf-8")
    return root


@pytest.fixture
def cols(tmp_path: Path) -> Iterator[Collections]:
    c, lock = open_collections(Settings.from_env({"BRIEFBOT_DATA_DIR": str(tmp_path / "data")}), index_builtin=False)
    yield c
    lock.release()  # type: ignore[union-attr]


def _consistent(cols: Collections) -> dict[str, int]:
    """Every paragraph and sentence belongs to a complete article, and the counts add up."""
    arts = cols.articles.get(include=["metadatas"])
    complete = dict(zip(arts["ids"], arts["metadatas"]))
    chunks = cols.chunks.get(include=["metadatas"])["metadatas"]
    sents = cols.sentences.get(include=["metadatas"])["metadatas"]
    assert {m["article"] for m in chunks} <= set(complete) and {m["article"] for m in sents} <= set(complete)
    for aid, meta in complete.items():
        assert sum(m["article"] == aid for m in chunks) == meta["paragraphs"]
        assert sum(m["article"] == aid for m in sents) == meta["sentences"]
    return {aid: meta["paragraphs"] for aid, meta in complete.items()}


def test_interrupted_between_paragraphs_and_record_is_cleaned_and_redone(cols: Collections, tmp_path: Path) -> None:
    """Stopped after the 2nd group's paragraphs were written but before its records: the 1st group is kept, the
    2nd is invisible (no records) and its rows are removed and rewritten by the next run."""
    folder = _folder(tmp_path / "in", 4, 2, 2)
    real = cols.articles
    cols.articles = StopAtRecord(real, 2)
    with pytest.raises(Interrupted) as stop:
        ingest(cols, [folder], progress=False, group_sentences=4)
    assert stop.value.report.added == ["log-0"]
    cols.articles = real
    assert real.get()["ids"] == ["log-0"]
    assert len(cols.chunks.get(where={"article": "log-1"})["ids"]) == 2  # the unfinished article's rows
    report = ingest(cols, [folder], progress=False, group_sentences=4)
    assert report.unchanged == ["log-0"] and report.added == ["log-1", "log-2", "log-3"]
    assert _consistent(cols) == {f"log-{i}": 2 for i in range(4)}


def _start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_stopped_and_killed_ingest_resumes(tmp_path: Path) -> None:
    """`briefbot ingest` stopped by SIGTERM (as Ctrl-C) after its first article, then killed (SIGKILL) after the
    next: each run keeps what it finished, and the last one does only the rest."""
    folder = _folder(tmp_path / "in", 3, 52, 5)  # 260 sentences each: one embedding group per article
    data = tmp_path / "data"
    env = cli_env(data, {"BRIEFBOT_SAMPLE_ARTICLE": "false"})
    cmd = [sys.executable, "-m", "bot", "ingest", str(folder)]

    first = _start(cmd, env)
    line = first.stdout.readline()  # blocks until the first article is complete (no timing involved)
    assert line.startswith("added log-0 "), line + first.stderr.read()
    first.send_signal(signal.SIGTERM)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 130, err
    assert err.strip().splitlines() == [
        "interrupted: 1 article(s) finished and kept; run the same command again to continue"
    ]

    second = _start(cmd, env)
    try:
        line = second.stdout.readline()
        assert line.startswith("added log-1 "), line + second.stderr.read()
        os.kill(second.pid, signal.SIGKILL)
    finally:
        second.wait(30)

    third = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert third.returncode == 0, third.stderr
    # Only the rest: log-2, unless the kill landed after it was done too (a loaded machine reads the line late).
    assert "1 added, 0 updated, 2 unchanged" in third.stdout or "0 added, 0 updated, 3 unchanged" in third.stdout
    cols, lock = open_collections(Settings.from_env({"BRIEFBOT_DATA_DIR": str(data)}), index_builtin=False)
    try:
        assert _consistent(cols) == {"log-0": 52, "log-1": 52, "log-2": 52}
    finally:
        lock.release()  # type: ignore[union-attr]

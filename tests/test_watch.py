"""Live knowledge base: a watched folder's new, changed and deleted files, and running bots answering from them."""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.common.config import Settings
from bot.wiring import open_collections
from knowledge.catalog import version
from knowledge.chroma import Collections
from knowledge.watch import FolderWatcher
from tests.clirun import REPO, cli_env
from tests.docmaker import article_md
from tests.waiting import wait_for

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base

FERRY = [
    "The ferry between Den Helder and Texel runs again since Thursday, after a two-week repair of its engines.",
    "The operator TESO said the first crossing carried four hundred passengers and sixty cars.",
]
QUESTION = "How many passengers did the first Texel ferry crossing carry?"


class AskProcess:
    """A long-running `briefbot ask --json`: one question per line in, one JSON answer per line out."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "ask", "--json"], cwd=REPO, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def ask(self, question: str) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(question + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the bot process ended: {self.proc.stderr.read() if self.proc.stderr else ''}"
        return json.loads(line)

    def from_article(self, question: str, article: str) -> bool:
        answer = self.ask(question)
        return answer["grounded"] and answer["sources"][0]["article"] == article

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(60)


@pytest.fixture
def cols(tmp_path: Path) -> Iterator[Collections]:
    c, lock = open_collections(Settings.from_env({"BRIEFBOT_DATA_DIR": str(tmp_path / "data")}), index_builtin=False)
    yield c
    lock.release()  # type: ignore[union-attr]


def _texts(cols: Collections, article: str) -> list[str]:
    return cols.chunks.get(where={"article": article}, include=["documents"])["documents"]


def test_watcher_adds_changes_and_deletes(cols: Collections, tmp_path: Path) -> None:
    folder = tmp_path / "watched"
    folder.mkdir()
    (folder / "old.md").write_text(article_md("old", "Old", ["Written before the watch began."]), encoding="utf-8")
    watcher = FolderWatcher(cols, folder).start()
    try:
        assert watcher.ready.wait(60)
        assert _texts(cols, "old")  # caught up with what was there before
        v0 = version(cols)
        (folder / "ferry.md").write_text(article_md("ferry", "Ferry", FERRY), encoding="utf-8")
        # The change signal moves last, once the article's record is written: wait for it, then look.
        wait_for(lambda: version(cols) > v0, 60, "the new file to be indexed")
        assert len(_texts(cols, "ferry")) == 2
        (folder / "ferry.md").write_text(article_md("ferry", "Ferry", [FERRY[0]]), encoding="utf-8")
        wait_for(lambda: _texts(cols, "ferry") == [FERRY[0]], 60, "the changed file to be re-indexed")
        (folder / "notes.tmp").write_text("not an article", encoding="utf-8")
        (folder / "ferry.md").unlink()
        # A removal takes the record first (the article is gone for readers), then its paragraphs.
        wait_for(lambda: not cols.articles.get(ids=["ferry"])["ids"] and not _texts(cols, "ferry"), 60,
                 "the deleted file's article to go")
        assert _texts(cols, "old")
    finally:
        watcher.stop()


def test_a_file_written_while_the_watcher_starts_is_not_missed(cols: Collections, tmp_path: Path) -> None:
    """The first scan runs once the watch is live: a file written right after the scan (here: from the scan's own
    report) is still seen. Scanning first and watching after would miss it for good."""
    folder = tmp_path / "watched"
    folder.mkdir()
    written: list[bool] = []

    def write_once(_report: object) -> None:
        if not written:
            written.append(True)
            (folder / "ferry.md").write_text(article_md("ferry", "Ferry", FERRY), encoding="utf-8")

    watcher = FolderWatcher(cols, folder, on_batch=write_once).start()
    try:
        assert watcher.ready.wait(60) and written
        wait_for(lambda: len(_texts(cols, "ferry")) == 2, 30, "the file written during the first scan")
    finally:
        watcher.stop()


def test_bot_process_watching_its_folder_answers_from_a_new_article(tmp_path: Path) -> None:
    """Embedded store: the bot process runs the watcher itself (BRIEFBOT_WATCH), as no second process may open
    the store; a question it refused is answered once the article is dropped into the folder."""
    folder = tmp_path / "watched"
    folder.mkdir()
    bot = AskProcess(cli_env(tmp_path / "data", {"BRIEFBOT_WATCH": str(folder)}))
    try:
        assert bot.ask(QUESTION)["grounded"] is False
        (folder / "ferry.md").write_text(article_md("ferry", "Ferry", FERRY), encoding="utf-8")
        wait_for(lambda: bot.from_article(QUESTION, "ferry"), 90, "the bot to answer from the new article",
                 interval=0.5)
        assert "four hundred" in bot.ask(QUESTION)["answer"]
    finally:
        bot.close()


def test_watch_on_a_chroma_server_while_a_bot_runs(chroma_server, tmp_path: Path) -> None:
    """Chroma server: `briefbot ingest --watch DIR` in its own process; a running bot answers from a new article
    and stops citing it once its file is deleted."""
    folder = tmp_path / "watched"
    folder.mkdir()
    env = cli_env(tmp_path / "data", {**chroma_server.env(), "BRIEFBOT_COLLECTION": f"w{uuid.uuid4().hex[:10]}"})
    bot = AskProcess(env)
    watcher = subprocess.Popen([sys.executable, "-m", "bot", "ingest", "--watch", str(folder)], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert bot.ask(QUESTION)["grounded"] is False
        assert watcher.stdout.readline().startswith("watching ")
        (folder / "ferry.md").write_text(article_md("ferry", "Ferry", FERRY), encoding="utf-8")
        assert watcher.stdout.readline().startswith("added ferry ")
        # the bot polls the knowledge base's change signal at most once a second
        wait_for(lambda: bot.from_article(QUESTION, "ferry"), 10, "the bot to answer from the new article",
                 interval=0.5)
        (folder / "ferry.md").unlink()
        assert watcher.stdout.readline().startswith("removed ferry ")

        def forgotten() -> bool:
            answer = bot.ask(QUESTION)
            return not answer["grounded"] and all(s["article"] != "ferry" for s in answer["sources"])

        wait_for(forgotten, 10, "the bot to stop citing the removed article", interval=0.5)
    finally:
        watcher.terminate()
        watcher.wait(30)
        bot.close()

"""Managing the knowledge base: list, remove, --sync, the sample article's rules, the change counter."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.common.config import Settings
from bot.wiring import build_bot, open_collections
from knowledge.catalog import list_articles, version
from knowledge.ingest import ingest, remove
from tests.clirun import run_cli
from tests.docmaker import article_md

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base

SAMPLE = "2023-03-china-russia-multilateralism"


def _write(folder: Path, aid: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{aid}.md"
    path.write_text(article_md(aid, aid.title(), [text]), encoding="utf-8")
    return path


def _open(data_dir: Path, **env: str):
    return open_collections(Settings.from_env({"BRIEFBOT_DATA_DIR": str(data_dir), **env}))


def test_sample_only_into_an_empty_store_once(tmp_path: Path) -> None:
    """First start adds the sample; after `remove` it never comes back, not at start and not from `ingest`."""
    data = tmp_path / "data"
    cols, lock = _open(data)
    assert [a.id for a in list_articles(cols)] == [SAMPLE]
    assert remove(cols, [SAMPLE]) == ([SAMPLE], [])
    assert cols.chunks.count() == 0 and cols.sentences.count() == 0
    lock.release()
    cols, lock = _open(data)  # a restart
    assert cols.articles.count() == 0
    lock.release()
    result = run_cli(["ingest"], data)  # what `make console` runs
    assert result.returncode == 0 and "sample article was not added" in result.stdout
    bot = build_bot(Settings.from_env({"BRIEFBOT_DATA_DIR": str(data)}))
    try:
        assert bot.articles() == []
    finally:
        bot.close()


def test_sample_not_into_a_store_with_other_articles(tmp_path: Path) -> None:
    """A store that holds the team's own articles (e.g. after `ingest --rebuild DIR`) never gets the sample."""
    data = tmp_path / "data"
    own = _write(tmp_path / "own", "ferry", "The ferry to Texel runs again after repairs.")
    result = run_cli(["ingest", "--rebuild", str(own)], data)
    assert result.returncode == 0, result.stderr
    for _ in range(2):
        cols, lock = _open(data)
        assert [a.id for a in list_articles(cols)] == ["ferry"]
        lock.release()


def test_sample_switched_off(tmp_path: Path) -> None:
    cols, lock = _open(tmp_path / "data", BRIEFBOT_SAMPLE_ARTICLE="false")
    assert cols.articles.count() == 0
    lock.release()
    result = run_cli(["ingest"], tmp_path / "data", env={"BRIEFBOT_SAMPLE_ARTICLE": "false"})
    assert "BRIEFBOT_SAMPLE_ARTICLE is off" in result.stdout


def test_articles_remove_and_sync_from_the_cli(tmp_path: Path) -> None:
    """`articles --json` lists id, title, date, language, paragraphs, source, when; `remove` and `--sync` remove."""
    data = tmp_path / "data"
    folder = tmp_path / "articles"
    a = _write(folder, "ferry", "The ferry to Texel runs again after repairs.")
    _write(folder, "dunes", "The dunes near Schoorl are closed for nesting birds.")
    _write(folder, "mills", "The mills of Kinderdijk turn again after a restoration.")
    assert run_cli(["ingest", str(folder)], data, env={"BRIEFBOT_SAMPLE_ARTICLE": "false"}).returncode == 0
    rows = [json.loads(line) for line in run_cli(["articles", "--json"], data).stdout.splitlines()]
    assert [r["id"] for r in rows] == ["dunes", "ferry", "mills"]
    assert rows[1] == {**rows[1], "title": "Ferry", "date": "2024-05", "language": "en", "paragraphs": 1,
                       "source": str(a.resolve())}
    assert rows[1]["indexed_at"].endswith("Z")

    result = run_cli(["remove", "mills", "nope"], data)
    assert result.returncode == 1
    assert result.stdout.strip() == "removed mills"
    assert result.stderr.strip() == "remove: no article with the id 'nope' is indexed (see `briefbot articles`)"

    (folder / "mills.md").unlink()  # else the next ingest of the folder adds it again, as it should
    a.unlink()
    plain = run_cli(["ingest", str(folder)], data)
    assert "0 added" in plain.stdout and "removed" not in plain.stdout  # without --sync nothing is removed
    synced = run_cli(["ingest", str(folder), "--sync"], data)
    assert synced.returncode == 0, synced.stderr
    assert "removed ferry (its file is gone)" in synced.stdout
    human = run_cli(["articles"], data).stdout
    assert "dunes" in human and "ferry" not in human and "1 article(s)" in human


def test_version_moves_on_every_change_and_only_then(tmp_path: Path) -> None:
    """The change counter a running bot polls: up on add, update and remove; still on an unchanged re-ingest."""
    cols, lock = _open(tmp_path / "data", BRIEFBOT_SAMPLE_ARTICLE="false")
    try:
        v0 = version(cols)
        path = _write(tmp_path / "in", "ferry", "The ferry to Texel runs again after repairs.")
        ingest(cols, [path], progress=False)
        v1 = version(cols)
        ingest(cols, [path], progress=False)
        assert version(cols) == v1 > v0
        path.write_text(article_md("ferry", "Ferry", ["The ferry to Texel is late again."]), encoding="utf-8")
        ingest(cols, [path], progress=False)
        v2 = version(cols)
        remove(cols, ["ferry"])
        assert version(cols) > v2 > v1
    finally:
        lock.release()

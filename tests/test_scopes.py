"""Articles per channel, on a real knowledge base (Chroma, the bundled embedder, the offline engine): a scoped
channel never reads, cites or lists an article outside its scope, in memory and in Chroma, on Slack and Discord."""
from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.common.config import Settings
from bot.common.models import Answer, Scope
from bot.core.bot import Bot
from bot.state.store import SQLiteStore
from bot.wiring import build_bot, open_collections
from knowledge.catalog import list_articles, version
from knowledge.documents import ARTICLES_DIR
from knowledge.ingest import ingest
from tests.clirun import run_cli
from tests.discord_fake import CHANNEL_ID
from tests.slack_harness import HttpSlack, mention

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("scopes")]

CORPUS = Path(__file__).parent / "data" / "corpus"
CHINA = "2023-03-china-russia-multilateralism"
TENNIS = "2006-08-kim-clijsters"
OZONE = "2014-07-warming-ozone-crops"
ASYLUM = "2023-02-uk-asylum-questionnaire"
SPORT = Scope(("sport",))
DATED_2023 = Scope((), ("2023-*",))
BORRELL = "What did Borrell say about China?"
CHANNELS = f"""
slack:
  channels:
    C0SPORT: {{tags: [sport]}}
    C0NEWS: {{ids: ["2023-*"]}}
discord:
  channels:
    {CHANNEL_ID}: {{tags: [sport]}}
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """Four articles: one tagged in its front matter (sport, tennis), two tagged at ingest, one untagged."""
    root = tmp_path_factory.mktemp("scopes")
    tennis = root / "in" / f"{TENNIS}.nl.md"
    tennis.parent.mkdir()
    text = (CORPUS / tennis.name).read_text(encoding="utf-8")
    tennis.write_text(text.replace("language: nl\n", "language: nl\ntags: [Sport, tennis]\n", 1), encoding="utf-8")
    shutil.copy(CORPUS / f"{ASYLUM}.en.md", root / "in" / f"{ASYLUM}.en.md")
    settings = Settings.from_env({"BRIEFBOT_DATA_DIR": str(root / "data"), "BRIEFBOT_SAMPLE_ARTICLE": "false",
                                  "BRIEFBOT_ENGINE": "rules"})  # the answers below are the rules engine's
    cols, lock = open_collections(settings, index_builtin=False)
    try:
        ingest(cols, [tennis, root / "in" / f"{ASYLUM}.en.md"], progress=False)
        ingest(cols, [*ARTICLES_DIR.glob("*.md")], progress=False, tags=["foreign"])
        ingest(cols, [CORPUS / f"{OZONE}.en.md"], progress=False, tags=["science", "Climate"])
    finally:
        if lock is not None:
            lock.release()
    bot = build_bot(settings)
    yield bot
    bot.close()


def cited(answer: Answer) -> set[str]:
    return {s.article for s in answer.sources}


def test_articles_keep_their_tags(kb: Bot) -> None:
    tags = {a.id: a.tags for a in list_articles(kb.retriever.cols)}  # type: ignore[attr-defined]
    assert tags == {TENNIS: ("sport", "tennis"), CHINA: ("foreign",), OZONE: ("science", "climate"), ASYLUM: ()}


@pytest.mark.parametrize("path", ["memory", "chroma"])
def test_retrieval_reads_only_the_scope_in_memory_and_in_chroma(kb: Bot, path: str) -> None:
    retriever = kb.retriever
    index = retriever.paragraphs  # type: ignore[attr-defined]
    if path == "memory":
        assert index.load(version(retriever.cols))  # type: ignore[attr-defined]
    else:
        index.stale()  # until it loads again, every search goes to Chroma
    everything = retriever.retrieve(BORRELL, 10, language="en")
    assert CHINA in {s.article for s in everything}
    for scope, allowed in ((SPORT, {TENNIS}), (DATED_2023, {CHINA, ASYLUM}), (Scope(("nothing",)), set())):
        found = retriever.retrieve(BORRELL, 10, language="en", scope=scope)
        assert {s.article for s in found} <= allowed and (found or not allowed)
        named = retriever.retrieve("Wie is Kim Clijsters?", 10, language="nl", scope=DATED_2023)
        assert TENNIS not in {s.article for s in named}  # the name search is scoped too
    assert retriever.mentions("Borrell") and not retriever.mentions("Borrell", SPORT)  # type: ignore[attr-defined]


def test_a_scoped_question_never_cites_an_article_outside_its_scope(kb: Bot) -> None:
    inside = kb.answer(BORRELL, f"t:{uuid.uuid4().hex}", scope=DATED_2023)
    assert inside.grounded and cited(inside) <= {CHINA, ASYLUM} and CHINA in cited(inside), inside.text
    outside = kb.answer(BORRELL, f"t:{uuid.uuid4().hex}", scope=SPORT)
    assert not outside.grounded and cited(outside) <= {TENNIS}, outside.text
    assert "china-russia" not in outside.text and "Borrell" not in outside.text


def test_the_overview_lists_only_the_scope(kb: Bot) -> None:
    everything = kb.answer("Which articles do you have?", f"t:{uuid.uuid4().hex}")
    assert everything.text.count("\n•") == 4, everything.text
    scoped = kb.answer("Which articles do you have?", f"t:{uuid.uuid4().hex}", scope=DATED_2023)
    assert scoped.text.count("\n•") == 2 and "Clijsters" not in scoped.text and "ozone" not in scoped.text.lower()
    assert [a.id for a in kb.articles(SPORT)] == [TENNIS]


def test_slack_channels_answer_from_their_own_articles(kb: Bot, tmp_path: Path) -> None:
    (tmp_path / "channels.yaml").write_text(CHANNELS, encoding="utf-8")
    bot = Bot(kb.retriever, kb.engine, SQLiteStore(tmp_path / "own.sqlite3"))
    h = HttpSlack(tmp_path, bot=bot, BRIEFBOT_CHANNELS=str(tmp_path / "channels.yaml"))
    try:
        answers = {}
        for n, channel in enumerate(("C0SPORT", "C0NEWS", "C0OTHER")):
            h.send(mention(BORRELL, channel=channel))
            answers[channel] = json.dumps(h.answer_to(h.placeholder_ts(n), timeout=60)["blocks"], ensure_ascii=False)
        assert "china-russia" not in answers["C0SPORT"] and "Borrell" not in answers["C0SPORT"]
        assert re.search(r"china-russia[^\]]* ¶\d+", answers["C0NEWS"])
        assert re.search(r"china-russia[^\]]* ¶\d+", answers["C0OTHER"])  # unlisted: every article
    finally:
        h.close()
        bot.store.close()


def test_discord_about_and_ask_in_a_scoped_channel(kb: Bot, discord_harness, tmp_path: Path) -> None:
    (tmp_path / "channels.yaml").write_text(CHANNELS, encoding="utf-8")
    h = discord_harness(bot=Bot(kb.retriever, kb.engine, SQLiteStore(tmp_path / "own.sqlite3")),
                        BRIEFBOT_CHANNELS=str(tmp_path / "channels.yaml"))
    about = h.final_edit(h.fake.slash("about")).body
    listed = about["embeds"][0]["description"]
    assert "Kim Clijsters" in listed and "China" not in listed and "asylum" not in listed.lower()
    final = h.final_edit(h.ask(BORRELL), timeout=60).body
    assert "china-russia" not in json.dumps(final) and "Borrell" not in final["content"]


def test_ingest_tag_and_a_change_of_tags_alone(tmp_path: Path) -> None:
    article = tmp_path / "2024-05-ferry.md"
    article.write_text("---\ntitle: Ferry\ntags: [local]\n---\n\nThe ferry to Texel runs every hour.\n",
                       encoding="utf-8")
    data = tmp_path / "data"
    env = {"BRIEFBOT_SAMPLE_ARTICLE": "false"}
    first = run_cli(["ingest", "--tag", "Transport", str(article)], data, env=env)
    assert first.returncode == 0, first.stderr
    listed = json.loads(run_cli(["articles", "--json"], data, env=env).stdout)
    assert listed["tags"] == ["local", "transport"]
    again = run_cli(["ingest", str(article)], data, env=env)  # the file's own tags only: rewritten, not re-embedded
    assert "updated 2024-05-ferry (tags: local)" in again.stdout
    assert "(0 paragraphs, 0 sentences embedded)" in again.stdout
    assert json.loads(run_cli(["articles", "--json"], data, env=env).stdout)["tags"] == ["local"]
    watch = run_cli(["ingest", "--watch", "--tag", "x", str(tmp_path)], data, env=env)
    assert watch.returncode == 2 and "--tag does not combine with --watch" in watch.stderr

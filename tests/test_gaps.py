"""Knowledge gaps: refusals and 👎 kept (SQLite and Redis), grouped by meaning, listed by `briefbot gaps`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.common.models import Answer
from bot.core.bot import Bot
from bot.state.gaps import Gap, RedisGaps, SQLiteGaps, group_gaps
from knowledge.embeddings import shared_embedder
from tests.clirun import run_cli
from tests.fakes import SOURCE, FakeEngine, FakeRetriever

# Synthetic refusals: three things the articles do not cover, asked in several ways and both languages.
TROOPS = ["How many NATO troops are stationed in Poland?", "How many NATO soldiers are based in Poland?",
          "Hoeveel NAVO-troepen zijn er in Polen gestationeerd?", "What is the number of NATO troops in Poland?"]
GAS = ["What does gas cost in Germany this winter?", "How expensive is natural gas in Germany this winter?",
       "Wat kost gas in Duitsland deze winter?"]
WHEAT = ["How much wheat did Ukraine export in 2023?"]
# Near misses: same shape and topic area, another question — each must stay in a group of its own.
NEAR = ["How many troops does Russia have in Belarus?", "What does electricity cost in France?"]


def _gaps(at: float = 1000.0) -> list[Gap]:
    out = []
    for i, q in enumerate(TROOPS + GAS + WHEAT + NEAR):
        out.append(Gap(f"k{i}", "refused" if i % 3 else "down", q, "nl" if "Hoeveel" in q or "Wat " in q else "en",
                       "slack" if i % 2 else "discord", at + i, article=f"art-{'a' if q in TROOPS else 'b'}",
                       label="x ¶1", passage="p", score=0.5, reason="wrong country" if i == 3 else ""))
    return out


@pytest.mark.slow
def test_grouping_synthetic_refusals_by_meaning() -> None:
    """Paraphrases (also across Dutch and English) fall in one group; groups come biggest first."""
    groups = group_gaps(_gaps(), shared_embedder().query)
    assert [g.count for g in groups] == [4, 3, 1, 1, 1]
    troops, gas = groups[:2]
    assert set(troops.questions) == set(TROOPS) and set(gas.questions) == set(GAS)
    assert {g.example for g in groups[2:]} == {*WHEAT, *NEAR}
    assert troops.example in TROOPS and troops.closest_article == "art-a"
    assert troops.languages == ("en", "nl") and troops.platforms == ("discord", "slack")
    assert troops.refused + troops.down == 4 and troops.reasons == ("wrong country",)


def test_sqlite_and_redis_logs_keep_replace_and_filter(tmp_path: Path, redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    for log in (SQLiteGaps(tmp_path / "state.sqlite3"), RedisGaps(client)):
        for g in _gaps():
            log.record(g)
        log.record(Gap("k0", "down", TROOPS[0], "en", "slack", 1000.0, reason="a second click, with a reason"))
        got = log.gaps()
        assert len(got) == 10 and got[0].at == 1009.0  # newest first; k0 replaced, not added
        assert next(g for g in got if g.key == "k0").reason == "a second click, with a reason"
        assert [g.key for g in log.gaps(since=1008.0)] == ["k9", "k8"]
        log.close()
    client.close()


def test_the_bot_records_refusals_and_thumbs_down(store) -> None:
    """An ungrounded answer and a 👎 (with its optional reason, replaced by a later call) become gaps."""
    log = SQLiteGaps(store._path)
    bot = Bot(FakeRetriever(), FakeEngine(text="Not in the articles.", grounded=False), store, gaps=log)
    refused = bot.answer("How many NATO troops are in Poland?", "slack:T:C:1")
    gap = log.gaps()[0]
    assert (gap.kind, gap.key, gap.platform, gap.question) == ("refused", refused.id, "slack",
                                                               "How many NATO troops are in Poland?")
    assert (gap.article, gap.label, gap.passage) == (SOURCE.article, SOURCE.label, SOURCE.text)

    bot.engine = FakeEngine(text="Borrell [x]", grounded=True)
    answered = bot.answer("Who is the EU's foreign policy chief?", "discord:G:C")
    assert len(log.gaps()) == 1  # a grounded answer is not a gap
    bot.record_feedback(answered.id, "up", "U1", "discord")
    assert len(log.gaps()) == 1
    bot.record_feedback(answered.id, "down", "U1", "discord")
    bot.record_feedback(answered.id, "down", "U1", "discord", reason="he is not chief any more")
    down = [g for g in log.gaps() if g.kind == "down"]
    assert len(down) == 1 and down[0].reason == "he is not chief any more" and down[0].language == "en"
    log.close()


def test_a_failing_gap_log_does_not_cost_the_answer(store) -> None:
    class Broken:
        def record(self, gap: Gap) -> None:
            raise OSError("disk full")

    bot = Bot(FakeRetriever(), FakeEngine(text="No.", grounded=False), store, gaps=Broken())
    assert isinstance(bot.answer("Anything?", "console"), Answer)


@pytest.mark.slow
def test_cli_gaps(tmp_path: Path) -> None:
    data = tmp_path / "data"
    log = SQLiteGaps(data / "state.sqlite3")
    for g in _gaps(at=1_700_000_000.0):
        log.record(g)
    log.close()
    rows = [json.loads(line) for line in run_cli(["gaps", "--json"], data).stdout.splitlines()]
    assert [r["count"] for r in rows] == [4, 3, 1, 1, 1] and rows[0]["closest_article"] == "art-a"
    human = run_cli(["gaps"], data).stdout
    assert human.splitlines()[0].startswith("   4×  ") and "closest article: art-a" in human
    assert "10 question(s) in 5 group(s)" in human
    late = run_cli(["gaps", "--json", "--since", "2023-11-14T22:13:27+00:00"], data).stdout.splitlines()
    assert len(late) == 3  # asked at 1_700_000_007 and later: wheat and the two near misses
    bad = run_cli(["gaps", "--since", "yesterday-ish"], data)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "gaps: --since 'yesterday-ish' is not a date; use e.g. 2024-05-01"

"""The per-user limit as users see it: over it, a polite message in their language and no engine call."""
from __future__ import annotations

import pytest

from bot.core.bot import Bot
from bot.state.limits import LocalGate
from bot.state.store import SQLiteStore
from tests.fakes import FakeEngine, FakeRetriever
from tests.slack_fake import wait_for
from tests.slack_harness import HttpSlack, mention

pytestmark = pytest.mark.slow  # starts servers or processes, or opens the real knowledge base


def test_slack_user_over_the_limit_is_told_in_the_thread(tmp_path):
    h = HttpSlack(tmp_path)
    h.bot.gate = LocalGate(per_minute=1, burst=1, max_concurrent=4)  # one question a minute for this test
    try:
        first = mention("Wat zei Borrell over China?", user="U1")
        second = mention("En wat zei Guterres?", user="U1")
        other = mention("What did Borrell say?", user="U2")
        assert h.send(first).status == 200
        wait_for(lambda: h.engine.calls, 10, what="the first question admitted")  # the flow prepares in parallel
        for payload in (second, other):
            assert h.send(payload).status == 200
        notices = wait_for(lambda: [c for c in h.api.calls("chat.postMessage") if "wacht" in c.body.get("text", "")],
                           10, what="the rate-limit notice")
        assert notices[0].body["thread_ts"] == second["event"]["ts"]  # told where they asked
        wait_for(lambda: len(h.engine.calls) == 2, 10, what="the two admitted questions")
        h.api.quiet(0.5)
        assert sorted(h.engine.calls) == ["Wat zei Borrell over China?", "What did Borrell say?"]
    finally:
        h.close()


def test_discord_user_over_the_limit_gets_a_private_message(discord_harness, tmp_path):
    engine = FakeEngine()
    bot = Bot(FakeRetriever(), engine, SQLiteStore(tmp_path / "s.sqlite3"),
              gate=LocalGate(per_minute=1, burst=1, max_concurrent=4))
    h = discord_harness(engine, bot=bot)
    first = h.ask("What did Borrell say?")
    assert h.callback(first).body["type"] == 5
    h.final_edit(first)
    second = h.ask("And Guterres?")
    reply = h.callback(second)
    assert reply.body["type"] == 4 and reply.body["data"]["flags"] & 64  # an immediate, private message
    assert "wait" in reply.body["data"]["content"]
    assert engine.calls == ["What did Borrell say?"]

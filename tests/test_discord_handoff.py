"""The hand-off to a person on Discord, end to end, and the once-per-answer rule on Redis (two workers)."""
from __future__ import annotations

import threading
from pathlib import Path

from adapters.handoff import ALREADY, SEND, UNKNOWN, HandOffs
from bot.common.models import Answer, Turn
from bot.core.bot import Bot
from bot.state.redis_store import RedisStore
from tests.discord_fake import CHANNEL_ID, wait_for
from tests.fakes import SOURCE, FakeEngine, FakeRetriever

HELP_CHANNEL, EDITORS = 1300000000000000010, 1500000000000000011


def channels(tmp_path: Path, text: str) -> str:
    path = tmp_path / "channels.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def buttons(message: dict) -> list[str]:
    return [b["custom_id"] for row in message["components"] for b in row["components"]]


def cases(h, channel: int = HELP_CHANNEL) -> list:
    return [c for c in h.fake.calls("POST", rf"^/channels/{channel}/messages$") if c.status == 200]


def test_pressing_still_need_help_calls_the_role_in_once(discord_harness, tmp_path):
    h = discord_harness(BRIEFBOT_CHANNELS=channels(
        tmp_path, f"discord: {{escalation: {{channel: {HELP_CHANNEL}, role: {EDITORS}, label: the news desk}}}}"))
    ix = h.ask("What did Borrell say about China?")
    h.final_edit(ix)
    message = h.fake.original(ix)
    answer_id = buttons(message)[0].rsplit(":", 1)[1]
    assert buttons(message) == [f"briefbot:fb:up:{answer_id}", f"briefbot:fb:down:{answer_id}",
                                f"briefbot:help:{answer_id}"]

    h.fake.click(message, f"briefbot:help:{answer_id}")
    [case] = wait_for(lambda: cases(h), 5, "the case in the escalation channel")
    assert case.body["content"].startswith(f"🙋 <@&{EDITORS}> <@")
    assert case.body["allowed_mentions"] == {"parse": [], "roles": [EDITORS]}  # that role, nobody else
    [embed] = case.body["embeds"]
    assert embed["description"] == "Echo: What did Borrell say about China? [16]"
    assert embed["fields"][0]["value"] == "What did Borrell say about China?"
    assert "¶16" in embed["fields"][1]["name"] and "Josep Borrell" in embed["fields"][1]["value"]
    assert embed["url"].endswith(f"/{CHANNEL_ID}/{message['id']}")

    told = wait_for(lambda: [c for c in h.fake.calls("POST", r"^/webhooks/") if "called in" in
                             (c.body or {}).get("content", "")], 5, "the conversation is told")
    assert "the news desk" in told[0].body["content"] and f"<#{HELP_CHANNEL}>" in told[0].body["content"]
    assert told[0].body["allowed_mentions"] == {"parse": []} and not told[0].body.get("flags")

    again = h.fake.click(message, f"briefbot:help:{answer_id}")
    private = wait_for(lambda: [c for c in h.calls_for(again, "POST") if not c.path.endswith("/callback")], 5,
                       "the second press is answered")
    assert private[0].body["flags"] == 64 and "already" in private[0].body["content"]
    assert len(cases(h)) == 1
    [gap] = [g for g in h.gaps.gaps() if g.kind == "escalated"]
    assert gap.platform == "discord" and gap.question == "What did Borrell say about China?"


def test_an_ungrounded_answer_offers_the_hand_off_first(discord_harness, tmp_path):
    h = discord_harness(FakeEngine("Not in the articles.", grounded=False),
                        BRIEFBOT_CHANNELS=channels(tmp_path, f"discord: {{escalation: {{role: {EDITORS}}}}}"))
    ix = h.ask("How many NATO troops are in Poland?")
    h.final_edit(ix)
    message = h.fake.original(ix)
    first = message["components"][0]["components"][0]
    assert first["custom_id"].startswith("briefbot:help:") and first["style"] == 1  # primary
    h.fake.click(message, first["custom_id"])
    [case] = wait_for(lambda: cases(h, CHANNEL_ID), 5, "the case, in the conversation itself")
    assert case.body["content"].startswith(f"🙋 <@&{EDITORS}>")


def test_without_a_target_there_is_no_button(discord_harness):
    h = discord_harness()
    ix = h.ask("What did Borrell say about China?")
    h.final_edit(ix)
    assert not any(b.startswith("briefbot:help:") for b in buttons(h.fake.original(ix)))


def test_two_workers_on_redis_hand_an_answer_off_once(redis_url):
    stores = [RedisStore.connect(redis_url) for _ in range(2)]
    bots = [Bot(FakeRetriever(), FakeEngine(), s) for s in stores]
    answer = Answer("An answer.", (SOURCE,), True, "en", question="Q?", id="a1b2c3")
    stores[0].add_turn("discord:1:2", Turn("Q?", answer, 0.0))
    presses = [HandOffs(b, "discord") for b in bots for _ in range(4)]
    found: list[str] = []
    start = threading.Barrier(len(presses))

    def press(handoffs: HandOffs) -> None:
        start.wait()
        found.append(handoffs.begin("a1b2c3", "42")[0])

    threads = [threading.Thread(target=press, args=(p,)) for p in presses]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(found) == [ALREADY] * 7 + [SEND]
    assert presses[0].begin("unknown-id", "42")[0] == UNKNOWN
    for s in stores:
        s.close()

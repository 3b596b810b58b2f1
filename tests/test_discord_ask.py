"""/ask end to end: the real discord.py client against the fake Discord, a Bot from fakes with a real store."""
from __future__ import annotations

import re
import threading

from bot.common.errors import LLMError
from bot.common.models import Source
from bot.language.phrases import phrase
from tests.clock import ManualClock
from tests.discord_fake import wait_for
from tests.fakes import FakeEngine, SteppedEngine, sentences


def test_ask_defers_then_edits_in_the_answer_with_a_source_embed(discord_harness):
    h = discord_harness()
    ix = h.ask("What did Borrell say about China?")
    callback = h.callback(ix)
    assert callback.status == 200 and callback.body == {"type": 5}  # deferred, "briefbot is thinking…", public
    final = h.final_edit(ix)
    assert final.at > callback.at
    assert final.body["content"] == "Echo: What did Borrell say about China? [16]"
    [embed] = final.body["embeds"]
    assert embed["title"] == "Sources"
    assert "China and Russia close ranks" in embed["fields"][0]["name"] and "¶16" in embed["fields"][0]["name"]
    assert embed["fields"][0]["value"].startswith("> Eén van hen is EU-Buitenlandchef Josep Borrell")
    answer_id = h.bot.last_answer(f"discord:{ix['guild_id']}:{ix['channel_id']}").id
    buttons = [b["custom_id"] for row in final.body["components"] for b in row["components"]]
    assert buttons == [f"briefbot:fb:up:{answer_id}", f"briefbot:fb:down:{answer_id}"]
    assert final.body["allowed_mentions"] == {"parse": []}
    assert h.engine.calls == ["What did Borrell say about China?"]
    assert h.followups(ix) == []


def test_the_defer_comes_while_the_core_is_still_working(discord_harness):
    release = threading.Event()
    h = discord_harness(FakeEngine("Slow but sure.", gate=release))
    slow = h.ask("What did Borrell say?")
    wait_for(lambda: h.engine.calls, 5, "the core to start on the question")
    callback = h.callback(slow)
    assert callback.status == 200, callback.body  # the fake answers 10062 to a callback later than 3 s
    # While that core call runs, the event loop is free: another question is deferred too.
    other = h.ask("And what about Russia?")
    assert h.callback(other).status == 200
    assert h.engine.finished == 0 and h.calls_for(slow, "PATCH") == []  # both deferred before any answer
    release.set()
    final = h.final_edit(slow)
    assert final.body["content"] == "Slow but sure."
    assert final.at > callback.at


def test_private_makes_the_answer_ephemeral(discord_harness):
    h = discord_harness()
    ix = h.ask("What did Borrell say?", private=True)
    assert h.callback(ix).body == {"type": 5, "data": {"flags": 64}}
    assert h.final_edit(ix).body["embeds"]
    assert h.fake.original(ix)["flags"] & 64


def test_a_5000_char_answer_is_split_and_no_message_exceeds_2000(discord_harness):
    text = sentences(5000)
    h = discord_harness(FakeEngine(text))
    ix = h.ask("Tell me everything", private=True)
    final = h.final_edit(ix)
    # The last follow-up carries the sources embed; wait for it.
    followups = wait_for(lambda: (f := h.followups(ix)) and f[-1].body.get("embeds") and f, 5, "the last follow-up")
    assert len(followups) >= 2
    messages = [final.body] + [c.body for c in followups]
    assert all(len(m["content"]) <= 2000 for m in messages)
    assert re.sub(r"\s", "", "".join(m["content"] for m in messages)) == re.sub(r"\s", "", text)
    assert all(c.body["flags"] & 64 for c in followups)  # follow-ups of a private answer stay private
    assert not final.body["embeds"] and messages[-1]["embeds"][0]["title"] == "Sources"
    assert messages[-1]["components"] and not final.body["components"]  # the buttons go under the end


def test_mentions_in_answers_and_sources_ping_nobody(discord_harness):
    risky = Source("a", "Title @everyone", 3, "The @here crowd and <@&123> cheered.", 0.9, "2023-01")
    h = discord_harness(FakeEngine("Hey @everyone, ask <@&123> or <@42>!"))
    h.bot.retriever.sources = [risky]
    ix = h.ask("Who cheered?")
    final = h.final_edit(ix)
    h.ask("Who cheered again?", private=True)
    wait_for(lambda: len([c for c in h.fake.calls("PATCH") if "embeds" in c.body]) == 2, 5, "both answers")
    sends = [c for c in h.sends() if (c.body.get("data") or c.body).get("content") or c.body.get("embeds")]
    assert len(sends) >= 2
    assert all(c.body["allowed_mentions"]["parse"] == [] for c in sends if "allowed_mentions" in c.body)
    assert all("allowed_mentions" in c.body for c in sends if not c.path.endswith("/callback"))
    shown = final.body["content"] + str(final.body["embeds"])
    assert not re.search(r"@everyone|@here|<@&?\d", shown)  # and they don't even look like mentions


def test_empty_and_overlong_questions_get_a_clear_private_message(discord_harness):
    h = discord_harness()
    cases = {"": phrase("empty_question", "en"), "   ": phrase("empty_question", "en"),
             "x" * 10_000: phrase("too_long", "en", length=10_000, limit=1000)}
    for question, expected in cases.items():
        ix = h.ask(question)
        callback = h.callback(ix)
        assert callback.body == {"type": 4, "data": {"content": expected, "flags": 64,
                                                     "allowed_mentions": {"parse": []}, "tts": False}}
    missing = h.fake.slash("ask", {})  # no option at all: the synced command and the code disagree
    assert h.callback(missing).body["data"]["content"] == phrase("discord_command_outdated", "en")
    h.idle()
    assert h.engine.calls == [] and h.fake.calls("PATCH") == []


def test_a_failing_core_becomes_an_apology_in_the_askers_language(discord_harness):
    h = discord_harness(FakeEngine(error=RuntimeError("boom: internal detail")))
    en = h.ask("What did Borrell say about China?")
    nl = h.ask("Wat zei Borrell over China?")
    final = h.final_edit(en).body
    assert (final["content"], final["embeds"], final["components"]) == (phrase("apology", "en"), [], [])
    assert final["allowed_mentions"] == {"parse": []}
    assert h.final_edit(nl).body["content"] == phrase("apology", "nl")
    assert not any("boom" in str(c.body) for c in h.fake.calls())


def test_a_briefbot_error_shows_its_own_message(discord_harness):
    message = phrase("llm_failed", "en")
    h = discord_harness(FakeEngine(error=LLMError(message)))
    ix = h.ask("What did Borrell say?")
    assert h.final_edit(ix).body["content"] == message


def test_streamed_text_is_edited_in_without_mentions(discord_harness):
    """What streaming shows on Discord, on a clock the test moves (the flow's pacing: test_flow_throttle.py)."""
    parts = [f"word{i} " for i in range(3)]
    h = discord_harness(SteppedEngine(parts))
    h.client.flow.clock = clock = ManualClock()
    ix = h.ask("What did Borrell say?")
    h.callback(ix)
    h.engine.step()  # "word0 " right after the defer: too soon for an edit (Discord: one a 1.5 s)
    clock.advance(1.4)
    h.engine.step()  # "word1 " 1.4 s after the defer: still too soon
    h.engine.ready.acquire(timeout=10)
    assert [c for c in h.calls_for(ix, "PATCH")] == []
    clock.advance(0.2)
    h.engine.go.release()  # "word2 " 1.6 s after: the text so far is edited in
    [progress] = wait_for(lambda: h.calls_for(ix, "PATCH"), 10, "a progress edit with the streamed text")
    assert progress.body["content"].startswith("word0 word1 word2") and progress.body["allowed_mentions"] == {"parse": []}
    clock.advance(1.5)
    h.engine.step()
    assert h.final_edit(ix).body["content"] == "".join(parts).strip()


def test_a_long_rate_limit_on_a_reply_is_reported_to_the_user(discord_harness):
    h = discord_harness()
    h.fake.rate_limit("POST", r"^/channels/\d+/messages$", retry_after=120, times=1)
    h.fake.say("What did Borrell say?")
    calls = h.fake.wait_calls("POST", r"^/channels/\d+/messages$", count=2)
    assert calls[0].status == 429
    assert calls[1].status == 200 and calls[1].body["content"] == phrase("discord_rate_limited", "en", seconds=120)


def test_concurrent_questions_each_get_exactly_one_answer(discord_harness):
    h = discord_harness(FakeEngine(delay_s=0.3), workers=2)
    asks: list[dict] = []
    threads = [threading.Thread(target=lambda i=i: asks.append(h.ask(f"Question {i} about Borrell?"))) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for ix in asks:
        assert h.final_edit(ix).body["content"].startswith("Echo: Question")
    h.idle()
    for ix in asks:
        assert len([c for c in h.calls_for(ix, "PATCH") if "embeds" in c.body]) == 1
    queued = [c for c in h.fake.calls("PATCH") if "in line" in (c.body.get("content") or "")]
    assert queued, "with 2 workers and 8 questions some were told their place in line"


def test_a_core_slower_than_the_deadline_is_replaced_by_the_apology(discord_harness):
    release = threading.Event()
    h = discord_harness(FakeEngine("Too late.", gate=release), answer_timeout_s=0.5)
    ix = h.ask("What did Borrell say?")
    final = h.final_edit(ix)
    assert final.body["content"] == phrase("apology", "en")
    assert h.engine.finished == 0  # the deadline spoke, not the core
    release.set()  # the core finishing later changes nothing the user sees
    wait_for(lambda: h.engine.finished == 1, 5, "the core to finish")
    h.engine.gate = None
    later = h.ask("And about Russia?")  # answered after the late result was dropped
    assert h.final_edit(later).body["content"] == "Too late."
    h.idle()
    assert len([c for c in h.calls_for(ix, "PATCH") if "embeds" in c.body]) == 1

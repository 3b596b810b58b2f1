"""Gateway behaviour end to end: RESUME without double answers, @mentions, buttons, /sources, /about, /reset."""
from __future__ import annotations

import json
import logging
import threading

import pytest

from bot.common.models import Article
from bot.core.bot import Bot
from bot.language.phrases import phrase
from bot.state.store import SQLiteStore
from tests.discord_fake import APP_ID, CHANNEL_ID, GUILD_ID, USER_ID, wait_for
from tests.discord_fake_payloads import THREAD_ID
from tests.fakes import SOURCE, FakeEngine, FakeRetriever

CONVERSATION = f"discord:{GUILD_ID}:{CHANNEL_ID}"
CHANNEL_MESSAGES = rf"^/channels/{CHANNEL_ID}/messages$"


@pytest.mark.parametrize("close_code", [4000, None], ids=["close-4000", "network-drop"])
def test_a_resume_mid_answer_replaying_the_interaction_answers_exactly_once(discord_harness, caplog, close_code):
    caplog.set_level(logging.INFO, logger="briefbot.discord")
    release = threading.Event()  # the core is busy with the question until the session has resumed
    h = discord_harness(FakeEngine("Resumed fine.", gate=release))
    ix = h.ask("What did Borrell say?")
    h.callback(ix)
    # Discord drops the socket mid-answer; on RESUME it replays the interaction (as if its ack was lost),
    # and an event sent while disconnected must arrive too.
    h.fake.drop(close_code, replay_from=ix["_seq"])
    missed = h.ask("And about Russia?")
    wait_for(lambda: h.fake.resumes == 1, 10, "a RESUME")
    release.set()
    assert h.final_edit(ix, timeout=10).body["content"] == "Resumed fine."
    assert h.final_edit(missed, timeout=10).body["content"] == "Resumed fine."
    h.idle()
    for one in (ix, missed):
        assert len([c for c in h.calls_for(one) if c.path.endswith("/callback")]) == 1
        assert len([c for c in h.calls_for(one, "PATCH") if "embeds" in c.body]) == 1
    assert h.fake.identifies == 1  # resumed the session, not a new IDENTIFY
    assert f"ignoring a repeated event id={ix['id']}" in caplog.text  # the replay did arrive, and was dropped
    assert len(h.engine.calls) == 2  # the replayed interaction never reached the core


def test_a_mention_is_answered_in_a_thread_named_after_it_and_others_are_ignored(discord_harness):
    h = discord_harness()
    asked = h.fake.say("What did Borrell say?")
    [reply] = h.fake.wait_calls("POST", rf"^/channels/{asked['id']}/messages$")  # the thread's id is the message's
    [started] = h.fake.calls("POST", r"/threads$")
    assert started.path == f"/channels/{CHANNEL_ID}/messages/{asked['id']}/threads"
    assert started.body["name"] == "What did Borrell say?" and started.status == 201
    assert reply.body["content"] == "Echo: What did Borrell say? [16]" and "message_reference" not in reply.body
    assert reply.body["embeds"][0]["title"] == "Sources" and reply.body["components"]
    assert reply.body["allowed_mentions"] == {"parse": [], "replied_user": False}
    assert h.engine.calls == ["What did Borrell say?"]  # the <@bot> mention is not part of the question
    assert [t.question for t in h.store.turns(f"discord:{GUILD_ID}:{asked['id']}")] == ["What did Borrell say?"]
    assert h.fake.calls("POST", rf"^/channels/{CHANNEL_ID}/typing$")  # "briefbot is typing…" meanwhile

    h.fake.say("What did Borrell say?", mention_bot=False)  # not addressed to the bot
    h.fake.say("What did Borrell say?", author_is_bot=True, author_id=999)  # another bot
    h.fake.say("I am the bot", author_id=APP_ID)  # the bot's own message
    empty = h.fake.say("")
    [usage] = h.fake.wait_calls("POST", CHANNEL_MESSAGES)  # a hint is a reply in the channel: no thread for it
    assert usage.body["content"] == phrase("usage", "en")
    assert str(usage.body["message_reference"]["message_id"]) == empty["id"]
    h.idle()  # the three ignored messages came before the empty one, which has been answered
    assert len(h.fake.calls("POST", r"/threads$")) == 1 and len(h.engine.calls) == 1

    # The bot's managed role is what Discord's autocomplete often inserts for "@briefbot": that asks too.
    by_role = h.fake.say("Who is Borrell?", mention_bot=False, mention_role=True)
    h.fake.wait_calls("POST", rf"^/channels/{by_role['id']}/messages$")
    assert h.engine.calls[-1].endswith("Who is Borrell?") and "<@&" not in h.engine.calls[-1]


def test_a_follow_up_in_the_same_channel_or_thread_shares_the_conversation(discord_harness):
    h = discord_harness()
    h.final_edit(h.ask("What did Borrell say about China?"))
    h.final_edit(h.ask("and what about that?"))
    assert [t.question for t in h.store.turns(CONVERSATION)] == ["What did Borrell say about China?",
                                                                 "and what about that?"]
    asked = h.fake.say("Who is Borrell?")  # a mention opens a thread: a conversation of its own
    h.fake.wait_calls("POST", rf"^/channels/{asked['id']}/messages$")
    h.fake.say("and what did he say?", channel_id=int(asked["id"]))  # mentioned again, in that thread
    h.fake.wait_calls("POST", rf"^/channels/{asked['id']}/messages$", count=2)
    h.idle()
    assert [t.question for t in h.store.turns(f"discord:{GUILD_ID}:{asked['id']}")] == [
        "Who is Borrell?", "and what did he say?"]
    assert len(h.fake.calls("POST", r"/threads$")) == 1
    dm = 1600000000000000006
    h.fake.say("In a direct message?", mention_bot=False, guild_id=None, channel_id=dm)  # DMs need no mention
    [reply] = h.fake.wait_calls("POST", rf"^/channels/{dm}/messages$")
    assert reply.body["content"] == "Echo: In a direct message? [16]"
    h.final_edit(h.ask("In a thread?", channel_id=THREAD_ID))
    h.final_edit(h.ask("And a slash command in the DM?", guild_id=None, channel_id=dm))
    assert [t.question for t in h.store.turns(f"discord:{GUILD_ID}:{THREAD_ID}")] == ["In a thread?"]
    assert [t.question for t in h.store.turns(f"discord:dm:{USER_ID}")] == ["In a direct message?",
                                                                            "And a slash command in the DM?"]


def test_a_feedback_click_is_recorded_and_acknowledged_privately(discord_harness):
    h = discord_harness()
    ix = h.ask("What did Borrell say?")
    h.final_edit(ix)
    message = h.fake.original(ix)
    up = next(b["custom_id"] for row in message["components"] for b in row["components"] if ":up:" in b["custom_id"])
    click = h.fake.click(message, up)
    ack = h.callback(click)
    assert ack.body["type"] == 4 and ack.body["data"]["flags"] == 64
    assert ack.body["data"]["content"] == phrase("thanks", "en")
    [fb] = h.store.feedback()
    assert (fb.vote, fb.user, fb.platform, fb.question) == ("up", str(USER_ID), "discord", "What did Borrell say?")
    assert fb.conversation_id == CONVERSATION and fb.sources[0].paragraph == SOURCE.paragraph

    # A button whose answer the store no longer knows (a click arrives only for a button on the message).
    old_id = up.rsplit(":", 1)[1]
    old = json.loads(json.dumps(message).replace(old_id, "0000000000000000"))
    stale = h.fake.click(old, "briefbot:fb:down:0000000000000000")
    assert h.callback(stale).body["data"]["content"] == phrase("discord_feedback_unknown", "en")
    assert len(h.store.feedback()) == 1


def test_sources_about_and_reset(discord_harness):
    h = discord_harness()
    nothing = h.fake.slash("sources")
    assert h.final_edit(nothing).body["content"] == phrase("no_last_answer", "en")

    h.final_edit(h.ask("What did Borrell say?"))
    sources = h.fake.slash("sources")
    assert h.callback(sources).body == {"type": 5}
    body = h.final_edit(sources).body
    assert "What did Borrell say?" in body["content"]
    [embed] = body["embeds"]
    assert embed["title"].startswith(f"[{SOURCE.label}] China and Russia close ranks")  # the label the text cites
    assert embed["description"] == SOURCE.text and "¶16" in embed["footer"]["text"]

    about = h.fake.slash("about", locale="nl")
    assert h.callback(about).body == {"type": 5, "data": {"flags": 64}}
    embeds = h.final_edit(about).body["embeds"]
    assert embeds[0]["title"] == phrase("discord_about_title", "nl")
    assert "China and Russia close ranks" in embeds[0]["description"] and "2023-03" in embeds[0]["description"]
    assert "/ask" in embeds[1]["description"]

    reset = h.fake.slash("reset")
    assert h.final_edit(reset).body["content"] == phrase("reset", "en")
    assert h.store.turns(CONVERSATION) == []
    again = h.fake.slash("sources")
    assert h.final_edit(again).body["content"] == phrase("no_last_answer", "en")


class NoArticles(FakeRetriever):
    """A knowledge base nobody has ingested anything into yet."""

    def articles(self, scope: object = None) -> list[Article]:
        return []


def test_about_with_an_empty_knowledge_base(discord_harness, tmp_path):
    h = discord_harness(bot=Bot(NoArticles(), FakeEngine(), SQLiteStore(tmp_path / "empty.sqlite3")))
    about = h.fake.slash("about")
    assert h.final_edit(about).body["embeds"][0]["description"] == phrase("discord_about_empty", "en")


def test_sources_after_an_answer_without_passages(discord_harness, tmp_path):
    engine = FakeEngine("I can't find that in the articles.", grounded=False)
    h = discord_harness(bot=Bot(FakeRetriever(sources=()), engine, SQLiteStore(tmp_path / "none.sqlite3")))
    h.final_edit(h.ask("What is the capital of Peru?"))
    assert h.final_edit(h.fake.slash("sources")).body["content"] == phrase("discord_no_sources", "en")

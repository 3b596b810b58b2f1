"""Discord's own surfaces, end to end through the fake Discord: a mention's thread as the conversation, the message
context menu, /ask's suggestions as you type, and forum posts answered with "Mark solved"."""
from __future__ import annotations

from pathlib import Path

from bot.common.models import Source
from bot.core.bot import Bot
from bot.state.store import SQLiteStore
from tests.discord_fake import CHANNEL_ID, FORUM_ID, GUILD_ID, SOLVED_TAG_ID, USER_ID, wait_for
from tests.fakes import SOURCE, FakeEngine, FakeRetriever

SPORT = Source("2006-08-kim-clijsters", "Kim Clijsters wins the US Open", 3, "Clijsters won in 2005.", 0.9)


def channels(tmp_path: Path, text: str) -> str:
    path = tmp_path / "channels.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def sent_to(h, channel: int | str) -> list:
    return [c for c in h.fake.calls("POST", rf"^/channels/{channel}/messages$") if c.status == 200]


def test_a_mentions_thread_is_the_conversation_and_follow_ups_there_need_no_mention(discord_harness, tmp_path):
    h = discord_harness(BRIEFBOT_CHANNELS=channels(tmp_path, "discord: {message_content: true}"))
    asked = h.fake.say("What did Borrell say about China?")
    wait_for(lambda: sent_to(h, asked["id"]), 5, "the answer in the new thread")
    h.fake.say("And what about Russia?", mention_bot=False, channel_id=int(asked["id"]))
    wait_for(lambda: len(sent_to(h, asked["id"])) == 2, 5, "the follow-up's answer")
    h.fake.say("thanks, that helps", mention_bot=False, channel_id=int(asked["id"]))  # not a question
    h.fake.say("Who is Borrell?", mention_bot=False)  # not in a thread the bot is in
    h.idle()
    conversation = f"discord:{GUILD_ID}:{asked['id']}"
    assert [t.question for t in h.store.turns(conversation)] == ["What did Borrell say about China?",
                                                                 "And what about Russia?"]
    assert len(h.engine.calls) == 2 and len(h.fake.calls("POST", r"/threads$")) == 1


def test_ask_briefbot_about_this_message(discord_harness):
    h = discord_harness()
    said = h.fake.say("Did Xi Jinping visit Moscow in March?", mention_bot=False)  # someone else's message
    ix = h.fake.message_command("Ask briefbot about this", said)
    assert h.callback(ix).body == {"type": 5}  # deferred, in the channel, like /ask
    final = h.final_edit(ix)
    assert final.body["content"] == "Echo: Did Xi Jinping visit Moscow in March? [16]"
    assert final.body["embeds"] and final.body["components"]
    assert h.engine.calls == ["Did Xi Jinping visit Moscow in March?"]  # the content came with the interaction


def test_ask_suggests_questions_from_the_channels_articles(discord_harness, tmp_path):
    retriever = FakeRetriever([SOURCE, SPORT], tags={SPORT.article: ("sport",)})
    bot = Bot(retriever, FakeEngine(), SQLiteStore(tmp_path / "suggest.sqlite3"))  # the harness closes its store
    h = discord_harness(bot=bot, BRIEFBOT_CHANNELS=channels(
        tmp_path, f"discord: {{channels: {{{CHANNEL_ID}: {{tags: [sport]}}}}}}"))
    typed = h.fake.autocomplete("ask", {"question": "clijsters"}, "question", guild_id=None)  # a DM: every article
    wait_for(lambda: h.fake.interactions[typed["id"]].choices is not None, 5, "the suggestions")
    choices = [c["name"] for c in h.fake.interactions[typed["id"]].choices or []]
    assert choices[0] == "clijsters"  # what was typed, to send as it is
    assert choices[1] == "What does the article “Kim Clijsters wins the US Open” say?"  # the best match next
    assert any("China and Russia" in c for c in choices) and all(len(c) <= 100 for c in choices)

    scoped = h.fake.autocomplete("ask", {"question": ""}, "question", locale="nl")  # the sport channel, in Dutch
    wait_for(lambda: h.fake.interactions[scoped["id"]].choices is not None, 5, "the channel's suggestions")
    assert [c["value"] for c in h.fake.interactions[scoped["id"]].choices or []] == [
        "Wat staat er in het artikel „Kim Clijsters wins the US Open”?"]


def test_a_forum_post_is_answered_in_the_post_and_its_author_can_mark_it_solved(discord_harness, tmp_path):
    h = discord_harness(BRIEFBOT_CHANNELS=channels(
        tmp_path, f"discord: {{channels: {{{FORUM_ID}: {{answer_all: true}}}}}}"))
    post = h.fake.post_forum("Deported children", "How many deported children does the conference aim to trace?")
    thread = int(post["id"])
    [answer] = wait_for(lambda: sent_to(h, thread), 5, "the answer in the post")
    assert h.engine.calls == ["Deported children. How many deported children does the conference aim to trace?"]
    buttons = [b["custom_id"] for row in answer.body["components"] for b in row["components"]]
    assert f"briefbot:solved:{thread}" in buttons and any(b.startswith("briefbot:fb:up:") for b in buttons)
    message = h.fake.messages[next(iter(m for m, v in h.fake.messages.items() if v["channel_id"] == str(thread)))]

    other = h.fake.click(message, f"briefbot:solved:{thread}", user_id=1400000000000000777, channel_id=thread)
    assert "Only the post's author" in h.callback(other).body["data"]["content"]
    assert h.fake.calls("PATCH", rf"^/channels/{thread}$") == []

    mine = h.fake.click(message, f"briefbot:solved:{thread}", user_id=USER_ID, channel_id=thread)
    assert h.callback(mine).body["data"] == {"content": "✅ Marked as solved.", "flags": 64,
                                             "allowed_mentions": {"parse": []}, "tts": False}
    [tagged] = h.fake.calls("PATCH", rf"^/channels/{thread}$")
    assert tagged.body["applied_tags"] == [str(SOLVED_TAG_ID)]


def test_a_forum_post_the_articles_do_not_answer_gets_nothing(discord_harness, tmp_path):
    h = discord_harness(FakeEngine("Not in the articles.", grounded=False), BRIEFBOT_CHANNELS=channels(
        tmp_path, f"discord: {{channels: {{{FORUM_ID}: {{answer_all: true}}}}}}"))
    post = h.fake.post_forum("Printer on floor 3", "The printer on the third floor is jammed again, who can fix it?")
    wait_for(lambda: h.engine.finished == 1, 5, "the post to be read")
    h.idle()
    assert sent_to(h, post["id"]) == []

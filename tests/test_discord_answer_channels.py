"""Answer channels on Discord, end to end: with the privileged Message Content intent, a listed channel's questions
are answered without a mention in a new thread named after them — only when grounded; statements and unanswerable
questions get nothing, unlisted channels are not read, follow-ups in the thread need no mention."""
from __future__ import annotations

from pathlib import Path

from tests.discord_fake import ASK_CHANNEL_ID, CHANNEL_ID, GUILD_ID, MESSAGE_CONTENT, wait_for
from tests.fakes import FakeEngine

ANSWER_CHANNEL = f"discord:\n  channels:\n    {ASK_CHANNEL_ID}: {{answer_all: true}}\n"


def channels(tmp_path: Path, text: str = ANSWER_CHANNEL) -> str:
    path = tmp_path / "channels.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def threads_started(h) -> list:
    return [c for c in h.fake.calls("POST", r"^/channels/\d+/messages/\d+/threads$") if c.status == 201]


def sent_to(h, channel: int | str) -> list:
    return [c for c in h.fake.calls("POST", rf"^/channels/{channel}/messages$") if c.status == 200]


def test_a_question_is_answered_in_a_new_thread_named_after_it(discord_harness, tmp_path):
    h = discord_harness(BRIEFBOT_CHANNELS=channels(tmp_path))
    assert h.fake.intents & MESSAGE_CONTENT  # asked for, since there is an answer channel
    asked = h.fake.say("What did Borrell say about China?", mention_bot=False, channel_id=ASK_CHANNEL_ID)
    [answer] = wait_for(lambda: sent_to(h, asked["id"]), 5, "the answer in the new thread")
    [started] = threads_started(h)
    assert started.path == f"/channels/{ASK_CHANNEL_ID}/messages/{asked['id']}/threads"
    assert started.body["name"] == "What did Borrell say about China?"
    assert answer.body["content"] == "Echo: What did Borrell say about China? [16]"
    assert answer.body["embeds"] and answer.body["components"]  # sources, and the feedback buttons
    assert "message_reference" not in answer.body
    assert h.fake.calls("POST", r"/typing$") == []  # quiet: no "typing…" that might end in nothing

    h.fake.say("And what did he say about Russia?", mention_bot=False, channel_id=int(asked["id"]))  # no mention
    wait_for(lambda: len(sent_to(h, asked["id"])) == 2, 5, "the follow-up's answer in the thread")
    h.idle()
    turns = h.store.turns(f"discord:{GUILD_ID}:{asked['id']}")
    assert [t.question for t in turns] == ["What did Borrell say about China?", "And what did he say about Russia?"]
    assert len(threads_started(h)) == 1


def test_statements_unanswerable_questions_and_other_channels_get_nothing(discord_harness, tmp_path):
    h = discord_harness(FakeEngine("Not in the articles.", grounded=False), BRIEFBOT_CHANNELS=channels(tmp_path))
    for line in ("The summit starts at ten.", "thanks all!", "Wat een dag!"):
        h.fake.say(line, mention_bot=False, channel_id=ASK_CHANNEL_ID)
    h.fake.say("What did Borrell say about China?", mention_bot=False, channel_id=CHANNEL_ID)  # not listed
    h.fake.say("How many NATO troops are in Poland?", mention_bot=False, channel_id=ASK_CHANNEL_ID)
    wait_for(lambda: h.engine.finished == 1, 5, "the one question to be read")
    h.idle()
    assert h.engine.calls == ["How many NATO troops are in Poland?"]
    assert threads_started(h) == [] and [c for c in h.fake.calls("POST") if "/messages" in c.path] == []


def test_without_answer_channels_the_intent_is_not_asked_for_and_nothing_unprompted_is_read(discord_harness):
    h = discord_harness()
    assert not h.fake.intents & MESSAGE_CONTENT
    h.fake.say("What did Borrell say about China?", mention_bot=False, channel_id=ASK_CHANNEL_ID)
    mention = h.fake.say("What did Borrell say about China?")  # a mention still works (in a thread of its own)
    wait_for(lambda: sent_to(h, mention["id"]), 5, "the mention's answer")
    h.idle()
    assert h.engine.calls == ["What did Borrell say about China?"]


def test_a_replayed_message_is_answered_once(discord_harness, tmp_path):
    h = discord_harness(BRIEFBOT_CHANNELS=channels(tmp_path))
    asked = h.fake.say("Who is Josep Borrell?", mention_bot=False, channel_id=ASK_CHANNEL_ID)
    h.fake.drop(4000, replay_from=asked["_seq"])  # the gateway resumes and sends it again
    wait_for(lambda: h.fake.resumes >= 1, 10, "the RESUME")
    wait_for(lambda: sent_to(h, asked["id"]), 5, "the answer")
    h.idle()
    assert len(sent_to(h, asked["id"])) == 1 and len(h.engine.calls) == 1

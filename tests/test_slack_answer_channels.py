"""Answer channels on Slack, end to end: in a listed channel every new top-level question is answered in a thread
without a mention — only when the answer is grounded; statements, chit-chat and unanswerable questions get nothing,
unlisted channels are never read, and follow-ups in the thread need no mention."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes import FakeEngine
from tests.slack_fake import BOT_USER_ID, TEAM_ID, wait_for
from tests.slack_harness import HttpSlack, event_body, mention, new_ts

pytestmark = pytest.mark.slow


@pytest.fixture
def slack(tmp_path: Path):
    path = tmp_path / "channels.yaml"
    path.write_text("slack:\n  channels:\n    C0ASK: {answer_all: true}\n    C0QUIET: {}\n", encoding="utf-8")
    harness = HttpSlack(tmp_path, BRIEFBOT_CHANNELS=str(path))
    yield harness
    harness.close()


def said(text: str, *, channel: str = "C0ASK", ts: str | None = None, thread_ts: str | None = None,
         user: str = "U0USER") -> dict:
    """A `message.channels` event: somebody writes in a channel, no mention."""
    event = {"type": "message", "channel_type": "channel", "user": user, "text": text, "ts": ts or new_ts(),
             "channel": channel, "team": TEAM_ID}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_body(event)


def posts(h: HttpSlack) -> list:
    return h.api.calls("chat.postMessage")


def settled(h: HttpSlack) -> None:
    """Every question the adapter took is finished (answered, or dropped in silence)."""
    listeners = h.web.state.bolt.briefbot_listeners
    wait_for(lambda: listeners.pending == 0, what="the flow to finish")
    h.api.quiet()


def test_a_question_is_answered_in_a_thread_without_a_mention(slack):
    payload = said("What did Borrell say about China?")
    assert slack.send(payload).status == 200
    [answer] = wait_for(lambda: posts(slack), what="the answer")
    assert answer.body["channel"] == "C0ASK" and answer.body["thread_ts"] == payload["event"]["ts"]
    buttons = ("actions", "context_actions")
    assert any(b["type"] in buttons for b in answer.body["blocks"])  # the answer itself: no placeholder first
    assert "Echo: What did Borrell say about China?" in answer.body["text"]
    settled(slack)
    assert len(posts(slack)) == 1 and slack.api.calls("chat.update") == []

    follow = said("And what about Russia?", thread_ts=payload["event"]["ts"])  # no mention, in its thread
    slack.send(follow)
    wait_for(lambda: len(posts(slack)) == 2, what="the follow-up's answer")
    assert posts(slack)[1].body["thread_ts"] == payload["event"]["ts"]
    settled(slack)
    conversation = f"slack:{TEAM_ID}:C0ASK:{payload['event']['ts']}"
    assert [t.question for t in slack.store.turns(conversation)] == ["What did Borrell say about China?",
                                                                     "And what about Russia?"]


def test_statements_chit_chat_and_unanswerable_questions_get_nothing(slack):
    for line in ("The summit starts at ten tomorrow.", "thanks all!", "Wat een dag!", "lol"):
        slack.send(said(line))
    settled(slack)
    assert slack.engine.calls == [] and posts(slack) == []

    slack.bot.engine = engine = FakeEngine("I can't find that in the articles.", grounded=False)
    slack.send(said("How many NATO troops are stationed in Poland?"))
    wait_for(lambda: engine.finished == 1, what="the engine to be asked")
    settled(slack)
    assert posts(slack) == [] and slack.api.calls("chat.update") == []  # a refusal stays silent


def test_unlisted_channels_are_never_read_and_other_threads_are_left_alone(slack):
    slack.send(said("What did Borrell say about China?", channel="C0GENERAL"))  # not listed
    slack.send(said("What did Borrell say about China?", channel="C0QUIET"))  # listed, but mentions only
    slack.send(said("Who is Borrell?", thread_ts=new_ts()))  # a thread the bot never answered in
    settled(slack)
    assert slack.engine.calls == [] and posts(slack) == []


def test_a_mention_in_an_answer_channel_is_answered_once_and_not_quietly(slack):
    ts = new_ts()
    text = f"<@{BOT_USER_ID}> What did Borrell say about China?"
    slack.send(mention("What did Borrell say about China?", channel="C0ASK", ts=ts))
    slack.send(said(text, ts=ts))  # Slack delivers the same message as message.channels too
    slack.send(said("What did Borrell say about China?", ts=(again := new_ts())))
    slack.send(said("What did Borrell say about China?", ts=again))  # a redelivery
    wait_for(lambda: len(slack.engine.calls) == 2, what="both questions")
    settled(slack)
    threads = [p.body["thread_ts"] for p in posts(slack)]
    assert threads.count(ts) == 1 and threads.count(again) == 1  # the mention: a placeholder, edited
    assert json.dumps(slack.api.calls("chat.update")[-1].body).count("Echo:") >= 1

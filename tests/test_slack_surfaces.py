"""Slack's message shortcut and the Agents & AI Apps split view (bolt's Assistant), end to end through the fake
Slack: signed interaction and event payloads in, Web API calls out."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.slack_fake import TEAM_ID, wait_for
from tests.slack_harness import HttpSlack, event_body, new_ts

pytestmark = pytest.mark.slow


def message_shortcut(text: str, *, user: str = "U0OTHER", channel: str = "C0CHAN", ts: str | None = None,
                     thread_ts: str | None = None) -> dict:
    """Somebody picks "Ask briefbot about this message" on a message (a `message_action` interaction)."""
    message = {"type": "message", "user": "U0USER", "text": text, "ts": ts or new_ts()}
    if thread_ts:
        message["thread_ts"] = thread_ts
    return {"type": "message_action", "callback_id": "briefbot_ask_about", "trigger_id": "7.8.9",
            "team": {"id": TEAM_ID, "domain": "fake"}, "user": {"id": user, "username": "asker", "team_id": TEAM_ID},
            "channel": {"id": channel, "name": "general"}, "message": message, "message_ts": message["ts"],
            "token": "legacy", "action_ts": str(time.time()), "response_url": ""}


def test_ask_briefbot_about_this_message_answers_in_its_thread(http_slack):
    shortcut = message_shortcut("Did Xi Jinping visit Moscow in March?")
    assert http_slack.send(shortcut, form=True).status == 200
    placeholder = http_slack.api.wait_calls("chat.postMessage")[0]
    assert placeholder.body["thread_ts"] == shortcut["message"]["ts"]  # under the message asked about
    final = http_slack.answer_to(placeholder.response["ts"])
    assert "Echo: Did Xi Jinping visit Moscow in March?" in final["text"]
    http_slack.send(shortcut, form=True)  # the same person again: answered once
    in_thread = message_shortcut("Was Putin there?", thread_ts=(root := new_ts()))
    http_slack.send(in_thread, form=True)  # a message inside a thread: the answer joins that thread
    wait_for(lambda: len(http_slack.api.calls("chat.postMessage")) == 2, what="the second question")
    assert http_slack.api.calls("chat.postMessage")[1].body["thread_ts"] == root
    http_slack.answer_to(http_slack.placeholder_ts(1))
    http_slack.api.quiet()
    assert len(http_slack.engine.calls) == 2 and http_slack.engine.calls[0] == "Did Xi Jinping visit Moscow in March?"
    assert http_slack.retriever.scopes == [None, None]


def test_a_message_without_text_gets_how_to_ask(http_slack):
    http_slack.send(message_shortcut(""), form=True)
    placeholder = http_slack.api.wait_calls("chat.postMessage")[0]
    assert placeholder.body["text"].startswith("Ask me a question about the news articles")
    assert http_slack.engine.calls == []


@pytest.fixture
def assistant(tmp_path: Path):
    path = tmp_path / "channels.yaml"
    path.write_text("slack:\n  assistant: {language: nl}\n", encoding="utf-8")
    harness = HttpSlack(tmp_path, BRIEFBOT_CHANNELS=str(path))
    yield harness
    harness.close()


def thread_started(thread_ts: str, channel: str = "D0DM") -> dict:
    return event_body({"type": "assistant_thread_started", "event_ts": new_ts(), "assistant_thread": {
        "user_id": "U0USER", "channel_id": channel, "thread_ts": thread_ts,
        "context": {"channel_id": "C0CHAN", "team_id": TEAM_ID, "enterprise_id": None}}})


def in_thread(text: str, thread_ts: str, channel: str = "D0DM") -> dict:
    ts = new_ts()
    return event_body({"type": "message", "channel_type": "im", "user": "U0USER", "text": text, "ts": ts,
                       "thread_ts": thread_ts, "channel": channel, "team": TEAM_ID, "event_ts": ts})


def test_the_assistant_view_suggests_questions_and_titles_the_thread(assistant):
    root = new_ts()
    assert assistant.send(thread_started(root)).status == 200
    [prompts] = assistant.api.wait_calls("assistant.threads.setSuggestedPrompts")
    assert (prompts.body["channel_id"], prompts.body["thread_ts"]) == ("D0DM", root)
    assert prompts.body["title"] == "Vraag iets over de nieuwsartikelen"
    [prompt] = prompts.body["prompts"]  # one article in the (fake) knowledge base
    assert prompt["message"] == ("Wat staat er in het artikel „China and Russia close ranks; the EU defends "
                                 "multilateralism (descriptive title)”?")
    assert len(prompt["title"]) <= 50

    assistant.send(in_thread("Wat zei Borrell over China?", root))
    [title] = assistant.api.wait_calls("assistant.threads.setTitle")
    assert (title.body["thread_ts"], title.body["title"]) == (root, "Wat zei Borrell over China?")
    placeholder = assistant.api.wait_calls("chat.postMessage")[0]
    assert placeholder.body["channel"] == "D0DM" and placeholder.body["thread_ts"] == root
    assistant.answer_to(placeholder.response["ts"])
    assistant.send(in_thread("En over Rusland?", root))
    assistant.answer_to(assistant.placeholder_ts(1))
    assistant.api.quiet()
    assert len(assistant.api.calls("assistant.threads.setTitle")) == 1  # titled once, with the first question
    conversation = f"slack:{TEAM_ID}:D0DM:{root}"
    assert [t.question for t in assistant.store.turns(conversation)] == ["Wat zei Borrell over China?",
                                                                         "En over Rusland?"]


def test_without_the_assistant_a_dm_thread_is_still_answered_untitled(http_slack):
    root = new_ts()
    http_slack.send(in_thread("What did Borrell say about China?", root))
    http_slack.answer_to(http_slack.placeholder_ts())
    http_slack.api.quiet()
    assert http_slack.api.calls("assistant.threads.setTitle") == []
    assert json.dumps(http_slack.api.calls("chat.postMessage")[0].body).count(root) == 1
